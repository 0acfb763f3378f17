//! The editable queue and the play session, on a real SQLite file and real playback
//! (PulseAudio null sink; the test command starts it): edits keep what plays playing, the
//! session saved while playing comes back after a restart, and a queue `segue queue` saved
//! reaches the running player.

use std::path::Path;
use std::time::{Duration, Instant};

use segue_service::{Playback, PlayerEvent, QueueChange, Service};

mod common;

/// A library of four fixture tracks in a temp folder: "First" (10 s), "Second", "Third",
/// "Fourth" (about 5 s each); returns their ids in that order.
fn library(dir: &Path) -> (Service, Vec<i64>) {
    common::fixture_library(
        dir,
        &[
            ("source-48k.flac", "01 First.flac"),
            ("part1.opus", "02 Second.opus"),
            ("part2.opus", "03 Third.opus"),
            ("part1.ogg", "04 Fourth.ogg"),
        ],
        &["First", "Second", "Third", "Fourth"],
    )
}

/// Events until `what` matches (returned with those before it), or panics after 15 s.
fn wait_for(playback: &Playback, what: impl Fn(&PlayerEvent) -> bool) -> Vec<PlayerEvent> {
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut seen = Vec::new();
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match playback.events().recv_timeout(left) {
            Ok(e) => {
                let done = what(&e);
                seen.push(e);
                if done {
                    return seen;
                }
            }
            Err(_) => break,
        }
    }
    panic!("the event never came; saw {seen:?}");
}

/// 1.5 s before the end of `track`.
fn near_end(service: &Service, track: i64) -> Duration {
    let ms = service.track(track).expect("track").audio.duration_ms;
    Duration::from_millis(ms.saturating_sub(1_500))
}

fn queued(playback: &Playback) -> Vec<i64> {
    playback.queue().iter().map(|e| e.track_id).collect()
}

#[test]
fn the_saved_queue_is_edited_by_the_rules_and_bad_edits_change_nothing() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (service, ids) = library(tmp.path());
    let [a, b, c, d] = ids[..] else {
        unreachable!("four tracks")
    };
    // Nothing saved yet: adding starts a queue, its first entry current (what the app cues).
    let ids_of = |s: &segue_service::SavedSession| -> Vec<i64> {
        s.queue.iter().map(|e| e.track_id).collect()
    };
    let s = service
        .change_saved_queue(&QueueChange::Add(vec![a, b]))
        .expect("add");
    assert_eq!((ids_of(&s), s.current), (vec![a, b], Some(0)));
    let s = service
        .change_saved_queue(&QueueChange::PlayNext(vec![c]))
        .expect("next");
    assert_eq!(ids_of(&s), [a, c, b]);
    let s = service
        .change_saved_queue(&QueueChange::Move { from: 2, to: 1 })
        .expect("move");
    assert_eq!(ids_of(&s), [a, b, c]);
    let revision = s.revision;

    // A track not in the library, an entry past the end: refused, saved queue unchanged.
    let e = service
        .change_saved_queue(&QueueChange::Add(vec![d + 100]))
        .expect_err("unknown track");
    assert_eq!(e.kind(), "not_found");
    let e = service
        .change_saved_queue(&QueueChange::Remove(vec![3]))
        .expect_err("past the end");
    assert_eq!(e.to_string(), "there is no entry 4 in the queue: it has 3");
    let again = Service::open(&tmp.path().join("library.sqlite")).expect("reopen");
    let s = again.saved_session().expect("session");
    assert_eq!(s.revision, revision, "nothing was saved");
    assert_eq!(ids_of(&s), [a, b, c]);
    let e = again
        .change_saved_queue(&QueueChange::Remove(vec![0]))
        .expect_err("the current entry");
    assert_eq!(e.kind(), "invalid_input");
    let s = again
        .change_saved_queue(&QueueChange::Remove(vec![1]))
        .expect("remove");
    assert_eq!((ids_of(&s), s.current), (vec![a, c], Some(0)));
}

