//! `segue playlist` end to end: the real binary, real music files, a real database file.

mod common;

use common::{ok, refused, root, run, segue};
use std::path::{Path, PathBuf};

/// Four demo tracks copied into `dir/music` and imported (not analysed).
fn library(dir: &Path) -> (PathBuf, PathBuf) {
    let music = dir.join("music");
    for (from, to) in [
        (
            "Muldjord/Frets on Fire Soundtrack/01 Armygeddon.mp3",
            "Muldjord/01 Armygeddon.mp3",
        ),
        (
            "Wansti/SuperTux Soundtrack/04 Boss Attack.wav",
            "Wansti/04 Boss Attack.wav",
        ),
        (
            "Shawn Parrotte/HyperRogue Soundtrack/01 Hell.ogg",
            "Shawn Parrotte/01 Hell.ogg",
        ),
        (
            "Maxstack/Endgame - Singularity Original Soundtrack/01 Awakening.flac",
            "Maxstack/01 Awakening.flac",
        ),
    ] {
        let to = music.join(to);
        std::fs::create_dir_all(to.parent().expect("folder")).expect("mkdir");
        std::fs::copy(root().join("assets/demo").join(from), &to).expect("copy");
    }
    let db = dir.join("lib.sqlite");
    ok(segue(&db)
        .args(["scan", "--no-analyze"])
        .arg(&music)
        .output()
        .expect("scan"));
    (db, music)
}

fn show(db: &Path, name: &str) -> serde_json::Value {
    serde_json::from_str(&ok(run(db, &["playlist", "show", name, "--json"]))).expect("json")
}

/// The titles of a playlist's entries, after checking they are numbered without gaps.
fn titles(db: &Path, name: &str) -> Vec<String> {
    let shown = show(db, name);
    let entries = shown["entries"].as_array().expect("entries");
    for (i, e) in entries.iter().enumerate() {
        assert_eq!(e["position"].as_u64(), Some(i as u64), "{e}");
    }
    entries
        .iter()
        .map(|e| match e["track"]["title"].as_str() {
            Some(t) => t.to_owned(),
            None => format!("? {}", e["source"]["location"].as_str().unwrap_or("")),
        })
        .collect()
}

fn track_id(db: &Path, words: &str) -> String {
    let found: Vec<serde_json::Value> =
        serde_json::from_str(&ok(run(db, &["tracks", "--json", "--search", words]))).expect("json");
    found[0]["id"].as_i64().expect("id").to_string()
}

#[test]
fn playlist_commands_make_edit_show_and_list_a_playlist() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (db, music) = library(tmp.path());
    let hell = track_id(&db, "hell");

    ok(run(&db, &["playlist", "create", "Road trip", &hell]));
    // TRACK: an id, a file, or search words in one argument.
    let file = music.join("Maxstack/01 Awakening.flac");
    let added = ok(segue(&db)
        .args(["playlist", "add", "road trip", "boss attack"])
        .arg(&file)
        .arg(&hell)
        .output()
        .expect("run"));
    assert!(added.contains("Added 3 entries"), "{added}");
    ok(run(
        &db,
        &[
            "playlist",
            "add",
            "Road trip",
            "--search",
            "armygeddon",
            "--at",
            "1",
        ],
    ));
    assert_eq!(
        titles(&db, "Road trip"),
        ["Armygeddon", "Hell", "Boss Attack", "Awakening", "Hell"]
    );

    ok(run(&db, &["playlist", "move", "Road trip", "1", "5"]));
    ok(run(&db, &["playlist", "remove", "Road trip", "4", "1"]));
    assert_eq!(
        titles(&db, "Road trip"),
        ["Boss Attack", "Awakening", "Armygeddon"]
    );
    let text = ok(run(&db, &["playlist", "show", "Road trip"]));
    assert!(text.contains("Road trip  (3 entries, "), "{text}");
    assert!(text.contains("   1. ["), "{text}");
    assert!(text.contains("Wansti — Boss Attack"), "{text}");

    ok(run(&db, &["playlist", "rename", "road trip", "Long drive"]));
    ok(run(
        &db,
        &["playlist", "duplicate", "Long drive", "Short drive"],
    ));
    ok(run(&db, &["playlist", "remove", "Short drive", "1", "2"]));
    let list: Vec<serde_json::Value> =
        serde_json::from_str(&ok(run(&db, &["playlist", "list", "--json"]))).expect("json");
    let counts: Vec<(String, u64)> = list
        .iter()
        .map(|p| {
            (
                p["name"].as_str().expect("name").to_owned(),
                p["entry_count"].as_u64().expect("count"),
            )
        })
        .collect();
    assert_eq!(
        counts,
        [("Long drive".to_owned(), 3), ("Short drive".to_owned(), 1)]
    );
    assert!(list[0]["duration_ms"].as_u64().expect("duration") > 0);

    ok(run(&db, &["playlist", "delete", "short drive"]));
    let text = ok(run(&db, &["playlist", "list"]));
    assert!(text.starts_with("Long drive  (3 entries, "), "{text}");
    assert!(!text.contains("Short drive"), "{text}");
}

