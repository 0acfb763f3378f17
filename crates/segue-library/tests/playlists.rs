//! Playlist files written the way other players write them, read and matched against the demo
//! library scanned into a real database; bad playlist files; writing without losing a file.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use segue_core::{ImportNote, UnmatchedReason};
use segue_library::m3u::{PlaylistFileError, Target, read_m3u, write_m3u8};
use segue_library::playlist_match::{LibraryIndex, MatchedBy};
use segue_library::{ScanOptions, scan};
use segue_store::{ExportRow, Store};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn fixture(name: &str) -> PathBuf {
    root().join("tests/fixtures/playlists").join(name)
}

/// The demo library scanned into a database in `dir`.
fn demo_library(dir: &Path) -> Store {
    let mut store = Store::open(&dir.join("library.sqlite")).expect("open");
    let demo = std::fs::canonicalize(root().join("assets/demo")).expect("demo");
    store.add_root(&demo).expect("root");
    let never = AtomicBool::new(false);
    scan(
        &mut store,
        &[demo],
        &ScanOptions::default(),
        &never,
        &mut |_| {},
    )
    .expect("scan");
    store
}

/// Each entry of `file` as (title of the matched track, how) or the reason it matched none.
fn matched(store: &Store, file: &Path) -> Vec<Result<(String, MatchedBy), UnmatchedReason>> {
    let index = LibraryIndex::new(&store.track_identities().expect("identities"));
    read_m3u(file)
        .expect("read")
        .entries
        .iter()
        .map(|entry| {
            index.find(entry).map(|(id, by)| {
                let track = store.track(id).expect("query").expect("track");
                (track.tags.title, by)
            })
        })
        .collect()
}

fn by(title: &str, how: MatchedBy) -> Result<(String, MatchedBy), UnmatchedReason> {
    Ok((title.to_owned(), how))
}

#[test]
fn playlists_from_foobar2000_vlc_strawberry_and_musicbee_find_the_library_tracks() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = demo_library(dir.path());
    use MatchedBy::*;

    // Relative paths with Windows separators, a BOM and CRLF.
    assert_eq!(
        matched(&store, &fixture("foobar2000.m3u8")),
        [
            by("Armygeddon", Path),
            by("Traveling Minstrels", Path),
            by("Awakening", Path),
            Err(UnmatchedReason::NotInLibrary),
            by("Feelings", Path),
        ]
    );
    // file:// URLs from another machine: the same files by their folders and names.
    assert_eq!(
        matched(&store, &fixture("vlc.m3u8")),
        [
            by("Forest Dance", PathSuffix),
            by("R'Lyeh", PathSuffix),
            by("Escape from chaosland", PathSuffix),
            Err(UnmatchedReason::NotAFile),
        ]
    );
    assert_eq!(
        matched(&store, &fixture("strawberry.m3u")),
        [
            by("Hell", Path),
            by("Coherence", Path),
            by("The Cave (Milestone 2 Version)", Path),
        ]
    );
    // Absolute paths on another drive; a renamed file found by its #EXTINF artist and title.
    assert_eq!(
        matched(&store, &fixture("musicbee.m3u")),
        [
            by("Chaos God", PathSuffix),
            by("Siege of Laurelmor", PathSuffix),
            by("Mutilated Mime", PathSuffix),
            by("Nunc Dimittis", Tags),
            Err(UnmatchedReason::NotInLibrary),
        ]
    );
}

#[test]
fn non_ascii_names_are_read_in_utf8_and_in_a_legacy_code_page() {
    let musicbee = read_m3u(&fixture("musicbee.m3u")).expect("read");
    assert!(musicbee.notes.is_empty(), "{:?}", musicbee.notes);
    let last = musicbee.entries.last().expect("entries");
    assert_eq!(last.location, "D:\\Music\\Zoë\\Café.mp3");
    assert_eq!(
        last.target,
        Target::Foreign(vec!["Music".into(), "Zoë".into(), "Café.mp3".into()])
    );

    let legacy = read_m3u(&fixture("legacy-windows-1252.m3u")).expect("read");
    assert_eq!(legacy.notes, [ImportNote::ReadAsWindows1252]);
    assert_eq!(
        legacy.entries[1].location,
        "C:\\Musik\\Zoë\\Café – Œuvre.mp3"
    );
    assert_eq!(
        legacy.entries[1]
            .info
            .as_ref()
            .and_then(|i| i.title.as_deref()),
        Some("Zoë – Café")
    );
}

