//! Playlists through the service: real music files in temporary folders, a real SQLite file,
//! playlist files written the way other players write them.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use segue_core::{EntryStatus, ImportNote, PlaylistEntry, TrackId, UnmatchedReason};
use segue_service::{Service, ServiceError};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn fixture(name: &str) -> PathBuf {
    root().join("tests/fixtures/playlists").join(name)
}

fn demo(relative: &str) -> PathBuf {
    root().join("assets/demo").join(relative)
}

fn scanned(service: &Service) {
    let never = AtomicBool::new(false);
    service.scan(&[], &never, &mut |_| {}).expect("scan");
}

/// A library of `files` (demo file, where it goes under `music/`) in `dir`.
fn library(dir: &Path, files: &[(&str, &str)]) -> Service {
    let music = dir.join("music");
    for (from, to) in files {
        let to = music.join(to);
        std::fs::create_dir_all(to.parent().expect("folder")).expect("mkdir");
        std::fs::copy(demo(from), &to).expect("copy");
    }
    let service = Service::open(&dir.join("library.sqlite")).expect("open");
    service.add_folders(&[music]).expect("folder");
    scanned(&service);
    service
}

/// The demo library itself (the fixtures' relative paths lead to it).
fn demo_library(dir: &Path) -> Service {
    let service = Service::open(&dir.join("library.sqlite")).expect("open");
    service
        .add_folders(&[root().join("assets/demo")])
        .expect("folder");
    scanned(&service);
    service
}

fn id_of(service: &Service, title: &str) -> TrackId {
    service
        .tracks(None, None)
        .expect("tracks")
        .into_iter()
        .find(|t| t.tags.title == title)
        .unwrap_or_else(|| panic!("no track {title}"))
        .id
}

fn titles(entries: &[PlaylistEntry]) -> Vec<String> {
    entries
        .iter()
        .map(|e| match (&e.track, &e.source) {
            (Some(t), _) => t.title.clone(),
            (None, Some(s)) => format!("? {}", s.location),
            (None, None) => "?".into(),
        })
        .collect()
}

fn kind(error: ServiceError) -> &'static str {
    error.kind()
}

const THREE: [(&str, &str); 3] = [
    (
        "Muldjord/Frets on Fire Soundtrack/01 Armygeddon.mp3",
        "A/01 Armygeddon.mp3",
    ),
    (
        "Wansti/SuperTux Soundtrack/02 Forest Dance.opus",
        "A/02 Forest Dance.opus",
    ),
    (
        "Shawn Parrotte/HyperRogue Soundtrack/01 Hell.ogg",
        "A/03 Hell.ogg",
    ),
];

#[test]
fn a_playlist_is_made_edited_and_listed_through_the_service() {
    let dir = tempfile::tempdir().expect("tempdir");
    let service = library(dir.path(), &THREE);
    let (army, forest, hell) = (
        id_of(&service, "Armygeddon"),
        id_of(&service, "Forest Dance"),
        id_of(&service, "Hell"),
    );
    let list = service.create_playlist("Evening", &[hell]).expect("create");
    let added = service
        .add_to_playlist(list.id, &[army, forest, army], None)
        .expect("add many");
    assert_eq!(added.len(), 3);
    service
        .add_to_playlist(list.id, &[forest], Some(0))
        .expect("add at the front");
    let entries = service.playlist_entries(list.id).expect("entries");
    assert_eq!(
        titles(&entries),
        [
            "Forest Dance",
            "Hell",
            "Armygeddon",
            "Forest Dance",
            "Armygeddon"
        ]
    );
    service
        .remove_from_playlist(list.id, &[entries[3].id])
        .expect("remove");
    service
        .move_in_playlist(list.id, &[entries[0].id], 3)
        .expect("move");
    let entries = service.playlist_entries(list.id).expect("entries");
    assert_eq!(
        titles(&entries),
        ["Hell", "Armygeddon", "Armygeddon", "Forest Dance"]
    );

    let renamed = service.rename_playlist(list.id, "Night").expect("rename");
    assert_eq!((renamed.id, renamed.name.as_str()), (list.id, "Night"));
    let copy = service
        .duplicate_playlist(list.id, "Night (copy)")
        .expect("duplicate");
    assert_eq!(copy.entry_count, 4);
    let durations: u64 = entries
        .iter()
        .filter_map(|e| e.track.as_ref())
        .map(|t| t.duration_ms)
        .sum();
    let listed = service.playlists().expect("list");
    assert_eq!(
        listed
            .iter()
            .map(|p| (p.name.as_str(), p.entry_count, p.duration_ms))
            .collect::<Vec<_>>(),
        [("Night", 4, durations), ("Night (copy)", 4, durations)]
    );
    assert_eq!(
        service.playlist_named("NIGHT").expect("by name").id,
        list.id
    );
    service.delete_playlist(copy.id).expect("delete");
    assert_eq!(service.playlists().expect("list").len(), 1);
    assert_eq!(service.stats().expect("stats").tracks, 3);
}

