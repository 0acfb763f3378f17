//! What `segue` refuses, and how it says so: the real binary on a real database file.
//!
//! Each test here is a fault found from outside (issue 16): a command that did something the
//! user could not have meant, or said its error badly.

mod common;

use common::{ok, refused, refused_with, root, segue};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The demo library imported (not analysed) into `dir/lib.sqlite`.
fn demo_library(dir: &Path) -> PathBuf {
    let db = dir.join("lib.sqlite");
    ok(segue(&db)
        .args(["scan", "--no-analyze"])
        .arg(root().join("assets/demo"))
        .output()
        .expect("scan"));
    db
}

/// Track ids by title.
fn ids(db: &Path) -> Vec<(String, i64)> {
    let tracks: Vec<serde_json::Value> = serde_json::from_str(&ok(segue(db)
        .args(["tracks", "--json"])
        .output()
        .expect("tracks")))
    .expect("json");
    tracks
        .iter()
        .map(|t| {
            (
                t["title"].as_str().expect("title").to_owned(),
                t["id"].as_i64().expect("id"),
            )
        })
        .collect()
}

fn id_of(db: &Path, title: &str) -> i64 {
    ids(db)
        .into_iter()
        .find(|(t, _)| t == title)
        .unwrap_or_else(|| panic!("no track {title}"))
        .1
}

/// Every track's rating, by id.
fn ratings(db: &Path) -> Vec<(i64, Option<u8>)> {
    let store = segue_store::Store::open_existing(db).expect("open");
    ids(db)
        .into_iter()
        .map(|(_, id)| (id, store.rating(id).expect("rating")))
        .collect()
}

fn rated(db: &Path) -> Vec<(i64, u8)> {
    ratings(db)
        .into_iter()
        .filter_map(|(id, r)| Some((id, r?)))
        .collect()
}

/// Everything under `dir`, folders included.
fn entries_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(entries_under(&path));
        }
        out.push(path);
    }
    out
}

#[test]
fn scan_refuses_a_missing_folder_or_a_file_before_importing_anything() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = tmp.path().join("lib.sqlite");
    let missing = tmp.path().join("no-such-folder");
    let err = refused(
        segue(&db)
            .args(["scan", "--no-analyze"])
            .arg(&missing)
            .output()
            .expect("run"),
    );
    assert!(
        err.contains(&format!("there is no folder {}", missing.display())),
        "{err}"
    );
    let file = root().join("assets/demo/CREDITS.md");
    let err = refused(
        segue(&db)
            .args(["scan", "--no-analyze"])
            .arg(&file)
            .output()
            .expect("run"),
    );
    assert!(err.contains("is a file, not a folder"), "{err}");
    // One bad argument among good ones: nothing is imported, and no library is created.
    let err = refused(
        segue(&db)
            .args(["scan", "--no-analyze"])
            .arg(root().join("assets/demo"))
            .arg(&missing)
            .output()
            .expect("run"),
    );
    assert!(err.contains("Nothing was scanned"), "{err}");
    assert!(entries_under(tmp.path()).is_empty(), "created a library");
}

#[test]
fn an_empty_track_argument_is_refused_not_taken_for_the_first_track() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = demo_library(tmp.path());
    let boss = id_of(&db, "Boss Attack").to_string();
    for args in [
        vec!["rate", "", "5"],
        vec!["rate", "  ", "5"],
        vec!["like", ""],
        vec!["dislike", " "],
        vec!["show", ""],
        vec!["play", "", "--no-autoplay"],
        vec!["suggest", "--after", ""],
        vec![
            "history",
            "add",
            "",
            "--listened",
            "1s",
            "--ended",
            "skipped",
        ],
        vec!["playlist", "create", "Mix", ""],
        vec!["playlist", "create", "Mix", &boss],
        vec!["playlist", "add", "Mix", "--search", " "],
    ] {
        let out = segue(&db).args(&args).output().expect("run");
        if args == ["playlist", "create", "Mix", boss.as_str()] {
            ok(out);
            continue;
        }
        let err = refused(out);
        assert!(
            err.contains("an empty argument names none") || err.contains("--search needs words"),
            "{args:?}: {err}"
        );
    }
    assert_eq!(rated(&db), [], "nothing rated");
    let store = segue_store::Store::open_existing(&db).expect("open");
    assert!(store.plays_since(0, 10).expect("plays").is_empty());
    let mix: serde_json::Value = serde_json::from_str(&ok(segue(&db)
        .args(["playlist", "show", "Mix", "--json"])
        .output()
        .expect("show")))
    .expect("json");
    assert_eq!(mix["entries"].as_array().map(Vec::len), Some(1), "{mix}");
}

