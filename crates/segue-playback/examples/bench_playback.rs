//! Playback benchmark (run by scripts/bench-playback.sh, on the PulseAudio null sink):
//! for each file, the time from the play command to the first audible sample at the sink
//! (captured with parecord, whose own latency is at most 20 ms and is included), the CPU the
//! whole process uses while playing, and peak memory. Each file plays twice: as it is, then
//! with the equaliser on (the bass boost preset, a -3 dB preamp and two parametric bands: 12
//! filters) and a 4 s crossfade set, so the two can be compared on the same warm machine.
//! Then, with both still on, each file plays into the next, cued so the 4 s fade starts 5 s
//! after it resumes: the CPU over those 12 s is that of a crossfade (two decoders, two
//! resamplers where the rates differ, the mix and the equaliser).

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use segue_core::{EqualiserSettings, ParametricBand};
use segue_playback::{Player, PlayerEvent, QueueItem, apply_preset};

#[path = "../tests/common/mod.rs"]
mod common;

fn cpu_seconds() -> f64 {
    // utime + stime from /proc/self/stat (fields 14 and 15, in clock ticks).
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after_name = stat.rsplit(')').next().unwrap_or("");
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks: f64 = fields.get(11).and_then(|v| v.parse().ok()).unwrap_or(0.0)
        + fields.get(12).and_then(|v| v.parse().ok()).unwrap_or(0.0);
    let hz: f64 = Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100.0);
    ticks / hz
}

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn main() {
    let files: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let seconds: u64 = std::env::var("SEGUE_BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    let player = match Player::start() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("bench: {e}");
            std::process::exit(1);
        }
    };
    println!(
        "device: {} Hz, {} channels",
        player.device().sample_rate,
        player.device().channels
    );
    let device = player.device().id;
    let mut equalised = apply_preset(&EqualiserSettings::default(), "bass_boost").expect("preset");
    equalised.preamp_db = -3.0;
    equalised.parametric = vec![
        ParametricBand {
            frequency_hz: 3150.0,
            gain_db: -4.0,
            q: 2.0,
        },
        ParametricBand {
            frequency_hz: 11_000.0,
            gain_db: 2.0,
            q: 0.7,
        },
    ];
    let modes = [
        ("plain", EqualiserSettings::default(), Duration::ZERO),
        ("equaliser + crossfade", equalised, Duration::from_secs(4)),
    ];
    for (n, (file, (mode, settings, crossfade))) in files
        .iter()
        .flat_map(|f| modes.iter().map(move |m| (f, m)))
        .enumerate()
    {
        player
            .set_equaliser(&device, settings.clone())
            .expect("equaliser");
        player.set_crossfade(*crossfade).expect("crossfade");
        let capture = common::Capture::start();
        let frame_at_command = capture.frames();
        player
            .play_queue(
                vec![QueueItem {
                    track_id: n as i64,
                    path: file.clone(),
                    gain: 1.0,
                    known_length_ms: None,
                    album: None,
                    edges: None,
                }],
                0,
            )
            .expect("play");
        // Steady state: measure CPU over the next `seconds`, after the start-up.
        while !matches!(player.events().recv(), Ok(PlayerEvent::TrackStarted { .. })) {}
        std::thread::sleep(Duration::from_millis(500));
        let (cpu0, wall0) = (cpu_seconds(), Instant::now());
        std::thread::sleep(Duration::from_secs(seconds));
        let cpu = (cpu_seconds() - cpu0) / wall0.elapsed().as_secs_f64() * 100.0;
        player.stop().expect("stop");
        std::thread::sleep(Duration::from_millis(300));
        let samples = capture.stop();
        let first = samples
            .chunks_exact(2)
            .position(|f| f[0].abs() > 1e-3 || f[1].abs() > 1e-3);
        let latency_ms = first.map(|f| (f as f64 - frame_at_command as f64) / 48.0);
        println!(
            "{} ({mode}): first audible sample {} after the play command; CPU {cpu:.2} % of one core over {seconds} s",
            file.file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_default(),
            latency_ms.map_or("never".into(), |ms| format!("{ms:.0} ms")),
        );
    }
    // Both still set from the last file's second play.
    for pair in files.windows(2) {
        crossfade_cpu(&player, &pair[0], &pair[1], Duration::from_secs(4));
    }
    println!(
        "peak memory (RSS) of the whole process: {:.1} MB",
        peak_rss_mb()
    );
}

/// Plays `from` into `to`, cued so that the fade starts 5 s after resuming, and prints the CPU
/// over the 5 s before, the fade, and 3 s after it. (A fade takes at most half of what was
/// heard of the ending track, here since the cue: 5 s before it leave room for 4 s.)
fn crossfade_cpu(player: &Player, from: &PathBuf, to: &PathBuf, crossfade: Duration) {
    let length = match segue_decode::Decoder::open(from) {
        Ok(d) => {
            let info = d.info();
            Duration::from_secs_f64(
                info.total_frames.unwrap_or(0) as f64 / f64::from(info.sample_rate.max(1)),
            )
        }
        Err(e) => {
            eprintln!("bench: {}: {e}", from.display());
            return;
        }
    };
    let (before, after) = (Duration::from_secs(5), Duration::from_secs(3));
    let Some(offset) = length.checked_sub(crossfade + before) else {
        eprintln!("bench: {} is shorter than the crossfade", from.display());
        return;
    };
    let item = |track_id: i64, path: &PathBuf| QueueItem {
        track_id,
        path: path.clone(),
        gain: 1.0,
        ..QueueItem::default()
    };
    player
        .cue_queue(vec![item(1, from), item(2, to)], 0, offset)
        .expect("cue");
    std::thread::sleep(Duration::from_millis(300));
    while player.events().try_recv().is_ok() {}
    let (cpu0, wall0) = (cpu_seconds(), Instant::now());
    player.resume().expect("resume");
    let window = before + crossfade + after;
    let mut next_started = None;
    while wall0.elapsed() < window {
        if let Ok(PlayerEvent::TrackStarted { track_id: 2, .. }) =
            player.events().recv_timeout(Duration::from_millis(50))
        {
            next_started = Some(wall0.elapsed());
        }
    }
    let cpu = (cpu_seconds() - cpu0) / wall0.elapsed().as_secs_f64() * 100.0;
    player.stop().expect("stop");
    let name = |p: &PathBuf| {
        p.file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    println!(
        "{} into {}: CPU {cpu:.2} % of one core over {:.0} s holding a {} s crossfade, equaliser on (the next track started {} after resuming)",
        name(from),
        name(to),
        window.as_secs_f64(),
        crossfade.as_secs(),
        next_started.map_or("never".into(), |t| format!("{:.2} s", t.as_secs_f64())),
    );
}
