//! `segue-bench`: how fast Segue analyses real music, next to bliss-audio on the same files.
//!
//! `segue-bench analysis` runs each mode in a child process of its own (so every mode's peak
//! memory is its own) over the same list of files with the same number of worker threads:
//! - `dsp`: decode, EBU R128 loudness and true peak, resampling, every DSP feature;
//! - `full`: `dsp` plus the tagger on ONNX Runtime (`--model`: both musicnn models, the
//!   reference, or Segue's distilled student);
//! - `bliss`: bliss-audio 0.13 (`Song::from_path`, its 23 DSP features).
//!
//! Throughput per core is audio seconds divided by the CPU seconds the process used, which
//! stays honest whatever threads a library starts inside (bliss starts five per song).
//!
//! `segue-bench patches` compares track-level tags from the default patch subset with tags
//! from every patch of each track.

mod curation;
mod latency;
mod map_eval;
mod path_eval;
mod suggest_eval;
mod synth_library;

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use segue_analysis::{Analyzer, AnalyzerConfig, Device, FeatureExtractor, Model};
use serde::{Deserialize, Serialize};

#[derive(Parser)]
#[command(name = "segue-bench", about = "Segue's analysis benchmark")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args, Clone)]
struct Selection {
    /// Folder searched (recursively) for audio files.
    #[arg(long, default_value = ".cache/test-music")]
    dir: PathBuf,
    /// Tracks to use, spread evenly over the sorted file list (0: all).
    #[arg(long, default_value_t = 60)]
    tracks: usize,
}

