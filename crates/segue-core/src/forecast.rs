//! Next week's plays per artist, from weekly counts: the simple forecasters a rolling-origin
//! backtest compares (naive, a mean of recent weeks, EWMA, and Croston/TSB for the intermittent
//! series most artists have), the seed's LSTM (a [`SeriesForecaster`]: the ONNX model runs in
//! segue-analysis, this crate only asks it), and the choice of one for this listener: only a
//! model that beats "same as last week" on their own history is trusted to say anything.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A way to forecast next week's plays from the weeks before.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
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
    /// The seed's LSTM (`models/segue-forecast.onnx`), trained on simulated histories: it runs
    /// through a [`SeriesForecaster`], so only where one is given.
    Lstm,
}

impl Forecaster {
    /// The forecasters computed here, from the weeks alone.
    pub const STATISTICAL: [Forecaster; 5] = [
        Forecaster::Naive,
        Forecaster::MeanOfFourWeeks,
        Forecaster::Ewma,
        Forecaster::Croston,
        Forecaster::Tsb,
    ];

    /// The forecast for the week after `weekly` (oldest first); `None` from
    /// [`Forecaster::Lstm`], which needs its model ([`next_weeks`]).
    pub fn next(self, weekly: &[f64]) -> Option<f64> {
        let Some(&last) = weekly.last() else {
            return Some(0.0);
        };
        Some(match self {
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
            Forecaster::Lstm => return None,
        })
    }
}

/// A learned forecaster (the seed's LSTM, run on ONNX Runtime by segue-analysis).
///
/// Contract: one forecast per history, in order, each finite and at least 0; a history is one
/// artist's weekly plays, oldest first, of any length (a model that reads a fixed window treats
/// the weeks before a short history as weeks without plays). Deterministic. Errors are messages
/// for the log: the caller goes on with the statistical forecasters.
pub trait SeriesForecaster {
    fn next_weeks(&mut self, histories: &[&[f64]]) -> Result<Vec<f64>, String>;
}

