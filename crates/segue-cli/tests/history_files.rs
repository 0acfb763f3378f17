//! `segue history import` and `export` end to end: the real binary, the demo library's real
//! files, a real database file, and export files written by hand in the services' formats.

mod common;

use common::{ok, root, run};
use std::path::Path;

fn demo(db: &Path) {
    let demo = root().join("assets/demo");
    ok(run(db, &["scan", "--no-analyze", &demo.to_string_lossy()]));
}

fn fixture(name: &str) -> String {
    root()
        .join("tests/fixtures/history")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

#[test]
fn import_prints_what_was_imported_duplicate_and_unmatched_by_reason() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = tmp.path().join("lib.sqlite");
    demo(&db);
    let text = ok(run(
        &db,
        &["history", "import", &fixture("listenbrainz-export.json")],
    ));
    for line in [
        "8 records read as ListenBrainz JSON.",
        "imported     3",
        "duplicate    1",
        "unmatched    2",
        "no track by the artist        1",
        "the artist, not the title     1",
        "unreadable   2",
        "Radiohead — Creep: no track by this artist in the library",
        ": no artist",
        ": the time of listening 'yesterday' cannot be read",
    ] {
        assert!(text.contains(line), "{line:?} missing from:\n{text}");
    }
    let again = ok(run(
        &db,
        &[
            "history",
            "import",
            "--format",
            "listenbrainz",
            &fixture("listenbrainz-export.json"),
        ],
    ));
    assert!(
        again.contains("imported     0") && again.contains("duplicate    4"),
        "{again}"
    );

    // A file in another format than the one told reads nothing and says so.
    let wrong = run(
        &db,
        &[
            "history",
            "import",
            "--format",
            "lastfm-json",
            &fixture("lastfm-to-csv.csv"),
        ],
    );
    assert_eq!(wrong.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&wrong.stderr);
    assert!(stderr.contains("holds no listens"), "{stderr}");
}

#[test]
fn export_writes_listenbrainz_json_or_csv_to_standard_output_or_a_file() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = tmp.path().join("lib.sqlite");
    demo(&db);
    ok(run(
        &db,
        &["history", "import", &fixture("lastfm-recenttracks.json")],
    ));
    let json = ok(run(&db, &["history", "export", "--format", "listenbrainz"]));
    let listens: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    let listens = listens.as_array().expect("an array");
    assert_eq!(listens.len(), 3);
    assert_eq!(listens[0]["listened_at"], 1_607_190_000);
    assert_eq!(listens[0]["track_metadata"]["artist_name"], "Wansti");
    assert_eq!(listens[0]["track_metadata"]["track_name"], "Boss Attack");
    assert_eq!(
        listens[0]["track_metadata"]["release_name"],
        "SuperTux Soundtrack"
    );

    let csv = tmp.path().join("listens.csv");
    let out = run(
        &db,
        &[
            "history",
            "export",
            "--format",
            "csv",
            "-o",
            &csv.to_string_lossy(),
        ],
    );
    ok(out);
    let text = std::fs::read_to_string(&csv).expect("csv");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "uts,utc_time,artist,artist_mbid,album,album_mbid,track,track_mbid"
    );
    assert_eq!(
        lines[1],
        "1607190000,\"05 Dec 2020, 17:40\",Wansti,,SuperTux Soundtrack,,Boss Attack,"
    );
    assert_eq!(lines.len(), 4);
    // Not over an existing file unless asked.
    let again = run(
        &db,
        &[
            "history",
            "export",
            "--format",
            "csv",
            "-o",
            &csv.to_string_lossy(),
        ],
    );
    assert_eq!(again.status.code(), Some(1));
    ok(run(
        &db,
        &[
            "history",
            "export",
            "--format",
            "csv",
            "-o",
            &csv.to_string_lossy(),
            "--overwrite",
        ],
    ));
}