#[test]
fn words_that_match_several_tracks_are_refused_with_each_candidate_and_its_id() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = demo_library(tmp.path());
    let (god, chaosland) = (id_of(&db, "Chaos God"), id_of(&db, "Escape from chaosland"));
    let err = refused(
        segue(&db)
            .args(["rate", "chaos", "5"])
            .output()
            .expect("run"),
    );
    assert!(err.contains("\"chaos\" matches 2 tracks"), "{err}");
    for (id, title) in [(god, "Chaos God"), (chaosland, "Escape from chaosland")] {
        assert!(
            err.lines()
                .any(|l| l.trim_start().starts_with(&format!("{id} ")) && l.contains(title)),
            "{title} is listed with its id {id}: {err}"
        );
    }
    // Every command that takes one TRACK refuses the same way.
    for args in [
        vec!["like", "wesnoth"],
        vec!["show", "wesnoth"],
        vec!["suggest", "--after", "wesnoth"],
        vec!["suggest", "--queue", "wesnoth"],
        vec![
            "history",
            "add",
            "wesnoth",
            "--listened",
            "1s",
            "--ended",
            "skipped",
        ],
        vec!["playlist", "create", "Mix", "wesnoth"],
    ] {
        let err = refused(segue(&db).args(&args).output().expect("run"));
        assert!(
            err.contains("\"wesnoth\" matches 4 tracks"),
            "{args:?}: {err}"
        );
    }
    assert_eq!(rated(&db), []);

    // Words that match one track, an id, or the one exact title still name a track: "mutilated
    // mime" is the title of one track and the album of another.
    ok(segue(&db)
        .args(["rate", "boss", "attack", "4"])
        .output()
        .expect("run"));
    ok(segue(&db)
        .args(["rate", &god.to_string(), "3"])
        .output()
        .expect("run"));
    let out = ok(segue(&db)
        .args(["rate", "mutilated mime", "5"])
        .output()
        .expect("run"));
    assert!(out.contains("Rated Mutilated Mime 5 stars"), "{out}");
    let mut expected = vec![
        (id_of(&db, "Boss Attack"), 4),
        (god, 3),
        (id_of(&db, "Mutilated Mime"), 5),
    ];
    expected.sort();
    let mut got = rated(&db);
    got.sort();
    assert_eq!(got, expected);
}

#[test]
fn suggest_asks_for_1_to_1000_suggestions() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = demo_library(tmp.path());
    for n in ["1000000000", "18446744073709551615", "0"] {
        let err = refused_with(
            2,
            segue(&db).args(["suggest", "-n", n]).output().expect("run"),
        );
        assert!(err.contains("-n <COUNT>"), "{n}: {err}");
    }
    // 1000 is accepted (this library is not analysed yet, which the service then says).
    let err = refused(
        segue(&db)
            .args(["suggest", "-n", "1000"])
            .output()
            .expect("run"),
    );
    assert!(err.contains("no analysed tracks"), "{err}");
}

#[test]
fn suggestion_settings_refuse_values_that_are_not_finite_or_absurd() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = demo_library(tmp.path());
    let shown = |db: &Path| ok(segue(db).arg("suggest-settings").output().expect("run"));
    let before = shown(&db);
    for (arg, says) in [
        ("--track-gap-hours=inf", "the track gap is 0 to 8760 hours"),
        ("--track-gap-hours=NaN", "the track gap is 0 to 8760 hours"),
        ("--track-gap-hours=-1", "the track gap is 0 to 8760 hours"),
        ("--track-gap-hours=1e9", "the track gap is 0 to 8760 hours"),
        ("--exploration=NaN", "exploration is 0"),
        ("--artist-gap=1000000", "the artist gap is 0 to 1000 tracks"),
        (
            "--album-gap=18446744073709551615",
            "the album gap is 0 to 1000 tracks",
        ),
    ] {
        let err = refused(
            segue(&db)
                .args(["suggest-settings", arg])
                .output()
                .expect("run"),
        );
        assert!(err.contains(says), "{arg}: {err}");
    }
    assert_eq!(shown(&db), before, "nothing was stored");
    let out = ok(segue(&db)
        .args([
            "suggest-settings",
            "--track-gap-hours=8760",
            "--artist-gap=1000",
        ])
        .output()
        .expect("run"));
    assert!(
        out.contains("after 8760 h") && out.contains("1000 tracks between"),
        "{out}"
    );
}

