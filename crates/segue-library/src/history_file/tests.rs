use std::path::Path;

use segue_core::{BadListen, HistoryExportFormat, HistoryFormat};

use super::*;

/// After every fixture's listens, so none is refused as lying in the future.
const NOW_S: i64 = 1_800_000_000;

fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/history")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn parsed(name: &str) -> HistoryFile {
    let bytes = fixture(name);
    let file = parse_history(&bytes, None, NOW_S).expect("a format");
    // Told or sniffed, the format reads the same.
    assert_eq!(
        parse_history(&bytes, Some(file.format), NOW_S).as_ref(),
        Some(&file)
    );
    file
}

fn names(file: &HistoryFile) -> Vec<(String, String)> {
    file.listens
        .iter()
        .map(|l| (l.artist.clone(), l.title.clone()))
        .collect()
}

fn problems(file: &HistoryFile) -> Vec<(u32, BadListen)> {
    file.bad
        .iter()
        .map(|b| (b.line, b.problem.clone()))
        .collect()
}

fn pair(artist: &str, title: &str) -> (String, String) {
    (artist.to_owned(), title.to_owned())
}

#[test]
fn a_listenbrainz_export_array_is_read_with_each_bad_record_named() {
    let file = parsed("listenbrainz-export.json");
    assert_eq!(file.format, HistoryFormat::ListenBrainz);
    assert_eq!(file.records(), 8);
    assert_eq!(
        names(&file),
        [
            pair("Wansti", "Boss Attack"),
            pair("SECTOID", "feelings"),
            pair("Muldjord", "Armygeddon (Remastered 2011)"),
            pair("Radiohead", "Creep"),
            pair("Sectoid", "An Unknown Song"),
            pair("Wansti", "Boss Attack"),
        ]
    );
    let first = &file.listens[0];
    assert_eq!(first.listened_at_s, 1_607_191_440);
    assert_eq!(first.duration_ms, Some(18_000));
    assert_eq!(first.album.as_deref(), Some("SuperTux Soundtrack"));
    assert_eq!(first.line, 2);
    assert_eq!(
        first.recording_mbid.as_deref(),
        Some("0f5e2b5b-0000-4000-8000-000000000001")
    );
    assert_eq!(
        first.recording_msid.as_deref(),
        Some("b7ffd2af-418f-4be2-bdd1-22f8b48613da")
    );
    let bad = problems(&file);
    assert_eq!(bad.len(), 2);
    assert_eq!(bad[0].1, BadListen::NoArtist);
    assert_eq!(
        bad[1].1,
        BadListen::BadTimestamp {
            value: "yesterday".into()
        }
    );
    // Each bad record is named by the line it starts on.
    assert!(file.listens[2].line < bad[0].0 && bad[0].0 < bad[1].0);
    assert!(bad[1].0 < file.listens[3].line);
}

#[test]
fn listenbrainz_json_lines_with_crlf_keep_the_good_lines_around_a_broken_and_a_cut_one() {
    let file = parsed("listenbrainz-listens.jsonl");
    assert_eq!(file.format, HistoryFormat::ListenBrainz);
    assert_eq!(
        names(&file),
        [
            pair("Maxstack feat. Someone", "Awakening"),
            pair("Aleksi Aubry-Carlson", "Main Theme"),
        ]
    );
    assert_eq!(file.listens[1].line, 4);
    let bad = problems(&file);
    assert_eq!(bad.len(), 2, "{bad:?}");
    assert_eq!(bad[0].0, 2);
    assert!(matches!(bad[0].1, BadListen::NotJson { .. }), "{bad:?}");
    assert_eq!(bad[1], (5, BadListen::Cut));
}

#[test]
fn a_cut_listenbrainz_array_keeps_every_listen_before_the_cut() {
    let file = parsed("listenbrainz-cut.json");
    assert_eq!(
        names(&file),
        [pair("Wansti", "Boss Attack"), pair("SECTOID", "feelings")]
    );
    assert_eq!(problems(&file).last().map(|b| &b.1), Some(&BadListen::Cut));
    assert_eq!(file.bad.len(), 1);
}

#[test]
fn lastfm_to_csv_rows_are_read_with_quotes_bom_crlf_and_a_windows_1252_line() {
    let file = parsed("lastfm-to-csv.csv");
    assert_eq!(file.format, HistoryFormat::LastfmCsv);
    assert_eq!(
        names(&file),
        [
            pair("Wansti", "Boss Attack"),
            pair("Muldjord", "Internal Degeneration"),
            pair("Sectoid", "Metal madness, part 1"),
            pair("Wansti", "SuperTux Theme"),
            pair("Björk", "Jóga"),
        ]
    );
    // 05 Dec 2020 18:04 UTC
    assert_eq!(file.listens[0].listened_at_s, 1_607_191_440);
    assert_eq!(
        file.listens[0].album.as_deref(),
        Some("SuperTux Soundtrack")
    );
    assert_eq!(file.listens[4].line, 7);
    assert_eq!(file.read_as_windows_1252, 1);
    assert_eq!(
        problems(&file),
        [
            (
                4,
                BadListen::BadTimestamp {
                    value: "31 Feb 2020 18:30".into()
                }
            ),
            (
                5,
                BadListen::MissingColumns {
                    found: 2,
                    needed: 4
                }
            ),
        ]
    );
}

