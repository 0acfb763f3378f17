//! Analysing the library: workers each hold an [`Analyzer`] (ONNX Runtime sessions are not
//! shared), the calling thread is the only writer. Cancelling keeps everything analysed so
//! far; the next run picks up what is left (stale or missing results only).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use segue_analysis::Analyzer;
use segue_core::{TrackAnalysis, TrackId};
use segue_store::{AnalysisTodo, Store};

use crate::{Result, Service, ServiceError};

pub use segue_analysis::{
    AnalysisError, AnalysisVersion, AnalyzerConfig, Device, Model, TELEMETRY_OPT_OUT,
};

/// Audio seconds analysed per CPU second on one core, DSP included, as measured in
/// `crates/segue-bench/results/2026-12-05-dsp-speed.txt` (after the faster DSP, 60 tracks of
/// the test music): the student, and the reference (musicnn). They size the settings page's
/// estimate of a re-analysis.
pub const STUDENT_SPEED: f64 = 792.0;
pub const REFERENCE_SPEED: f64 = 127.0;

/// A worker's result for one track: the analysis and its audio seconds, or why it failed.
type Outcome = (
    AnalysisTodo,
    std::result::Result<(TrackAnalysis, f64), AnalysisError>,
);

/// Analysis progress, reported after every track.
#[derive(Debug, Clone, Default)]
pub struct AnalysisProgress {
    /// Tracks this run set out to analyse.
    pub total: u64,
    pub done: u64,
    pub failed: u64,
    /// The last finished track.
    pub last: Option<PathBuf>,
}

/// What a run did.
#[derive(Debug, Clone, Default)]
pub struct AnalysisReport {
    pub analysed: u64,
    pub failed: Vec<(TrackId, PathBuf, String)>,
    pub cancelled: bool,
    /// Audio seconds analysed.
    pub audio_seconds: f64,
    pub elapsed: Duration,
    /// The execution provider used, and why.
    pub provider: String,
    pub version: String,
}

/// How to run an analysis.
#[derive(Debug, Clone, Default)]
pub struct AnalysisOptions {
    pub analyzer: AnalyzerConfig,
    /// Worker threads (each with its own models); 0 = one per core.
    pub workers: usize,
}

impl From<AnalysisError> for ServiceError {
    fn from(e: AnalysisError) -> Self {
        ServiceError::Analysis(e)
    }
}

