//! The committed LSTM forecaster (`models/segue-forecast.onnx`) on the real ONNX Runtime: it
//! gives what JAX gave when it was trained (`models/forecast/reference.json`, written by
//! `models/forecast/train_lstm.py`), pads short histories as it was trained, and a file that
//! is not a model is a clear error.

use segue_analysis::AnalyzerConfig;
use segue_analysis::forecast_model::{FORECAST_WEEKS, OnnxForecaster};
use segue_core::forecast::SeriesForecaster;

fn runtime() -> &'static segue_analysis::Runtime {
    let config = AnalyzerConfig::default();
    segue_analysis::Runtime::get(&config.runtime_library).expect("ONNX Runtime")
}

fn forecaster() -> OnnxForecaster {
    OnnxForecaster::load(runtime(), &AnalyzerConfig::default().models_dir)
        .expect("models/segue-forecast.onnx")
}

#[test]
fn the_onnx_forecaster_gives_what_jax_gave_in_training() {
    let path = AnalyzerConfig::default()
        .models_dir
        .join("forecast/reference.json");
    let text = std::fs::read_to_string(&path).expect("models/forecast/reference.json");
    let reference: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let numbers = |v: &serde_json::Value| -> Vec<f64> {
        v.as_array()
            .expect("array")
            .iter()
            .map(|x| x.as_f64().expect("number"))
            .collect()
    };
    let weeks: Vec<Vec<f64>> = reference["weeks"]
        .as_array()
        .expect("weeks")
        .iter()
        .map(numbers)
        .collect();
    let want = numbers(&reference["next_week"]);
    assert!(weeks.len() >= 8 && weeks.len() == want.len());
    assert!(weeks.iter().all(|w| w.len() == FORECAST_WEEKS));
    let histories: Vec<&[f64]> = weeks.iter().map(Vec::as_slice).collect();
    let got = forecaster().next_weeks(&histories).expect("forecasts");
    for (g, w) in got.iter().zip(&want) {
        assert!(
            (g - w).abs() <= 1e-4 * (1.0 + w.abs()),
            "{got:?} vs {want:?}"
        );
    }
    // A steady artist is forecast near their rate; an artist never played near nothing.
    let steady = forecaster()
        .next_weeks(&[&[5.0; 20][..], &[0.0; 20][..]])
        .expect("forecasts");
    assert!((3.0..7.0).contains(&steady[0]), "{steady:?}");
    assert!(steady[1] < 0.5, "{steady:?}");
}

#[test]
fn a_short_history_reads_as_weeks_without_plays_before_it_began() {
    let mut model = forecaster();
    let short = [3.0, 4.0, 2.0];
    let mut padded = vec![0.0; FORECAST_WEEKS - short.len()];
    padded.extend(short);
    let long: Vec<f64> = [9.0; 10].iter().chain(&padded).copied().collect();
    let got = model
        .next_weeks(&[&short[..], &padded, &long, &[]])
        .expect("forecasts");
    assert_eq!(got[0], got[1]);
    assert_eq!(got[1], got[2], "only the last {FORECAST_WEEKS} weeks count");
    assert!(got.iter().all(|v| v.is_finite() && *v >= 0.0), "{got:?}");
    assert_eq!(
        model.next_weeks(&[]).expect("nothing to do"),
        Vec::<f64>::new()
    );
}

#[test]
fn a_file_that_is_not_a_model_is_a_clear_error() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let path = tmp.path().join("segue-forecast.onnx");
    std::fs::write(&path, b"not a model").expect("write");
    let error = OnnxForecaster::load(runtime(), tmp.path())
        .err()
        .expect("an error");
    assert!(error.to_string().contains("the forecaster"), "{error}");
    let missing = OnnxForecaster::load(runtime(), &tmp.path().join("nowhere"))
        .err()
        .expect("an error");
    assert!(missing.to_string().contains("cannot read"), "{missing}");
}