#[test]
fn a_csv_header_names_the_columns() {
    let file = parsed("lastfm-export.csv");
    assert_eq!(file.format, HistoryFormat::LastfmCsv);
    assert_eq!(
        names(&file),
        [pair("Wansti", "Boss Attack"), pair("Sectoid", "Feelings")]
    );
    assert_eq!(file.listens[1].listened_at_s, 1_607_191_500);
    assert_eq!(
        problems(&file),
        [(4, BadListen::NoTimestamp), (5, BadListen::NoArtist)]
    );
}

#[test]
fn lastfm_recent_tracks_pages_skip_now_playing_and_read_a_one_track_page() {
    let file = parsed("lastfm-recenttracks.json");
    assert_eq!(file.format, HistoryFormat::LastfmJson);
    assert_eq!(
        names(&file),
        [
            pair("Sectoid", "War of freedom"),
            pair("Muldjord", "Mutilated Mime"),
            pair("Wansti", "Boss Attack"),
        ]
    );
    assert_eq!(file.listens[0].listened_at_s, 1_607_191_440);
    assert_eq!(
        file.listens[2].album.as_deref(),
        Some("SuperTux Soundtrack")
    );
    let bad: Vec<BadListen> = file.bad.iter().map(|b| b.problem.clone()).collect();
    assert_eq!(bad, [BadListen::NowPlaying, BadListen::NoTimestamp]);
    // Each named by the line its track starts on, not its page's.
    assert!(file.bad[0].line > 2 && file.bad[0].line < file.listens[0].line);
    assert!(file.listens[1].line < file.bad[1].line);
}

#[test]
fn a_cut_lastfm_page_keeps_its_whole_tracks() {
    let file = parsed("lastfm-recenttracks-cut.json");
    assert_eq!(names(&file), [pair("Sectoid", "War of freedom")]);
    let bad: Vec<BadListen> = file.bad.iter().map(|b| b.problem.clone()).collect();
    assert_eq!(bad, [BadListen::NowPlaying, BadListen::Cut]);
}

#[test]
fn json_records_holding_bytes_that_are_not_utf8_are_refused_and_the_rest_read() {
    let mut bytes =
        br#"{"listened_at": 1607191440, "track_metadata": {"artist_name": "Bj"#.to_vec();
    bytes.extend_from_slice(b"\xF6rk\", \"track_name\": \"J\xF3ga\"}}\n");
    bytes.extend_from_slice(
        br#"{"listened_at": 1607191500, "track_metadata": {"artist_name": "Sectoid", "track_name": "Feelings"}}"#,
    );
    let file = parse_history(&bytes, None, NOW_S).expect("ListenBrainz");
    assert_eq!(names(&file), [pair("Sectoid", "Feelings")]);
    assert_eq!(problems(&file), [(1, BadListen::NotUtf8)]);
}

#[test]
fn a_damaged_record_in_the_middle_of_an_array_is_skipped_to_the_next() {
    let text = r#"[
{"listened_at": 1607191440, "track_metadata": {"artist_name": "A", "track_name": "One"}},
{"listened_at": 1607191500, "track_metadata": {"artist_name": "B", "track_name": Two}},
{"listened_at": 1607191600, "track_metadata": {"artist_name": "C", "track_name": "Three"}}
]"#;
    let file = parse_history(text.as_bytes(), None, NOW_S).expect("ListenBrainz");
    assert_eq!(names(&file), [pair("A", "One"), pair("C", "Three")]);
    assert_eq!(file.bad.len(), 1);
    assert_eq!(file.bad[0].line, 3);
    assert!(matches!(file.bad[0].problem, BadListen::NotJson { .. }));
}

#[test]
fn times_before_2000_or_in_the_future_are_refused() {
    let text = format!(
        "a,b,c,01 Jan 1970 00:00\na,b,c,{}\na,b,c,2020-12-05T19:04:00+01:00\n",
        NOW_S + 2 * 86_400
    );
    let file = parse_history(text.as_bytes(), Some(HistoryFormat::LastfmCsv), NOW_S).expect("csv");
    assert_eq!(file.listens.len(), 1);
    assert_eq!(file.listens[0].listened_at_s, 1_607_191_440);
    assert!(
        file.bad
            .iter()
            .all(|b| matches!(b.problem, BadListen::BadTimestamp { .. }))
    );
    assert_eq!(file.bad.len(), 2);
}

