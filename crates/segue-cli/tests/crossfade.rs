//! `segue crossfade` and `segue play --crossfade`: the real binary on a real database file.

mod common;

use common::{ok, run, segue};
use std::path::{Path, PathBuf};

/// The demo library imported (not analysed) into `dir/lib.sqlite`.
fn demo_library(dir: &Path) -> PathBuf {
    let db = dir.join("lib.sqlite");
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/demo");
    ok(segue(&db)
        .args(["scan", "--no-analyze"])
        .arg(demo)
        .output()
        .expect("scan"));
    db
}

#[test]
fn the_crossfade_is_off_until_set_and_kept_once_set() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = demo_library(dir.path());
    assert!(ok(run(&db, &["crossfade"])).contains("Crossfade: off"));
    assert!(ok(run(&db, &["crossfade", "4s"])).contains("Crossfade: 4 s"));
    assert!(ok(run(&db, &["crossfade"])).contains("Crossfade: 4 s"));
    assert!(ok(run(&db, &["crossfade", "2500ms"])).contains("Crossfade: 2.5 s"));
    assert!(ok(run(&db, &["crossfade", "off"])).contains("Crossfade: off"));
}

#[test]
fn a_smart_crossfade_is_kept_until_plain_is_asked_for() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = demo_library(dir.path());
    let smart = ok(run(&db, &["crossfade", "4s", "--smart"]));
    assert!(
        smart.contains("Crossfade: 4 s") && smart.contains("smart"),
        "{smart}"
    );
    assert!(ok(run(&db, &["crossfade"])).contains("smart"));
    // A new length keeps it smart.
    assert!(ok(run(&db, &["crossfade", "3s"])).contains("smart"));
    let plain = ok(run(&db, &["crossfade", "--plain"]));
    assert!(
        plain.contains("Crossfade: 3 s") && !plain.contains("smart"),
        "{plain}"
    );
    let both = run(&db, &["crossfade", "--smart", "--plain"]);
    assert!(
        !both.status.success(),
        "--smart and --plain together are refused"
    );
}

#[test]
fn a_crossfade_that_cannot_be_is_refused_and_the_saved_one_kept() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = demo_library(dir.path());
    ok(run(&db, &["crossfade", "3s"]));

    let too_long = run(&db, &["crossfade", "20s"]);
    assert!(!too_long.status.success());
    let said = String::from_utf8_lossy(&too_long.stderr);
    assert!(
        said.contains("longer than the longest there is, 12 s"),
        "{said}"
    );

    for typo in ["fast", "-2s", "4 minutes", "s"] {
        let out = run(&db, &["crossfade", "--", typo]);
        assert_eq!(out.status.code(), Some(2), "{typo}");
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(
            said.contains("write it as 4s, 2.5s, 1500ms or off"),
            "{said}"
        );
    }
    // `segue play` takes the same lengths, and refuses the same way before playing anything.
    let out = run(&db, &["play", "--crossfade", "fast", "anything"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a crossfade length"));

    assert!(ok(run(&db, &["crossfade"])).contains("Crossfade: 3 s"));
}
