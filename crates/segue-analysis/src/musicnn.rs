//! The taggers through ONNX Runtime: Segue's student (`models/segue-student.md`, one small
//! network giving both label sets and the embedding) or the two musicnn models it learned from
//! (MSD and MagnaTagATune, the reference), and their log-mel input computed exactly as the
//! original Python package does (see `models/musicnn-msd.md`).

use std::path::{Path, PathBuf};

use ort::session::Session;
use ort::value::Tensor;
use segue_core::install::Located;
use sha2::{Digest, Sha256};

use crate::AnalysisError;
use crate::spectrum::MEL_BANDS;

/// Frames per patch: 3 s at 16 kHz with a 256-sample hop.
pub const PATCH_FRAMES: usize = 187;
pub const TAGS: usize = 50;
pub const EMBEDDING: usize = 200;
/// Patches per model run on CPU (see [`Tagger::score`]): one for the reference, whose
/// activations are about 40 MB per patch; the student's are under 1 MB, and batching saves
/// its per-run overhead, which 8 patches already spread thin: against 32, the same speed on
/// 60 tracks of the test music (815x real time per core), and 54 MB less peak memory with 2
/// workers on 20-min tracks, which ONNX Runtime's arena keeps for the largest batch run.
fn batch(model: Model) -> usize {
    match model {
        Model::Reference => 1,
        Model::Student => 8,
    }
}

/// Whether a model's CPU sessions keep freed activations in ONNX Runtime's arena. Not the
/// reference's: about 40 MB per patch, blocks so large that the system allocator maps them
/// apart and returns them after each run (with 2 workers, 26 MB less peak memory on top of
/// the memory pattern's 56, at the same speed). The student's are small and many, which the
/// arena serves with less memory than the system allocator (10 MB less with 2 workers).
fn cpu_arena(model: Model) -> bool {
    match model {
        Model::Reference => false,
        Model::Student => true,
    }
}

/// musicnn's log compression of one mel power value: through IEEE half precision (the package
/// casts its spectrogram to float16), then `log10(10000 x + 1)` in f32.
pub fn log_mel(x: f32) -> f32 {
    let h = half::f16::from_f32(x).to_f32();
    (10_000.0 * h + 1.0).log10()
}

/// Where to run the models.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Device {
    /// CUDA where it works (DirectML on Windows), else CPU.
    Auto,
    Cpu,
    Cuda,
    #[cfg(windows)]
    DirectMl,
}

impl std::str::FromStr for Device {
    type Err = AnalysisError;
    fn from_str(s: &str) -> Result<Device, AnalysisError> {
        match s.to_ascii_lowercase().as_str() {
            "auto" => Ok(Device::Auto),
            "cpu" => Ok(Device::Cpu),
            "cuda" | "gpu" => Ok(Device::Cuda),
            #[cfg(windows)]
            "directml" => Ok(Device::DirectMl),
            other => Err(AnalysisError::Config(format!(
                "unknown analysis device {other:?} (auto, cpu, cuda{})",
                if cfg!(windows) { ", directml" } else { "" }
            ))),
        }
    }
}

/// The ONNX Runtime library, loaded once per process.
pub struct Runtime {
    pub library: PathBuf,
    pub build_info: String,
    pub(crate) env: ort::environment::Environment,
}

/// The ONNX Runtime library's file name on this platform.
pub const RUNTIME_LIBRARY: &str = if cfg!(windows) {
    "onnxruntime.dll"
} else if cfg!(target_os = "macos") {
    "libonnxruntime.dylib"
} else {
    "libonnxruntime.so"
};

/// Where Segue finds `libonnxruntime`, and how (see [`segue_core::install`]): `$SEGUE_ORT_LIB`
/// (an absolute path: [`Runtime::get`] refuses a relative one), then `../lib/segue/` beside
/// the executable (the package's copy) or the executable's own folder, then, for a binary
/// cargo built, its checkout's `.local/onnxruntime/lib` (scripts/fetch-onnxruntime.sh).
pub fn locate_runtime_library() -> Located {
    let installed = [
        format!(
            "../lib/{}/{RUNTIME_LIBRARY}",
            segue_core::install::INSTALL_DIR
        ),
        RUNTIME_LIBRARY.to_owned(),
    ];
    segue_core::install::locate(
        "SEGUE_ORT_LIB",
        &installed.iter().map(String::as_str).collect::<Vec<_>>(),
        &format!(".local/onnxruntime/lib/{RUNTIME_LIBRARY}"),
        Path::is_file,
    )
}