#[derive(Subcommand)]
enum Command {
    /// Writes a synthetic library database of N tracks (for app start-up and memory figures).
    SynthLibrary {
        /// The database to create.
        #[arg(long)]
        db: PathBuf,
        #[arg(long, default_value_t = 10_000)]
        tracks: usize,
    },
    /// Throughput and peak memory of Segue (DSP only; DSP + neural) and bliss-audio.
    Analysis {
        #[command(flatten)]
        selection: Selection,
        /// Worker threads, the same for every mode.
        #[arg(long, default_value_t = 2)]
        workers: usize,
        /// Modes to run, in order: dsp, full, bliss.
        #[arg(long, value_delimiter = ',', default_value = "dsp,full,bliss")]
        modes: Vec<String>,
        /// Where the models run in `full` mode: cpu, cuda or auto.
        #[arg(long, default_value = "cpu")]
        device: String,
        /// The tagger in `full` mode: reference (the two musicnn models) or student.
        #[arg(long, default_value = "reference")]
        model: String,
        /// Patches per track in `full` mode (default: Segue's default).
        #[arg(long)]
        patches: Option<usize>,
        /// Print one JSON object per mode instead of the table.
        #[arg(long)]
        json: bool,
    },
    /// Track-level tags from the default patch subset against every patch.
    Patches {
        #[command(flatten)]
        selection: Selection,
        /// Patches in the subset.
        #[arg(long)]
        patches: Option<usize>,
        /// The tagger: reference (the two musicnn models) or student.
        #[arg(long, default_value = "reference")]
        model: String,
    },
    /// Does Segue learn a taste it did not design? Simulated listeners whose tastes come from
    /// curator labels (style, soundtrack, composer), against yardsticks, on the tuning set and
    /// the set held aside; the next day, drifting tastes, time of day; and `suggest` latency.
    Suggest {
        /// Music folders (`scripts/fetch-test-music.sh`, with `--evaluation` and `--more`).
        #[arg(
            long,
            value_delimiter = ',',
            default_value = ".cache/test-music,.cache/eval-music,.cache/more-music"
        )]
        dirs: Vec<PathBuf>,
        #[arg(long, default_value = ".cache/bench-taste.sqlite")]
        db: PathBuf,
        /// Listeners per taste kind.
        #[arg(long, default_value_t = 100)]
        listeners: usize,
        /// Which sets: tuning, held (the held-aside set: report, never tune on it), and
        /// tuning-a, tuning-b (the tuning set's two halves by package: tune on one, judge on
        /// the other).
        #[arg(long, value_delimiter = ',', default_value = "tuning")]
        sets: Vec<String>,
        /// Keep the artist and album gaps even where they cost what the listener likes.
        #[arg(long)]
        strict_gaps: bool,
        /// The ranking model that scores Segue's short list (default: the app's,
        /// models/segue-ranker.onnx; `models/ranker/export_ranker.py` builds the hand-set one).
        #[arg(long)]
        ranker_file: Option<PathBuf>,
        /// No ranking model: the first stage's linear weights alone (the app's fallback).
        #[arg(long, conflicts_with = "ranker_file")]
        no_ranker: bool,
        /// Instead of the figures, log simulated outcomes on the tuning set (JSON lines) for
        /// `models/ranker/train_ranker.py`.
        #[arg(long)]
        log_outcomes: Option<PathBuf>,
        /// Synthetic library sizes for the latency figures (0: none).
        #[arg(long, value_delimiter = ',', default_value = "1000,10000,100000")]
        sizes: Vec<usize>,
        /// Also print where Segue's list loses what its model believes: the ten best without
        /// the artist and album gaps, how well score and chance order liked tracks (AUC), and
        /// how many liked tracks are left.
        #[arg(long)]
        diagnose: bool,
        /// The tagger the music is analysed with: reference (musicnn) or student. Tracks the
        /// `--db` holds analysed by the other are analysed again, so keep one database per
        /// tagger to compare them.
        #[arg(long, default_value = "reference")]
        model: String,
    },
    /// The library map's layouts (PCA, neighbour embedding, autoencoder) compared on every
    /// analysed track: neighbour recall, trustworthiness, same album and artist, what 10 % new
    /// tracks do to the map, and layout time on synthetic libraries.
    Map {
        #[arg(long, default_value = ".cache/bench-taste.sqlite")]
        db: PathBuf,
        /// Synthetic library sizes to time (0: none).
        #[arg(long, value_delimiter = ',', default_value = "10000,100000")]
        sizes: Vec<usize>,
    },
    /// Sonic paths against the straight-line yardstick on the analysed test music (steps,
    /// coherence by the curator's labels, repetition breaches, true reasons) and `path`
    /// latency on synthetic libraries.
    Path {
        #[arg(long, default_value = ".cache/bench-taste.sqlite")]
        db: PathBuf,
        /// Which sets: tuning, held, tuning-a, tuning-b (as `suggest`).
        #[arg(long, value_delimiter = ',', default_value = "tuning,held")]
        sets: Vec<String>,
        /// Tracks per path, both ends included.
        #[arg(long, value_delimiter = ',', default_value = "8,12,20")]
        lengths: Vec<usize>,
        /// Start/end pairs per set and length.
        #[arg(long, default_value_t = 100)]
        pairs: usize,
        /// Synthetic library sizes for the latency figures (0: none).
        #[arg(long, value_delimiter = ',', default_value = "1000,10000,100000")]
        sizes: Vec<usize>,
        /// Timed calls per size.
        #[arg(long, default_value_t = 200)]
        calls: usize,
    },
    /// One mode, in this process (what `analysis` runs in its children).
    #[command(hide = true)]
    Run {
        #[arg(long)]
        mode: String,
        #[arg(long)]
        workers: usize,
        #[arg(long)]
        device: String,
        #[arg(long)]
        model: String,
        #[arg(long)]
        patches: usize,
        /// File with one audio path per line.
        #[arg(long)]
        list: PathBuf,
    },
}

/// One mode's figures.
#[derive(Debug, Serialize, Deserialize)]
struct ModeResult {
    mode: String,
    workers: usize,
    tracks: usize,
    failed: usize,
    audio_s: f64,
    wall_s: f64,
    cpu_s: f64,
    peak_rss_mb: f64,
    /// Execution provider (full mode).
    provider: Option<String>,
    /// The tagger (full mode): reference or student.
    model: Option<String>,
    first_error: Option<String>,
}

impl ModeResult {
    fn rt_per_core(&self) -> f64 {
        self.audio_s / self.cpu_s.max(1e-9)
    }
    fn rt_per_worker_wall(&self) -> f64 {
        self.audio_s / (self.wall_s.max(1e-9) * self.workers as f64)
    }
    fn tracks_per_min(&self) -> f64 {
        (self.tracks - self.failed) as f64 * 60.0 / self.wall_s.max(1e-9)
    }
}