impl Service {
    /// Analyses every track whose analysis is missing or stale. Runs on the calling thread
    /// (plus workers) until done or `cancel` is set; `pause` holds the workers between tracks.
    pub fn analyze(
        &self,
        options: &AnalysisOptions,
        cancel: &AtomicBool,
        pause: &AtomicBool,
        progress: &mut dyn FnMut(&AnalysisProgress),
    ) -> Result<AnalysisReport> {
        let workers = match options.workers {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        };
        // Nothing stale for the models on disk: done, without loading ONNX Runtime (the app
        // asks after every start and import).
        if let Ok(version) = segue_analysis::AnalysisVersion::with_models(&options.analyzer)
            && Store::open(&self.db_path)?
                .analysis_todo(&version.0)?
                .is_empty()
        {
            let report = AnalysisReport {
                provider: "none (nothing to analyse)".into(),
                version: version.0,
                ..Default::default()
            };
            progress(&AnalysisProgress::default());
            return Ok(report);
        }
        // Load one analyzer up front: a missing runtime or model shows here, once. Unless CUDA
        // was asked for by name, analysis then goes on without the models (loudness, tempo,
        // key...), and a later run with the models analyses those tracks again.
        let first = match Analyzer::new(&options.analyzer) {
            Ok(a) => a,
            Err(e)
                if matches!(e.kind(), "model" | "runtime")
                    && options.analyzer.device != Device::Cuda =>
            {
                tracing::warn!("analysing without musicnn: {e}");
                Analyzer::dsp_only(format!("DSP only, the models did not load: {e}"))
            }
            Err(e) => return Err(e.into()),
        };
        let with_models = first.has_models();
        let without_models = first.provider().1.to_string();
        let version = first.version().0.clone();
        let (provider, note) = first.provider();
        let provider = format!("{provider} ({note})");
        let writer = Store::open(&self.db_path)?;
        let todo = writer.analysis_todo(&version)?;
        let mut report = AnalysisReport {
            provider,
            version: version.clone(),
            ..Default::default()
        };
        let mut state = AnalysisProgress {
            total: todo.len() as u64,
            ..Default::default()
        };
        progress(&state);
        let started = Instant::now();
        let (todo_tx, todo_rx) = crossbeam_channel::unbounded::<AnalysisTodo>();
        for t in todo {
            let _ = todo_tx.send(t);
        }
        drop(todo_tx);
        type Outcome = (
            AnalysisTodo,
            std::result::Result<(TrackAnalysis, f64), AnalysisError>,
        );
        let (done_tx, done_rx) = crossbeam_channel::unbounded::<Outcome>();
        std::thread::scope(|scope| -> Result<()> {
            let mut first = Some(first);
            for i in 0..workers.min(state.total.max(1) as usize) {
                let (todo_rx, done_tx) = (todo_rx.clone(), done_tx.clone());
                let analyzer = match first.take() {
                    Some(a) => a,
                    None if with_models => Analyzer::new(&options.analyzer)?,
                    None => Analyzer::dsp_only(without_models.clone()),
                };
                std::thread::Builder::new()
                    .name(format!("segue-analysis-{i}"))
                    .spawn_scoped(scope, move || {
                        // Analysis must never take the decoder's core while music plays; the
                        // thread ends with the run, so its lowered priority goes with it.
                        segue_playback::lower_current_thread_for_background();
                        worker(analyzer, &todo_rx, &done_tx, cancel, pause)
                    })
                    .map_err(|e| ServiceError::Internal(format!("cannot start a worker: {e}")))?;
            }
            drop(done_tx);
            for (item, outcome) in done_rx {
                match outcome {
                    Ok((analysis, seconds)) => {
                        writer.save_analysis(&analysis, &version)?;
                        report.analysed += 1;
                        report.audio_seconds += seconds;
                    }
                    // The file went away since the import (an unplugged drive, a file moved
                    // or deleted): no failure is recorded, or the track would never be analysed
                    // once it is back. The next import marks it missing or finds it again.
                    Err(e) if std::fs::metadata(&item.path).is_err() => {
                        tracing::info!(
                            "not analysed, the file is gone for now: {} ({e})",
                            item.path.display()
                        );
                    }
                    Err(e) => {
                        tracing::warn!("analysis of {} failed: {e}", item.path.display());
                        writer.save_analysis_failure(
                            item.track_id,
                            &version,
                            e.kind(),
                            &e.to_string(),
                        )?;
                        report
                            .failed
                            .push((item.track_id, item.path.clone(), e.to_string()));
                        state.failed += 1;
                    }
                }
                state.done += 1;
                state.last = Some(item.path);
                progress(&state);
            }
            Ok(())
        })?;
        report.cancelled = cancel.load(Ordering::Relaxed) && state.done < state.total;
        report.elapsed = started.elapsed();
        Ok(report)
    }

    /// Where analysis runs for this library: the device its settings choose (`auto` until
    /// changed). The app and `segue scan` / `segue analyze` all start from it.
    pub fn analysis_device(&self) -> Device {
        self.app_settings()
            .map(|s| crate::device_for(s.analysis_device))
            .unwrap_or_else(|e| {
                tracing::warn!("cannot read the analysis device setting, using auto: {e}");
                Device::Auto
            })
    }

    /// The tagger this library's settings choose (the reference until changed). The app and
    /// `segue scan` / `segue analyze` (without `--model`) all start from it.
    pub fn analysis_model(&self) -> Model {
        self.analysis_model_choice()
            .map(crate::model_for)
            .unwrap_or_else(|e| {
                tracing::warn!("cannot read the analysis model setting, using the reference: {e}");
                Model::Reference
            })
    }

    /// A track's stored analysis, if it has one.
    pub fn analysis(&self, track: TrackId) -> Result<Option<TrackAnalysis>> {
        self.with_store(|s| s.analysis(track))
    }
}

