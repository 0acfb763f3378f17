use std::path::PathBuf;

use segue_core::{AudioProperties, Codec, Container, IssueKind, ReplayGain, TrackTags};

use crate::*;

pub(crate) fn imported(path: &str, title: &str, artist: &str, album: &str, fp: u8) -> FileChange {
    FileChange::Imported {
        id: None,
        stat: FileStat {
            path: PathBuf::from(path),
            size: 1000,
            mtime_ns: 42,
        },
        fingerprint: [fp; 16],
        track: Box::new(ImportedTrack {
            tags: TrackTags {
                title: title.into(),
                artist: Some(artist.into()),
                album: Some(album.into()),
                year: Some(2001),
                genre: Some("Ambient".into()),
                ..Default::default()
            },
            audio: AudioProperties {
                container: Container::Ogg,
                codec: Codec::Vorbis,
                duration_ms: 61_000,
                sample_rate: Some(48_000),
                channels: Some(2),
                bit_depth: None,
                bitrate_kbps: Some(112),
            },
            replay_gain: ReplayGain {
                track_gain_db: Some(-3.5),
                ..Default::default()
            },
            cover: Some(CoverImage {
                hash: [7; 16],
                mime: "image/png".into(),
                width: Some(1),
                height: Some(1),
                data: Some(vec![1, 2, 3]),
            }),
            warning: None,
        }),
    }
}

/// `change` with its tags edited.
fn retagged(mut change: FileChange, edit: impl FnOnce(&mut TrackTags)) -> FileChange {
    if let FileChange::Imported { track, .. } = &mut change {
        edit(&mut track.tags);
    }
    change
}

/// A play of `track` started at `at_ms`, heard for `listened_ms`.
pub(crate) fn play_record(
    track: TrackId,
    at_ms: i64,
    listened_ms: i64,
    end: PlayEnd,
) -> PlayRecord {
    PlayRecord {
        track_id: track,
        started_at_ms: at_ms,
        ms_listened: listened_ms,
        end,
        position_ms: None,
    }
}

pub(crate) fn file_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("nested/segue.sqlite")).expect("open");
    (dir, store)
}

#[test]
fn opens_a_file_migrates_and_reopens() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("lib.sqlite");
    {
        let mut s = Store::open(&path).expect("open");
        assert_eq!(s.schema_version().expect("version"), LATEST_SCHEMA as i64);
        s.apply(&[imported("/m/a.ogg", "Dawn", "Ann", "First", 1)])
            .expect("apply");
    }
    let s = Store::open(&path).expect("reopen");
    assert_eq!(s.stats().expect("stats").tracks, 1);
}

#[test]
fn tracks_named_from_folders_are_read_again_after_the_fallbacks_changed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("lib.sqlite");
    {
        let mut s = Store::open(&path).expect("open");
        s.apply(&[
            imported("/m/a.ogg", "Dawn", "Ann", "First", 1),
            imported("/m/b.ogg", "Dusk", "Ann", "First", 2),
        ])
        .expect("apply");
    }
    // The database as schema 4 left it, with one track named from its folders.
    {
        let conn = rusqlite::Connection::open(&path).expect("raw open");
        conn.execute_batch(
            "UPDATE tracks SET inferred_from_path = 1
               WHERE id = (SELECT id FROM files WHERE display_path = '/m/b.ogg');
             PRAGMA user_version = 4;",
        )
        .expect("downgrade");
    }
    let s = Store::open(&path).expect("migrate");
    let mtimes: Vec<(String, i64)> = s
        .known_files()
        .expect("files")
        .into_iter()
        .map(|k| (k.path.to_string_lossy().into_owned(), k.mtime_ns))
        .collect();
    assert!(mtimes.contains(&("/m/b.ogg".into(), -1)), "{mtimes:?}");
    assert!(
        mtimes.iter().any(|(p, m)| p == "/m/a.ogg" && *m != -1),
        "{mtimes:?}"
    );
    assert_eq!(s.stats().expect("stats").tracks, 2);
}