#[allow(unsafe_code)]
fn main() {
    let (name, value) = segue_analysis::TELEMETRY_OPT_OUT;
    // SAFETY: the first statement of `main`: no other thread exists to read the environment.
    unsafe { std::env::set_var(name, value) };
    match run(Cli::parse()) {
        Ok(()) => {}
        Err(e) => {
            eprintln!("segue-bench: {e:#}");
            std::process::exit(1);
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Analysis {
            selection,
            workers,
            modes,
            device,
            model,
            patches,
            json,
        } => {
            let files = select(&selection)?;
            let list = std::env::temp_dir().join(format!("segue-bench-{}.txt", std::process::id()));
            std::fs::write(
                &list,
                files
                    .iter()
                    .map(|f| f.to_string_lossy().into_owned() + "\n")
                    .collect::<String>(),
            )?;
            let patches = patches.unwrap_or(segue_analysis::DEFAULT_MAX_PATCHES);
            if !json {
                println!(
                    "{} tracks from {}, {workers} workers, {} cores, {model} model on {device}, {patches} patches",
                    files.len(),
                    selection.dir.display(),
                    std::thread::available_parallelism().map_or(1, |n| n.get()),
                );
                println!(
                    "{:<24} {:>7} {:>9} {:>8} {:>8} {:>12} {:>12} {:>11} {:>9}",
                    "mode",
                    "tracks",
                    "audio s",
                    "wall s",
                    "CPU s",
                    "xRT/core",
                    "xRT/worker",
                    "tracks/min",
                    "peak MB"
                );
            }
            let exe = std::env::current_exe()?;
            let mut failures = 0;
            for mode in &modes {
                let out = std::process::Command::new(&exe)
                    .args([
                        "run", "--mode", mode, "--device", &device, "--model", &model,
                    ])
                    .args(["--workers", &workers.to_string()])
                    .args(["--patches", &patches.to_string()])
                    .arg("--list")
                    .arg(&list)
                    .stderr(std::process::Stdio::inherit())
                    .output()
                    .with_context(|| format!("running mode {mode}"))?;
                if !out.status.success() {
                    eprintln!("mode {mode} failed ({})", out.status);
                    failures += 1;
                    continue;
                }
                let r: ModeResult = serde_json::from_slice(&out.stdout)
                    .with_context(|| format!("reading mode {mode}'s figures"))?;
                if json {
                    println!("{}", serde_json::to_string(&r)?);
                } else {
                    println!(
                        "{:<24} {:>7} {:>9.0} {:>8.1} {:>8.1} {:>12.1} {:>12.1} {:>11.1} {:>9.1}",
                        label(&r),
                        format!("{}/{}", r.tracks - r.failed, r.tracks),
                        r.audio_s,
                        r.wall_s,
                        r.cpu_s,
                        r.rt_per_core(),
                        r.rt_per_worker_wall(),
                        r.tracks_per_min(),
                        r.peak_rss_mb
                    );
                    if let Some(e) = &r.first_error {
                        println!("    first failure: {e}");
                    }
                }
            }
            let _ = std::fs::remove_file(&list);
            if !json {
                println!(
                    "xRT/core = audio seconds / CPU seconds of the process; xRT/worker = audio \
                     seconds / (wall seconds x workers); peak MB = the process's peak RSS."
                );
            }
            if failures > 0 {
                bail!("{failures} mode(s) failed");
            }
            Ok(())
        }
        Command::SynthLibrary { db, tracks } => synth_library::run(&db, tracks),
        Command::Map { db, sizes } => map_eval::run(&db, &sizes),
        Command::Path {
            db,
            sets,
            lengths,
            pairs,
            sizes,
            calls,
        } => path_eval::run(path_eval::Options {
            db,
            sets,
            lengths,
            pairs,
            sizes,
            calls,
        }),
        Command::Suggest {
            dirs,
            db,
            listeners,
            sets,
            strict_gaps,
            ranker_file,
            no_ranker,
            log_outcomes,
            sizes,
            diagnose,
            model,
        } => suggest_eval::run(suggest_eval::Options {
            music: dirs,
            db,
            listeners,
            sets,
            strict_gaps,
            ranker: (!no_ranker).then(|| {
                ranker_file.unwrap_or_else(|| {
                    segue_analysis::AnalyzerConfig::default()
                        .models_dir
                        .join(segue_analysis::ranker::RANKER_FILE)
                })
            }),
            log_outcomes,
            sizes,
            diagnose,
            model: model.parse()?,
        }),
        Command::Patches {
            selection,
            patches,
            model,
        } => patch_study(
            &select(&selection)?,
            patches.unwrap_or(segue_analysis::DEFAULT_MAX_PATCHES),
            model.parse()?,
        ),
        Command::Run {
            mode,
            workers,
            device,
            model,
            patches,
            list,
        } => {
            let files = std::io::BufReader::new(std::fs::File::open(&list)?)
                .lines()
                .map(|l| l.map(PathBuf::from))
                .collect::<Result<Vec<_>, _>>()?;
            let result = run_mode(&mode, workers.max(1), &device, &model, patches, &files)?;
            println!("{}", serde_json::to_string(&result)?);
            Ok(())
        }
    }
}

fn label(r: &ModeResult) -> String {
    match (r.mode.as_str(), &r.provider) {
        ("dsp", _) => "segue DSP".into(),
        ("full", Some(p)) => format!("segue DSP+{} {p}", r.model.as_deref().unwrap_or("nn")),
        ("full", None) => "segue DSP+nn".into(),
        ("bliss", _) => "bliss-audio 0.13".into(),
        (m, _) => m.into(),
    }
}

/// Audio files under `dir`, sorted, then `tracks` of them spread evenly over the list.
fn select(selection: &Selection) -> Result<Vec<PathBuf>> {
    let mut all = segue_core::files::audio_files_under(&selection.dir).with_context(|| {
        format!(
            "reading {} (scripts/fetch-test-music.sh fills .cache/test-music)",
            selection.dir.display()
        )
    })?;
    all.sort();
    if all.is_empty() {
        bail!("no audio files under {}", selection.dir.display());
    }
    let n = match selection.tracks {
        0 => all.len(),
        n => n.min(all.len()),
    };
    Ok((0..n).map(|i| all[i * all.len() / n].clone()).collect())
}

/// Work shared by the threads of one mode.
struct Shared<'a> {
    files: &'a [PathBuf],
    next: AtomicUsize,
    totals: Mutex<(usize, f64, Option<String>)>,
}