#[test]
fn refused_playlist_changes_reach_the_ui_with_a_kind_and_change_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let service = library(dir.path(), &THREE[..1]);
    let army = id_of(&service, "Armygeddon");
    let list = service.create_playlist("Mine", &[army]).expect("create");
    let entry = service.playlist_entries(list.id).expect("entries")[0].id;

    let refused = |result: Result<(), ServiceError>| kind(result.expect_err("refused"));
    assert_eq!(
        refused(service.create_playlist(" mine ", &[]).map(drop)),
        "name_taken"
    );
    assert_eq!(
        refused(service.create_playlist("  ", &[]).map(drop)),
        "invalid_input"
    );
    assert_eq!(
        refused(service.add_to_playlist(list.id, &[army], Some(5)).map(drop)),
        "invalid_input"
    );
    assert_eq!(
        refused(service.add_to_playlist(list.id, &[424_242], None).map(drop)),
        "not_found"
    );
    assert_eq!(
        refused(service.playlist_named("Yours").map(drop)),
        "not_found"
    );
    service
        .remove_from_playlist(list.id, &[entry])
        .expect("remove");
    assert_eq!(
        refused(service.remove_from_playlist(list.id, &[entry])),
        "not_found",
        "an entry another window removed"
    );
    let message = service
        .create_playlist("MINE", &[])
        .expect_err("taken")
        .to_string();
    assert!(message.contains("already a playlist called"), "{message}");
    assert_eq!(service.playlists().expect("list").len(), 1);
}

#[test]
fn a_playlist_keeps_its_entries_when_files_move_and_reports_missing_ones() {
    let dir = tempfile::tempdir().expect("tempdir");
    let service = library(dir.path(), &THREE);
    let ids: Vec<TrackId> = ["Armygeddon", "Forest Dance", "Hell"]
        .iter()
        .map(|t| id_of(&service, t))
        .collect();
    let list = service.create_playlist("Moves", &ids).expect("create");
    let music = dir.path().join("music");

    // One file moves to another folder under a new name; another is deleted.
    std::fs::create_dir_all(music.join("B")).expect("mkdir");
    std::fs::rename(
        music.join("A/01 Armygeddon.mp3"),
        music.join("B/Armygeddon (2004).mp3"),
    )
    .expect("move");
    std::fs::remove_file(music.join("A/02 Forest Dance.opus")).expect("delete");
    scanned(&service);

    let entries = service.playlist_entries(list.id).expect("entries");
    assert_eq!(titles(&entries), ["Armygeddon", "Forest Dance", "Hell"]);
    assert_eq!(
        entries.iter().map(|e| e.status).collect::<Vec<_>>(),
        [
            EntryStatus::Available,
            EntryStatus::Missing,
            EntryStatus::Available
        ]
    );
    assert_eq!(entries[0].track.as_ref().map(|t| t.id), Some(ids[0]));
    let summary = service.playlist(list.id).expect("summary");
    assert_eq!((summary.entry_count, summary.unavailable_count), (3, 1));

    // Exported next to the music: relative paths, the moved file at its new place.
    let playlists = dir.path().join("Playlists");
    std::fs::create_dir(&playlists).expect("mkdir");
    let report = service
        .export_playlist(list.id, &playlists.join("moves.m3u8"), false)
        .expect("export");
    assert_eq!((report.entries, report.relative), (3, 3));
    let text = std::fs::read_to_string(playlists.join("moves.m3u8")).expect("read");
    assert!(
        text.contains("#EXTINF:40,Muldjord - Armygeddon\n../music/B/Armygeddon (2004).mp3\n"),
        "{text}"
    );

    // The missing file comes back: the entry plays again.
    std::fs::copy(demo(THREE[1].0), music.join("A/02 Forest Dance.opus")).expect("restore");
    scanned(&service);
    let entries = service.playlist_entries(list.id).expect("entries");
    assert!(entries.iter().all(|e| e.status == EntryStatus::Available));
}

