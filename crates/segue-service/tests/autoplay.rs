//! Autoplay through real playback (PulseAudio null sink; the test command starts it): when
//! the queue runs out, suggestions after the last track follow it, and the history records
//! them; with autoplay off the queue just finishes.

mod common;

use std::time::{Duration, Instant};

use segue_service::PlayerEvent;

/// Events until `what` matches (returned), or panics after 20 s.
fn wait_for(
    events: &crossbeam_channel::Receiver<PlayerEvent>,
    what: impl Fn(&PlayerEvent) -> bool,
) -> PlayerEvent {
    let deadline = Instant::now() + Duration::from_secs(20);
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match events.recv_timeout(left) {
            Ok(e) if what(&e) => return e,
            Ok(_) => {}
            Err(_) => break,
        }
    }
    panic!("event never came");
}

#[test]
fn the_queue_tops_itself_up_with_suggestions() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let service = common::analysed_demo(&tmp.path().join("library.sqlite"), 2);
    let boss = service.tracks(Some("boss attack"), None).expect("search")[0].clone();
    // No exploration: autoplay draws its own, which would make its pick vary from the list
    // this test compares it with.
    service
        .set_suggest_settings(&segue_recommend::Settings {
            exploration: 0.0,
            ..Default::default()
        })
        .expect("settings");
    let near_end = Duration::from_millis(boss.audio.duration_ms.saturating_sub(2_000));

    let playback = service
        .start_playback()
        .expect("an output device (the PulseAudio null sink)");
    assert!(playback.autoplay(), "autoplay is on by default");
    playback.play_tracks(&service, &[boss.id], 0).expect("play");
    wait_for(
        playback.events(),
        |e| matches!(e, PlayerEvent::TrackStarted { track_id, .. } if *track_id == boss.id),
    );
    playback.player().seek(near_end).expect("seek");
    let expected = service
        .suggest(&segue_service::suggest::SuggestRequest {
            after: Some(boss.id),
            count: 10,
            ..Default::default()
        })
        .expect("suggest");
    let next = wait_for(
        playback.events(),
        |e| matches!(e, PlayerEvent::TrackStarted { track_id, .. } if *track_id != boss.id),
    );
    let PlayerEvent::TrackStarted {
        track_id, index, ..
    } = next
    else {
        unreachable!()
    };
    assert_eq!(index, 1, "the suggestion was appended after the track");
    assert!(
        expected.iter().any(|s| s.track_id == track_id),
        "autoplay played {track_id}, not one of the suggestions {expected:#?}"
    );
    // With autoplay off, the queue ends with its last track.
    playback.set_autoplay(false);
    playback
        .play_tracks(&service, &[boss.id], 0)
        .expect("play again");
    wait_for(playback.events(), |e| {
        matches!(e, PlayerEvent::TrackStarted { index: 0, .. })
    });
    playback.player().seek(near_end).expect("seek");
    wait_for(playback.events(), |e| {
        assert!(
            !matches!(e, PlayerEvent::TrackStarted { index: 1, .. }),
            "nothing is added with autoplay off"
        );
        matches!(e, PlayerEvent::QueueFinished)
    });
    drop(playback);
    let plays = segue_store::Store::open(service.db_path())
        .expect("store")
        .recent_plays(10)
        .expect("plays");
    assert!(
        plays.iter().any(|p| p.track_id == track_id),
        "the autoplayed track is in the history"
    );
}
