//! The seed's LSTM forecaster (`models/segue-forecast.onnx`) on ONNX Runtime: next week's plays
//! per artist, for `segue_core::forecast`, which compares it with the statistical forecasters
//! on each listener's own history. See `models/segue-forecast.md`.

use std::path::Path;

use ort::session::Session;
use ort::value::Tensor;
use segue_core::forecast::SeriesForecaster;

use crate::{AnalysisError, Runtime};

pub const FORECAST_FILE: &str = "segue-forecast.onnx";

/// Weeks the model reads: the last 16 of a history, weeks before its start counted as weeks
/// without plays (so the model was trained).
pub const FORECAST_WEEKS: usize = 16;

/// Rows per run: bounds the memory of one call (a year-long backtest of a few hundred artists
/// is a few thousand rows).
const ROWS_PER_RUN: usize = 16_384;

/// The LSTM in a CPU session (a few thousand multiply-adds per artist and week: no GPU needed).
pub struct OnnxForecaster {
    session: Session,
}

impl OnnxForecaster {
    /// The committed model, [`FORECAST_FILE`] in `models_dir`.
    pub fn load(runtime: &Runtime, models_dir: &Path) -> Result<OnnxForecaster, AnalysisError> {
        Self::load_file(runtime, &models_dir.join(FORECAST_FILE))
    }

    /// A forecaster from any file.
    pub fn load_file(runtime: &Runtime, path: &Path) -> Result<OnnxForecaster, AnalysisError> {
        let session = runtime.small_cpu_session(path, "the forecaster")?;
        Ok(OnnxForecaster { session })
    }

    fn run(&mut self, weeks: Vec<f32>, rows: usize) -> Result<Vec<f64>, String> {
        let e = |e: ort::Error| e.to_string();
        let outputs = self
            .session
            .run(ort::inputs![
                "weeks" => Tensor::from_array(([rows, FORECAST_WEEKS], weeks)).map_err(e)?,
            ])
            .map_err(e)?;
        let value = outputs
            .get("next_week")
            .ok_or("the forecaster has no output \"next_week\"")?;
        let (_, data) = value.try_extract_tensor::<f32>().map_err(e)?;
        if data.len() != rows {
            return Err(format!(
                "the forecaster gave {} values for {rows} histories",
                data.len()
            ));
        }
        Ok(data.iter().map(|&v| f64::from(v)).collect())
    }
}

/// The model's input row for one history: its last [`FORECAST_WEEKS`] weeks, zeros before its
/// start.
fn input_row(history: &[f64], row: &mut [f32]) {
    let kept = &history[history.len().saturating_sub(FORECAST_WEEKS)..];
    let pad = FORECAST_WEEKS - kept.len();
    row[..pad].fill(0.0);
    for (slot, &plays) in row[pad..].iter_mut().zip(kept) {
        *slot = plays as f32;
    }
}

impl SeriesForecaster for OnnxForecaster {
    fn next_weeks(&mut self, histories: &[&[f64]]) -> Result<Vec<f64>, String> {
        let mut forecasts = Vec::with_capacity(histories.len());
        for chunk in histories.chunks(ROWS_PER_RUN) {
            let mut weeks = vec![0.0f32; chunk.len() * FORECAST_WEEKS];
            for (history, row) in chunk.iter().zip(weeks.chunks_exact_mut(FORECAST_WEEKS)) {
                input_row(history, row);
            }
            forecasts.extend(self.run(weeks, chunk.len())?);
        }
        Ok(forecasts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_history_is_padded_with_weeks_without_plays_and_a_long_one_cut_to_the_last() {
        let mut row = [9.0f32; FORECAST_WEEKS];
        input_row(&[1.0, 2.0, 3.0], &mut row);
        assert_eq!(&row[..13], &[0.0; 13]);
        assert_eq!(&row[13..], &[1.0, 2.0, 3.0]);
        let long: Vec<f64> = (0..40).map(f64::from).collect();
        input_row(&long, &mut row);
        assert_eq!(row[0], 24.0);
        assert_eq!(row[FORECAST_WEEKS - 1], 39.0);
        input_row(&[], &mut row);
        assert_eq!(row, [0.0; FORECAST_WEEKS]);
    }
}
