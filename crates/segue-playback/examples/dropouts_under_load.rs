//! Dropout benchmark (issue 20): plays a real track for N seconds into a PulseAudio null sink of
//! its own while busy-loop threads (and, with `--analysis`, Segue's real analyzer) keep every
//! core busy, captures the sink's monitor, and prints the dropouts three ways: as the engine
//! counted them ([`Player::dropouts`]), as holes of digital silence found in the capture inside
//! the music (runs of zero frames longer than any the decoded source has, its loop join
//! included), and as frames where the capture differs from the decoded source, compared sample
//! for sample (nothing is resampled: the track and the sink are both 48 kHz).
//!
//! ```text
//! source scripts/pulse-test-sink.sh
//! cargo run --release -p segue-playback --example dropouts_under_load -- \
//!     [SECONDS] [BUSY_THREADS] [FILE] [--analysis[=WORKERS]] [--album] [--grown]
//! ```
//! Defaults: 60 s, two busy threads per core, `tests/fixtures/gapless/source-48k.flac` (48 kHz
//! like the sink, so a hole is exact zeros and the capture can equal the source bit for bit).
//!
//! - `--analysis[=WORKERS]` (default one worker per core, as the service starts them) analyses
//!   the allowed test music (`.cache/test-music`, `.cache/eval-music`, `.cache/more-music`) over
//!   and over while the music plays: [`segue_analysis::Analyzer`] with the models where they
//!   load (DSP only otherwise), one per worker thread, each thread lowering its own priority
//!   first with [`segue_playback::lower_current_thread_for_background`] exactly as the
//!   service's analysis workers do.
//! - `--album` splits the track in two at an odd frame (two 16-bit WAVs of the decoded
//!   source) and queues the halves as tracks 1 and 2 of one album, repeated: every join, the
//!   album's and the loop's, must be gapless, and the comparison says whether each was exact.
//! - `--grown` starts the player with the most buffering it grows to ([`Buffering::MAX`]), as
//!   a library that dropped out before starts its next player.
//!
//! The sink is `segue_bench_sink`, loaded on first use, so other playback tests on the shared
//! daemon neither disturb the capture nor hear it.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use segue_core::{AlbumPlace, TrackTags};
use segue_decode::Decoder;
use segue_playback::{Buffering, Player, PlayerEvent, QueueItem, RepeatMode};

// The null-sink tests' helpers (this writes its fixtures as they do).
#[path = "../tests/common/mod.rs"]
mod common;

const SINK: &str = "segue_bench_sink";
const RATE: usize = 48_000;
/// The test music the analysis load may use (and no other), relative to the checkout.
const MUSIC: [&str; 3] = [
    ".cache/test-music",
    ".cache/eval-music",
    ".cache/more-music",
];
/// Two samples closer than this are the same sample: the sink's float path is exact, and a
/// slipped or missing frame of music differs by far more.
const SAME: f32 = 1.0 / 32768.0;

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

