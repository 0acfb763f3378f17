//! The year in review: a whole year of the listening history at a glance.

use std::collections::HashMap;
use std::sync::Mutex;

use segue_analysis::forecast_model::OnnxForecaster;
use segue_core::review::YearInReview;
use segue_store::Store;

use crate::{Result, Service, ServiceError};

/// How many artists, albums, tracks and discoveries a review lists.
const TOP: u32 = 10;

impl Service {
    /// `year` of the listening history in review; with no year, the latest year with plays
    /// (this year when nothing was played yet).
    pub fn year_in_review(&self, year: Option<i32>) -> Result<YearInReview> {
        let year = match year {
            Some(y) if (1970..=9999).contains(&y) => y,
            Some(y) => {
                return Err(ServiceError::InvalidInput(format!(
                    "{y} is not a year a history can hold (1970 to 9999)"
                )));
            }
            None => match self.with_store(|s| s.years_with_plays())?.first() {
                Some(latest) => *latest,
                None => self.with_store(|s| s.current_year())?,
            },
        };
        self.with_store(|s| s.year_in_review(year, TOP))
    }
}

/// Weeks of plays the rotation reads per artist: the first 8 give each series its scale and the
/// rest test the forecasters week by week; the sparkline shows the last 12, and plays before
/// all of them count towards each artist's usual rate.
const ROTATION_WEEKS: usize = 26;

/// What the rotation keeps between calls.
#[derive(Default)]
pub(crate) struct RotationState {
    /// The seed's LSTM forecaster, once loaded (or why it could not be).
    forecaster: Mutex<Option<std::result::Result<OnnxForecaster, String>>>,
    /// The artists' momentum as last read.
    momentum: Mutex<Option<KeptMomentum>>,
}

struct KeptMomentum {
    read_at_ms: i64,
    /// The plays then ([`Store::plays_stamp`]): a play recorded or imported reads it again.
    plays: (i64, i64),
    artists: HashMap<String, f32>,
}

/// How long the artists' momentum is kept when nothing was played: a trend over four weeks
/// does not move in ten minutes, and reading it is a pass over every play (about 40 ms at
/// 100,000 plays), too much for every suggestion.
const MOMENTUM_KEPT_MS: i64 = 10 * 60_000;

impl RotationState {
    /// The artists played more lately than their usual rate (the rotation's rising artists),
    /// for the momentum term of suggestions; read again after a play is recorded or imported
    /// (by this process or another) or after [`MOMENTUM_KEPT_MS`].
    pub(crate) fn momentum(
        &self,
        store: &Store,
        now_ms: i64,
    ) -> segue_store::Result<HashMap<String, f32>> {
        let plays = store.plays_stamp()?;
        let mut kept = self.momentum.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(k) = kept.as_ref()
            && k.plays == plays
            && (0..MOMENTUM_KEPT_MS).contains(&(now_ms - k.read_at_ms))
        {
            return Ok(k.artists.clone());
        }
        let weeks = store.artist_weeks(now_ms, ROTATION_WEEKS)?;
        let artists: HashMap<String, f32> =
            segue_core::rotation::momentum(&weeks).into_iter().collect();
        *kept = Some(KeptMomentum {
            read_at_ms: now_ms,
            plays,
            artists: artists.clone(),
        });
        Ok(artists)
    }
}

impl Service {
    /// The artists rising in the listening and the favourites fading from it, now, and next
    /// week's forecast where one beat "same as last week" on this history (the LSTM among the
    /// forecasters when its model loads; without it, the statistical ones, the error logged).
    pub fn rotation(&self) -> Result<segue_core::rotation::Rotation> {
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64);
        let weeks = self.with_store(|s| s.artist_weeks(now_ms, ROTATION_WEEKS))?;
        let mut forecaster = self
            .rotation
            .forecaster
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if forecaster.is_none() {
            let config = segue_analysis::AnalyzerConfig::default();
            *forecaster = Some(
                segue_analysis::Runtime::get(&config.runtime_library)
                    .and_then(|rt| OnnxForecaster::load(rt, &config.models_dir))
                    .map_err(|e| {
                        tracing::warn!("the rotation forecasts without the LSTM: {e}");
                        e.to_string()
                    }),
            );
        }
        let learned = match forecaster.as_mut() {
            Some(Ok(f)) => Some(f as &mut dyn segue_core::forecast::SeriesForecaster),
            _ => None,
        };
        let (rotation, error) = segue_core::rotation::rotation_with(&weeks, learned);
        if let Some(e) = error {
            tracing::warn!("the LSTM forecaster failed, the statistical ones compared: {e}");
        }
        Ok(rotation)
    }
}