#[test]
fn tracks_credited_to_placeholder_artists_are_read_again_after_migration() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("lib.sqlite");
    {
        let mut s = Store::open(&path).expect("open");
        // Placeholders as schema 5's reader stored them: as names.
        s.apply(&[
            imported("/m/a.ogg", "Dawn", "Ann", "First", 1),
            imported("/m/b.ogg", "Day", "<Unknown>", "First", 2),
            retagged(imported("/m/c.ogg", "Noon", "Ann", "First", 3), |t| {
                t.album_artist = Some("Unknown Artist".into())
            }),
            retagged(imported("/m/d.ogg", "Dusk", "Ann", "First", 4), |t| {
                t.composer = Some("[unknown]".into())
            }),
        ])
        .expect("apply");
        let day = s
            .known_files()
            .expect("files")
            .into_iter()
            .find(|k| k.path.ends_with("b.ogg"))
            .expect("b.ogg")
            .id;
        s.record_play(&PlayRecord {
            track_id: day,
            started_at_ms: 1,
            ms_listened: 30_000,
            end: PlayEnd::Completed,
            position_ms: Some(61_000),
        })
        .expect("play");
    }
    {
        let conn = rusqlite::Connection::open(&path).expect("raw open");
        conn.execute_batch("PRAGMA user_version = 5;")
            .expect("downgrade");
    }
    let s = Store::open(&path).expect("migrate");
    assert_eq!(s.schema_version().expect("version"), LATEST_SCHEMA as i64);
    let mut reread: Vec<String> = s
        .known_files()
        .expect("files")
        .into_iter()
        .filter(|k| k.mtime_ns == -1)
        .map(|k| k.path.to_string_lossy().into_owned())
        .collect();
    reread.sort();
    assert_eq!(reread, ["/m/b.ogg", "/m/c.ogg", "/m/d.ogg"]);
    // Marked, not removed: the tracks and their plays are there for the scan to update.
    assert_eq!(s.stats().expect("stats").tracks, 4);
    assert_eq!(s.recent_plays(10).expect("plays").len(), 1);
}

#[test]
fn imports_query_search_and_dedup_covers() {
    let (_d, mut s) = file_store();
    s.apply(&[
        imported("/m/a.ogg", "Dawn", "Ann", "First", 1),
        imported("/m/b.ogg", "Dusk", "Ann", "First", 2),
        imported("/m/c.ogg", "Noon Ñandú", "Bob", "Second", 3),
    ])
    .expect("apply");
    let stats = s.stats().expect("stats");
    assert_eq!(
        (stats.tracks, stats.albums, stats.artists, stats.covers),
        (3, 2, 2, 1)
    );
    assert_eq!(stats.total_duration_ms, 183_000);

    let all = s.tracks(&TrackQuery::default()).expect("tracks");
    assert_eq!(
        all.iter()
            .map(|t| t.tags.title.as_str())
            .collect::<Vec<_>>(),
        ["Dawn", "Dusk", "Noon Ñandú"]
    );
    assert_eq!(all[0].replay_gain.track_gain_db, Some(-3.5));
    assert!(all[0].cover_id.is_some());

    let found = |q: &str| {
        s.tracks(&TrackQuery {
            search: Some(q.into()),
            ..Default::default()
        })
        .expect("search")
        .len()
    };
    assert_eq!(found("ann"), 2);
    assert_eq!(found("ÑANDÚ"), 1, "search folds non-ASCII case");
    assert_eq!(found("ann dusk"), 1, "all words must match");
    assert_eq!(found("100%"), 0, "LIKE wildcards are escaped");
}