/// What identifies an entry across an export and an import: its track, or for an
/// unresolved entry the title and duration the file gave.
fn identities(entries: &[PlaylistEntry]) -> Vec<(Option<TrackId>, Option<String>, Option<u64>)> {
    entries
        .iter()
        .map(|e| match (&e.track, &e.source) {
            (Some(t), _) => (Some(t.id), None, None),
            (None, Some(s)) => (None, s.title.clone(), s.duration_ms),
            (None, None) => (None, None, None),
        })
        .collect()
}

#[test]
fn playlists_from_other_players_round_trip_through_import_and_export() {
    let dir = tempfile::tempdir().expect("tempdir");
    let service = demo_library(dir.path());
    let out = dir.path().join("exported");
    std::fs::create_dir(&out).expect("mkdir");
    let cases = [
        ("foobar2000.m3u8", 5, 1),
        ("vlc.m3u8", 4, 1),
        ("strawberry.m3u", 3, 0),
        ("musicbee.m3u", 5, 1),
        ("legacy-windows-1252.m3u", 2, 1),
    ];
    for (file, entries, unmatched) in cases {
        let imported = service
            .import_playlist(&fixture(file), None)
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        let name = imported.playlist.name.clone();
        assert_eq!(name, file.rsplit_once('.').expect("extension").0);
        assert_eq!(imported.playlist.entry_count, entries, "{file}");
        assert_eq!(
            imported.unmatched.len(),
            unmatched,
            "{file}: {:?}",
            imported.unmatched
        );
        let first = service
            .playlist_entries(imported.playlist.id)
            .expect("entries");

        // Export, import the export, export again: the same entries, the same file.
        let once = out.join(format!("{name}.m3u8"));
        service
            .export_playlist(imported.playlist.id, &once, false)
            .expect("export");
        let again = service
            .import_playlist(&once, Some(&format!("{name} again")))
            .expect("import the export");
        let second = service
            .playlist_entries(again.playlist.id)
            .expect("entries");
        assert_eq!(identities(&second), identities(&first), "{file}");
        let twice = out.join(format!("{name} again.m3u8"));
        service
            .export_playlist(again.playlist.id, &twice, false)
            .expect("export again");
        assert_eq!(
            std::fs::read_to_string(&twice).expect("read"),
            std::fs::read_to_string(&once).expect("read"),
            "{file}"
        );
    }

    // What each import said: VLC's stream and foobar2000's absent file are kept, with why.
    let vlc = service.playlist_named("vlc").expect("vlc");
    let entries = service.playlist_entries(vlc.id).expect("entries");
    assert_eq!(entries[3].status, EntryStatus::Unresolved);
    assert_eq!(
        entries[3].source.as_ref().map(|s| s.location.as_str()),
        Some("https://radio.example/zo%C3%AB.ogg")
    );
    let text = std::fs::read_to_string(out.join("vlc.m3u8")).expect("read");
    assert!(
        text.ends_with("#EXTINF:-1,Radio Zoë\nhttps://radio.example/zo%C3%AB.ogg\n"),
        "{text}"
    );
    let musicbee = service
        .import_playlist(&fixture("musicbee.m3u"), Some("MusicBee, reported"))
        .expect("import");
    assert_eq!(
        (
            musicbee.matched_by_path,
            musicbee.matched_by_path_suffix,
            musicbee.matched_by_tags
        ),
        (0, 3, 1)
    );
    assert_eq!(musicbee.unmatched[0].line, 11);
    assert_eq!(musicbee.unmatched[0].position, 4);
    assert_eq!(musicbee.unmatched[0].reason, UnmatchedReason::NotInLibrary);
    let legacy = service
        .import_playlist(
            &fixture("legacy-windows-1252.m3u"),
            Some("Legacy, reported"),
        )
        .expect("import");
    assert_eq!(legacy.notes, [ImportNote::ReadAsWindows1252]);
    assert_eq!(
        legacy.unmatched[0].location,
        "C:\\Musik\\Zoë\\Café – Œuvre.mp3"
    );
}