#[test]
fn commands_other_than_scan_refuse_a_missing_library_and_create_nothing() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let typo = tmp.path().join("mistyped/lib.sqlite");
    for args in [
        vec!["stats"],
        vec!["tracks"],
        vec!["report"],
        vec!["show", "1"],
        vec!["suggest"],
        vec!["suggest-settings"],
        vec!["rate", "1", "5"],
        vec![
            "history",
            "add",
            "1",
            "--listened",
            "1s",
            "--ended",
            "skipped",
        ],
        vec!["playlist", "list"],
        vec!["analyze", "--device", "cpu"],
    ] {
        let err = refused(segue(&typo).args(&args).output().expect("run"));
        assert!(
            err.contains(&format!("no library at {}", typo.display()))
                && err.contains("segue scan"),
            "{args:?}: {err}"
        );
    }
    // `segue doctor` needs no library at all.
    segue(&typo)
        .args(["doctor", "--device", "cpu"])
        .output()
        .expect("doctor");
    assert_eq!(entries_under(tmp.path()), Vec::<PathBuf>::new());
}

#[test]
fn an_empty_segue_db_or_db_option_is_refused_not_taken_for_the_default_library() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let home = tmp.path().join("home");
    std::fs::create_dir(&home).expect("home");
    let music = root().join("assets/demo").to_string_lossy().into_owned();
    for value in ["", "  "] {
        for args in [vec!["stats"], vec!["scan", "--no-analyze", &music]] {
            let err = refused(
                Command::new(env!("CARGO_BIN_EXE_segue"))
                    .args(&args)
                    .env("SEGUE_DB", value)
                    .env("HOME", &home)
                    .env("XDG_DATA_HOME", home.join(".local/share"))
                    .output()
                    .expect("run"),
            );
            assert!(err.contains("SEGUE_DB is set but empty"), "{args:?}: {err}");
        }
        let err = refused_with(
            2,
            Command::new(env!("CARGO_BIN_EXE_segue"))
                .args(["--db", value, "stats"])
                .env_remove("SEGUE_DB")
                .env("HOME", &home)
                .env("XDG_DATA_HOME", home.join(".local/share"))
                .output()
                .expect("run"),
        );
        assert!(err.contains("an empty path names no database"), "{err}");
    }
    assert_eq!(entries_under(&home), Vec::<PathBuf>::new());
}

/// Sets SQLite's `user_version` (the schema version) of a closed database: four big-endian
/// bytes at offset 60 of the header. The database must be closed cleanly (no `-wal` left).
fn set_schema_version(db: &Path, version: u32) {
    use std::io::{Seek, SeekFrom, Write};
    assert!(
        !db.with_extension("sqlite-wal").exists(),
        "not checkpointed"
    );
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .open(db)
        .expect("open");
    f.seek(SeekFrom::Start(60)).expect("seek");
    f.write_all(&version.to_be_bytes()).expect("write");
}

#[test]
fn only_a_library_from_a_newer_segue_is_said_to_be_one() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = demo_library(tmp.path());
    let latest = segue_store::Store::open(&db)
        .and_then(|s| s.schema_version())
        .expect("schema version");
    set_schema_version(&db, 99);
    let err = refused(segue(&db).arg("stats").output().expect("run"));
    assert!(
        err.contains(&format!(
            "from a newer Segue (schema version 99; this Segue reads up to {latest})"
        )),
        "{err}"
    );
    assert_eq!(err.matches("newer").count(), 1, "{err}");

    // A version set back (as a damaged or hand-edited library may be): the migration meets
    // tables that exist, and says so, once, without its SQL.
    set_schema_version(&db, 1);
    let err = refused(segue(&db).arg("stats").output().expect("run"));
    assert_eq!(
        err.trim_end(),
        format!(
            "segue: opening the library {}: cannot bring the library database up to date: \
             table analysis already exists",
            db.display()
        )
    );
}

#[test]
fn error_messages_say_each_cause_once() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let garbage = tmp.path().join("garbage.sqlite");
    std::fs::write(&garbage, "garbage ".repeat(200)).expect("write");
    let err = refused(segue(&garbage).arg("stats").output().expect("run"));
    assert_eq!(
        err.trim_end(),
        format!(
            "segue: opening the library {}: database error: file is not a database",
            garbage.display()
        )
    );

    let folder = tmp.path().join("a-folder");
    std::fs::create_dir(&folder).expect("mkdir");
    let err = refused(segue(&folder).arg("stats").output().expect("run"));
    assert_eq!(
        err.matches("unable to open database file").count(),
        1,
        "{err}"
    );

    // A database under a file: its folder cannot be created.
    let under_a_file = garbage.join("library/lib.sqlite");
    let err = refused(
        segue(&under_a_file)
            .args(["scan", "--no-analyze"])
            .arg(&folder)
            .output()
            .expect("run"),
    );
    assert!(err.contains("cannot create the folder"), "{err}");
    assert_eq!(err.matches("(os error").count(), 1, "{err}");
}