#[test]
fn moved_file_keeps_id_rating_and_history() {
    let (_d, mut s) = file_store();
    s.apply(&[imported("/m/a.ogg", "Dawn", "Ann", "First", 1)])
        .expect("apply");
    let id = s.known_files().expect("known")[0].id;
    s.set_rating(id, Some(5)).expect("rate");
    s.record_play(&PlayRecord {
        track_id: id,
        started_at_ms: 1,
        ms_listened: 60_000,
        end: PlayEnd::Completed,
        position_ms: None,
    })
    .expect("play");

    s.mark_missing(&[id]).expect("missing");
    assert_eq!(s.stats().expect("stats").missing, 1);
    assert_eq!(
        s.rating(id).expect("rating"),
        Some(5),
        "missing keeps rating"
    );

    let FileChange::Imported {
        stat,
        fingerprint,
        track,
        ..
    } = imported("/elsewhere/renamed.ogg", "Dawn", "Ann", "First", 1)
    else {
        unreachable!()
    };
    s.apply(&[FileChange::Imported {
        id: Some(id),
        stat,
        fingerprint,
        track,
    }])
    .expect("move");
    let t = s.track(id).expect("track").expect("exists");
    assert_eq!(t.path, "/elsewhere/renamed.ogg");
    assert!(!t.missing);
    assert_eq!(s.rating(id).expect("rating"), Some(5));
    assert_eq!(s.play_count(id).expect("plays"), 1);
}

#[test]
fn failed_files_are_reported_and_forgotten_when_gone() {
    let (_d, mut s) = file_store();
    s.apply(&[FileChange::Failed {
        id: None,
        stat: FileStat {
            path: PathBuf::from("/m/bad.mp3"),
            size: 0,
            mtime_ns: 0,
        },
        fingerprint: None,
        kind: IssueKind::Empty,
        message: "the file is empty (0 bytes)".into(),
    }])
    .expect("apply");
    let issues = s.issues().expect("issues");
    assert_eq!(issues.len(), 1);
    assert_eq!(issues[0].kind, IssueKind::Empty);
    let id = s.known_files().expect("known")[0].id;
    s.mark_missing(&[id]).expect("gone");
    assert!(s.issues().expect("issues").is_empty());
    assert!(s.known_files().expect("known").is_empty());
}

#[test]
fn invalid_rating_and_unknown_track_are_errors() {
    let (_d, s) = file_store();
    assert!(matches!(
        s.set_rating(1, Some(6)),
        Err(StoreError::InvalidRating(6))
    ));
    assert!(matches!(
        s.set_rating(99, Some(3)),
        Err(StoreError::TrackNotFound(99))
    ));
}

#[cfg(unix)]
#[test]
fn non_utf8_paths_round_trip() {
    use std::os::unix::ffi::OsStrExt;
    let (_d, mut s) = file_store();
    let raw = std::ffi::OsStr::from_bytes(b"/m/\xff\xfe caf\xe9.ogg");
    let FileChange::Imported {
        fingerprint, track, ..
    } = imported("x", "T", "A", "B", 9)
    else {
        unreachable!()
    };
    s.apply(&[FileChange::Imported {
        id: None,
        stat: FileStat {
            path: PathBuf::from(raw),
            size: 1,
            mtime_ns: 1,
        },
        fingerprint,
        track,
    }])
    .expect("apply");
    assert_eq!(s.known_files().expect("known")[0].path.as_os_str(), raw);
}

#[test]
fn garbage_file_is_a_clear_open_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("not-a-db.sqlite");
    std::fs::write(&path, b"this is not a database, just text ...................................................................................").expect("write");
    let err = Store::open(&path).err().expect("must fail");
    assert!(!err.to_string().is_empty());
}

#[test]
fn concurrent_first_opens_wait_instead_of_failing() {
    for round in 0..10 {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(format!("race-{round}.sqlite"));
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let path = path.clone();
                std::thread::spawn(move || Store::open(&path).map(|s| s.schema_version()))
            })
            .collect();
        for h in handles {
            let version = h.join().expect("thread").expect("open").expect("version");
            assert_eq!(version, LATEST_SCHEMA as i64);
        }
    }
}