#[test]
fn refused_playlist_commands_say_why_and_change_nothing() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (db, _) = library(tmp.path());
    let hell = track_id(&db, "hell");
    ok(run(&db, &["playlist", "create", "Mine", &hell]));
    ok(run(&db, &["playlist", "create", "Other"]));

    let taken = refused(run(&db, &["playlist", "create", "MINE"]));
    assert!(
        taken.contains("already a playlist called \"MINE\""),
        "{taken}"
    );
    let taken = refused(run(&db, &["playlist", "rename", "other", "mine"]));
    assert!(taken.contains("already a playlist"), "{taken}");
    let empty = refused(run(&db, &["playlist", "create", "   "]));
    assert!(empty.contains("needs a name"), "{empty}");
    let unknown = refused(run(&db, &["playlist", "show", "Yours"]));
    assert!(
        unknown.contains("no playlist called \"Yours\""),
        "{unknown}"
    );
    let position = refused(run(&db, &["playlist", "remove", "Mine", "2"]));
    assert!(
        position.contains("position 2 is not in the playlist (1 to 1)"),
        "{position}"
    );
    let position = refused(run(&db, &["playlist", "move", "Mine", "1", "0"]));
    assert!(position.contains("position 0"), "{position}");
    let nothing = refused(run(&db, &["playlist", "add", "Mine", "no such words"]));
    assert!(nothing.contains("no track matches"), "{nothing}");
    assert_eq!(titles(&db, "Mine"), ["Hell"]);
    assert_eq!(titles(&db, "Other"), Vec::<String>::new());
}

