//! Listens recorded without playing: a real library (real audio files, a real SQLite file),
//! the same history rows the player writes, and what cannot have happened refused.

mod common;

use std::path::Path;
use std::sync::atomic::AtomicBool;

use segue_core::{PlayEnd, PlayOutcome, Track};
use segue_service::suggest::SuggestRequest;
use segue_service::{Listen, ListenError, Service, ServiceError};
use segue_store::Store;

/// A library of two real tracks; returns them in file-name order.
fn library(dir: &Path) -> (Service, Vec<Track>) {
    let music = dir.join("music");
    std::fs::create_dir_all(&music).expect("mkdir");
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/gapless");
    std::fs::copy(fixtures.join("part1.flac"), music.join("01 First.flac")).expect("copy");
    std::fs::copy(fixtures.join("part2.ogg"), music.join("02 Second.ogg")).expect("copy");
    let service = Service::open(&dir.join("library.sqlite")).expect("open");
    service.add_folders(&[music]).expect("add");
    service
        .scan(&[], &AtomicBool::new(false), &mut |_| {})
        .expect("scan");
    let mut tracks = service.tracks(None, None).expect("tracks");
    tracks.sort_by(|a, b| a.path.cmp(&b.path));
    (service, tracks)
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_millis() as i64
}

#[test]
fn a_recorded_listen_is_history_like_a_played_one() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (service, tracks) = library(tmp.path());
    let (first, second) = (&tracks[0], &tracks[1]);
    let duration = first.audio.duration_ms as i64;
    let an_hour_ago = now_ms() - 3_600_000;
    service
        .record_listen(&Listen {
            track: first.id,
            listened_ms: duration,
            ended: PlayEnd::Completed,
            started_at_ms: an_hour_ago,
        })
        .expect("a whole listen");
    service
        .record_listen(&Listen {
            track: second.id,
            listened_ms: 1_000,
            ended: PlayEnd::Skipped,
            started_at_ms: an_hour_ago + duration,
        })
        .expect("a skip");

    // The rows the player would have written: what suggestions and taste read.
    let plays = Store::open(service.db_path())
        .expect("reader")
        .plays_since(0, 10)
        .expect("plays");
    let rows: Vec<_> = plays
        .iter()
        .map(|p| (p.track_id, p.started_at_ms, p.ms_listened, p.end))
        .collect();
    assert_eq!(
        rows,
        [
            (first.id, an_hour_ago, duration, PlayEnd::Completed),
            (second.id, an_hour_ago + duration, 1_000, PlayEnd::Skipped),
        ]
    );
    // The app's history and its stats show them as plays.
    let history = service.history(10).expect("history");
    assert_eq!(history[0].outcome, PlayOutcome::Skipped);
    assert!(!history[0].full_listen);
    assert_eq!(history[1].outcome, PlayOutcome::Completed);
    assert!(history[1].full_listen);
    let stats = service.listening_stats(1).expect("stats");
    assert_eq!((stats.plays, stats.skipped), (2, 1));
}

#[test]
fn listens_that_cannot_have_happened_are_refused() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (service, tracks) = library(tmp.path());
    let track = &tracks[0];
    let duration = track.audio.duration_ms as i64;
    let now = now_ms();
    let listen = Listen {
        track: track.id,
        listened_ms: 1_000,
        ended: PlayEnd::Stopped,
        started_at_ms: now,
    };
    let refused = |l: Listen| service.record_listen(&l).expect_err("refused");

    let unknown = refused(Listen {
        track: 999_999,
        ..listen
    });
    assert_eq!(unknown.kind(), "not_found", "{unknown}");
    assert!(matches!(
        refused(Listen {
            listened_ms: -1,
            ..listen
        }),
        ServiceError::Listen(ListenError::Negative { listened_ms: -1 })
    ));
    let too_long = refused(Listen {
        listened_ms: duration + 1,
        ..listen
    });
    assert!(
        matches!(
            too_long,
            ServiceError::Listen(ListenError::LongerThanTrack { .. })
        ),
        "{too_long}"
    );
    assert_eq!(too_long.kind(), "invalid_input");
    let future = refused(Listen {
        started_at_ms: now + 5 * 60_000,
        ..listen
    });
    assert!(
        matches!(
            future,
            ServiceError::Listen(ListenError::InTheFuture { .. })
        ),
        "{future}"
    );
    assert!(
        service.history(10).expect("history").is_empty(),
        "nothing recorded"
    );

    // The whole track, and a start a few seconds ahead (clock drift), are fine.
    service
        .record_listen(&Listen {
            listened_ms: duration,
            started_at_ms: now + 5_000,
            ..listen
        })
        .expect("accepted");
    assert_eq!(service.history(10).expect("history").len(), 1);
}

#[test]
fn a_recorded_listen_counts_for_suggestions_as_a_played_one() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let service = common::analysed_demo(&tmp.path().join("library.sqlite"), 2);
    // No exploration: the lists below depend only on what was played.
    common::without_exploration(&service);
    let boss = service.tracks(Some("boss attack"), None).expect("search")[0].id;
    let after_boss = SuggestRequest {
        after: Some(boss),
        count: 5,
        ..Default::default()
    };
    let before = service.suggest(&after_boss).expect("suggest");
    let heard = service.track(before[0].track_id).expect("track");

    service
        .record_listen(&Listen {
            track: heard.id,
            listened_ms: heard.audio.duration_ms as i64,
            ended: PlayEnd::Completed,
            started_at_ms: now_ms(),
        })
        .expect("listen");

    // Within the track gap, as after a play: not suggested again.
    let again = service.suggest(&after_boss).expect("suggest");
    assert!(
        again.iter().all(|s| s.track_id != heard.id),
        "{} suggested again: {again:#?}",
        heard.tags.title
    );
    // Suggestions that name no track follow the last one heard, as after a play.
    let following = service
        .suggest(&SuggestRequest {
            count: 5,
            ..Default::default()
        })
        .expect("suggest");
    let after_heard = service
        .suggest(&SuggestRequest {
            after: Some(heard.id),
            count: 5,
            ..Default::default()
        })
        .expect("suggest");
    let ids = |list: &[segue_core::Suggestion]| list.iter().map(|s| s.track_id).collect::<Vec<_>>();
    assert_eq!(ids(&following), ids(&after_heard));
}