#[cfg(unix)]
#[test]
fn a_new_library_is_private_whatever_the_umask() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| std::fs::metadata(p).expect("metadata").permissions().mode() & 0o7777;
    let tmp = tempfile::tempdir().expect("tempdir");
    // A folder the user chose, shared on purpose: it keeps its permissions.
    let shared = tmp.path().join("shared");
    std::fs::create_dir(&shared).expect("mkdir");
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o777)).expect("chmod");
    let db = shared.join("segue/data/library.sqlite");
    // umask 000: what Segue creates would be world-readable and writable if it relied on it.
    ok(Command::new("sh")
        .args(["-c", "umask 000 && exec \"$0\" \"$@\""])
        .arg(env!("CARGO_BIN_EXE_segue"))
        .arg("--db")
        .arg(&db)
        .args(["scan", "--no-analyze"])
        .arg(root().join("assets/demo"))
        .env_remove("SEGUE_DB")
        .output()
        .expect("run"));
    assert_eq!(mode(&shared.join("segue")), 0o700);
    assert_eq!(mode(&shared.join("segue/data")), 0o700);
    assert_eq!(mode(&db), 0o600);
    assert_eq!(mode(&shared), 0o777, "an existing folder is left as it was");
}

#[test]
fn a_relative_onnx_runtime_path_is_refused() {
    let library = root().join(".local/onnxruntime/lib/libonnxruntime.so");
    let tmp = tempfile::tempdir().expect("tempdir");
    // The relative path names a real library from the folder segue starts in.
    let out = Command::new(env!("CARGO_BIN_EXE_segue"))
        .args(["doctor", "--device", "cpu"])
        .current_dir(root())
        .env("SEGUE_ORT_LIB", ".local/onnxruntime/lib/libonnxruntime.so")
        .env("HOME", tmp.path())
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        !out.status.success() && stdout.contains("must be an absolute path"),
        "exit {:?}: {stdout}",
        out.status
    );
    // The same library by its absolute path loads (where scripts/fetch-onnxruntime.sh put it).
    if library.exists() {
        let out = Command::new(env!("CARGO_BIN_EXE_segue"))
            .args(["doctor", "--device", "cpu"])
            .env("SEGUE_ORT_LIB", &library)
            .env("HOME", tmp.path())
            .output()
            .expect("run");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.contains("  loaded "), "{stdout}");
    }
}

#[test]
fn analysis_runs_the_tagger_asked_for_and_refuses_an_unknown_one() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = demo_library(tmp.path());
    let err = refused(
        segue(&db)
            .args(["analyze", "--device", "cpu", "--model", "musicnn2"])
            .output()
            .expect("run"),
    );
    assert!(
        err.contains("unknown analysis model \"musicnn2\"") && err.contains("student, reference"),
        "{err}"
    );
    // The student, then the reference: the version names the model, so switching analyses
    // every track again.
    let report = |model: &str| -> serde_json::Value {
        let out = segue(&db)
            .args(["analyze", "--device", "cpu", "--patches", "2", "--json"])
            .args(["--model", model])
            .output()
            .expect("analyze");
        assert!(out.status.success(), "{out:?}");
        serde_json::from_slice(&out.stdout).expect("json report")
    };
    let student = report("student");
    let reference = report("reference");
    assert!(
        student["analysed"].as_u64() > Some(0)
            && student["analysed"] == reference["analysed"]
            && student["failed"].as_array().is_some_and(Vec::is_empty),
        "{student} / {reference}"
    );
    let version = |r: &serde_json::Value| r["version"].as_str().unwrap_or_default().to_owned();
    assert!(
        version(&student).contains("/student-") && !version(&reference).contains("student"),
        "{student} / {reference}"
    );
}

#[test]
fn analysis_and_doctor_follow_the_library_model_setting() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = demo_library(tmp.path());
    let doctor = || {
        let out = segue(&db)
            .args(["doctor", "--device", "cpu"])
            .output()
            .expect("doctor");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert!(
        doctor().contains("analysis model        reference (the library's setting"),
        "{}",
        doctor()
    );
    // The app's Settings choose the student: `segue analyze` without --model runs it.
    segue_store::Store::open(&db)
        .expect("store")
        .set_setting("analysis.model", "student")
        .expect("set");
    assert!(
        doctor().contains("analysis model        student (the library's setting"),
        "{}",
        doctor()
    );
    let out = segue(&db)
        .args(["analyze", "--device", "cpu", "--patches", "2", "--json"])
        .output()
        .expect("analyze");
    assert!(out.status.success(), "{out:?}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json report");
    assert!(
        report["version"]
            .as_str()
            .is_some_and(|v| v.contains("/student-"))
            && report["analysed"].as_u64() > Some(0),
        "{report}"
    );
}
