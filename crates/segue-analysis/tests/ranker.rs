//! The committed ONNX ranker on the real ONNX Runtime: it computes exactly the additive shapes
//! `models/ranker/ranker.json` records (what `models/ranker/train_ranker.py` fitted), plus the
//! settings' policy part and the user's offsets on the raw values; and `segue-recommend`'s
//! first stage uses the linear weights recorded beside them.

use segue_analysis::AnalyzerConfig;
use segue_analysis::ranker::OnnxRanker;
use segue_core::{RANKED_TERMS, RankingModel, TermKind};
use segue_recommend::{WEIGHT_BASE, WEIGHT_SLOPE};

fn ranker() -> OnnxRanker {
    let config = AnalyzerConfig::default();
    let runtime = segue_analysis::Runtime::get(&config.runtime_library).expect("ONNX Runtime");
    OnnxRanker::load(runtime, &config.models_dir).expect("models/segue-ranker.onnx")
}

/// `models/ranker/ranker.json`.
fn card() -> serde_json::Value {
    let path = AnalyzerConfig::default()
        .models_dir
        .join("ranker/ranker.json");
    let text = std::fs::read_to_string(&path).expect("models/ranker/ranker.json");
    serde_json::from_str(&text).expect("JSON")
}

fn floats(v: &serde_json::Value) -> Vec<f32> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_f64().expect("number") as f32)
        .collect()
}

/// Term `k`'s learned shape at `v`, relative to its value at 0, as the card records it.
fn shape(card: &serde_json::Value, k: usize, v: f32) -> f32 {
    let knots = floats(&card["knots"][k]);
    let hinges = floats(&card["hinges"][k]);
    let mut linear = floats(&card["linear"])[k];
    let name = RANKED_TERMS[k];
    let untrained: Vec<String> = card["untrained"]
        .as_array()
        .expect("untrained")
        .iter()
        .map(|n| n.as_str().expect("name").to_owned())
        .collect();
    if let Some(u) = untrained.iter().position(|n| *n == term_name(name)) {
        linear = floats(&card["untrained_weight"])[u];
    }
    let at = |v: f32| {
        linear * v
            + knots
                .iter()
                .zip(&hinges)
                .map(|(c, h)| h * (v - c).max(0.0))
                .sum::<f32>()
    };
    at(v) - at(0.0)
}

fn term_name(kind: TermKind) -> String {
    serde_json::to_value(kind)
        .expect("serde")
        .as_str()
        .expect("a name")
        .to_owned()
}

#[test]
fn the_model_computes_the_shapes_its_card_records() {
    let card = card();
    let mut r = ranker();
    let k = RANKED_TERMS.len();
    let first_base = floats(&card["first_stage_base"]);
    let first_slope = floats(&card["first_stage_slope"]);
    let policy_base = floats(&card["policy_base"]);
    let policy_slope = floats(&card["policy_slope"]);
    // Rows across each term's range, with the user's offsets.
    let rows: Vec<Vec<f32>> = [-0.5f32, 0.0, 0.3, 0.7, 1.0]
        .iter()
        .map(|&v| (0..k).map(|i| v * (1.0 + 0.1 * i as f32)).collect())
        .collect();
    let terms: Vec<f32> = rows.concat();
    let offsets: Vec<f32> = (0..k).map(|i| 0.01 * i as f32).collect();
    for x in [0.0f32, 0.3, 1.0] {
        let out = r.rank(&terms, x, &offsets).expect("rank");
        assert_eq!(out.contributions.len(), rows.len() * k);
        let chances = out
            .chances
            .expect("the learned ranker estimates the chance");
        for (row, values) in rows.iter().enumerate() {
            let mut evidence = card["bias"].as_f64().expect("bias") as f32;
            for i in 0..k {
                let learned = shape(&card, i, values[i]);
                if RANKED_TERMS[i] != TermKind::Explore {
                    evidence += learned;
                }
                // The settings' part (flow, exploration) and the user's offsets act on the value.
                let chosen = policy_base[i] + policy_slope[i] * x + offsets[i];
                let want = learned + chosen * values[i];
                let got = out.contributions[row * k + i];
                assert!(
                    (got - want).abs() < 1e-4 * (1.0 + want.abs()),
                    "term {i}, row {row}, exploration {x}: {got} vs {want}"
                );
            }
            let want = 1.0 / (1.0 + (-evidence).exp());
            assert!(
                (chances[row] - want).abs() < 1e-4,
                "{} vs {want}",
                chances[row]
            );
        }
    }
    // The first stage ranks with the linear weights recorded beside the shapes.
    for i in 0..k {
        assert!(
            (WEIGHT_BASE[i] - first_base[i]).abs() < 1e-6
                && (WEIGHT_SLOPE[i] - first_slope[i]).abs() < 1e-6,
            "term {i}: the recommender has {} + {} x, the card {} + {} x",
            WEIGHT_BASE[i],
            WEIGHT_SLOPE[i],
            first_base[i],
            first_slope[i]
        );
    }
    assert!(
        r.rank(&terms[..k - 1], 0.3, &offsets).is_err(),
        "ragged rows are refused"
    );
    assert!(
        r.rank(&[], 0.3, &offsets)
            .expect("empty")
            .contributions
            .is_empty()
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