/// The path of [`locate_runtime_library`].
pub fn default_runtime_library() -> PathBuf {
    locate_runtime_library().path
}

/// Where the models are found, and how: `$SEGUE_MODELS`, then `../lib/segue/models` beside
/// the executable (the package's copy) or `models/` in its folder, then, for a binary cargo
/// built, its checkout's `models/`. A folder counts when it holds the MSD tagger.
pub fn locate_models_dir() -> Located {
    let installed = format!("../lib/{}/models", segue_core::install::INSTALL_DIR);
    segue_core::install::locate("SEGUE_MODELS", &[&installed, "models"], "models", |d| {
        d.join(ModelKind::Msd.file_name()).is_file()
    })
}

/// The path of [`locate_models_dir`].
pub fn default_models_dir() -> PathBuf {
    locate_models_dir().path
}

static RUNTIME: std::sync::OnceLock<Result<Runtime, String>> = std::sync::OnceLock::new();

impl Runtime {
    /// Loads ONNX Runtime from `library` (first call wins: a process holds one runtime).
    /// `library` must be absolute: a relative path would load whatever that name means in
    /// the folder Segue happens to be started from (and a bare name, whatever the loader's
    /// search path finds).
    pub fn get(library: &Path) -> Result<&'static Runtime, AnalysisError> {
        let loaded = RUNTIME.get_or_init(|| {
            if !library.is_absolute() {
                return Err(format!(
                    "the ONNX Runtime library must be an absolute path, not {} (set SEGUE_ORT_LIB \
                     to the full path of libonnxruntime)",
                    library.display()
                ));
            }
            if !library.exists() {
                return Err(format!(
                    "ONNX Runtime not found at {} (run scripts/fetch-onnxruntime.sh, or set SEGUE_ORT_LIB)",
                    library.display()
                ));
            }
            let builder = ort::init_from(library)
                .map_err(|e| format!("cannot load ONNX Runtime from {}: {e}", library.display()))?;
            let env = builder
                .with_name("segue")
                // Microsoft's builds (the PyPI wheel's) record usage events for upload, under
                // the user's cache folder: nothing about a user's music leaves the machine.
                .with_telemetry(false)
                .build()
                .map_err(|e| format!("ONNX Runtime did not start: {e}"))?;
            // ort hands the runtime's own log to `tracing` at every level, and a first model
            // load writes about 800 INFO lines (graph transforms, allocators): keep warnings
            // and errors, which say something is wrong.
            env.set_log_level(ort::logging::LogLevel::Warning);
            Ok(Runtime {
                library: library.to_path_buf(),
                build_info: ort::info().to_string(),
                env,
            })
        });
        loaded
            .as_ref()
            .map_err(|e| AnalysisError::Runtime(e.clone()))
    }

    /// A session for one of Segue's small models (the ranker, the forecaster) on one CPU
    /// thread: a few thousand multiply-adds a call, where a GPU would only add its start-up.
    /// `what` names the model in errors ("the ranker").
    pub fn small_cpu_session(&self, path: &Path, what: &str) -> Result<Session, AnalysisError> {
        let bytes = std::fs::read(path).map_err(|e| {
            AnalysisError::Model(format!("cannot read {what} {}: {e}", path.display()))
        })?;
        let err = |e: &dyn std::fmt::Display| {
            AnalysisError::Model(format!("{what} {}: {e}", path.display()))
        };
        Session::builder(&self.env)
            .map_err(|e| err(&e))?
            .with_intra_threads(1)
            .map_err(|e| err(&e))?
            .commit_from_memory(&bytes)
            .map_err(|e| err(&e))
    }

    /// Execution providers this ONNX Runtime build has (CPU always).
    pub fn providers(&self) -> Vec<&'static str> {
        use ort::ep::ExecutionProvider as _;
        let mut v = vec!["cpu"];
        if ort::ep::CUDA::is_available().unwrap_or(false) {
            v.push("cuda");
        }
        #[cfg(windows)]
        if ort::ep::DirectML::is_available().unwrap_or(false) {
            v.push("directml");
        }
        v
    }
}

