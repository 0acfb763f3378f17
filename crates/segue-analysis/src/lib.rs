//! Segue's track analysis, and the only crate that talks to ONNX Runtime.
//!
//! [`Analyzer::analyze`] takes one file through: decode → EBU R128 loudness on the original
//! channels → mono → 16 kHz (band-limited sinc resampling) → one STFT (512/256) and 96 mel
//! bands shared by the DSP features ([`features`]) and musicnn's log-mel input ([`musicnn`])
//! → the tagger ([`Model`]: Segue's distilled student, or the two musicnn models it learned
//! from) on representative 3 s patches ([`patches`]) → a [`TrackAnalysis`].
//!
//! Contract:
//! - The result depends only on the file and on [`AnalysisVersion`]; a change of either
//!   feature code or model files changes the version, so stored results can be re-analysed
//!   selectively.
//! - An `Analyzer` is used by one thread at a time; run one per worker.
//! - Errors are per track ([`AnalysisError`]): a file that fails does not affect the next.

pub mod features;
pub mod forecast_model;
mod lanes;
pub mod loudness;
pub mod musicnn;
pub mod patches;
pub mod ranker;
pub mod signal;
pub mod spectrum;

use std::path::{Path, PathBuf};

use segue_core::{LoudnessMeasure, TrackAnalysis, TrackId};

pub use musicnn::{Device, Model, ModelKind, Runtime, Tagger};

/// Bump when any DSP feature's definition changes.
pub const DSP_VERSION: u32 = 3;
/// Patches (3 s each) scored first per track, before more where they disagree
/// ([`patches::SETTLED_WITHIN`], which gives the figures). Alone, without refining, 16 patches
/// left 59 of 60 real tracks with every track-level tag within 0.05 of scoring every patch
/// (worst 0.061), and 8 only 37 of 60 (worst 0.133).
pub const DEFAULT_MAX_PATCHES: usize = 24;

#[derive(Debug, thiserror::Error)]
pub enum AnalysisError {
    #[error(transparent)]
    Decode(#[from] segue_decode::DecodeError),
    #[error("{0}")]
    Signal(String),
    #[error("{0}")]
    Runtime(String),
    #[error("{0}")]
    Model(String),
    #[error("inference failed: {0}")]
    Inference(String),
    #[error("{0}")]
    Config(String),
    /// A bug met on this track (a panic in decoding or feature code), caught so the other
    /// tracks are still analysed.
    #[error("internal error while analysing this track: {0}")]
    Internal(String),
}

impl AnalysisError {
    /// A stable kind for the UI and the database.
    pub fn kind(&self) -> &'static str {
        match self {
            AnalysisError::Decode(_) | AnalysisError::Signal(_) => "decode",
            AnalysisError::Runtime(_) => "runtime",
            AnalysisError::Model(_) => "model",
            AnalysisError::Inference(_) => "inference",
            AnalysisError::Config(_) => "invalid_input",
            AnalysisError::Internal(_) => "internal",
        }
    }
}

/// The environment variable, and its value, that keeps ONNX Runtime from recording telemetry
/// at all. Microsoft's builds (the PyPI wheel's library, which Segue loads) record usage events
/// for upload under the user's cache folder, and the runtime reads this once, when it starts:
/// each binary sets it first thing in `main`, before any thread exists. (Turning telemetry
/// off on the environment, as [`Runtime::get`] also does, comes too late for the event its
/// creation records.)
pub const TELEMETRY_OPT_OUT: (&str, &str) = ("ORT_DISABLE_TELEMETRY", "1");

/// Identifies what produced an analysis: results made by another version are stale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnalysisVersion(pub String);

impl AnalysisVersion {
    /// The version an analyzer with the models of `config` writes, read from the model files'
    /// checksums without loading ONNX Runtime: callers can tell whether anything is stale
    /// before paying for the models.
    pub fn with_models(config: &AnalyzerConfig) -> Result<AnalysisVersion, AnalysisError> {
        let models = model_info(&config.models_dir, config.model)?;
        let sums = models
            .iter()
            .map(|m| &m.sha256[..12])
            .collect::<Vec<_>>()
            .join("+");
        // The reference's version is what it was before the student existed, so choosing it
        // does not re-analyse a library it analysed.
        let model = match config.model {
            Model::Reference => sums,
            Model::Student => format!("student-{sums}"),
        };
        Ok(AnalysisVersion(format!(
            "dsp{DSP_VERSION}/p{}~{}/{model}",
            config.max_patches,
            patches::SETTLED_WITHIN,
        )))
    }
}

/// Settings for an [`Analyzer`].
#[derive(Debug, Clone)]
pub struct AnalyzerConfig {
    pub runtime_library: PathBuf,
    pub models_dir: PathBuf,
    /// Which tagger runs.
    pub model: Model,
    pub device: Device,
    /// ONNX Runtime intra-op threads per analyzer.
    pub threads: usize,
    pub max_patches: usize,
}

impl Default for AnalyzerConfig {
    fn default() -> Self {
        AnalyzerConfig {
            runtime_library: musicnn::default_runtime_library(),
            models_dir: musicnn::default_models_dir(),
            model: Model::Reference,
            device: Device::Auto,
            threads: 1,
            max_patches: DEFAULT_MAX_PATCHES,
        }
    }
}

