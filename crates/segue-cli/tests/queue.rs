//! `segue queue` end to end: the real binary, real music files, a real database file; what it
//! writes is the session the app restores (read back here through the store, as the app does).

mod common;

use common::{ok, refused, root, run, segue};
use std::path::{Path, PathBuf};

/// Three demo tracks copied into `dir/music` and imported (not analysed).
fn library(dir: &Path) -> PathBuf {
    let music = dir.join("music");
    for (from, to) in [
        (
            "Muldjord/Frets on Fire Soundtrack/01 Armygeddon.mp3",
            "Muldjord/01 Armygeddon.mp3",
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
    db
}

fn track_id(db: &Path, words: &str) -> i64 {
    let found: Vec<serde_json::Value> =
        serde_json::from_str(&ok(run(db, &["tracks", "--json", "--search", words]))).expect("json");
    found[0]["id"].as_i64().expect("id")
}

/// The saved queue's track ids and current index, as `segue queue show --json` prints them.
fn shown(db: &Path) -> (Vec<i64>, Option<u64>) {
    let v: serde_json::Value =
        serde_json::from_str(&ok(run(db, &["queue", "show", "--json"]))).expect("json");
    let ids = v["queue"]
        .as_array()
        .expect("queue")
        .iter()
        .map(|e| e["track_id"].as_i64().expect("id"))
        .collect();
    (ids, v["current"].as_u64())
}

#[test]
fn queue_commands_edit_the_session_the_app_restores() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = library(tmp.path());
    let (army, hell, awake) = (
        track_id(&db, "armygeddon"),
        track_id(&db, "hell"),
        track_id(&db, "awakening"),
    );
    assert!(ok(run(&db, &["queue", "show"])).contains("The queue is empty"));

    // Words, an id, --search: each names tracks.
    let out = ok(run(&db, &["queue", "add", "armygeddon", &hell.to_string()]));
    assert_eq!(out.trim(), "Added 2 tracks to the queue (now 2 entries).");
    assert_eq!(shown(&db), (vec![army, hell], Some(0)));
    ok(run(&db, &["queue", "next", "--search", "awakening"]));
    assert_eq!(shown(&db), (vec![army, awake, hell], Some(0)));
    ok(run(&db, &["queue", "move", "3", "2"]));
    assert_eq!(shown(&db), (vec![army, hell, awake], Some(0)));
    let text = ok(run(&db, &["queue", "show"]));
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with(">  1. [") && lines[0].contains("Armygeddon  current, at 0:00"),
        "{text}"
    );
    assert!(lines[1].ends_with("Hell  queued"), "{text}");

    // What cannot be done is refused with the reason, and the queue stays as it was.
    let revision = |db: &Path| {
        let v: serde_json::Value =
            serde_json::from_str(&ok(run(db, &["queue", "show", "--json"]))).expect("json");
        v["revision"].as_i64().expect("revision")
    };
    let before = revision(&db);
    let err = refused(run(&db, &["queue", "remove", "1"]));
    assert!(
        err.contains("entry 1 is the current track and stays in the queue: skip it first"),
        "{err}"
    );
    let err = refused(run(&db, &["queue", "remove", "4"]));
    assert!(
        err.contains("position 4 is not in the queue (1 to 3)"),
        "{err}"
    );
    let err = refused(run(&db, &["queue", "add", "no such song anywhere"]));
    assert!(err.contains("queueing \"no such song anywhere\""), "{err}");
    let err = refused(run(&db, &["queue", "add", "--search", " "]));
    assert!(err.contains("--search needs words"), "{err}");
    assert_eq!(revision(&db), before, "nothing was saved");

    ok(run(&db, &["queue", "remove", "2"]));
    assert_eq!(shown(&db), (vec![army, awake], Some(0)));
    let out = ok(run(&db, &["queue", "clear"]));
    assert_eq!(out.trim(), "Removed 1 track from the queue (now 1 entry).");
    assert_eq!(shown(&db), (vec![army], Some(0)));

    // The store reads the same session back (what the app restores at start).
    let store = segue_store::Store::open(&db).expect("store");
    let session = store.session().expect("session");
    assert_eq!(
        session.queue.iter().map(|e| e.track_id).collect::<Vec<_>>(),
        [army]
    );
    assert_eq!(session.current, Some(0));
}
