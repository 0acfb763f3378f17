//! Listening history from real playback (PulseAudio null sink; the test command starts it):
//! the rows match what was played, skipped and stopped.

use std::time::{Duration, Instant};

use segue_core::PlayEnd;
use segue_service::PlayerEvent;
use segue_store::Store;

mod common;

fn wait_for(
    events: &crossbeam_channel::Receiver<PlayerEvent>,
    what: impl Fn(&PlayerEvent) -> bool,
) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match events.recv_timeout(left) {
            Ok(e) if what(&e) => return,
            Ok(_) => {}
            Err(_) => break,
        }
    }
    panic!("event never came");
}

#[test]
fn plays_skips_and_stops_are_recorded() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = tmp.path().join("library.sqlite");
    let (service, ids) = common::fixture_library(
        tmp.path(),
        &[
            ("source-48k.flac", "01 First.flac"),
            ("source.flac", "02 Second.flac"),
        ],
        &["First", "Second"],
    );

    {
        let playback = service
            .start_playback()
            .expect("an output device (the PulseAudio null sink)");
        playback.play_tracks(&service, &ids, 0).expect("play");
        wait_for(playback.events(), |e| {
            matches!(e, PlayerEvent::TrackStarted { index: 0, .. })
        });
        std::thread::sleep(Duration::from_millis(1500));
        playback.player().next().expect("skip");
        wait_for(playback.events(), |e| {
            matches!(e, PlayerEvent::TrackStarted { index: 1, .. })
        });
        std::thread::sleep(Duration::from_millis(2200));
        // Before stopping, the running play is already on disk (at most a second behind).
        let running = Store::open(&db)
            .expect("reader")
            .recent_plays(1)
            .expect("plays");
        assert_eq!(running[0].track_id, ids[1]);
        assert!(
            running[0].ms_listened >= 1000,
            "running play not updated: {running:?}"
        );
        playback.player().stop().expect("stop");
        wait_for(playback.events(), |e| {
            matches!(e, PlayerEvent::TrackEnded { .. })
        });
    }

    let plays = Store::open(&db)
        .expect("reader")
        .recent_plays(10)
        .expect("plays");
    assert_eq!(plays.len(), 2, "{plays:?}");
    let (second, first) = (&plays[0], &plays[1]);
    assert_eq!((first.track_id, first.end), (ids[0], PlayEnd::Skipped));
    assert!((1200..=2000).contains(&first.ms_listened), "{first:?}");
    let skip_at = first.position_ms.expect("skip position");
    assert!((1200..=2000).contains(&skip_at), "{first:?}");
    assert!(!first.full_listen);
    assert_eq!((second.track_id, second.end), (ids[1], PlayEnd::Stopped));
    assert!((1900..=2700).contains(&second.ms_listened), "{second:?}");
    assert!(second.started_at_ms >= first.started_at_ms);
}
