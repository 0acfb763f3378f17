//! The buffering the player grew after dropouts is kept by the library, so the next start
//! begins there: a real SQLite file, a real player on the PulseAudio null sink
//! (`source scripts/pulse-test-sink.sh`).

use std::time::{Duration, Instant};

use segue_service::{BUFFERING_KEY, PlayerEvent, Service};

mod common;

#[test]
fn a_player_starts_with_the_buffering_the_library_kept_after_dropouts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("library.sqlite");
    let service = Service::open(&db).expect("open");
    let fresh = service.kept_buffering().expect("kept buffering");
    assert!(!fresh.grown(), "a new library has never dropped out");
    {
        let playback = service.start_playback().expect("output device");
        let status = playback.player().buffering();
        assert_eq!(status.buffering, fresh.buffering);
        assert_eq!(status.open_device_buffer_frames, 2048);
        assert_eq!(playback.buffering().dropouts, 0);
    }

    // What the history recorder keeps when the engine grows its buffering (twice here).
    segue_store::Store::open(&db)
        .expect("store")
        .set_setting(
            BUFFERING_KEY,
            r#"{"decode_ahead_ms": 3000, "device_buffer_frames": 4096, "dropouts": 2}"#,
        )
        .expect("keep");
    let kept = service.kept_buffering().expect("kept buffering");
    assert!(kept.grown());
    assert_eq!(kept.buffering.decode_ahead, Duration::from_secs(3));
    assert_eq!(kept.dropouts, 2);
    {
        let playback = service.start_playback().expect("output device");
        let status = playback.player().buffering();
        assert_eq!(
            status.buffering, kept.buffering,
            "the next start begins there"
        );
        assert_eq!(
            status.open_device_buffer_frames, 4096,
            "the device is opened with the grown buffer"
        );
        assert_eq!(playback.buffering().dropouts, 2);
    }

    service.reset_buffering().expect("reset");
    assert!(!service.kept_buffering().expect("kept buffering").grown());
}

/// Plays `track` for about `seconds` on a real player, then stops it and waits for the play
/// to end (the recorder handles the end before the player is dropped).
fn listen(service: &Service, track: i64, seconds: u64) {
    let playback = service
        .start_playback()
        .expect("an output device (the PulseAudio null sink)");
    playback.play_tracks(service, &[track], 0).expect("play");
    let started = Instant::now();
    let mut ended = false;
    while started.elapsed() < Duration::from_secs(seconds + 15) {
        if started.elapsed() >= Duration::from_secs(seconds) {
            let _ = playback.player().stop();
        }
        match playback.events().recv_timeout(Duration::from_millis(200)) {
            Ok(PlayerEvent::TrackEnded { .. }) => {
                ended = true;
                break;
            }
            _ => continue,
        }
    }
    assert!(ended, "the play never ended");
}

#[test]
fn after_hours_of_music_without_a_dropout_the_next_start_tries_the_small_buffer_again() {
    let dir = tempfile::tempdir().expect("tempdir");
    // One real 8-second track.
    let (service, ids) =
        common::fixture_library(dir.path(), &[("source.flac", "01 Only.flac")], &["Only"]);
    let track = ids[0];

    // Never grown: listening keeps nothing.
    listen(&service, track, 2);
    assert_eq!(
        segue_store::Store::open(&dir.path().join("library.sqlite"))
            .expect("store")
            .setting(BUFFERING_KEY)
            .expect("read"),
        None,
        "a library that never dropped out keeps no buffering"
    );

    // Grown after dropouts, with three hours less one second of clean music heard.
    let needed = 3 * 3600;
    segue_store::Store::open(&dir.path().join("library.sqlite"))
        .expect("store")
        .set_setting(
            BUFFERING_KEY,
            &format!(
                r#"{{"decode_ahead_ms": 4000, "device_buffer_frames": 8192, "dropouts": 2, "clean_s": {}}}"#,
                needed - 5
            ),
        )
        .expect("keep");
    let grown = service.kept_buffering().expect("kept buffering");
    assert!(grown.grown());
    assert_eq!(grown.clean_needed_s(), needed);

    // Two seconds heard: not yet.
    listen(&service, track, 2);
    let kept = service.kept_buffering().expect("kept buffering");
    assert!(kept.grown(), "{kept:?}");
    assert!(
        (needed - 4..needed).contains(&kept.clean_s),
        "the music heard counts: {kept:?}"
    );

    // Four more: the next start tries the small buffer, and the next try waits twice as long.
    listen(&service, track, 4);
    let kept = service.kept_buffering().expect("kept buffering");
    assert!(!kept.grown(), "{kept:?}");
    assert_eq!((kept.dropouts, kept.clean_s, kept.retries), (2, 0, 1));
    assert_eq!(kept.clean_needed_s(), 2 * needed);
    let playback = service.start_playback().expect("output device");
    assert_eq!(
        playback.player().buffering().open_device_buffer_frames,
        2048,
        "the device opens with the small buffer again"
    );
}
