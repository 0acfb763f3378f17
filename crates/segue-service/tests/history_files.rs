//! History imports and exports on the demo library (scanned from its real files) and a real
//! SQLite file: the fixtures are written by hand in the formats ListenBrainz and Last.fm
//! exporters write (tests/fixtures/history), broken and cut ones included.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use segue_core::{HistoryExportFormat, HistoryFormat, HistoryImportReport, ListenUnmatched};
use segue_service::Service;
use segue_store::Store;

fn demo_library(db: &Path) -> Service {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/demo");
    let service = Service::open(db).expect("open");
    service.add_folders(&[demo]).expect("folder");
    let never = AtomicBool::new(false);
    service.scan(&[], &never, &mut |_| {}).expect("scan");
    service
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/history")
        .join(name)
}

fn import(service: &Service, file: &Path) -> HistoryImportReport {
    let never = AtomicBool::new(false);
    service
        .import_history(file, None, &never, &mut |_| {})
        .expect("import")
}

/// (track title, listened at in Unix seconds) of every play, oldest first.
fn listens(db: &Path) -> Vec<(String, i64)> {
    let store = Store::open(db).expect("open");
    store
        .full_listens()
        .expect("listens")
        .into_iter()
        .map(|l| (l.title, l.started_at_ms / 1000))
        .collect()
}

#[test]
fn a_listenbrainz_export_is_imported_once_with_what_did_not_match_and_why() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = tmp.path().join("library.sqlite");
    let service = demo_library(&db);
    let report = import(&service, &fixture("listenbrainz-export.json"));
    assert_eq!(report.format, HistoryFormat::ListenBrainz);
    assert_eq!(report.records, 8);
    // Boss Attack, feelings (SECTOID), Armygeddon (Remastered 2011); the second Boss Attack
    // at the same second is the same listen.
    assert_eq!(report.imported, 3, "{report:#?}");
    assert_eq!(report.duplicates, 1);
    assert_eq!(report.unknown_artist, 1);
    assert_eq!(report.unknown_title, 1);
    assert_eq!(report.bad_records, 2);
    let why: Vec<(&str, ListenUnmatched)> = report
        .unmatched
        .iter()
        .map(|u| (u.title.as_str(), u.reason))
        .collect();
    assert!(
        why.contains(&("Creep", ListenUnmatched::UnknownArtist)),
        "{why:?}"
    );
    assert!(
        why.contains(&("An Unknown Song", ListenUnmatched::UnknownTitle)),
        "{why:?}"
    );
    assert_eq!(
        listens(&db),
        [
            ("Boss Attack".to_owned(), 1_607_191_440),
            ("Feelings".to_owned(), 1_607_191_500),
            ("Armygeddon".to_owned(), 1_607_191_600),
        ]
    );

    // The same file again adds nothing.
    let again = import(&service, &fixture("listenbrainz-export.json"));
    assert_eq!(again.imported, 0);
    assert_eq!(again.duplicates, 4);
    assert_eq!(listens(&db).len(), 3);

    // The history shows them as full listens, as plays in Segue, marked as imported.
    let history = service.history(10).expect("history");
    assert_eq!(history.len(), 3);
    assert!(history.iter().all(|h| h.full_listen && h.imported));
}

