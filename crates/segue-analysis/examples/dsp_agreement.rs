//! Do the DSP features stay the same across a change of the DSP code? Run once with the old
//! code (`--write`), once with the new (`--against`), on the same real tracks: prints, per
//! feature, the largest absolute and relative difference over the tracks, and for the mel
//! spectrogram the musicnn models take (log-mel) the same. Stored analyses, suggestions,
//! tempo/key and the smart crossfade read these values, so a change beyond float noise needs
//! a new `DSP_VERSION`.
//!
//! ```text
//! cargo run --release -p segue-analysis --example dsp_agreement -- --write /tmp/dsp-old \
//!     .cache/test-music .cache/eval-music
//! cargo run --release -p segue-analysis --example dsp_agreement -- --against /tmp/dsp-old \
//!     .cache/test-music .cache/eval-music
//! ```
//! `--tracks N` (default 20) picks N files spread evenly over the sorted list of all of them;
//! `--time` only extracts the features and says how long that took; `--model student` (or
//! `reference`) also scores each track's tags and embedding as analysis does (on CPU, ONNX
//! Runtime from `SEGUE_ORT_LIB`), and compares them too.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use segue_analysis::{Analyzer, AnalyzerConfig, DEFAULT_MAX_PATCHES, Device, FeatureExtractor};
use serde_json::Value;

fn main() {
    if let Err(e) = run() {
        eprintln!("dsp_agreement: {e}");
        std::process::exit(1);
    }
}

enum Action {
    Write(PathBuf),
    Against(PathBuf),
    /// Only extract, for a quick timing.
    Time,
}

fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let mut action = None;
    let mut tracks = 20usize;
    let mut dirs = Vec::new();
    let mut model = None;
    while let Some(a) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match a.as_str() {
            "--write" => action = Some(Action::Write(value("--write")?.into())),
            "--against" => action = Some(Action::Against(value("--against")?.into())),
            "--time" => action = Some(Action::Time),
            "--model" => model = Some(value("--model")?.parse().map_err(|e| format!("{e}"))?),
            "--tracks" => {
                tracks = value("--tracks")?
                    .parse()
                    .map_err(|e| format!("--tracks: {e}"))?
            }
            _ => dirs.push(PathBuf::from(a)),
        }
    }
    let action = action.ok_or("say --write DIR, --against DIR or --time")?;
    let files = pick(&dirs, tracks)?;
    let extractor = FeatureExtractor::default();
    let mut analyzer = match model {
        Some(model) => Some(
            Analyzer::new(&AnalyzerConfig {
                model,
                device: Device::Cpu,
                ..AnalyzerConfig::default()
            })
            .map_err(|e| e.to_string())?,
        ),
        None => None,
    };
    let mut worst: BTreeMap<String, (f64, f64, String)> = BTreeMap::new();
    let mut note = |name: &str, old: f64, new: f64, track: &Path| {
        let abs = (old - new).abs();
        let rel = abs / old.abs().max(new.abs()).max(1e-12);
        let entry = worst
            .entry(name.to_owned())
            .or_insert((0.0, 0.0, String::new()));
        if abs > entry.0 {
            entry.2 = track.display().to_string();
        }
        entry.0 = entry.0.max(abs);
        entry.1 = entry.1.max(rel);
    };
    let mut mismatches: Vec<String> = Vec::new();
    let started = std::time::Instant::now();
    for (i, file) in files.iter().enumerate() {
        let extracted = extractor
            .extract(file)
            .map_err(|e| format!("{}: {e}", file.display()))?;
        let mut features = serde_json::json!({
            "loudness": extracted.loudness,
            "dsp": extracted.dsp,
        });
        if let Some(analyzer) = analyzer.as_mut() {
            let ([msd, mtt, embedding], _) = analyzer
                .score_mel(&extracted.mel, DEFAULT_MAX_PATCHES)
                .map_err(|e| format!("{}: {e}", file.display()))?;
            features["tags"] = serde_json::json!({
                "msd": msd,
                "mtt": mtt,
                "embedding": embedding,
            });
        }
        let stem = format!("{i:03}");
        match &action {
            Action::Time => {}
            Action::Write(dir) => {
                std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
                std::fs::write(dir.join(format!("{stem}.json")), features.to_string())
                    .map_err(|e| e.to_string())?;
                let bytes: Vec<u8> = extracted.mel.iter().flat_map(|v| v.to_le_bytes()).collect();
                std::fs::write(dir.join(format!("{stem}.mel")), bytes)
                    .map_err(|e| e.to_string())?;
            }
            Action::Against(dir) => {
                let old: Value = serde_json::from_slice(
                    &std::fs::read(dir.join(format!("{stem}.json"))).map_err(|e| e.to_string())?,
                )
                .map_err(|e| e.to_string())?;
                let (mut a, mut b) = (BTreeMap::new(), BTreeMap::new());
                flatten("", &old, &mut a);
                flatten("", &features, &mut b);
                for (name, old) in &a {
                    match (old, b.get(name)) {
                        (Leaf::Number(o), Some(Leaf::Number(n))) => {
                            note(name.split('[').next().unwrap_or(name), *o, *n, file)
                        }
                        (o, Some(n)) if o == n => {}
                        (o, n) => {
                            mismatches.push(format!("{}: {name} {o:?} -> {n:?}", file.display()))
                        }
                    }
                }
                let old_mel: Vec<f32> = std::fs::read(dir.join(format!("{stem}.mel")))
                    .map_err(|e| e.to_string())?
                    .chunks_exact(4)
                    .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                    .collect();
                if old_mel.len() != extracted.mel.len() {
                    mismatches.push(format!(
                        "{}: mel has {} values, was {}",
                        file.display(),
                        extracted.mel.len(),
                        old_mel.len()
                    ));
                    continue;
                }
                for (o, n) in old_mel.iter().zip(&extracted.mel) {
                    let (lo, ln) = (
                        segue_analysis::musicnn::log_mel(*o),
                        segue_analysis::musicnn::log_mel(*n),
                    );
                    note("mel (log, model input)", f64::from(lo), f64::from(ln), file);
                }
            }
        }
        eprint!("\r{} of {} tracks", i + 1, files.len());
    }
    eprintln!(" in {:.1} s", started.elapsed().as_secs_f64());
    if let Action::Against(_) = action {
        println!(
            "{} tracks; largest difference per feature over them:",
            files.len()
        );
        println!("{:<34} {:>12} {:>12}  track", "feature", "abs", "relative");
        for (name, (abs, rel, track)) in &worst {
            println!("{name:<34} {abs:>12.3e} {rel:>12.3e}  {track}");
        }
        for m in &mismatches {
            println!("differs: {m}");
        }
        if mismatches.is_empty() {
            println!("every non-numeric value (key, mode) agrees");
        }
    }
    Ok(())
}

#[derive(Debug, PartialEq)]
enum Leaf {
    Number(f64),
    Other(String),
}

/// Every leaf of `v`, by name; array elements are one feature (`mfcc_mean[3]` counts as
/// `mfcc_mean`), so the report stays one line per feature.
fn flatten(prefix: &str, v: &Value, out: &mut BTreeMap<String, Leaf>) {
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                let name = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&name, v, out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                flatten(&format!("{prefix}[{i}]"), v, out);
            }
        }
        Value::Number(n) => {
            out.insert(
                prefix.to_owned(),
                Leaf::Number(n.as_f64().unwrap_or(f64::NAN)),
            );
        }
        other => {
            out.insert(prefix.to_owned(), Leaf::Other(other.to_string()));
        }
    }
}

/// `count` audio files spread evenly over the sorted files under `dirs` (0: all).
fn pick(dirs: &[PathBuf], count: usize) -> Result<Vec<PathBuf>, String> {
    let mut all = Vec::new();
    for dir in dirs {
        all.extend(
            segue_core::files::audio_files_under(dir)
                .map_err(|e| format!("{}: {e}", dir.display()))?,
        );
    }
    all.sort();
    if all.is_empty() {
        return Err("no audio files (give the music folders)".into());
    }
    let n = if count == 0 {
        all.len()
    } else {
        count.min(all.len())
    };
    Ok((0..n).map(|i| all[i * all.len() / n].clone()).collect())
}