#[test]
fn non_ascii_names_match_from_utf8_legacy_and_url_playlists() {
    let dir = tempfile::tempdir().expect("tempdir");
    let service = library(
        dir.path(),
        &[(
            "Wansti/SuperTux Soundtrack/03 The Cave (Milestone 2 Version).ogg",
            "Zoë/Café del Mar/01 Ünïcode.ogg",
        )],
    );
    let cave = id_of(&service, "The Cave (Milestone 2 Version)");
    let playlists = dir.path().join("Playlists");
    std::fs::create_dir(&playlists).expect("mkdir");
    let write = |name: &str, bytes: &[u8]| {
        let file = playlists.join(name);
        std::fs::write(&file, bytes).expect("write");
        file
    };
    let files = [
        write(
            "utf8.m3u8",
            "#EXTM3U\n../music/Zoë/Café del Mar/01 Ünïcode.ogg\n".as_bytes(),
        ),
        write(
            "legacy.m3u",
            b"..\\music\\Zo\xeb\\Caf\xe9 del Mar\\01 \xdcn\xefcode.ogg\r\n",
        ),
        write(
            "url.m3u8",
            format!(
                "file://{}/music/Zo%C3%AB/Caf%C3%A9%20del%20Mar/01%20%C3%9Cn%C3%AFcode.ogg\n",
                std::fs::canonicalize(dir.path())
                    .expect("canonical")
                    .display()
            )
            .as_bytes(),
        ),
    ];
    for file in &files {
        let report = service.import_playlist(file, None).expect("import");
        assert_eq!(report.matched_by_path, 1, "{}: {report:?}", file.display());
        let entries = service
            .playlist_entries(report.playlist.id)
            .expect("entries");
        assert_eq!(entries[0].track.as_ref().map(|t| t.id), Some(cave));
    }
}

#[test]
fn a_bad_playlist_file_is_a_clear_error_and_creates_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let service = library(dir.path(), &THREE[..1]);
    let at = |name: &str| dir.path().join(name);
    std::fs::write(at("binary.m3u"), b"\x00\x01\x02garbage").expect("write");
    std::fs::write(at("legacy.m3u8"), b"Caf\xe9.mp3\n").expect("write");
    std::fs::write(at("taken.m3u8"), "music/A/01 Armygeddon.mp3\n").expect("write");
    std::fs::create_dir(at("folder.m3u8")).expect("mkdir");
    service.create_playlist("taken", &[]).expect("create");

    let import = |name: &str| {
        service
            .import_playlist(&at(name), None)
            .expect_err("refused")
    };
    assert_eq!(import("missing.m3u").kind(), "not_found");
    assert_eq!(import("folder.m3u8").kind(), "bad_playlist_file");
    assert_eq!(import("binary.m3u").kind(), "bad_playlist_file");
    let legacy = import("legacy.m3u8");
    assert_eq!(legacy.kind(), "bad_playlist_file");
    assert!(legacy.to_string().contains("not UTF-8"), "{legacy}");
    assert_eq!(import("taken.m3u8").kind(), "name_taken");
    assert_eq!(service.playlists().expect("list").len(), 1);
    let report = service
        .import_playlist(&at("taken.m3u8"), Some("Another name"))
        .expect("import under another name");
    assert_eq!(report.matched_by_path, 1);

    // Export never replaces a file unasked.
    std::fs::write(at("keep.m3u8"), "mine\n").expect("write");
    let refused = service
        .export_playlist(report.playlist.id, &at("keep.m3u8"), false)
        .expect_err("exists");
    assert_eq!(refused.kind(), "file_exists");
    assert_eq!(
        std::fs::read_to_string(at("keep.m3u8")).expect("read"),
        "mine\n"
    );
}
