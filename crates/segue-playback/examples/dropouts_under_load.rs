//! Dropout benchmark (issue 20): plays a real track (repeated, gaplessly) for N seconds into a
//! PulseAudio null sink of its own while busy-loop threads keep every core busy, captures the
//! sink's monitor, and prints the dropouts twice: as the engine counted them
//! ([`Player::dropouts`]) and as holes of digital silence found in the capture inside the music
//! (runs of zero frames longer than any the decoded source has, its loop join included).
//!
//! ```text
//! source scripts/pulse-test-sink.sh
//! cargo run -p segue-playback --example dropouts_under_load -- [SECONDS] [BUSY_THREADS] [FILE]
//! ```
//! Defaults: 60 s, two busy threads per core, `tests/fixtures/gapless/source-48k.flac` (48 kHz
//! like the sink, so nothing is resampled and a hole is exact zeros). The sink is
//! `segue_bench_sink`, loaded on first use, so other playback tests on the shared daemon
//! neither disturb the capture nor hear it.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use segue_decode::Decoder;
use segue_playback::{Player, PlayerEvent, QueueItem, RepeatMode};

const SINK: &str = "segue_bench_sink";
const RATE: usize = 48_000;

fn fail(message: &str) -> ! {
    eprintln!("dropouts_under_load: {message}");
    std::process::exit(1);
}

/// Loads the benchmark's own null sink unless the daemon already has it.
fn ensure_sink() {
    let sinks = Command::new("pactl")
        .args(["list", "short", "sinks"])
        .output()
        .unwrap_or_else(|_| fail("no pactl: source scripts/pulse-test-sink.sh first"));
    if !sinks.status.success() {
        fail("no PulseAudio server: source scripts/pulse-test-sink.sh first");
    }
    if !String::from_utf8_lossy(&sinks.stdout).contains(SINK) {
        let loaded = Command::new("pactl")
            .stdout(Stdio::null())
            .args([
                "load-module",
                "module-null-sink",
                &format!("sink_name={SINK}"),
                "rate=48000",
                "channels=2",
            ])
            .status();
        if !loaded.is_ok_and(|s| s.success()) {
            fail("cannot load a null sink");
        }
    }
}

fn decode(path: &Path) -> (Vec<f32>, u32, u16) {
    let mut d = Decoder::open(path).unwrap_or_else(|e| fail(&format!("{e}")));
    let (rate, channels) = (d.info().sample_rate, d.info().channels);
    let mut out = Vec::new();
    while d.read(&mut out).unwrap_or_else(|e| fail(&format!("{e}"))) > 0 {}
    (out, rate, channels)
}

