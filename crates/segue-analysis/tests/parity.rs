//! Segue's pipeline against the original musicnn package: reference outputs made by
//! `models/export/make_references.py` from the demo library's lossless tracks (see
//! `tests/fixtures/musicnn/README.md`). Runs the real ONNX Runtime on the committed models.

use std::path::{Path, PathBuf};

use segue_analysis::{Analyzer, AnalyzerConfig, Device, signal, spectrum};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn references() -> serde_json::Value {
    let text = std::fs::read_to_string(repo().join("tests/fixtures/musicnn/references.json"))
        .expect("references.json");
    serde_json::from_str(&text).expect("valid JSON")
}

fn floats(v: &serde_json::Value) -> Vec<f32> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_f64().expect("number") as f32)
        .collect()
}

fn raw_f32(name: &str) -> Vec<f32> {
    std::fs::read(repo().join("tests/fixtures/musicnn").join(name))
        .expect("fixture")
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

fn top5(tags: &[f32]) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..tags.len()).collect();
    idx.sort_by(|&a, &b| tags[b].total_cmp(&tags[a]));
    idx.truncate(5);
    idx.sort();
    idx
}

#[test]
fn resampling_and_log_mel_match_the_package_front_end() {
    let path = repo()
        .join("assets/demo/Maxstack/Endgame - Singularity Original Soundtrack/01 Awakening.flac");
    let prepared = signal::prepare(&path).expect("prepare");
    let reference = raw_f32("01-awakening.16k.head.f32");
    let ours = &prepared.mono[..reference.len()];
    let (mut err, mut energy) = (0.0f64, 0.0f64);
    for (a, b) in ours.iter().zip(&reference) {
        err += f64::from(a - b).powi(2);
        energy += f64::from(*b).powi(2);
    }
    let snr_db = 10.0 * (energy / err.max(1e-30)).log10();
    eprintln!("16 kHz signal vs soxr_hq: SNR {snr_db:.1} dB");
    assert!(
        snr_db > 90.0,
        "resampled signal differs: SNR {snr_db:.1} dB"
    );
    assert_eq!(prepared.mono.len(), 320_107, "length after resampling");

    let spec = spectrum::power_spectrogram(&prepared.mono, spectrum::FFT_SIZE, spectrum::HOP);
    assert_eq!(spec.frames, 1251);
    let bank = spectrum::mel_filter_bank(16_000, spectrum::FFT_SIZE, spectrum::MEL_BANDS);
    let mel = segue_analysis::features::mel_power(&spec, &bank);
    let reference = raw_f32("01-awakening.patch0.logmel.f32");
    let max_diff = reference
        .iter()
        .zip(&mel)
        .map(|(r, m)| (r - segue_analysis::musicnn::log_mel(*m)).abs())
        .fold(0.0f32, f32::max);
    eprintln!("log-mel patch 0: max abs diff {max_diff:.2e}");
    assert!(max_diff < 0.01, "log-mel differs by up to {max_diff}");
}

#[test]
fn tags_match_the_original_package() {
    let refs = references();
    let mut analyzer = Analyzer::new(&AnalyzerConfig {
        // The parity is musicnn's: the student is compared with it by
        // examples/student_agreement.rs.
        model: segue_analysis::Model::Reference,
        device: Device::Cpu,
        max_patches: usize::MAX,
        ..AnalyzerConfig::default()
    })
    .expect("the committed models load (scripts/fetch-onnxruntime.sh provides the runtime)");
    for file in refs["files"].as_array().expect("files") {
        let path = repo().join(file["path"].as_str().expect("path"));
        let result = analyzer.analyze(1, &path).expect("analyze");
        for (model, ours) in [("msd", &result.tags_msd), ("mtt", &result.tags_mtt)] {
            let expected = floats(&file["models"][model]["tags_mean"]);
            let max_diff = expected
                .iter()
                .zip(ours.iter())
                .map(|(e, o)| (e - o).abs())
                .fold(0.0f32, f32::max);
            eprintln!("{} {model}: max tag diff {max_diff:.4}", path.display());
            assert!(
                max_diff <= 1e-2,
                "{model} tags of {} differ by {max_diff}",
                path.display()
            );
            assert_eq!(
                top5(ours),
                top5(&expected),
                "{model} top 5 of {}",
                path.display()
            );
        }
        let expected = floats(&file["models"]["msd"]["embedding_mean"]);
        let max_diff = expected
            .iter()
            .zip(&result.embedding)
            .map(|(e, o)| (e - o).abs())
            .fold(0.0f32, f32::max);
        eprintln!("{}: max embedding diff {max_diff:.4}", path.display());
        assert!(max_diff <= 0.01, "embedding differs by {max_diff}");
    }
}