#[test]
fn two_files_that_end_alike_are_not_guessed_between() {
    let dir = tempfile::tempdir().expect("tempdir");
    let demo = root().join("assets/demo/Muldjord/Frets on Fire Soundtrack/01 Armygeddon.mp3");
    let music = dir.path().join("music");
    for disk in ["Disk A", "Disk B"] {
        let album = music.join(disk).join("Album");
        std::fs::create_dir_all(&album).expect("mkdir");
        std::fs::copy(&demo, album.join("01 Song.mp3")).expect("copy");
    }
    let mut store = Store::open(&dir.path().join("library.sqlite")).expect("open");
    let never = AtomicBool::new(false);
    let music = std::fs::canonicalize(&music).expect("canonical");
    scan(
        &mut store,
        &[music],
        &ScanOptions::default(),
        &never,
        &mut |_| {},
    )
    .expect("scan");
    let playlist = dir.path().join("elsewhere.m3u8");
    std::fs::write(
        &playlist,
        "E:\\Disk B\\Album\\01 Song.mp3\nE:\\Other\\Album\\01 Song.mp3\nE:\\Other\\01 Song.mp3\n",
    )
    .expect("write");
    let results = matched(&store, &playlist);
    assert_eq!(
        results[0].as_ref().map(|(_, how)| *how),
        Ok(MatchedBy::PathSuffix)
    );
    assert_eq!(
        results[1..],
        [
            Err(UnmatchedReason::Ambiguous { candidates: 2 }),
            // The file name alone is not trusted.
            Err(UnmatchedReason::NotInLibrary),
        ]
    );
}

#[test]
fn a_file_outside_the_library_is_told_apart_from_one_that_is_nowhere() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = demo_library(dir.path());
    std::fs::write(dir.path().join("stray.ogg"), b"not scanned").expect("write");
    let playlist = dir.path().join("list.m3u");
    std::fs::write(&playlist, "stray.ogg\nnowhere.ogg\n").expect("write");
    assert_eq!(
        matched(&store, &playlist),
        [
            Err(UnmatchedReason::OutsideLibrary),
            Err(UnmatchedReason::NotInLibrary)
        ]
    );
}

#[test]
fn bad_playlist_files_are_typed_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let at = |name: &str| dir.path().join(name);

    assert!(matches!(
        read_m3u(&at("missing.m3u")),
        Err(PlaylistFileError::NotFound { .. })
    ));
    std::fs::create_dir(at("folder.m3u")).expect("mkdir");
    assert!(matches!(
        read_m3u(&at("folder.m3u")),
        Err(PlaylistFileError::NotAFile {
            kind: "a folder",
            ..
        })
    ));
    std::fs::write(at("list.pls"), "[playlist]\nFile1=a.mp3\n").expect("write");
    assert!(matches!(
        read_m3u(&at("list.pls")),
        Err(PlaylistFileError::NotM3u { .. })
    ));
    std::fs::write(at("song.m3u"), b"ID3\x04\x00\x00\x00\x00\x00\x00\xff\xfb").expect("write");
    assert!(matches!(
        read_m3u(&at("song.m3u")),
        Err(PlaylistFileError::NotText { line: 1, .. })
    ));
    std::fs::write(at("legacy.m3u8"), b"#EXTM3U\nCaf\xe9.mp3\n").expect("write");
    let error = read_m3u(&at("legacy.m3u8")).expect_err("not UTF-8");
    assert!(matches!(error, PlaylistFileError::NotUtf8 { line: 2, .. }));
    assert!(error.to_string().contains(".m3u"), "{error}");
    std::fs::write(at("empty.m3u8"), "#EXTM3U\n").expect("write");
    assert!(matches!(
        read_m3u(&at("empty.m3u8")),
        Err(PlaylistFileError::NoEntries { .. })
    ));
}

#[cfg(unix)]
#[test]
fn a_fifo_given_as_a_playlist_is_refused_without_blocking() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fifo = dir.path().join("pipe.m3u");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo");
    assert!(made.success());
    // Opening a FIFO for reading would wait for a writer forever.
    assert!(matches!(
        read_m3u(&fifo),
        Err(PlaylistFileError::NotAFile {
            kind: "a named pipe (FIFO)",
            ..
        })
    ));
}

#[test]
fn writing_never_replaces_a_file_unasked_and_never_leaves_half_of_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rows = [ExportRow {
        path: Some(dir.path().join("Music/a.flac")),
        location: None,
        title: Some("Ann - Dawn".into()),
        duration_ms: Some(61_000),
    }];
    let file = dir.path().join("mine.m3u8");
    std::fs::write(&file, "precious\n").expect("write");
    assert!(matches!(
        write_m3u8(&file, &rows, false),
        Err(PlaylistFileError::Exists { .. })
    ));
    assert_eq!(std::fs::read_to_string(&file).expect("read"), "precious\n");

    let written = write_m3u8(&file, &rows, true).expect("overwrite");
    assert_eq!((written.entries, written.relative), (1, 1));
    assert_eq!(
        std::fs::read_to_string(&file).expect("read"),
        "#EXTM3U\n#EXTINF:61,Ann - Dawn\nMusic/a.flac\n"
    );

    assert!(matches!(
        write_m3u8(&dir.path().join("no/such/folder/x.m3u8"), &rows, false),
        Err(PlaylistFileError::Write { .. })
    ));
    assert!(matches!(
        write_m3u8(dir.path(), &rows, true),
        Err(PlaylistFileError::NotAFile { .. })
    ));
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .expect("list")
        .flatten()
        .map(|e| e.file_name())
        .filter(|n| n.to_string_lossy().contains("segue-tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}
