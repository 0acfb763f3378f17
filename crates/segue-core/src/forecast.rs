//! Next week's plays per artist, from weekly counts: the simple forecasters a rolling-origin
//! backtest compares (naive, a mean of recent weeks, EWMA, and Croston/TSB for the intermittent
//! series most artists have), and the choice of one for this listener: only a model that beats
//! "same as last week" on their own history is trusted to say anything.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A way to forecast next week's plays from the weeks before.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Forecaster {
    /// Same as last week: the yardstick.
    Naive,
    /// The mean of the last four weeks.
    MeanOfFourWeeks,
    /// Exponentially weighted mean, weight 0.3 on the newest week.
    Ewma,
    /// Croston's method with the Syntetos-Boylan correction (intermittent series).
    Croston,
    /// Teunter-Syntetos-Babai: like Croston's, but a series that stops decays.
    Tsb,
}

impl Forecaster {
    pub const ALL: [Forecaster; 5] = [
        Forecaster::Naive,
        Forecaster::MeanOfFourWeeks,
        Forecaster::Ewma,
        Forecaster::Croston,
        Forecaster::Tsb,
    ];

    /// The forecast for the week after `weekly` (oldest first).
    pub fn next(self, weekly: &[f64]) -> f64 {
        let Some(&last) = weekly.last() else {
            return 0.0;
        };
        match self {
            Forecaster::Naive => last,
            Forecaster::MeanOfFourWeeks => {
                let recent = &weekly[weekly.len().saturating_sub(4)..];
                recent.iter().sum::<f64>() / recent.len() as f64
            }
            Forecaster::Ewma => weekly[1..]
                .iter()
                .fold(weekly[0], |level, &w| 0.3 * w + 0.7 * level),
            Forecaster::Croston => croston_sba(weekly, 0.1),
            Forecaster::Tsb => tsb(weekly, 0.1, 0.1),
        }
    }
}

/// Croston's method with the Syntetos-Boylan bias correction.
fn croston_sba(weekly: &[f64], alpha: f64) -> f64 {
    let mut size: Option<f64> = None;
    let mut interval = 1.0;
    let mut since = 1.0;
    for &w in weekly {
        if w > 0.0 {
            size = Some(size.map_or(w, |s| s + alpha * (w - s)));
            interval += alpha * (since - interval);
            since = 1.0;
        } else {
            since += 1.0;
        }
    }
    size.map_or(0.0, |size| (1.0 - alpha / 2.0) * size / interval)
}

/// Teunter-Syntetos-Babai: the chance of any plays is updated every week, so a series that
/// stops decays towards nothing (Croston's would stay up).
fn tsb(weekly: &[f64], alpha: f64, beta: f64) -> f64 {
    let mut probability = if weekly.iter().any(|&w| w > 0.0) {
        0.5
    } else {
        0.0
    };
    let mut size: Option<f64> = None;
    for &w in weekly {
        let occurred = if w > 0.0 { 1.0 } else { 0.0 };
        probability += beta * (occurred - probability);
        if w > 0.0 {
            size = Some(size.map_or(w, |s| s + alpha * (w - s)));
        }
    }
    probability * size.unwrap_or(0.0)
}

/// Weeks before the first origin of a backtest: they also give each series its MASE scale.
pub const FIRST_ORIGIN: usize = 8;

/// Mean absolute scaled error of `model` on `series` (weekly plays, oldest first): each week
/// from [`FIRST_ORIGIN`] on forecast from the weeks before it, the errors scaled by the naive
/// forecast's in-sample error over the first weeks. `None` for a series too short or too flat
/// to have a scale.
pub fn mase(model: Forecaster, series: &[f64]) -> Option<f64> {
    if series.len() <= FIRST_ORIGIN {
        return None;
    }
    let first = &series[..FIRST_ORIGIN];
    let scale =
        first.windows(2).map(|w| (w[1] - w[0]).abs()).sum::<f64>() / (FIRST_ORIGIN - 1) as f64;
    if scale <= 0.0 {
        return None;
    }
    let origins = FIRST_ORIGIN..series.len();
    let errors: f64 = origins
        .clone()
        .map(|t| (model.next(&series[..t]) - series[t]).abs())
        .sum();
    Some(errors / origins.len() as f64 / scale)
}