fn worker(
    mut analyzer: Analyzer,
    todo: &crossbeam_channel::Receiver<AnalysisTodo>,
    done: &crossbeam_channel::Sender<Outcome>,
    cancel: &AtomicBool,
    pause: &AtomicBool,
) {
    while let Ok(item) = todo.recv() {
        while pause.load(Ordering::Relaxed) && !cancel.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(100));
        }
        if cancel.load(Ordering::Relaxed) {
            return;
        }
        let outcome = analyzer.analyze(item.track_id, &item.path).map(|a| {
            let seconds = a.dsp.duration_s;
            (a, seconds)
        });
        if done.send((item, outcome)).is_err() {
            return;
        }
    }
}

/// What `segue doctor` prints about analysis.
#[derive(Debug, Clone)]
pub struct AnalysisDoctor {
    pub runtime_library: PathBuf,
    /// How the runtime library was found (an environment variable, the package, the checkout).
    pub runtime_origin: String,
    pub models_dir: PathBuf,
    /// How the models' folder was found.
    pub models_origin: String,
    /// ONNX Runtime's build string, or why it did not load.
    pub runtime: std::result::Result<String, String>,
    pub providers: Vec<&'static str>,
    /// The provider `device` gives, and why; or why the models did not load.
    pub in_use: std::result::Result<String, String>,
    /// Model file, its SHA-256, and whether it matches `models/SHA256SUMS`.
    pub models: Vec<(PathBuf, String, Option<bool>)>,
}

impl Service {
    /// Checks the analysis set-up: runtime, providers, models and their checksums.
    pub fn analysis_doctor(&self, config: &AnalyzerConfig) -> AnalysisDoctor {
        doctor(config)
    }
}

/// Checks the analysis set-up without a library (`segue doctor` runs before the first scan,
/// and must not create one): runtime, providers, models and their checksums.
pub fn doctor(config: &AnalyzerConfig) -> AnalysisDoctor {
    let runtime = segue_analysis::Runtime::get(&config.runtime_library);
    let expected =
        std::fs::read_to_string(config.models_dir.join("SHA256SUMS")).unwrap_or_default();
    // Both taggers (the student, then the reference's two models), then the suggestion
    // ranker, each checked against SHA256SUMS.
    let mut files: Vec<(PathBuf, String)> = [
        segue_analysis::Model::Student,
        segue_analysis::Model::Reference,
    ]
    .into_iter()
    .flat_map(|model| segue_analysis::model_info(&config.models_dir, model).unwrap_or_default())
    .map(|m| (m.path, m.sha256))
    .collect();
    let ranker = config.models_dir.join(segue_analysis::ranker::RANKER_FILE);
    if let Ok(sum) = segue_analysis::musicnn::sha256_file(&ranker) {
        files.push((ranker, sum));
    }
    let models = files
        .into_iter()
        .map(|(path, sha256)| {
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
            let listed = expected.lines().find_map(|l| {
                let (sum, file) = l.split_once("  ")?;
                (Some(file.trim()) == name.as_deref()).then(|| sum.trim() == sha256)
            });
            (path, sha256, listed)
        })
        .collect();
    let origin = |given: &Path, default: segue_core::install::Located| {
        if default.path == given {
            default.origin.to_string()
        } else {
            "given by the caller".to_owned()
        }
    };
    AnalysisDoctor {
        runtime_library: config.runtime_library.clone(),
        runtime_origin: origin(
            &config.runtime_library,
            segue_analysis::musicnn::locate_runtime_library(),
        ),
        models_dir: config.models_dir.clone(),
        models_origin: origin(
            &config.models_dir,
            segue_analysis::musicnn::locate_models_dir(),
        ),
        providers: runtime.as_ref().map(|r| r.providers()).unwrap_or_default(),
        runtime: runtime
            .as_ref()
            .map(|r| r.build_info.clone())
            .map_err(|e| e.to_string()),
        in_use: Analyzer::new(config)
            .map(|a| {
                let (p, note) = a.provider();
                format!("{p} ({note})")
            })
            .map_err(|e| e.to_string()),
        models,
    }
}

impl Service {
    /// Tag names of the MSD and MTT models, in output order.
    pub fn tag_labels(&self, config: &AnalyzerConfig) -> Result<(Vec<String>, Vec<String>)> {
        use segue_analysis::{ModelKind, musicnn::labels};
        Ok((
            labels(&config.models_dir, ModelKind::Msd)?,
            labels(&config.models_dir, ModelKind::Mtt)?,
        ))
    }
}