#[test]
fn listening_stats_count_days_artists_and_tracks_since_a_time() {
    let (_dir, mut s) = file_store();
    s.apply(&[
        imported("/m/a.flac", "Alpha", "Ann", "One", 1),
        imported("/m/b.flac", "Beta", "Bob", "Two", 2),
    ])
    .expect("apply");
    let ids: Vec<TrackId> = s
        .tracks(&TrackQuery::default())
        .expect("tracks")
        .iter()
        .map(|t| t.id)
        .collect();
    let (alpha, beta) = (ids[0], ids[1]);
    let day = 86_400_000;
    // Noon UTC keeps each play on its own local day in any time zone within ±11 h.
    let noon = 20_000 * day + day / 2;
    let play = |track, at, end| play_record(track, at, 60_000, end);
    for p in [
        play(beta, noon - 10 * day, PlayEnd::Completed), // before the window
        play(alpha, noon - day, PlayEnd::Completed),
        play(alpha, noon, PlayEnd::Completed),
        play(alpha, noon + 60_000, PlayEnd::Skipped),
        play(beta, noon + 120_000, PlayEnd::Completed),
    ] {
        s.record_play(&p).expect("play");
    }
    let stats = s.listening_stats(noon - 2 * day, 5).expect("stats");
    assert_eq!(stats.plays, 4);
    assert_eq!(stats.skipped, 1);
    assert_eq!(stats.listened_ms, 4 * 60_000);
    assert_eq!(stats.days.len(), 2);
    assert_eq!((stats.days[1].plays, stats.days[1].completed), (3, 2));
    assert!(stats.days[0].day < stats.days[1].day);
    assert_eq!(stats.top_artists[0].name, "Ann");
    assert_eq!(stats.top_artists[0].plays, 3);
    assert_eq!(stats.top_artists[1].plays, 1);
    assert_eq!(stats.top_tracks[0].track_id, Some(alpha));
    assert_eq!(stats.top_tracks[0].name, "Alpha");
}

#[test]
fn plays_near_this_time_of_day_on_earlier_days() {
    let (_dir, mut s) = file_store();
    s.apply(&[imported("/m/a.flac", "Alpha", "Ann", "One", 1)])
        .expect("apply");
    let track = s.tracks(&TrackQuery::default()).expect("tracks")[0].id;
    let (hour, day) = (3_600_000, 86_400_000);
    // Early October 2024: no daylight-saving change between these days in common time zones,
    // so clock-time differences are the same in any of them.
    let now = 20_000 * day + 15 * hour;
    for (at, end) in [
        (now - day, PlayEnd::Completed),                // same clock time
        (now - 2 * day + 2 * hour, PlayEnd::Skipped),   // two hours later in the day
        (now - 3 * day - 5 * hour, PlayEnd::Completed), // five hours earlier: too far
        (now - hour, PlayEnd::Completed),               // today: not an earlier day
        (now - 100 * day, PlayEnd::Completed),          // before the window
        (now - 4 * day + 11 * hour + hour / 2, PlayEnd::Completed), // 11.5 h either way
        (now - 5 * day - 11 * hour - hour / 2, PlayEnd::Completed), // round the clock
    ] {
        s.record_play(&PlayRecord {
            track_id: track,
            started_at_ms: at,
            ms_listened: 60_000,
            end,
            position_ms: None,
        })
        .expect("play");
    }
    let since = now - 90 * day;
    let (local_hour, plays) = s
        .plays_near_time_of_day(now, since, now - 6 * hour, 3.0, 100)
        .expect("plays");
    assert!(local_hour < 24);
    let found: Vec<(i64, f32)> = plays.iter().map(|(p, h)| (p.started_at_ms, *h)).collect();
    assert_eq!(found, [(now - 2 * day + 2 * hour, 2.0), (now - day, 0.0)]);
    assert_eq!(plays[0].0.end, PlayEnd::Skipped);
    // With a wide window (oldest first), both plays 11.5 hours away come back as 11.5,
    // whichever way round the clock they lie, and the one five hours away as 5.
    let (_, wide) = s
        .plays_near_time_of_day(now, since, now - 6 * hour, 12.0, 100)
        .expect("plays");
    let far: Vec<f32> = wide.iter().map(|p| p.1).filter(|h| *h > 3.0).collect();
    assert_eq!(far, [11.5, 11.5, 5.0]);
}