/// Next week's plays after each of `histories` by `model`: the statistical forecasters here,
/// the LSTM through `learned` (an error when there is none, or when it breaks its contract).
pub fn next_weeks(
    model: Forecaster,
    histories: &[&[f64]],
    learned: Option<&mut (dyn SeriesForecaster + '_)>,
) -> Result<Vec<f64>, String> {
    if let Some(values) = histories
        .iter()
        .map(|h| model.next(h))
        .collect::<Option<Vec<f64>>>()
    {
        return Ok(values);
    }
    let learned = learned.ok_or("the LSTM forecaster is not loaded")?;
    let values = learned.next_weeks(histories)?;
    if values.len() != histories.len() {
        return Err(format!(
            "the LSTM gave {} forecasts for {} histories",
            values.len(),
            histories.len()
        ));
    }
    if let Some(bad) = values.iter().find(|v| !v.is_finite() || **v < 0.0) {
        return Err(format!("the LSTM forecast {bad} plays"));
    }
    Ok(values)
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
/// to have a scale, or for the LSTM (its forecasts come in a batch: [`backtest_with`]).
pub fn mase(model: Forecaster, series: &[f64]) -> Option<f64> {
    let forecasts: Option<Vec<f64>> = (FIRST_ORIGIN..series.len())
        .map(|t| model.next(&series[..t]))
        .collect();
    mase_of(series, &forecasts?)
}

/// The naive forecast's mean absolute error over the first weeks: the unit of MASE.
fn mase_scale(series: &[f64]) -> Option<f64> {
    if series.len() <= FIRST_ORIGIN {
        return None;
    }
    let first = &series[..FIRST_ORIGIN];
    let scale =
        first.windows(2).map(|w| (w[1] - w[0]).abs()).sum::<f64>() / (FIRST_ORIGIN - 1) as f64;
    (scale > 0.0).then_some(scale)
}

/// MASE of `forecasts`, one per week of `series` from [`FIRST_ORIGIN`] on.
fn mase_of(series: &[f64], forecasts: &[f64]) -> Option<f64> {
    let scale = mase_scale(series)?;
    let actual = &series[FIRST_ORIGIN..];
    if forecasts.len() != actual.len() {
        return None;
    }
    let errors: f64 = forecasts
        .iter()
        .zip(actual)
        .map(|(f, a)| (f - a).abs())
        .sum();
    Some(errors / actual.len() as f64 / scale)
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

/// Compares the statistical forecasters on `series` (one per artist, weekly plays, oldest
/// first).
pub fn backtest(series: &[Vec<f64>]) -> Backtest {
    backtest_with(series, None).0
}

/// [`backtest`], with the LSTM among the forecasters when `learned` is given. If it fails, the
/// choice is made among the others and the error comes back for the log.
pub fn backtest_with(
    series: &[Vec<f64>],
    learned: Option<&mut (dyn SeriesForecaster + '_)>,
) -> (Backtest, Option<String>) {
    let scored: Vec<&Vec<f64>> = series.iter().filter(|s| mase_scale(s).is_some()).collect();
    let mean = |values: &[f64]| values.iter().sum::<f64>() / values.len().max(1) as f64;
    let mean_mase = |model: Forecaster| {
        let values: Vec<f64> = scored.iter().filter_map(|s| mase(model, s)).collect();
        mean(&values)
    };
    let naive = mean_mase(Forecaster::Naive);
    let mut results: Vec<(Forecaster, f64)> = Forecaster::STATISTICAL[1..]
        .iter()
        .map(|&m| (m, mean_mase(m)))
        .collect();
    let mut error = None;
    if let Some(learned) = learned
        && !scored.is_empty()
    {
        // Every origin of every series in one call: the model runs once per backtest.
        let histories: Vec<&[f64]> = scored
            .iter()
            .flat_map(|s| (FIRST_ORIGIN..s.len()).map(move |t| &s[..t]))
            .collect();
        match next_weeks(Forecaster::Lstm, &histories, Some(learned)) {
            Ok(forecasts) => {
                let mut rest = forecasts.as_slice();
                let values: Vec<f64> = scored
                    .iter()
                    .filter_map(|s| {
                        let (own, later) = rest.split_at(s.len() - FIRST_ORIGIN);
                        rest = later;
                        mase_of(s, own)
                    })
                    .collect();
                results.push((Forecaster::Lstm, mean(&values)));
            }
            Err(e) => error = Some(e),
        }
    }
    let (best, best_mase) = results
        .into_iter()
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .unwrap_or((Forecaster::Naive, naive));
    let trusted = scored.len() >= MIN_SERIES && best_mase < naive;
    let backtest = Backtest {
        chosen: trusted.then_some(best),
        chosen_mase: best_mase,
        naive_mase: naive,
        series: scored.len() as u32,
    };
    (backtest, error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_forecaster_reads_the_weeks_as_it_should() {
        let weekly = [4.0, 0.0, 2.0, 6.0];
        let next = |model: Forecaster, weekly: &[f64]| model.next(weekly).expect("statistical");
        assert_eq!(next(Forecaster::Naive, &weekly), 6.0);
        assert_eq!(next(Forecaster::MeanOfFourWeeks, &weekly), 3.0);
        // 4 → 0.3·0 + 0.7·4 = 2.8 → 0.6 + 1.96 = 2.56 → 1.8 + 1.792 = 3.592
        assert!((next(Forecaster::Ewma, &weekly) - 3.592).abs() < 1e-9);
        assert_eq!(next(Forecaster::Naive, &[]), 0.0);
        // A series that stopped: TSB decays, Croston's stays up.
        let stopped = [5.0, 5.0, 5.0, 5.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0];
        assert!(next(Forecaster::Tsb, &stopped) < next(Forecaster::Croston, &stopped));
        assert_eq!(next(Forecaster::Croston, &[0.0, 0.0]), 0.0);
        // The LSTM needs its model.
        assert_eq!(Forecaster::Lstm.next(&weekly), None);
        assert!(next_weeks(Forecaster::Lstm, &[&weekly], None).is_err());
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

    /// A stand-in for the ONNX model that knows the test series' structure (a swing every
    /// other week on a straight climb: two weeks on is two weeks back plus their climb), or
    /// breaks its contract as told.
    struct SwingOnAClimb {
        calls: usize,
        broken: Option<&'static str>,
    }

    impl SeriesForecaster for SwingOnAClimb {
        fn next_weeks(&mut self, histories: &[&[f64]]) -> Result<Vec<f64>, String> {
            self.calls += 1;
            match self.broken {
                Some("error") => Err("the session failed".into()),
                Some("short") => Ok(vec![1.0]),
                Some(_) => Ok(vec![f64::NAN; histories.len()]),
                None => Ok(histories
                    .iter()
                    .map(|h| match h.len() {
                        0 => 0.0,
                        1..4 => h[h.len() - 1],
                        n => 2.0 * h[n - 2] - h[n - 4],
                    })
                    .collect()),
            }
        }
    }

    #[test]
    fn the_learned_forecaster_is_chosen_where_it_beats_the_others_and_a_broken_one_is_left_out() {
        // Plays that swing every other week on a steady climb: the stand-in is exact.
        let series: Vec<Vec<f64>> = (0..3)
            .map(|a| {
                (0..24)
                    .map(|i| {
                        let drift = f64::from(i) * 0.5 + f64::from(a);
                        drift + if i % 2 == 0 { 0.0 } else { 4.0 }
                    })
                    .collect()
            })
            .collect();
        let mut learned = SwingOnAClimb {
            calls: 0,
            broken: None,
        };
        let (with, error) = backtest_with(&series, Some(&mut learned));
        assert_eq!(error, None);
        assert_eq!(learned.calls, 1, "one batch per backtest");
        assert_eq!(with.chosen, Some(Forecaster::Lstm), "{with:?}");
        assert!(with.chosen_mase < backtest(&series).chosen_mase);

        for broken in ["error", "short", "nan"] {
            let mut learned = SwingOnAClimb {
                calls: 0,
                broken: Some(broken),
            };
            let (without, error) = backtest_with(&series, Some(&mut learned));
            assert!(error.is_some(), "{broken}");
            assert_eq!(without, backtest(&series), "{broken}");
            assert_ne!(without.chosen, Some(Forecaster::Lstm));
        }
    }
}