/// Which tagger analysis runs. Both give the same outputs (MSD tags, MTT tags, the MSD
/// embedding) from the same log-mel patches, so analyses of either are read alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Model {
    /// `segue-student.onnx`: distilled from the reference, about 1 % of its work per patch.
    Student,
    /// The two musicnn models (`musicnn-msd.onnx`, `musicnn-mtt.onnx`).
    Reference,
}

/// The student's file; its outputs are named as the MSD model's, plus `tags_mtt`.
pub const STUDENT_FILE: &str = "segue-student.onnx";

impl Model {
    /// The model files, in the order the tagger runs them.
    pub fn files(self) -> &'static [&'static str] {
        match self {
            Model::Student => &[STUDENT_FILE],
            Model::Reference => &["musicnn-msd.onnx", "musicnn-mtt.onnx"],
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Model::Student => "student",
            Model::Reference => "reference",
        }
    }
}

impl std::str::FromStr for Model {
    type Err = AnalysisError;
    fn from_str(s: &str) -> Result<Model, AnalysisError> {
        match s.to_ascii_lowercase().as_str() {
            "student" => Ok(Model::Student),
            "reference" | "musicnn" => Ok(Model::Reference),
            other => Err(AnalysisError::Config(format!(
                "unknown analysis model {other:?} (student, reference)"
            ))),
        }
    }
}

/// The two musicnn label sets (and the reference's two models).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelKind {
    Msd,
    Mtt,
}

impl ModelKind {
    pub fn file_name(self) -> &'static str {
        match self {
            ModelKind::Msd => "musicnn-msd.onnx",
            ModelKind::Mtt => "musicnn-mtt.onnx",
        }
    }
    pub fn labels_name(self) -> &'static str {
        match self {
            ModelKind::Msd => "musicnn-msd.labels.txt",
            ModelKind::Mtt => "musicnn-mtt.labels.txt",
        }
    }
}

/// Which facet a musicnn label names, for browsing by what analysis heard. Decades, vocals
/// and a few vague labels ("beat", "solo") name none.
pub fn facet_of(label: &str) -> Option<segue_core::FacetKind> {
    use segue_core::FacetKind::{Genre, Instrument, Mood};
    let kind = match label.to_ascii_lowercase().as_str() {
        "rock" | "pop" | "alternative" | "indie" | "electronic" | "dance" | "alternative rock"
        | "jazz" | "metal" | "classic rock" | "soul" | "indie rock" | "electronica" | "folk"
        | "punk" | "blues" | "hard rock" | "ambient" | "experimental" | "hip-hop" | "country"
        | "funk" | "electro" | "heavy metal" | "progressive rock" | "rnb" | "indie pop"
        | "house" | "classical" | "techno" | "new age" | "opera" | "indian" => Genre,
        "beautiful" | "chillout" | "mellow" | "chill" | "party" | "easy listening" | "sexy"
        | "catchy" | "sad" | "happy" | "slow" | "fast" | "loud" | "quiet" | "soft" | "weird" => {
            Mood
        }
        "guitar" | "strings" | "drums" | "piano" | "violin" | "synth" | "harpsichord" | "flute"
        | "sitar" | "harp" | "cello" | "choir" | "acoustic" => Instrument,
        _ => return None,
    };
    Some(kind)
}

/// Reads a model's label names (one per line, in output order).
pub fn labels(models_dir: &Path, kind: ModelKind) -> Result<Vec<String>, AnalysisError> {
    let path = models_dir.join(kind.labels_name());
    let text = std::fs::read_to_string(&path)
        .map_err(|e| AnalysisError::Model(format!("{}: {e}", path.display())))?;
    let labels: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect();
    if labels.len() != TAGS {
        return Err(AnalysisError::Model(format!(
            "{} lists {} labels, the model has {TAGS}",
            path.display(),
            labels.len()
        )));
    }
    Ok(labels)
}

