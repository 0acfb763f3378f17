//! File names that are not UTF-8 (Latin-1 names from old rips, copied from other systems):
//! playback opens the very file imported, through real playback into the PulseAudio null sink
//! (the test command starts it).

#![cfg(unix)]

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use segue_service::{PlayerEvent, Service};

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
fn a_track_whose_name_is_not_utf8_plays_its_own_file_not_its_lossy_twin() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let music = tmp.path().join("music");
    std::fs::create_dir(&music).expect("dir");
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/demo");
    // "café.ogg" in Latin-1 (45 s), and beside it the name its lossy UTF-8 spelling gives,
    // holding another, shorter track (40 s).
    std::fs::copy(
        demo.join("Shawn Parrotte/HyperRogue Soundtrack/01 Hell.ogg"),
        music.join(OsStr::from_bytes(b"caf\xe9.ogg")),
    )
    .expect("copy");
    std::fs::copy(
        demo.join("Shawn Parrotte/HyperRogue Soundtrack/02 Living Caves.ogg"),
        music.join("caf\u{FFFD}.ogg"),
    )
    .expect("copy");
    let service = Service::open(&tmp.path().join("library.sqlite")).expect("open");
    let never = AtomicBool::new(false);
    service
        .scan(std::slice::from_ref(&music), &never, &mut |_| {})
        .expect("scan");
    // Both names show as "caf\u{FFFD}" (titles come from the names): tell them by length.
    let tracks = service.tracks(None, None).expect("tracks");
    assert_eq!(tracks.len(), 2);
    let latin1 = tracks
        .into_iter()
        .find(|t| t.audio.duration_ms == 45_000)
        .expect("the 45 s track");

    let playback = service
        .start_playback()
        .expect("an output device (the PulseAudio null sink)");
    playback.set_autoplay(false);
    playback
        .play_tracks(&service, &[latin1.id], 0)
        .expect("play");
    wait_for(
        playback.events(),
        |e| matches!(e, PlayerEvent::TrackStarted { track_id, .. } if *track_id == latin1.id),
    );
    // Near the end of the 45 s file; past the end of the 40 s one, which would stop at once.
    playback
        .player()
        .seek(Duration::from_millis(43_000))
        .expect("seek");
    let ended = wait_for(playback.events(), |e| {
        matches!(
            e,
            PlayerEvent::TrackEnded { .. } | PlayerEvent::Error { .. }
        )
    });
    let PlayerEvent::TrackEnded {
        track_id,
        position_ms,
        ..
    } = ended
    else {
        panic!("{ended:?}");
    };
    assert_eq!(track_id, latin1.id);
    assert!(
        position_ms > 44_000,
        "ended at {position_ms} ms: another file played"
    );
}