impl Shared<'_> {
    fn take(&self) -> Option<&Path> {
        self.files
            .get(self.next.fetch_add(1, Ordering::Relaxed))
            .map(PathBuf::as_path)
    }
    fn record(&self, path: &Path, outcome: Result<f64, String>) {
        let mut t = self.totals.lock().unwrap_or_else(|p| p.into_inner());
        match outcome {
            Ok(seconds) => t.1 += seconds,
            Err(e) => {
                t.0 += 1;
                t.2.get_or_insert_with(|| format!("{}: {e}", path.display()));
            }
        }
    }
}

fn run_mode(
    mode: &str,
    workers: usize,
    device: &str,
    model: &str,
    patches: usize,
    files: &[PathBuf],
) -> Result<ModeResult> {
    let config = AnalyzerConfig {
        device: device.parse::<Device>()?,
        model: model.parse::<Model>()?,
        max_patches: patches,
        ..AnalyzerConfig::default()
    };
    let shared = Shared {
        files,
        next: AtomicUsize::new(0),
        totals: Mutex::new((0, 0.0, None)),
    };
    let cpu_before = cpu_seconds()?;
    let started = Instant::now();
    let provider = Mutex::new(None);
    std::thread::scope(|scope| -> Result<()> {
        let mut handles = Vec::new();
        for _ in 0..workers {
            let (shared, config, provider) = (&shared, &config, &provider);
            handles.push(scope.spawn(move || -> Result<()> {
                match mode {
                    "dsp" => {
                        let extractor = FeatureExtractor::default();
                        while let Some(path) = shared.take() {
                            let r = extractor.extract(path);
                            shared.record(
                                path,
                                r.map(|e| e.dsp.duration_s).map_err(|e| e.to_string()),
                            );
                        }
                    }
                    "full" => {
                        let mut analyzer = Analyzer::new(config)?;
                        *provider.lock().unwrap_or_else(|p| p.into_inner()) =
                            Some(analyzer.provider().0.to_string());
                        while let Some(path) = shared.take() {
                            let r = analyzer.analyze(0, path);
                            shared.record(
                                path,
                                r.map(|a| a.dsp.duration_s).map_err(|e| e.to_string()),
                            );
                        }
                    }
                    "bliss" => {
                        use bliss_audio::decoder::Decoder as _;
                        use bliss_audio::decoder::symphonia::SymphoniaDecoder;
                        while let Some(path) = shared.take() {
                            // Decode, then analyse, as `song_from_path` does; the duration is
                            // taken from the decoded samples (22050 Hz mono), which bliss's
                            // symphonia decoder does not fill in for Ogg files.
                            let r = SymphoniaDecoder::decode(path).and_then(|song| {
                                let seconds = song.sample_array.len() as f64 / 22_050.0;
                                bliss_audio::Song::try_from(song).map(|_| seconds)
                            });
                            shared.record(path, r.map_err(|e| e.to_string()));
                        }
                    }
                    other => bail!("unknown mode {other:?} (dsp, full, bliss)"),
                }
                Ok(())
            }));
        }
        for h in handles {
            h.join()
                .map_err(|_| anyhow::anyhow!("a worker panicked"))??;
        }
        Ok(())
    })?;
    let wall_s = started.elapsed().as_secs_f64();
    let cpu_s = cpu_seconds()? - cpu_before;
    let (failed, audio_s, first_error) = shared
        .totals
        .into_inner()
        .unwrap_or_else(|p| p.into_inner());
    Ok(ModeResult {
        mode: mode.to_owned(),
        workers,
        tracks: files.len(),
        failed,
        audio_s,
        wall_s,
        cpu_s,
        peak_rss_mb: peak_rss_mb()?,
        provider: provider.into_inner().unwrap_or_else(|p| p.into_inner()),
        model: (mode == "full").then(|| format!("{:?}", config.model).to_lowercase()),
        first_error,
    })
}