#[test]
fn playlist_import_and_export_through_the_binary() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = tmp.path().join("lib.sqlite");
    ok(segue(&db)
        .args(["scan", "--no-analyze"])
        .arg(root().join("assets/demo"))
        .output()
        .expect("scan"));
    let vlc = root().join("tests/fixtures/playlists/vlc.m3u8");

    let report: serde_json::Value = serde_json::from_str(&ok(segue(&db)
        .args(["playlist", "import", "--json"])
        .arg(&vlc)
        .output()
        .expect("run")))
    .expect("json");
    assert_eq!(report["playlist"]["name"], "vlc");
    assert_eq!(report["matched_by_path_suffix"], 3);
    assert_eq!(report["unmatched"][0]["reason"]["kind"], "not_a_file");
    assert_eq!(report["unmatched"][0]["line"], 11);

    // The same file again: its name is taken, and the message says what to do.
    let again = refused(
        segue(&db)
            .args(["playlist", "import"])
            .arg(&vlc)
            .output()
            .expect("run"),
    );
    assert!(again.contains("--name"), "{again}");
    let text = ok(segue(&db)
        .args(["playlist", "import", "--name", "Legacy"])
        .arg(root().join("tests/fixtures/playlists/legacy-windows-1252.m3u"))
        .output()
        .expect("run"));
    assert!(text.contains("note: the file is not UTF-8"), "{text}");
    assert!(
        text.contains("line 5: C:\\Musik\\Zoë\\Café – Œuvre.mp3"),
        "{text}"
    );

    let out = tmp.path().join("vlc-export.m3u8");
    let wrote = ok(segue(&db)
        .args(["playlist", "export", "VLC"])
        .arg(&out)
        .output()
        .expect("run"));
    assert!(wrote.contains("Wrote 4 entries"), "{wrote}");
    let exported = std::fs::read_to_string(&out).expect("read");
    assert!(
        exported.starts_with("#EXTM3U\n#EXTINF:45,Wansti - Forest Dance\n"),
        "{exported}"
    );
    let exists = refused(
        segue(&db)
            .args(["playlist", "export", "vlc"])
            .arg(&out)
            .output()
            .expect("run"),
    );
    assert!(
        exists.contains("already exists") && exists.contains("--force"),
        "{exists}"
    );
    ok(segue(&db)
        .args(["playlist", "export", "vlc", "--force"])
        .arg(&out)
        .output()
        .expect("run"));
    ok(segue(&db)
        .args(["playlist", "import", "--name", "Round trip"])
        .arg(&out)
        .output()
        .expect("run"));
    assert_eq!(titles(&db, "Round trip"), titles(&db, "vlc"));

    // Not playlists: a folder, a missing file.
    let folder = refused(
        segue(&db)
            .args(["playlist", "import"])
            .arg(tmp.path())
            .output()
            .expect("run"),
    );
    assert!(
        folder.contains("is a folder, not a playlist file"),
        "{folder}"
    );
    let missing = refused(
        segue(&db)
            .args(["playlist", "import"])
            .arg(tmp.path().join("nope.m3u"))
            .output()
            .expect("run"),
    );
    assert!(missing.contains("no such file"), "{missing}");
    let names: Vec<serde_json::Value> =
        serde_json::from_str(&ok(run(&db, &["playlist", "list", "--json"]))).expect("json");
    assert_eq!(names.len(), 3, "nothing half-made: {names:?}");
}

#[test]
fn the_cli_edits_a_playlist_another_writer_is_editing_without_corrupting_it() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (db, _) = library(tmp.path());
    let ids: Vec<String> = ["armygeddon", "boss attack", "hell", "awakening"]
        .iter()
        .map(|w| track_id(&db, w))
        .collect();
    ok(run(&db, &["playlist", "create", "Shared"]));

    // The app (another connection to the same file) edits while CLI processes add.
    const PROCESSES: usize = 6;
    let mut children: Vec<std::process::Child> = (0..PROCESSES)
        .map(|i| {
            segue(&db)
                .args(["playlist", "add", "Shared", &ids[i % 4], &ids[(i + 1) % 4]])
                .args(["--at", "1"])
                .stdout(std::process::Stdio::null())
                .spawn()
                .expect("spawn")
        })
        .collect();
    let app = segue_service::Service::open(&db).expect("open");
    let shared = app.playlist_named("Shared").expect("playlist");
    let hell: i64 = ids[2].parse().expect("id");
    // The app keeps editing until every CLI process is done.
    let mut rounds = 0;
    while rounds < 20
        || children
            .iter_mut()
            .any(|c| c.try_wait().expect("wait").is_none())
    {
        let added = app
            .add_to_playlist(shared.id, &[hell, hell], None)
            .expect("app adds");
        app.remove_from_playlist(shared.id, &added[..1])
            .expect("app removes its own");
        rounds += 1;
        // A person edits between pauses: back to back, this loop could hold the write lock
        // for the 10 s a waiting process allows on a loaded machine (CI once saw "database is
        // locked").
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    for mut child in children {
        assert!(child.wait().expect("wait").success());
    }
    let entries = titles(&db, "Shared");
    assert_eq!(entries.len(), 2 * PROCESSES + rounds);
    let store = segue_store::Store::open(&db).expect("open");
    assert_eq!(store.integrity_check().expect("check"), "ok");
}