#[test]
fn times_in_every_written_form_are_read() {
    for text in [
        "1607191440",
        "1607191440000",
        "05 Dec 2020 18:04",
        "5 Dec 2020, 18:04",
        "05 December 2020 18:04:00",
        "2020-12-05 18:04",
        "2020-12-05T18:04:00Z",
        "2020-12-05T18:04:00.250Z",
        "2020-12-05T13:04:00-05:00",
    ] {
        assert_eq!(parse_time(text), Some(1_607_191_440), "{text}");
    }
    for text in [
        "",
        "yesterday",
        "31 Feb 2020 18:30",
        "2020-13-01 00:00",
        "05 Dec 2020 25:00",
    ] {
        assert_eq!(parse_time(text), None, "{text}");
    }
    for seconds in [0, 951_782_400, 1_607_191_440, 4_102_444_800] {
        let (y, mo, d, h, mi, s) = civil_from_seconds(seconds);
        assert_eq!(civil_seconds(y, mo, d, h, mi, s), Some(seconds));
    }
}

#[test]
fn what_is_not_a_history_is_not_taken_for_one() {
    assert_eq!(sniff_format(b""), None);
    assert_eq!(sniff_format(b"{\"name\": \"a playlist\"}"), None);
    assert_eq!(sniff_format(b"#EXTM3U\n/music/a.flac\n"), None);
    assert_eq!(
        sniff_format(b"\xEF\xBB\xBF  [{\"listened_at\": 1}]"),
        Some(HistoryFormat::ListenBrainz)
    );
}

#[test]
fn exports_read_back_as_the_same_listens() {
    let listens = vec![
        ExportListen {
            listened_at_s: 1_607_191_440,
            artist: "Wansti".into(),
            title: "Boss Attack".into(),
            album: Some("SuperTux Soundtrack".into()),
            duration_ms: 18_000,
        },
        ExportListen {
            listened_at_s: 1_607_191_501,
            artist: "Crosby, Stills & Nash".into(),
            title: "\"Suite\": Judy Blue Eyes ".into(),
            album: None,
            duration_ms: 445_000,
        },
        ExportListen {
            listened_at_s: 1_607_191_600,
            artist: "Кино".into(),
            title: "Группа крови".into(),
            album: Some("Группа крови".into()),
            duration_ms: 287_000,
        },
    ];
    for format in [HistoryExportFormat::ListenBrainz, HistoryExportFormat::Csv] {
        let mut bytes = Vec::new();
        write_listens(&mut bytes, &listens, format).expect("write");
        let file = parse_history(&bytes, None, NOW_S).expect("readable");
        assert!(file.bad.is_empty(), "{format:?}: {:?}", file.bad);
        let read: Vec<ExportListen> = file
            .listens
            .iter()
            .map(|l| ExportListen {
                listened_at_s: l.listened_at_s,
                artist: l.artist.clone(),
                title: l.title.clone(),
                album: l.album.clone(),
                duration_ms: l.duration_ms.unwrap_or(listens[0].duration_ms),
            })
            .collect();
        let mut expected = listens.clone();
        if format == HistoryExportFormat::Csv {
            // CSV carries no duration; names are read trimmed.
            for (e, r) in expected.iter_mut().zip(&read) {
                e.duration_ms = r.duration_ms;
            }
            expected[1].title = expected[1].title.trim().to_owned();
        } else {
            expected[1].title = expected[1].title.trim().to_owned();
        }
        assert_eq!(read, expected, "{format:?}");
    }
}

#[test]
fn an_export_never_overwrites_unless_asked_and_leaves_no_temporary_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("listens.json");
    std::fs::write(&path, "keep me").expect("write");
    let listen = ExportListen {
        listened_at_s: 1_607_191_440,
        artist: "A".into(),
        title: "B".into(),
        album: None,
        duration_ms: 1,
    };
    let refused = write_history(
        &path,
        std::slice::from_ref(&listen),
        HistoryExportFormat::ListenBrainz,
        false,
    );
    assert!(
        matches!(refused, Err(HistoryFileError::Exists { .. })),
        "{refused:?}"
    );
    assert_eq!(std::fs::read_to_string(&path).expect("read"), "keep me");
    write_history(&path, &[listen], HistoryExportFormat::ListenBrainz, true).expect("overwrite");
    assert!(
        std::fs::read_to_string(&path)
            .expect("read")
            .contains("\"listened_at\":1607191440")
    );
    assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 1);
}

#[test]
fn files_that_hold_no_listens_are_refused_whole() {
    let dir = tempfile::tempdir().expect("tempdir");
    let not_history = dir.path().join("notes.json");
    std::fs::write(&not_history, "{\"name\": \"x\"}").expect("write");
    assert!(matches!(
        read_history(&not_history, None, NOW_S),
        Err(HistoryFileError::Unrecognised { .. })
    ));
    let all_bad = dir.path().join("bad.csv");
    std::fs::write(&all_bad, "a,b,c,never\n").expect("write");
    assert!(matches!(
        read_history(&all_bad, None, NOW_S),
        Err(HistoryFileError::NoListens { records: 1, .. })
    ));
    assert!(matches!(
        read_history(&dir.path().join("missing.json"), None, NOW_S),
        Err(HistoryFileError::NotFound { .. })
    ));
    assert!(matches!(
        read_history(dir.path(), None, NOW_S),
        Err(HistoryFileError::NotAFile { .. })
    ));
}
