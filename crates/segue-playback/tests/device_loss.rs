//! The audio device disappearing mid-play: this test runs its own PulseAudio daemon (not the
//! shared test sink), kills it while a track plays, and starts it again. The engine must pause
//! with an error, then carry on from where the track was once the device is back.
//!
//! One test in its own binary, because it points this process's PulseAudio clients at its
//! daemon through the environment.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use segue_core::PlayEnd;
use segue_playback::{Player, PlayerEvent, QueueItem};

mod common;

struct Daemon {
    child: Child,
}

impl Daemon {
    /// Starts `pulseaudio` in the foreground with one null sink, listening on `dir/native`.
    fn start(dir: &Path) -> Daemon {
        let child = Command::new("pulseaudio")
            .args([
                "--daemonize=no",
                "--exit-idle-time=-1",
                "-n",
                "--system=false",
                "--use-pid-file=false",
            ])
            .arg(format!(
                "--load=module-native-protocol-unix auth-anonymous=1 socket={}",
                dir.join("native").display()
            ))
            .arg("--load=module-null-sink sink_name=loss_sink rate=48000 channels=2")
            .arg("--load=module-always-sink")
            .env("XDG_RUNTIME_DIR", dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("pulseaudio is installed (scripts/install-deps.sh)");
        let deadline = Instant::now() + Duration::from_secs(10);
        while !Command::new("pactl")
            .arg("info")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
        {
            assert!(Instant::now() < deadline, "pulseaudio did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Daemon { child }
    }

    /// Kills the daemon as a crash or an unplugged device would: no goodbye to its clients.
    fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// RMS of one second recorded from the daemon's sink.
fn recorded_rms() -> f64 {
    let capture = common::Capture::start_from("loss_sink");
    std::thread::sleep(Duration::from_secs(1));
    let samples = capture.stop();
    assert!(samples.len() > 48_000, "recorded {} samples", samples.len());
    (samples.iter().map(|s| f64::from(*s).powi(2)).sum::<f64>() / samples.len() as f64).sqrt()
}

fn next_event(player: &Player, until: Instant, what: &str) -> PlayerEvent {
    let left = until.saturating_duration_since(Instant::now());
    player
        .events()
        .recv_timeout(left)
        .unwrap_or_else(|_| panic!("no event while waiting for {what}"))
}

#[test]
fn a_lost_device_pauses_and_playback_carries_on_when_it_is_back() {
    let dir = tempfile::tempdir().expect("tempdir");
    let client_conf = dir.path().join("client.conf");
    // No autospawn: a client must not start a daemon of its own when ours is gone.
    std::fs::write(&client_conf, "autospawn = no\n").expect("client.conf");
    let server = format!("unix:{}", dir.path().join("native").display());
    // SAFETY: set before any thread of this process exists (the only test in this binary),
    // so nothing reads the environment concurrently.
    #[allow(unsafe_code)]
    unsafe {
        std::env::set_var("PULSE_SERVER", &server);
        std::env::set_var("PULSE_CLIENTCONFIG", &client_conf);
    }
    let daemon = Daemon::start(dir.path());

    let track: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../assets/demo/Wansti/SuperTux Soundtrack/04 Boss Attack.wav");
    let player = Player::start().expect("the daemon's sink opens");
    player
        .play_queue(
            vec![QueueItem {
                track_id: 7,
                path: track,
                gain: 1.0,
                known_length_ms: None,
                album: None,
                edges: None,
            }],
            0,
        )
        .expect("play");

    // Play for two seconds, then pull the device away.
    let until = Instant::now() + Duration::from_secs(15);
    let mut before_loss = 0;
    while before_loss < 2000 {
        if let PlayerEvent::Position { position_ms, .. } = next_event(&player, until, "2 s of play")
        {
            before_loss = position_ms;
        }
    }
    assert!(recorded_rms() > 0.01, "the track is audible");
    daemon.kill();

    // The engine reports the loss and pauses.
    let until = Instant::now() + Duration::from_secs(15);
    let mut errors = Vec::new();
    loop {
        match next_event(&player, until, "the loss to be reported") {
            PlayerEvent::Error { message, track_id } => {
                assert_eq!(track_id, Some(7));
                errors.push(message);
            }
            PlayerEvent::Paused => break,
            PlayerEvent::Position { position_ms, .. } => before_loss = position_ms,
            e => panic!("unexpected {e:?} before the pause"),
        }
    }
    assert!(
        errors.iter().any(|m| m.contains("was lost")),
        "errors: {errors:?}"
    );

    // Two seconds without a device, then it comes back.
    std::thread::sleep(Duration::from_secs(2));
    let daemon = Daemon::start(dir.path());
    let until = Instant::now() + Duration::from_secs(20);
    let mut changed = false;
    loop {
        match next_event(&player, until, "playback to resume") {
            PlayerEvent::OutputChanged { device } => {
                assert_eq!(device.sample_rate, 48_000);
                changed = true;
            }
            PlayerEvent::Resumed => break,
            e => panic!("unexpected {e:?} before resuming"),
        }
    }
    assert!(changed, "the new device is announced before resuming");

    // It carries on from where it was heard, not from the start, and it is audible again.
    let until = Instant::now() + Duration::from_secs(10);
    let resumed_at = loop {
        match next_event(&player, until, "a position after resuming") {
            PlayerEvent::Position { position_ms, .. } => break position_ms,
            PlayerEvent::TrackStarted { .. } => panic!("the track restarted instead of resuming"),
            _ => {}
        }
    };
    assert!(
        resumed_at + 500 >= before_loss && resumed_at <= before_loss + 1500,
        "resumed at {resumed_at} ms, lost at about {before_loss} ms"
    );
    assert!(recorded_rms() > 0.01, "audible after resuming");

    // One play throughout: stopping ends it once, with the time really heard.
    player.stop().expect("stop");
    let until = Instant::now() + Duration::from_secs(5);
    loop {
        if let PlayerEvent::TrackEnded {
            track_id,
            reason,
            listened_ms,
            position_ms,
        } = next_event(&player, until, "the end of the play")
        {
            assert_eq!((track_id, reason), (7, PlayEnd::Stopped));
            // Heard: ~2 s before the loss plus ~1.5 s recorded after; the 2 s without a device
            // and the audio lost in the dead device's buffers do not count.
            assert!(
                listened_ms + 600 >= position_ms && listened_ms <= position_ms + 600,
                "listened {listened_ms} ms, position {position_ms} ms"
            );
            break;
        }
    }
    drop(player);
    drop(daemon);
}