/// How each forecaster did on one listener's history: the mean MASE over their artists' series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Backtest {
    /// The forecaster with the lowest error, when it beats the naive one; `None` when nothing
    /// does (or the history is too short to tell): then no forecast is shown.
    pub chosen: Option<Forecaster>,
    pub chosen_mase: f64,
    pub naive_mase: f64,
    /// How many artists' series had a scale.
    pub series: u32,
}

/// At least this many artists' series must have a scale before a forecaster is trusted.
const MIN_SERIES: usize = 3;

/// Compares every forecaster on `series` (one per artist, weekly plays, oldest first).
pub fn backtest(series: &[Vec<f64>]) -> Backtest {
    let scored: Vec<&Vec<f64>> = series
        .iter()
        .filter(|s| mase(Forecaster::Naive, s).is_some())
        .collect();
    let mean_mase = |model: Forecaster| {
        let values: Vec<f64> = scored.iter().filter_map(|s| mase(model, s)).collect();
        values.iter().sum::<f64>() / values.len().max(1) as f64
    };
    let naive = mean_mase(Forecaster::Naive);
    let (best, best_mase) = Forecaster::ALL[1..]
        .iter()
        .map(|&m| (m, mean_mase(m)))
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .unwrap_or((Forecaster::Naive, naive));
    let trusted = scored.len() >= MIN_SERIES && best_mase < naive;
    Backtest {
        chosen: trusted.then_some(best),
        chosen_mase: best_mase,
        naive_mase: naive,
        series: scored.len() as u32,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_forecaster_reads_the_weeks_as_it_should() {
        let weekly = [4.0, 0.0, 2.0, 6.0];
        assert_eq!(Forecaster::Naive.next(&weekly), 6.0);
        assert_eq!(Forecaster::MeanOfFourWeeks.next(&weekly), 3.0);
        // 4 → 0.3·0 + 0.7·4 = 2.8 → 0.6 + 1.96 = 2.56 → 1.8 + 1.792 = 3.592
        assert!((Forecaster::Ewma.next(&weekly) - 3.592).abs() < 1e-9);
        assert_eq!(Forecaster::Naive.next(&[]), 0.0);
        // A series that stopped: TSB decays, Croston's stays up.
        let stopped = [5.0, 5.0, 5.0, 5.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0];
        assert!(Forecaster::Tsb.next(&stopped) < Forecaster::Croston.next(&stopped));
        assert_eq!(Forecaster::Croston.next(&[0.0, 0.0]), 0.0);
    }

    #[test]
    fn mase_scales_by_the_naive_error_of_the_first_weeks() {
        // Alternating 0 / 2: naive's in-sample error is 2 every week; the mean of four weeks
        // forecasts 1 each week, an error of 1: MASE 0.5. Naive is wrong by 2: MASE 1.
        let series: Vec<f64> = (0..16)
            .map(|i| if i % 2 == 0 { 0.0 } else { 2.0 })
            .collect();
        assert_eq!(mase(Forecaster::Naive, &series), Some(1.0));
        assert_eq!(mase(Forecaster::MeanOfFourWeeks, &series), Some(0.5));
        // Flat at the start: no scale.
        assert_eq!(mase(Forecaster::Naive, &[3.0; 16]), None);
        assert_eq!(mase(Forecaster::Naive, &series[..8]), None);
    }

    #[test]
    fn a_forecaster_is_chosen_only_where_it_beats_naive_on_enough_artists() {
        let noisy: Vec<f64> = (0..20)
            .map(|i| if i % 2 == 0 { 1.0 } else { 3.0 })
            .collect();
        let chosen = backtest(&[noisy.clone(), noisy.clone(), noisy.clone()]);
        assert!(chosen.chosen.is_some(), "{chosen:?}");
        assert!(chosen.chosen_mase < chosen.naive_mase);
        // Too few artists to tell.
        assert_eq!(backtest(std::slice::from_ref(&noisy)).chosen, None);
        // A steady climb: last week is the best guess, nothing beats it.
        let climbing: Vec<f64> = (0..20).map(f64::from).collect();
        let naive_wins = backtest(&[climbing.clone(), climbing.clone(), climbing]);
        assert_eq!(naive_wins.chosen, None, "{naive_wins:?}");
    }
}