#[test]
fn every_fixture_imports_what_it_can_and_keeps_the_history_it_found() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = tmp.path().join("library.sqlite");
    let service = demo_library(&db);
    let before = import(&service, &fixture("listenbrainz-listens.jsonl"));
    // Awakening by "Maxstack feat. Someone", Main Theme; a broken and a cut line.
    assert_eq!((before.imported, before.bad_records), (2, 2), "{before:#?}");
    let mut expected = 2;
    for (name, imported, duplicates, bad) in [
        // Boss Attack, SECTOID's feelings; cut in the third.
        ("listenbrainz-cut.json", 2, 0, 1),
        // Internal Degeneration, SuperTux Theme (the Milestone 2 Version); Boss Attack again.
        ("lastfm-to-csv.csv", 2, 1, 2),
        // Boss Attack and Feelings at the seconds the ListenBrainz file had them.
        ("lastfm-export.csv", 0, 2, 2),
        // War of freedom, Mutilated Mime, Boss Attack (a page of one track).
        ("lastfm-recenttracks.json", 3, 0, 2),
        // War of freedom again; now playing, and the cut.
        ("lastfm-recenttracks-cut.json", 0, 1, 2),
    ] {
        let report = import(&service, &fixture(name));
        assert_eq!(
            (report.imported, report.duplicates, report.bad_records),
            (imported, duplicates, bad),
            "{name}: {report:#?}"
        );
        expected += report.imported;
        // Nothing found before is lost.
        assert_eq!(listens(&db).len() as u32, expected, "{name}");
    }
    assert_eq!(expected, 9);
    let csv = service.history(100).expect("history");
    assert_eq!(csv.len() as u32, expected);
    // The Windows-1252 line was read (Björk is not in the library).
    let report = import(&service, &fixture("lastfm-to-csv.csv"));
    assert_eq!(report.read_as_windows_1252, 1);
    assert_eq!(report.imported, 0);
    assert!(report.unmatched.iter().any(|u| u.artist == "Björk"));
}

#[test]
fn an_export_imported_into_a_fresh_library_gives_the_same_listens() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = tmp.path().join("library.sqlite");
    let service = demo_library(&db);
    for name in [
        "listenbrainz-export.json",
        "lastfm-recenttracks.json",
        "lastfm-to-csv.csv",
    ] {
        import(&service, &fixture(name));
    }
    let original = listens(&db);
    assert!(original.len() >= 7, "{original:?}");
    for (format, name) in [
        (HistoryExportFormat::ListenBrainz, "out.json"),
        (HistoryExportFormat::Csv, "out.csv"),
    ] {
        let out = tmp.path().join(name);
        let written = service.export_history(&out, format, false).expect("export");
        assert_eq!(written.listens as usize, original.len());
        // Refused over an existing file unless asked.
        let refused = service
            .export_history(&out, format, false)
            .expect_err("exists");
        assert_eq!(refused.kind(), "file_exists");

        let fresh_db = tmp.path().join(format!("fresh-{name}.sqlite"));
        let fresh = demo_library(&fresh_db);
        let report = import(&fresh, &out);
        assert_eq!(report.imported as usize, original.len(), "{report:#?}");
        assert_eq!(report.unmatched_listens() + report.bad_records, 0);
        assert_eq!(listens(&fresh_db), original, "{format:?}");
        // And back into the library it came from: all already there.
        let back = import(&service, &out);
        assert_eq!(
            (back.imported as usize, back.duplicates as usize),
            (0, original.len())
        );
    }
}

#[test]
fn files_that_are_not_histories_are_refused_and_change_nothing() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = tmp.path().join("library.sqlite");
    let service = demo_library(&db);
    import(&service, &fixture("listenbrainz-export.json"));
    let never = AtomicBool::new(false);
    let playlist = tmp.path().join("list.m3u8");
    std::fs::write(&playlist, "#EXTM3U\n/music/a.flac\n").expect("write");
    for (file, kind) in [
        (tmp.path().join("missing.json"), "not_found"),
        (playlist, "bad_history_file"),
        (tmp.path().to_path_buf(), "bad_history_file"),
    ] {
        let err = service
            .import_history(&file, None, &never, &mut |_| {})
            .expect_err("refused");
        assert_eq!(err.kind(), kind, "{err}");
    }
    assert_eq!(listens(&db).len(), 3);
}

#[test]
fn a_cancelled_import_keeps_nothing_half_written() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = tmp.path().join("library.sqlite");
    let service = demo_library(&db);
    let cancelled = AtomicBool::new(true);
    let report = service
        .import_history(
            &fixture("listenbrainz-export.json"),
            None,
            &cancelled,
            &mut |_| {},
        )
        .expect("import");
    assert!(report.cancelled);
    assert_eq!(report.imported, 0);
    assert!(listens(&db).is_empty());
}