/// User + system CPU seconds of this process, from /proc (clock ticks of 1/100 s on Linux).
fn cpu_seconds() -> Result<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").context("reading /proc/self/stat")?;
    // Fields after the parenthesised command name; utime and stime are the 14th and 15th.
    let rest = stat
        .rsplit_once(')')
        .map(|(_, r)| r)
        .context("unexpected /proc/self/stat")?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| -> Result<f64> {
        Ok(fields
            .get(i)
            .context("unexpected /proc/self/stat")?
            .parse::<f64>()?)
    };
    Ok((ticks(11)? + ticks(12)?) / 100.0)
}

/// Peak resident memory of this process (VmHWM), MB.
fn peak_rss_mb() -> Result<f64> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let kb = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .context("no VmHWM in /proc/self/status")?;
    Ok(kb / 1024.0)
}

/// Scores every patch of every track, then compares the track-level tags of the patches
/// analysis would score (`subset` spread evenly, and more where they disagree, at several
/// settling tolerances, the default among them) with the mean over every patch.
fn patch_study(files: &[PathBuf], subset: usize, model: Model) -> Result<()> {
    let mut analyzer = Analyzer::new(&AnalyzerConfig {
        device: Device::Cpu,
        model,
        ..AnalyzerConfig::default()
    })?;
    let extractor = FeatureExtractor::default();
    let default = segue_analysis::patches::SETTLED_WITHIN;
    let mut tolerances = vec![f32::INFINITY, 0.08, 0.06, 0.04];
    if !tolerances.contains(&default) {
        tolerances.push(default);
    }
    println!(
        "{} tracks, {model:?} model: track-level tags from {subset} patches, and more where \
         they disagree, against every patch; per track at the default tolerance ({default})",
        files.len()
    );
    println!(
        "{:>9} {:>7} {:>9} {:>10} {:>10} {:>11}  file",
        "patches", "scored", "max MSD", "max MTT", "emb. cos", "top5 same"
    );
    let frames = segue_analysis::musicnn::PATCH_FRAMES;
    let (tags, emb) = (
        segue_analysis::musicnn::TAGS,
        segue_analysis::musicnn::EMBEDDING,
    );
    let mean = |rows: &[f32], width: usize| -> Vec<f32> {
        let n = (rows.len() / width).max(1) as f32;
        let mut m = vec![0.0f32; width];
        for row in rows.chunks_exact(width) {
            m.iter_mut().zip(row).for_each(|(m, x)| *m += x / n);
        }
        m
    };
    let max_diff = |a: &[f32], b: &[f32]| {
        a.iter()
            .zip(b)
            .map(|(x, y)| (x - y).abs())
            .fold(0.0f32, f32::max)
    };
    // Per tolerance: tracks within 0.05, worst, top-5 unchanged, patches scored.
    let mut totals = vec![(0usize, 0.0f32, 0usize, 0usize); tolerances.len()];
    let (mut scored_tracks, mut all_sum) = (0usize, 0usize);
    for path in files {
        let extracted = match extractor.extract(path) {
            Ok(e) => e,
            Err(e) => {
                println!("skipped {}: {e}", path.display());
                continue;
            }
        };
        let mel = &extracted.mel;
        let total = segue_analysis::patches::count(mel);
        let every: Vec<usize> = (0..total).map(|p| p * frames).collect();
        let full = analyzer.score_patches(mel, &every)?;
        let all = [
            mean(&full.msd, tags),
            mean(&full.mtt, tags),
            mean(&full.embedding, emb),
        ];
        scored_tracks += 1;
        all_sum += total;
        for (t, &within) in tolerances.iter().enumerate() {
            // The same sampling as analysis, reading the scores of every patch.
            let (starts, some) = segue_analysis::sample_patches(mel, subset, within, |picked| {
                let rows = |data: &[f32], width: usize| -> Vec<f32> {
                    picked
                        .iter()
                        .flat_map(|s| data[s / frames * width..][..width].to_vec())
                        .collect()
                };
                Ok::<_, std::convert::Infallible>(segue_analysis::musicnn::Scores {
                    patches: picked.len(),
                    msd: rows(&full.msd, tags),
                    mtt: rows(&full.mtt, tags),
                    embedding: rows(&full.embedding, emb),
                })
            })
            .map_err(|e| match e {})?;
            let some = [
                mean(&some.msd, tags),
                mean(&some.mtt, tags),
                mean(&some.embedding, emb),
            ];
            let (msd, mtt) = (max_diff(&some[0], &all[0]), max_diff(&some[1], &all[1]));
            let same = top5(&some[0]) == top5(&all[0]) && top5(&some[1]) == top5(&all[1]);
            let worst_here = msd.max(mtt);
            let entry = &mut totals[t];
            entry.0 += usize::from(worst_here <= 0.05);
            entry.1 = entry.1.max(worst_here);
            entry.2 += usize::from(same);
            entry.3 += starts.len();
            if within == default {
                println!(
                    "{:>9} {:>7} {:>9.4} {:>10.4} {:>10.4} {:>11}  {}",
                    total,
                    starts.len(),
                    msd,
                    mtt,
                    cosine(&some[2], &all[2]),
                    if same { "yes" } else { "no" },
                    path.file_name()
                        .map_or(String::new(), |n| n.to_string_lossy().into_owned())
                );
            }
        }
    }
    println!(
        "\n{:>10} {:>22} {:>8} {:>16} {:>16}",
        "tolerance", "tracks within 0.05", "worst", "top-5 unchanged", "patches scored"
    );
    for (&within, &(ok, worst, same, used)) in tolerances.iter().zip(&totals) {
        println!(
            "{:>10} {:>22} {:>8.4} {:>16} {:>9} ({:>3.0} %)",
            if within.is_infinite() {
                "none".to_string()
            } else {
                format!("{within}")
            },
            format!("{ok}/{scored_tracks}"),
            worst,
            format!("{same}/{scored_tracks}"),
            used,
            100.0 * used as f64 / all_sum.max(1) as f64
        );
    }
    Ok(())
}

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let na: f32 = a.iter().map(|x| x * x).sum::<f32>().sqrt();
    let nb: f32 = b.iter().map(|x| x * x).sum::<f32>().sqrt();
    dot / (na * nb).max(1e-12)
}

/// The indices of the five largest values, as a sorted set.
fn top5(tags: &[f32]) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..tags.len()).collect();
    idx.sort_by(|&a, &b| tags[b].total_cmp(&tags[a]));
    idx.truncate(5);
    idx.sort_unstable();
    idx
}
