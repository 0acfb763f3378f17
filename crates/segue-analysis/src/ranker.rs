//! The suggestion ranker (`models/segue-ranker.onnx`) on ONNX Runtime: the final scoring of
//! `segue-recommend`'s short list. See `models/segue-ranker.md`.

use std::path::Path;

use ort::session::Session;
use ort::value::Tensor;
use segue_core::{RANKED_TERMS, Ranked, RankingModel};

use crate::{AnalysisError, Runtime};

pub const RANKER_FILE: &str = "segue-ranker.onnx";

/// The ranker in a CPU session (it is a few multiply-adds per candidate: no GPU needed).
pub struct OnnxRanker {
    session: Session,
}

impl OnnxRanker {
    /// The committed ranker, `RANKER_FILE` in `models_dir`.
    pub fn load(runtime: &Runtime, models_dir: &Path) -> Result<OnnxRanker, AnalysisError> {
        Self::load_file(runtime, &models_dir.join(RANKER_FILE))
    }

    /// A ranker from any file (the benchmark compares models with it).
    pub fn load_file(runtime: &Runtime, path: &Path) -> Result<OnnxRanker, AnalysisError> {
        let session = runtime.small_cpu_session(path, "the ranker")?;
        Ok(OnnxRanker { session })
    }
}

impl RankingModel for OnnxRanker {
    fn rank(&mut self, terms: &[f32], exploration: f32, user: &[f32]) -> Result<Ranked, String> {
        let k = RANKED_TERMS.len();
        if !terms.len().is_multiple_of(k) || user.len() != k {
            return Err(format!(
                "ranker input of {} values with {} user weights; rows have {k}",
                terms.len(),
                user.len()
            ));
        }
        let rows = terms.len() / k;
        if rows == 0 {
            return Ok(Ranked::default());
        }
        let e = |e: ort::Error| e.to_string();
        let outputs = self
            .session
            .run(ort::inputs![
                "terms" => Tensor::from_array(([rows, k], terms.to_vec())).map_err(e)?,
                "exploration" => Tensor::from_array(([1usize], vec![exploration])).map_err(e)?,
                "user" => Tensor::from_array(([k], user.to_vec())).map_err(e)?,
            ])
            .map_err(e)?;
        let value = outputs
            .get("contributions")
            .ok_or("the ranker has no output \"contributions\"")?;
        let (_, data) = value.try_extract_tensor::<f32>().map_err(e)?;
        if data.len() != rows * k {
            return Err(format!(
                "the ranker gave {} values for {rows} rows",
                data.len()
            ));
        }
        // A ranker that estimates no chance (the hand-set one) leaves it to the listener model.
        let chances = match outputs.get("chance") {
            Some(value) => {
                let (_, chance) = value.try_extract_tensor::<f32>().map_err(e)?;
                if chance.len() != rows {
                    return Err(format!(
                        "the ranker gave {} chances for {rows} rows",
                        chance.len()
                    ));
                }
                Some(chance.to_vec())
            }
            None => None,
        };
        Ok(Ranked {
            contributions: data.to_vec(),
            chances,
        })
    }
}