/// Facts about a model file, for `segue doctor` and the analysis version.
#[derive(Debug, Clone)]
pub struct ModelInfo {
    pub model: Model,
    pub path: PathBuf,
    pub sha256: String,
}

/// Checksums of `model`'s files.
pub fn model_info(models_dir: &Path, model: Model) -> Result<Vec<ModelInfo>, AnalysisError> {
    model
        .files()
        .iter()
        .map(|file| {
            let path = models_dir.join(file);
            Ok(ModelInfo {
                model,
                sha256: musicnn::sha256_file(&path)?,
                path,
            })
        })
        .collect()
}

/// The DSP half of the analysis (no models): loudness, features, and the mel spectrogram the
/// models take. Cheap to make; one per thread.
pub struct FeatureExtractor {
    bank: Vec<spectrum::MelBand>,
}

/// What [`FeatureExtractor::extract`] gives.
pub struct Extracted {
    pub loudness: Option<LoudnessMeasure>,
    pub dsp: segue_core::DspFeatures,
    /// Mel power spectrogram, `[frame][band]` with [`spectrum::MEL_BANDS`] bands.
    pub mel: Vec<f32>,
}

impl Default for FeatureExtractor {
    fn default() -> Self {
        FeatureExtractor {
            bank: spectrum::mel_filter_bank(
                signal::ANALYSIS_RATE,
                spectrum::FFT_SIZE,
                spectrum::MEL_BANDS,
            ),
        }
    }
}

impl FeatureExtractor {
    /// Decodes `path` and computes its loudness and DSP features.
    pub fn extract(&self, path: &Path) -> Result<Extracted, AnalysisError> {
        // The features stream as the signal is resampled: the signal is never held whole.
        let streamed = signal::stream_features(path, &self.bank)?;
        let mut dsp = streamed.dsp;
        // An excerpted track: its length and waveform are the whole file's.
        dsp.duration_s = streamed.duration_s;
        if let Some(waveform) = streamed.whole_waveform {
            dsp.waveform = waveform;
        }
        features::apply_edges(&mut dsp, &streamed.edges);
        let mel = streamed.mel;
        let loudness = match (streamed.loudness_lufs, streamed.true_peak_dbtp) {
            (Some(integrated_lufs), Some(true_peak_dbtp)) => Some(LoudnessMeasure {
                integrated_lufs,
                true_peak_dbtp,
            }),
            _ => None,
        };
        Ok(Extracted { loudness, dsp, mel })
    }
}

/// Analyses tracks; one per worker thread.
pub struct Analyzer {
    /// `None`: DSP only (the models could not be loaded; see [`Analyzer::dsp_only`]).
    tagger: Option<Tagger>,
    /// Why there are no models, for a DSP-only analyzer.
    without_models: Option<String>,
    features: FeatureExtractor,
    max_patches: usize,
    version: AnalysisVersion,
}

impl Analyzer {
    pub fn new(config: &AnalyzerConfig) -> Result<Analyzer, AnalysisError> {
        let runtime = Runtime::get(&config.runtime_library)?;
        let tagger = Tagger::load(
            runtime,
            &config.models_dir,
            config.model,
            config.device,
            config.threads,
        )?;
        let version = AnalysisVersion::with_models(config)?;
        Ok(Analyzer {
            tagger: Some(tagger),
            without_models: None,
            features: FeatureExtractor::default(),
            max_patches: config.max_patches.max(1),
            version,
        })
    }

    /// An analyzer without the models: loudness and DSP features only, empty tags and
    /// embedding, under a version of its own, so the tracks are analysed again (fully) once
    /// the models load. For when the models or ONNX Runtime are missing or broken: loudness
    /// normalisation, tempo and key still work. `why` says what failed.
    /// An analyzer without the models: DSP features only, with `why` as its provider note.
    pub fn dsp_only(why: String) -> Analyzer {
        Analyzer {
            tagger: None,
            without_models: Some(why),
            features: FeatureExtractor::default(),
            max_patches: 0,
            version: AnalysisVersion(format!("dsp{DSP_VERSION}/no-models")),
        }
    }

    pub fn has_models(&self) -> bool {
        self.tagger.is_some()
    }

    pub fn version(&self) -> &AnalysisVersion {
        &self.version
    }

    /// The execution provider in use and why ("none" and the reason for a DSP-only analyzer).
    pub fn provider(&self) -> (&'static str, &str) {
        match (&self.tagger, &self.without_models) {
            (Some(t), _) => (t.provider, &t.provider_note),
            (None, why) => ("none", why.as_deref().unwrap_or("no models")),
        }
    }

    /// Analyses one file. A panic on the way (a bug some file triggers) is caught and returned
    /// as [`AnalysisError::Internal`]: one track never stops a run.
    pub fn analyze(
        &mut self,
        track_id: TrackId,
        path: &Path,
    ) -> Result<TrackAnalysis, AnalysisError> {
        // The analyzer holds no state between tracks that a panic could leave half-changed.
        isolated(std::panic::AssertUnwindSafe(|| {
            self.analyze_file(track_id, path)
        }))
    }