/// Writes interleaved stereo samples as a 16-bit 48 kHz WAV. The source is 16-bit, so its
/// decoded samples are multiples of 1/32768 and come back unchanged.
fn write_wav(path: &Path, samples: &[f32]) {
    common::write_stereo_wav(path, samples.iter().map(|&s| common::to_i16(s)));
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

/// The audio files under the allowed music folders (a folder that cannot be read is left out).
fn music_files(root: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = MUSIC
        .iter()
        .flat_map(|d| segue_core::files::audio_files_under(&root.join(d)).unwrap_or_default())
        .collect();
    found.sort();
    found
}

/// What the analysis load did.
struct AnalysisLoad {
    what: String,
    analysed: Arc<AtomicU64>,
    failed: Arc<AtomicU64>,
    audio_ms: Arc<AtomicU64>,
    workers: Vec<std::thread::JoinHandle<()>>,
}

/// Starts `workers` threads that analyse `files` round and round until `stop`, as the
/// service's analysis workers do: each lowers its own priority first, then runs its own
/// analyzer (with the models where they load).
fn start_analysis(workers: usize, files: Vec<PathBuf>, stop: Arc<AtomicBool>) -> AnalysisLoad {
    let config = segue_analysis::AnalyzerConfig::default();
    let with_models = match segue_analysis::Analyzer::new(&config) {
        Ok(a) => {
            let (provider, note) = a.provider();
            Some(format!("{provider} ({note})"))
        }
        Err(e) => {
            eprintln!("analysis load runs without the models: {e}");
            None
        }
    };
    let what = format!(
        "{workers} analysis worker(s) at nice 10 over {} allowed tracks, {}",
        files.len(),
        with_models
            .as_deref()
            .map_or("DSP only".to_string(), |p| format!("DSP + musicnn on {p}"))
    );
    let files = Arc::new(files);
    let analysed = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let audio_ms = Arc::new(AtomicU64::new(0));
    let handles = (0..workers)
        .map(|i| {
            let (files, stop, analysed, failed, audio_ms) = (
                files.clone(),
                stop.clone(),
                analysed.clone(),
                failed.clone(),
                audio_ms.clone(),
            );
            let config = config.clone();
            let models = with_models.is_some();
            std::thread::Builder::new()
                .name(format!("segue-analysis-{i}"))
                .spawn(move || {
                    // As segue_service's workers: below the music for the thread's life.
                    segue_playback::lower_current_thread_for_background();
                    let mut analyzer = match models {
                        true => segue_analysis::Analyzer::new(&config)
                            .unwrap_or_else(|e| segue_analysis::Analyzer::dsp_only(e.to_string())),
                        false => segue_analysis::Analyzer::dsp_only("benchmark".into()),
                    };
                    // Workers start at different places, so they analyse different tracks.
                    let mut next = i * files.len() / workers.max(1);
                    while !stop.load(Ordering::Relaxed) && !files.is_empty() {
                        let path = &files[next % files.len()];
                        next += 1;
                        match analyzer.analyze(0, path) {
                            Ok(a) => {
                                analysed.fetch_add(1, Ordering::Relaxed);
                                audio_ms.fetch_add(
                                    (a.dsp.duration_s * 1000.0) as u64,
                                    Ordering::Relaxed,
                                );
                            }
                            Err(_) => {
                                failed.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                    }
                })
                .unwrap_or_else(|e| fail(&format!("cannot start an analysis worker: {e}")))
        })
        .collect();
    AnalysisLoad {
        what,
        analysed,
        failed,
        audio_ms,
        workers: handles,
    }
}

/// The capture compared with the source played on repeat from its first audible frame.
#[derive(Default)]
struct Comparison {
    /// Frames equal to the source's frame they stand for.
    exact: usize,
    /// Frames of silence where the source has music (a dropout), and how many stretches.
    hole_frames: usize,
    holes: Vec<(usize, usize)>,
    /// Places where the music went on from somewhere else than the next source frame (a join
    /// that lost or repeated samples), with the frames it was off by.
    slips: Vec<(usize, i64)>,
    /// Of those, the ones at the end of a hole (the sound server drops what comes late).
    slips_after_holes: usize,
    /// Frames that matched no place in the source.
    unmatched: usize,
    /// Times the capture passed from the source's last frame to its first (the loop's join;
    /// with `--album` the album join is passed as often, inside the source).
    loops: usize,
}

fn frame_eq(capture: &[f32], j: usize, source: &[f32], p: usize) -> bool {
    (capture[2 * j] - source[2 * p]).abs() <= SAME
        && (capture[2 * j + 1] - source[2 * p + 1]).abs() <= SAME
}

/// Where in the source the capture's frames from `j` on stand (64 frames in a row equal), if
/// anywhere.
fn locate(capture: &[f32], j: usize, source: &[f32]) -> Option<usize> {
    let n = source.len() / 2;
    const RUN: usize = 64;
    if 2 * (j + RUN) > capture.len() {
        return None;
    }
    (0..n).find(|&q| (0..RUN).all(|k| frame_eq(capture, j + k, source, (q + k) % n)))
}

/// Walks the capture from `first` (the source's frame `lead`) to `last`, following the source
/// frame by frame on repeat.
fn compare(capture: &[f32], first: usize, last: usize, source: &[f32], lead: usize) -> Comparison {
    let n = source.len() / 2;
    let mut c = Comparison::default();
    let mut p = lead;
    let mut j = first;
    let mut hole_from = None;
    while j < last {
        if frame_eq(capture, j, source, p) {
            if let Some(from) = hole_from.take() {
                c.holes.push((from, j - from));
            }
            c.exact += 1;
            p += 1;
            if p == n {
                p = 0;
                c.loops += 1;
            }
            j += 1;
            continue;
        }
        let silent = capture[2 * j] == 0.0 && capture[2 * j + 1] == 0.0;
        if silent {
            hole_from.get_or_insert(j);
            c.hole_frames += 1;
            j += 1;
            continue;
        }
        let after_hole = hole_from.is_some();
        if let Some(from) = hole_from.take() {
            c.holes.push((from, j - from));
        }
        match locate(capture, j, source) {
            Some(q) => {
                c.slips_after_holes += usize::from(after_hole);
                // How far the music jumped, the short way round the loop.
                let mut off = q as i64 - p as i64;
                if off > n as i64 / 2 {
                    off -= n as i64;
                } else if off < -(n as i64) / 2 {
                    off += n as i64;
                }
                c.slips.push((j, off));
                p = q;
            }
            None => {
                c.unmatched += 1;
                j += 1;
            }
        }
    }
    if let Some(from) = hole_from {
        c.holes.push((from, last - from));
    }
    c
}

fn main() {
    // Before any thread exists (see segue_analysis::TELEMETRY_OPT_OUT).
    let (name, value) = segue_analysis::TELEMETRY_OPT_OUT;
    // SAFETY: set before any other thread of this process exists; libpulse (under ALSA's
    // pulse plugin, which cpal opens) reads PULSE_SINK as the sink for new streams, and ONNX
    // Runtime reads the telemetry switch when it starts.
    #[allow(unsafe_code)]
    unsafe {
        std::env::set_var(name, value);
        std::env::set_var("PULSE_SINK", SINK);
    }
    // The engine's own warnings (each dropout, each growth of the buffering) on stderr;
    // RUST_LOG=debug adds the device's own underrun reports.
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,ort=error")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let mut analysis_workers = None;
    let mut album = false;
    let mut buffering = Buffering::FIRST;
    let mut positional = Vec::new();
    for arg in std::env::args().skip(1) {
        if arg == "--album" {
            album = true;
        } else if arg == "--grown" {
            buffering = Buffering::MAX;
        } else if arg == "--analysis" {
            analysis_workers = Some(cores);
        } else if let Some(n) = arg.strip_prefix("--analysis=") {
            analysis_workers = Some(
                n.parse()
                    .unwrap_or_else(|_| fail("--analysis=WORKERS takes a number")),
            );
        } else if arg.starts_with("--") {
            fail(&format!("unknown option {arg}"));
        } else {
            positional.push(arg);
        }
    }
    let mut positional = positional.into_iter();
    let seconds: u64 = positional.next().map_or(60, |s| {
        s.parse()
            .unwrap_or_else(|_| fail("SECONDS must be a number"))
    });
    let busy: usize = positional.next().map_or(2 * cores, |s| {
        s.parse()
            .unwrap_or_else(|_| fail("BUSY_THREADS must be a number"))
    });
    let checkout = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let file: PathBuf = positional
        .next()
        .map(PathBuf::from)
        .unwrap_or_else(|| checkout.join("tests/fixtures/gapless/source-48k.flac"));
    ensure_sink();

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

    let dir = tempfile::tempdir().unwrap_or_else(|e| fail(&e.to_string()));
    // The queue: the track on repeat, or its two halves as an album on repeat.
    let split = (source_frames / 2) | 1;
    let queue = if album {
        let place = |track: u32| {
            AlbumPlace::of(&TrackTags {
                title: format!("part {track}"),
                album: Some("One Recording".into()),
                track_number: Some(track),
                ..Default::default()
            })
        };
        let (one, two) = (dir.path().join("part1.wav"), dir.path().join("part2.wav"));
        write_wav(&one, &source[..2 * split]);
        write_wav(&two, &source[2 * split..]);
        vec![
            QueueItem {
                track_id: 1,
                path: one,
                gain: 1.0,
                album: place(1),
                ..Default::default()
            },
            QueueItem {
                track_id: 2,
                path: two,
                gain: 1.0,
                album: place(2),
                ..Default::default()
            },
        ]
    } else {
        vec![QueueItem {
            track_id: 1,
            path: file.clone(),
            gain: 1.0,
            ..Default::default()
        }]
    };

    let player = Player::start_with(None, buffering).unwrap_or_else(|e| fail(&e.to_string()));
    println!(
        "{}{}: {} s, {busy} busy threads on {cores} cores, into {SINK} ({} Hz), starting with {} ms decoded ahead and a device buffer of {} frames",
        file.display(),
        if album {
            format!(" split at frame {split} into an album of two tracks")
        } else {
            String::new()
        },
        seconds,
        player.device().sample_rate,
        buffering.decode_ahead.as_millis(),
        buffering.device_buffer_frames
    );
    let recorder = common::Capture::start_from(SINK);

    // The load: threads that never sleep, at the same priority as everything else, and the
    // analysis workers below it.
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
    let analysis = analysis_workers.map(|workers| {
        let files = music_files(&checkout);
        if files.is_empty() {
            fail("no test music to analyse: run scripts/fetch-test-music.sh");
        }
        start_analysis(workers, files, stop.clone())
    });
    if let Some(a) = analysis.as_ref() {
        println!("load: {}", a.what);
    }
    std::thread::sleep(Duration::from_millis(500));

    let command_at = recorder.frames();
    let started = Instant::now();
    player
        .set_repeat(RepeatMode::All)
        .unwrap_or_else(|e| fail(&e.to_string()));
    player
        .play_queue(queue, 0)
        .unwrap_or_else(|e| fail(&e.to_string()));
    let until = started + Duration::from_secs(seconds);
    while let Some(left) = until.checked_duration_since(Instant::now()) {
        if let Ok(PlayerEvent::Error { message, .. }) = player.events().recv_timeout(left) {
            eprintln!("player: {message}");
        }
    }
    let counted = player.dropouts();
    let ended_with = player.buffering();
    let load_cpu = cpu_seconds();
    stop.store(true, Ordering::Relaxed);
    for b in burners {
        let _ = b.join();
    }
    let _ = player.stop();
    std::thread::sleep(Duration::from_millis(400));
    let samples = recorder.stop();
    drop(player);
    if let Some(a) = analysis {
        // A worker finishes the track it is on.
        for w in a.workers {
            let _ = w.join();
        }
        println!(
            "analysis while it played: {} tracks analysed ({:.0} s of audio), {} failed",
            a.analysed.load(Ordering::Relaxed),
            a.audio_ms.load(Ordering::Relaxed) as f64 / 1000.0,
            a.failed.load(Ordering::Relaxed)
        );
    }
    if let Some(cpu) = load_cpu {
        println!(
            "process CPU over the run: {cpu:.0} s in {seconds} s on {cores} cores ({:.0} % of the machine)",
            cpu * 100.0 / (seconds as f64 * cores as f64)
        );
    }

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
        "buffering at the end: {} ms decoded ahead, device buffer {} frames open ({} frames from its next open)",
        ended_with.buffering.decode_ahead.as_millis(),
        ended_with.open_device_buffer_frames,
        ended_with.buffering.device_buffer_frames
    );
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
    // Sample for sample, up to the stop's fade (its last 100 ms are left out).
    let compared_to = last.saturating_sub(RATE / 10).max(first);
    let c = compare(&samples, first, compared_to, &source, lead);
    println!(
        "compared with the decoded source frame by frame over {:.1} s: {} of {} frames exact, {} frames of silence in {} hole(s), {} slip(s) ({} at the end of a hole), {} unmatched; {} pass(es) through the loop's join{}",
        ms(compared_to - first) / 1000.0,
        c.exact,
        compared_to - first,
        c.hole_frames,
        c.holes.len(),
        c.slips.len(),
        c.slips_after_holes,
        c.unmatched,
        c.loops,
        if album {
            " and as many through the album's (inside the source)"
        } else {
            ""
        }
    );
    for (at, off) in c.slips.iter().take(20) {
        println!(
            "  slip at {:.3} s into the music: the music went on {off} frame(s) off",
            ms(at - first) / 1000.0
        );
    }
    let gapless = c.slips.is_empty() && c.unmatched == 0 && c.hole_frames == 0;
    println!(
        "{}",
        if gapless {
            "every join exact: 0 samples lost or repeated"
        } else {
            "NOT exact: see the holes and slips above"
        }
    );
}

/// The process's CPU time so far (user + system), Linux only.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}