/// Runs of all-zero stereo frames in `frames[from..to]`, as (start, length).
fn zero_runs(samples: &[f32], from: usize, to: usize) -> Vec<(usize, usize)> {
    let mut runs = Vec::new();
    let mut start = None;
    for i in from..to {
        let silent = samples[2 * i] == 0.0 && samples[2 * i + 1] == 0.0;
        match (silent, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                runs.push((s, i - s));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        runs.push((s, to - s));
    }
    runs
}

fn main() {
    // The engine's own warnings (each dropout, each growth of the buffering) on stderr;
    // RUST_LOG=debug adds the device's own underrun reports.
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let mut args = std::env::args().skip(1);
    let seconds: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(60);
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let busy: usize = args
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2 * cores);
    let file: PathBuf = args.next().map(PathBuf::from).unwrap_or_else(|| {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/gapless/source-48k.flac")
    });
    ensure_sink();
    // SAFETY: set before any other thread of this process exists; libpulse (under ALSA's
    // pulse plugin, which cpal opens) reads it as the sink for new streams.
    #[allow(unsafe_code)]
    unsafe {
        std::env::set_var("PULSE_SINK", SINK);
    }

    let (source, rate, channels) = decode(&file);
    if rate as usize != RATE || channels != 2 {
        fail("the track must be 48 kHz stereo, like the sink, so the capture compares exactly");
    }
    // The source's own longest silence, its loop join (end then start) included: a longer
    // run of zeros in the capture is a hole.
    let source_frames = source.len() / 2;
    let runs = zero_runs(&source, 0, source_frames);
    let lead = runs.first().filter(|r| r.0 == 0).map_or(0, |r| r.1);
    let tail = runs
        .last()
        .filter(|r| r.0 + r.1 == source_frames)
        .map_or(0, |r| r.1);
    let allowed = runs.iter().map(|r| r.1).max().unwrap_or(0).max(lead + tail);

    let player = Player::start().unwrap_or_else(|e| fail(&e.to_string()));
    println!(
        "{}: {} s, {busy} busy threads on {cores} cores, into {SINK} ({} Hz)",
        file.display(),
        seconds,
        player.device().sample_rate
    );
    let dir = tempfile::tempdir().unwrap_or_else(|e| fail(&e.to_string()));
    let capture = dir.path().join("capture.raw");
    let mut recorder = Command::new("parecord")
        .args([
            "--raw",
            "--format=float32le",
            "--rate=48000",
            "--channels=2",
            "--latency-msec=20",
            &format!("--device={SINK}.monitor"),
        ])
        .arg(&capture)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|_| fail("parecord did not start"));
    let captured_frames = || std::fs::metadata(&capture).map_or(0, |m| m.len() as usize / 8);
    let deadline = Instant::now() + Duration::from_secs(10);
    while captured_frames() < RATE * 3 / 10 {
        if Instant::now() > deadline {
            fail("parecord never started recording");
        }
        std::thread::sleep(Duration::from_millis(20));
    }

    // The load: threads that never sleep, at the same priority as everything else.
    let stop = Arc::new(AtomicBool::new(false));
    let burners: Vec<_> = (0..busy)
        .map(|_| {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut x = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(500));

    let command_at = captured_frames();
    player
        .set_repeat(RepeatMode::All)
        .unwrap_or_else(|e| fail(&e.to_string()));
    player
        .play_queue(
            vec![QueueItem {
                track_id: 1,
                path: file.clone(),
                gain: 1.0,
                known_length_ms: None,
                album: None,
            }],
            0,
        )
        .unwrap_or_else(|e| fail(&e.to_string()));
    let until = Instant::now() + Duration::from_secs(seconds);
    while let Some(left) = until.checked_duration_since(Instant::now()) {
        if let Ok(PlayerEvent::Error { message, .. }) = player.events().recv_timeout(left) {
            eprintln!("player: {message}");
        }
    }
    let counted = player.dropouts();
    stop.store(true, Ordering::Relaxed);
    for b in burners {
        let _ = b.join();
    }
    let _ = player.stop();
    std::thread::sleep(Duration::from_millis(400));
    let _ = Command::new("kill")
        .arg("-INT")
        .arg(recorder.id().to_string())
        .status();
    let _ = recorder.wait();
    drop(player);

    let bytes = std::fs::read(&capture).unwrap_or_else(|e| fail(&e.to_string()));
    let samples: Vec<f32> = bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    let frames = samples.len() / 2;
    let audible = |i: usize| samples[2 * i] != 0.0 || samples[2 * i + 1] != 0.0;
    let Some(first) = (command_at..frames).find(|&i| audible(i)) else {
        fail("the capture is silent");
    };
    let last = (first..frames).rev().find(|&i| audible(i)).unwrap_or(first);
    let holes: Vec<(usize, usize)> = zero_runs(&samples, first, last)
        .into_iter()
        .filter(|r| r.1 > allowed)
        .collect();
    let ms = |f: usize| f as f64 * 1000.0 / RATE as f64;
    println!(
        "first sound {:.0} ms after the play command (capture latency included)",
        ms(first - command_at)
    );
    println!(
        "music captured: {:.1} s; engine counted {counted} dropout(s); capture has {} hole(s) of silence, {:.0} ms in all (longest {:.0} ms; the source's own longest silence is {allowed} frames)",
        ms(last - first) / 1000.0,
        holes.len(),
        ms(holes.iter().map(|h| h.1).sum()),
        ms(holes.iter().map(|h| h.1).max().unwrap_or(0)),
    );
    for (start, len) in holes.iter().take(20) {
        println!(
            "  hole at {:.3} s into the music: {len} frames ({:.0} ms)",
            ms(start - first) / 1000.0,
            ms(*len)
        );
    }
}