    fn analyze_file(
        &mut self,
        track_id: TrackId,
        path: &Path,
    ) -> Result<TrackAnalysis, AnalysisError> {
        let Extracted { loudness, dsp, mel } = self.features.extract(path)?;
        let [tags_msd, tags_mtt, embedding] = if self.tagger.is_some() {
            self.score_mel(&mel, self.max_patches)?.0
        } else {
            [Vec::new(), Vec::new(), Vec::new()]
        };
        Ok(TrackAnalysis {
            track_id,
            loudness,
            dsp,
            tags_msd,
            tags_mtt,
            embedding,
        })
    }

    /// Both models' scores for the patches starting at frames `starts`.
    pub fn score_patches(
        &mut self,
        mel: &[f32],
        starts: &[usize],
    ) -> Result<musicnn::Scores, AnalysisError> {
        let Some(tagger) = self.tagger.as_mut() else {
            return Err(AnalysisError::Model(
                self.without_models.clone().unwrap_or_default(),
            ));
        };
        tagger.score(&model_input(mel, starts))
    }

    /// Track-level tags (MSD, MTT) and embedding from a mel power spectrogram: the mean over
    /// `max_patches` patches chosen by [`patches::select`], and more where they disagree
    /// ([`patches::refine`] until [`patches::settled`]). Also says how many were scored.
    pub fn score_mel(
        &mut self,
        mel: &[f32],
        max_patches: usize,
    ) -> Result<([Vec<f32>; 3], usize), AnalysisError> {
        let Some(tagger) = self.tagger.as_mut() else {
            return Err(AnalysisError::Model(
                self.without_models.clone().unwrap_or_default(),
            ));
        };
        let (starts, scores) = sample_patches(mel, max_patches, patches::SETTLED_WITHIN, |s| {
            tagger.score(&model_input(mel, s))
        })?;
        // Equal weights: the patches scored lie about evenly over the track.
        let weights = vec![1.0 / starts.len() as f32; starts.len()];
        Ok((
            [
                musicnn::weighted_mean_rows(&scores.msd, &weights, musicnn::TAGS),
                musicnn::weighted_mean_rows(&scores.mtt, &weights, musicnn::TAGS),
                musicnn::weighted_mean_rows(&scores.embedding, &weights, musicnn::EMBEDDING),
            ],
            starts.len(),
        ))
    }
}

/// Runs `work`, turning a panic into [`AnalysisError::Internal`] with its message.
fn isolated<T>(
    work: impl FnOnce() -> Result<T, AnalysisError> + std::panic::UnwindSafe,
) -> Result<T, AnalysisError> {
    segue_core::isolate::catch_panic(work)
        .unwrap_or_else(|message| Err(AnalysisError::Internal(message)))
}

/// The patches [`Analyzer::score_mel`] scores, and their scores from `score` (which scores
/// the patches starting at the frames it is given): `max_patches` spread evenly, then more
/// halfway between while the tags are not settled within `within`.
pub fn sample_patches<E>(
    mel: &[f32],
    max_patches: usize,
    within: f32,
    mut score: impl FnMut(&[usize]) -> Result<musicnn::Scores, E>,
) -> Result<(Vec<usize>, musicnn::Scores), E> {
    let total = patches::count(mel);
    let mut starts = patches::select(mel, max_patches);
    let mut scores = score(&starts)?;
    while !(patches::settled(&scores.msd, &starts, musicnn::TAGS, total, within)
        && patches::settled(&scores.mtt, &starts, musicnn::TAGS, total, within))
    {
        let more = patches::refine(mel, &starts);
        if more.is_empty() {
            break;
        }
        scores.append(score(&more)?);
        starts.extend(more);
    }
    Ok((starts, scores))
}

/// musicnn input for the patches starting at frames `starts`, `[patch][frame][band]`. A track
/// shorter than one patch is zero-padded to one (the models need 3 s). Public for the
/// distillation data (`examples/distill_data.rs`), which must see exactly what the models see.
pub fn model_input(mel: &[f32], starts: &[usize]) -> Vec<f32> {
    let bands = spectrum::MEL_BANDS;
    let patch_len = musicnn::PATCH_FRAMES * bands;
    let mut input = vec![0.0f32; starts.len() * patch_len];
    for (p, start) in starts.iter().enumerate() {
        let from = (start * bands).min(mel.len());
        let to = (from + patch_len).min(mel.len());
        for (dst, src) in input[p * patch_len..].iter_mut().zip(&mel[from..to]) {
            *dst = musicnn::log_mel(*src);
        }
    }
    input
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_while_analysing_a_track_becomes_that_tracks_error() {
        let caught: Result<(), AnalysisError> = isolated(|| {
            let huge: Vec<f32> = Vec::with_capacity(usize::MAX);
            drop(huge);
            Ok(())
        });
        let err = caught.expect_err("the panic is caught");
        assert_eq!(err.kind(), "internal");
        assert!(err.to_string().contains("capacity overflow"), "{err}");
    }
}
