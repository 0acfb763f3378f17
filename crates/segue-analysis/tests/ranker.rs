//! The committed ONNX ranker on the real ONNX Runtime: it applies exactly the term weights
//! `segue-recommend` uses for its first stage, plus the user's offsets.

use segue_analysis::AnalyzerConfig;
use segue_analysis::ranker::OnnxRanker;
use segue_core::{RANKED_TERMS, RankingModel};
use segue_recommend::{WEIGHT_BASE, WEIGHT_SLOPE};

fn ranker() -> OnnxRanker {
    let config = AnalyzerConfig::default();
    let runtime = segue_analysis::Runtime::get(&config.runtime_library).expect("ONNX Runtime");
    OnnxRanker::load(runtime, &config.models_dir).expect("models/segue-ranker.onnx")
}

#[test]
fn the_model_weights_are_the_recommenders() {
    let mut r = ranker();
    let k = RANKED_TERMS.len();
    // Row 0: every term 1 (contributions = weights); row 1: every term 2.
    let terms: Vec<f32> = [vec![1.0; k], vec![2.0; k]].concat();
    let offsets: Vec<f32> = (0..k).map(|i| 0.01 * i as f32).collect();
    for x in [0.0f32, 0.3, 1.0] {
        let out = r.rank(&terms, x, &offsets).expect("rank");
        assert_eq!(out.len(), 2 * k);
        for i in 0..k {
            let w = WEIGHT_BASE[i] + WEIGHT_SLOPE[i] * x + offsets[i];
            assert!(
                (out[i] - w).abs() < 1e-5,
                "term {i} at {x}: {} vs {w}",
                out[i]
            );
            assert!((out[k + i] - 2.0 * w).abs() < 1e-5);
        }
    }
    assert!(
        r.rank(&terms[..k - 1], 0.3, &offsets).is_err(),
        "ragged rows are refused"
    );
    assert_eq!(
        r.rank(&[], 0.3, &offsets).expect("empty"),
        Vec::<f32>::new()
    );
}

#[test]
fn a_missing_ranker_is_a_model_error() {
    let config = AnalyzerConfig::default();
    let runtime = segue_analysis::Runtime::get(&config.runtime_library).expect("ONNX Runtime");
    let tmp = tempfile::tempdir().expect("tempdir");
    let err = OnnxRanker::load(runtime, tmp.path())
        .err()
        .expect("no model there");
    assert_eq!(err.kind(), "model");
    std::fs::write(tmp.path().join("segue-ranker.onnx"), b"not a model").expect("write");
    let err = OnnxRanker::load(runtime, tmp.path())
        .err()
        .expect("garbage");
    assert_eq!(err.kind(), "model");
}