#[test]
fn queue_edits_while_playing_are_heard_saved_and_restored_after_a_restart() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (service, ids) = library(tmp.path());
    let [a, b, c, d] = ids[..] else {
        unreachable!("four tracks")
    };
    let playback = service
        .start_playback()
        .expect("an output device (the PulseAudio null sink)");
    playback.set_autoplay(false);
    assert_eq!(playback.restore_session(&service).expect("restore"), None);
    playback.play_tracks(&service, &[a, b], 0).expect("play");
    wait_for(
        &playback,
        |e| matches!(e, PlayerEvent::TrackStarted { track_id, .. } if *track_id == a),
    );
    // Queued: d after the listener's queue, c to play next.
    playback.enqueue(&service, &[d], &[]).expect("add");
    playback.play_next(&service, &[c]).expect("play next");
    assert_eq!(queued(&playback), [a, c, b, d]);
    // The current track cannot be removed; the others can, and they move.
    let e = playback
        .change_queue(&service, &QueueChange::Remove(vec![0]))
        .expect_err("current");
    assert_eq!(e.kind(), "invalid_input");
    playback
        .change_queue(&service, &QueueChange::Move { from: 3, to: 1 })
        .expect("move");
    assert_eq!(queued(&playback), [a, d, c, b]);
    playback
        .change_queue(&service, &QueueChange::Remove(vec![2]))
        .expect("remove");
    assert_eq!(queued(&playback), [a, d, b]);
    // Saved as edited, with the playing entry.
    let saved = service.saved_session().expect("session");
    assert_eq!(
        saved.queue.iter().map(|e| e.track_id).collect::<Vec<_>>(),
        [a, d, b]
    );
    assert_eq!(saved.current, Some(0));

    // The edits are what plays: after a, d (not c, removed), and nothing ends a early.
    playback.player().seek(near_end(&service, a)).expect("seek");
    let events = wait_for(
        &playback,
        |e| matches!(e, PlayerEvent::TrackStarted { track_id, .. } if *track_id != a),
    );
    assert!(
        matches!(
            events.last(),
            Some(PlayerEvent::TrackStarted { index: 1, track_id, .. }) if *track_id == d
        ),
        "{events:?}"
    );
    assert!(
        events.iter().any(|e| matches!(
            e,
            PlayerEvent::TrackEnded { track_id, reason: segue_core::PlayEnd::Completed, .. }
                if *track_id == a
        )),
        "{events:?}"
    );
    // While it plays the position is saved about every second: never more than a second
    // behind what was heard (the most a `kill -9` can lose).
    let mut worst = 0u64;
    for _ in 0..6 {
        let events = wait_for(&playback, |e| matches!(e, PlayerEvent::Position { .. }));
        let Some(PlayerEvent::Position { position_ms, .. }) = events.last() else {
            unreachable!("wait_for stops on a Position")
        };
        let saved = service.saved_session().expect("session");
        assert_eq!(saved.current, Some(1));
        worst = worst.max(position_ms.saturating_sub(saved.position_ms));
    }
    eprintln!("the saved position was at most {worst} ms behind the heard one");
    assert!(worst <= 1_000, "{worst} ms of position unsaved");

    // Restart: the queue comes back cued at d, paused, where it was.
    playback.player().pause().expect("pause");
    wait_for(&playback, |e| *e == PlayerEvent::Paused);
    let paused_at = service.saved_session().expect("session").position_ms;
    assert!(paused_at >= 1_000, "d played {paused_at} ms");
    drop(playback);
    let service = Service::open(&tmp.path().join("library.sqlite")).expect("reopen");
    let playback = service.start_playback().expect("output device");
    playback.set_autoplay(false);
    let restored = playback
        .restore_session(&service)
        .expect("restore")
        .expect("a saved session");
    assert_eq!(restored.current, Some(1));
    assert!(
        restored.position_ms.abs_diff(paused_at) <= 300,
        "{} vs {paused_at}",
        restored.position_ms
    );
    assert_eq!(queued(&playback), [a, d, b]);
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        !playback
            .events()
            .try_iter()
            .any(|e| matches!(e, PlayerEvent::TrackStarted { .. })),
        "restored paused: nothing starts before resume"
    );
    playback.player().resume().expect("resume");
    let events = wait_for(&playback, |e| matches!(e, PlayerEvent::TrackStarted { .. }));
    assert!(
        matches!(
            events.last(),
            Some(PlayerEvent::TrackStarted { index: 1, track_id, position_ms })
                if *track_id == d && *position_ms == restored.position_ms
        ),
        "{events:?}"
    );

    // Saved as a playlist: the queue as it stands.
    let list = playback
        .save_queue_as_playlist(&service, "Tonight")
        .expect("save as playlist");
    let entries = service.playlist_entries(list.id).expect("entries");
    assert_eq!(
        entries
            .iter()
            .filter_map(|e| e.track.as_ref().map(|t| t.id))
            .collect::<Vec<_>>(),
        [a, d, b]
    );
    // Clearing keeps the playing track.
    playback
        .change_queue(&service, &QueueChange::Clear)
        .expect("clear");
    assert_eq!(queued(&playback), [d]);
    let saved = service.saved_session().expect("session");
    assert_eq!(
        (
            saved.queue.iter().map(|e| e.track_id).collect::<Vec<_>>(),
            saved.current
        ),
        (vec![d], Some(0))
    );
}

#[test]
fn a_queue_saved_by_another_program_reaches_the_running_player_without_a_break() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (service, ids) = library(tmp.path());
    let [a, b, c, d] = ids[..] else {
        unreachable!("four tracks")
    };
    let playback = service.start_playback().expect("output device");
    playback.set_autoplay(false);
    playback.restore_session(&service).expect("restore");
    playback.play_tracks(&service, &[a, b], 0).expect("play");
    wait_for(
        &playback,
        |e| matches!(e, PlayerEvent::TrackStarted { track_id, .. } if *track_id == a),
    );
    // `segue queue next` and `segue queue add` through their own connection.
    let cli = Service::open(&tmp.path().join("library.sqlite")).expect("second connection");
    cli.change_saved_queue(&QueueChange::PlayNext(vec![c]))
        .expect("next");
    cli.change_saved_queue(&QueueChange::Add(vec![d]))
        .expect("add");
    let deadline = Instant::now() + Duration::from_secs(3);
    while queued(&playback) != [a, c, b, d] {
        assert!(
            Instant::now() < deadline,
            "the player's queue is {:?}",
            queued(&playback)
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // a went on playing, and c follows it.
    playback.player().seek(near_end(&service, a)).expect("seek");
    let events = wait_for(
        &playback,
        |e| matches!(e, PlayerEvent::TrackStarted { track_id, .. } if *track_id != a),
    );
    assert!(
        events.iter().any(|e| matches!(
            e,
            PlayerEvent::TrackEnded { track_id, reason: segue_core::PlayEnd::Completed, .. }
                if *track_id == a
        )),
        "{events:?}"
    );
    assert!(
        matches!(
            events.last(),
            Some(PlayerEvent::TrackStarted { index: 1, track_id, .. }) if *track_id == c
        ),
        "{events:?}"
    );
}