#[test]
fn a_database_from_a_newer_segue_is_named_as_such_and_left_alone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("lib.sqlite");
    drop(Store::open(&path).expect("open"));
    let newer = LATEST_SCHEMA as i64 + 3;
    rusqlite::Connection::open(&path)
        .expect("raw open")
        .pragma_update(None, "user_version", newer)
        .expect("newer version");
    let err = Store::open(&path).err().expect("must fail");
    assert!(
        matches!(err, StoreError::NewerSchema { found, supported }
            if found == newer && supported == LATEST_SCHEMA),
        "{err:?}"
    );
    assert!(err.to_string().contains("newer Segue"), "{err}");
    let version: i64 = rusqlite::Connection::open(&path)
        .expect("raw open")
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .expect("version");
    assert_eq!(version, newer);
}

#[test]
fn a_migration_that_fails_for_another_reason_says_that_reason_not_newer_segue() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("lib.sqlite");
    drop(Store::open(&path).expect("open"));
    // A database whose version was set back: replaying migration 2 meets its own tables.
    rusqlite::Connection::open(&path)
        .expect("raw open")
        .pragma_update(None, "user_version", 1)
        .expect("older version");
    let err = Store::open(&path).err().expect("must fail");
    assert!(matches!(err, StoreError::Migrate { .. }), "{err:?}");
    let message = err.to_string();
    assert!(!message.contains("newer"), "{message}");
    assert_eq!(
        message,
        "cannot bring the library database up to date: table analysis already exists"
    );
}

#[test]
fn open_existing_creates_nothing_where_there_is_no_database() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("typo/lib.sqlite");
    let err = Store::open_existing(&path).err().expect("must fail");
    assert!(
        matches!(&err, StoreError::NoLibrary { path: p } if *p == path),
        "{err:?}"
    );
    let flat = dir.path().join("lib.sqlite");
    assert!(Store::open_existing(&flat).is_err());
    assert_eq!(
        std::fs::read_dir(dir.path()).expect("list").count(),
        0,
        "nothing created"
    );
    drop(Store::open(&flat).expect("create"));
    let s = Store::open_existing(&flat).expect("open existing");
    assert_eq!(s.schema_version().expect("version"), LATEST_SCHEMA as i64);
}

#[cfg(unix)]
fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .expect("metadata")
        .permissions()
        .mode()
        & 0o777
}

#[cfg(unix)]
#[test]
fn the_folders_and_database_it_creates_are_private_and_existing_folders_keep_their_mode() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    // A shared folder that was there before: Segue must not change it.
    let shared = dir.path().join("shared");
    std::fs::create_dir(&shared).expect("mkdir");
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o1777)).expect("chmod");
    let path = shared.join("segue/data/lib.sqlite");
    let s = Store::open(&path).expect("open");
    s.add_root(std::path::Path::new("/m")).expect("write");
    for (file, expected) in [
        (shared.join("segue"), 0o700),
        (shared.join("segue/data"), 0o700),
        (path.clone(), 0o600),
        (shared.join("segue/data/lib.sqlite-wal"), 0o600),
        (shared.join("segue/data/lib.sqlite-shm"), 0o600),
    ] {
        assert_eq!(mode(&file), expected, "{}", file.display());
    }
    use std::os::unix::fs::MetadataExt;
    assert_eq!(
        std::fs::metadata(&shared).expect("metadata").mode() & 0o7777,
        0o1777
    );
}
