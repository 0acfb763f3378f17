//! The buffering the player grew after dropouts is kept by the library, so the next start
//! begins there: a real SQLite file, a real player on the PulseAudio null sink
//! (`source scripts/pulse-test-sink.sh`).

use std::time::Duration;

use segue_service::{BUFFERING_KEY, Service};

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