/// SHA-256 of a file, hex.
pub fn sha256_file(path: &Path) -> Result<String, AnalysisError> {
    let bytes = std::fs::read(path)
        .map_err(|e| AnalysisError::Model(format!("{}: {e}", path.display())))?;
    Ok(Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// The model's sessions ([`Model::files`] order) on one execution provider.
pub struct Tagger {
    model: Model,
    sessions: Vec<Session>,
    /// The provider running the models ("cpu", "cuda", …).
    pub provider: &'static str,
    /// Why that provider (e.g. why CUDA was not used).
    pub provider_note: String,
}

/// Scores from both models for a batch of patches.
pub struct Scores {
    pub patches: usize,
    /// `patches × TAGS`.
    pub msd: Vec<f32>,
    pub mtt: Vec<f32>,
    /// `patches × EMBEDDING`, from the MSD model.
    pub embedding: Vec<f32>,
}

impl Tagger {
    /// Loads `model`'s files from `models_dir`. `threads` is ONNX Runtime's intra-op thread
    /// count (1 when several workers each hold a tagger).
    pub fn load(
        runtime: &Runtime,
        models_dir: &Path,
        model: Model,
        device: Device,
        threads: usize,
    ) -> Result<Tagger, AnalysisError> {
        let bytes = model
            .files()
            .iter()
            .map(|file| {
                let path = models_dir.join(file);
                std::fs::read(&path).map_err(|e| {
                    AnalysisError::Model(format!("cannot read model {}: {e}", path.display()))
                })
            })
            .collect::<Result<Vec<Vec<u8>>, AnalysisError>>()?;
        let on = |ep: Option<&ort::ep::ExecutionProviderDispatch>| {
            bytes
                .iter()
                .map(|b| session(runtime, model, b, threads, ep.cloned()))
                .collect::<Result<Vec<Session>, AnalysisError>>()
        };
        let tagger = |sessions, provider, provider_note| Tagger {
            model,
            sessions,
            provider,
            provider_note,
        };
        let attempt = match device {
            Device::Cpu => None,
            Device::Auto | Device::Cuda => Some(("cuda", ort::ep::CUDA::default().build())),
            #[cfg(windows)]
            Device::DirectMl => Some(("directml", ort::ep::DirectML::default().build())),
        };
        if let Some((name, ep)) = attempt {
            match on(Some(&ep)) {
                Ok(sessions) => {
                    return Ok(tagger(
                        sessions,
                        name,
                        format!("{name} requested and working"),
                    ));
                }
                Err(e) if device == Device::Auto => {
                    let why = e.to_string();
                    return Ok(tagger(
                        on(None)?,
                        "cpu",
                        format!(
                            "auto: {name} unavailable ({}), using CPU",
                            why.lines().next().unwrap_or("no reason given")
                        ),
                    ));
                }
                Err(e) => return Err(e),
            }
        }
        Ok(tagger(on(None)?, "cpu", "cpu requested".into()))
    }

    pub fn model(&self) -> Model {
        self.model
    }

    /// Runs both models on `patches` log-mel patches laid out `[patch][frame][band]`.
    pub fn score(&mut self, input: &[f32]) -> Result<Scores, AnalysisError> {
        let patches = input.len() / (PATCH_FRAMES * MEL_BANDS);
        if patches == 0 {
            return Ok(Scores {
                patches,
                msd: Vec::new(),
                mtt: Vec::new(),
                embedding: Vec::new(),
            });
        }
        // `names` of one session's outputs for `input`, in that order.
        let run = |session: &mut Session,
                   input: &[f32],
                   names: &[&str]|
         -> Result<Vec<Vec<f32>>, AnalysisError> {
            let patches = input.len() / (PATCH_FRAMES * MEL_BANDS);
            let tensor = Tensor::from_array(([patches, PATCH_FRAMES, MEL_BANDS], input.to_vec()))
                .map_err(|e| AnalysisError::Inference(e.to_string()))?;
            let outputs = session
                .run(ort::inputs!["melspec" => tensor])
                .map_err(|e| AnalysisError::Inference(e.to_string()))?;
            names
                .iter()
                .map(|name| {
                    let value = outputs.get(name).ok_or_else(|| {
                        AnalysisError::Inference(format!("the model has no output {name:?}"))
                    })?;
                    let (_, data) = value
                        .try_extract_tensor::<f32>()
                        .map_err(|e| AnalysisError::Inference(e.to_string()))?;
                    Ok(data.to_vec())
                })
                .collect()
        };
        // The reference runs one patch per run: its convolutions' activations grow with the
        // batch (about 40 MB per patch, kept by ONNX Runtime's arena), and batching runs no
        // faster on CPU (measured with segue-bench: 8 patches per run took 1.7 GB with 2
        // workers, 1 takes under 0.5 GB at the same speed).
        let (mut msd, mut embedding, mut mtt) = (Vec::new(), Vec::new(), Vec::new());
        let patch = PATCH_FRAMES * MEL_BANDS;
        for batch in input[..patches * patch].chunks(batch(self.model) * patch) {
            match (self.model, self.sessions.as_mut_slice()) {
                (Model::Student, [student]) => {
                    let mut out = run(student, batch, &["tags", "tags_mtt", "embedding"])?;
                    embedding.append(&mut out[2]);
                    mtt.append(&mut out[1]);
                    msd.append(&mut out[0]);
                }
                (Model::Reference, [msd_model, mtt_model]) => {
                    let mut out = run(msd_model, batch, &["tags", "embedding"])?;
                    embedding.append(&mut out[1]);
                    msd.append(&mut out[0]);
                    mtt.append(&mut run(mtt_model, batch, &["tags"])?[0]);
                }
                (model, sessions) => {
                    return Err(AnalysisError::Model(format!(
                        "the {} model has {} sessions",
                        model.name(),
                        sessions.len()
                    )));
                }
            }
        }
        if msd.len() != patches * TAGS
            || mtt.len() != patches * TAGS
            || embedding.len() != patches * EMBEDDING
        {
            return Err(AnalysisError::Inference(format!(
                "unexpected output sizes {} / {} / {} for {patches} patches",
                msd.len(),
                mtt.len(),
                embedding.len()
            )));
        }
        Ok(Scores {
            patches,
            msd,
            mtt,
            embedding,
        })
    }
}

fn session(
    runtime: &Runtime,
    model_kind: Model,
    model: &[u8],
    threads: usize,
    ep: Option<ort::ep::ExecutionProviderDispatch>,
) -> Result<Session, AnalysisError> {
    let err = |e: &dyn std::fmt::Display| AnalysisError::Model(e.to_string());
    let mut builder = Session::builder(&runtime.env)
        .map_err(|e| err(&e))?
        .with_intra_threads(threads.max(1))
        .map_err(|e| err(&e))?
        .with_inter_threads(1)
        .map_err(|e| err(&e))?;
    if ep.is_none() {
        // On CPU, ONNX Runtime's memory pattern (one block per run, planned from the first
        // run of each input shape, and kept) only adds memory: without it, the same speed and
        // 56 MB less peak memory with 2 workers of the reference, 6 MB less of the student.
        builder = builder.with_memory_pattern(false).map_err(|e| err(&e))?;
        if !cpu_arena(model_kind) {
            builder = builder
                .with_execution_providers([ort::ep::CPU::default()
                    .with_arena_allocator(false)
                    .build()
                    .error_on_failure()])
                .map_err(|e| err(&e))?;
        }
    }
    if let Some(ep) = ep {
        builder = builder
            .with_execution_providers([ep.error_on_failure()])
            .map_err(|e| err(&e))?;
    }
    builder.commit_from_memory(model).map_err(|e| err(&e))
}

impl Scores {
    /// Adds the scores of more patches after these.
    pub fn append(&mut self, more: Scores) {
        self.patches += more.patches;
        self.msd.extend(more.msd);
        self.mtt.extend(more.mtt);
        self.embedding.extend(more.embedding);
    }
}

/// Weighted mean over patches of a `patches × width` matrix (`weights` sum to 1).
pub fn weighted_mean_rows(data: &[f32], weights: &[f32], width: usize) -> Vec<f32> {
    let mut mean = vec![0.0f32; width];
    for (row, w) in data.chunks_exact(width).zip(weights) {
        for (m, v) in mean.iter_mut().zip(row) {
            *m += w * v;
        }
    }
    mean
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_mel_rounds_through_half_precision() {
        // 0.1 is not exact in f16: it becomes 0.0999755859375.
        let expected = (10_000.0f32 * 0.099_975_586 + 1.0).log10();
        assert!((log_mel(0.1) - expected).abs() < 1e-6);
        assert_eq!(log_mel(0.0), 0.0);
    }
}
