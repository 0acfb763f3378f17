//! Per-artist weekly play forecasts in a rolling-origin backtest on simulated listening
//! histories (issue 18 item 2), the seed's LSTM among them.
//!
//! ```sh
//! cargo run --release -p segue-bench --example forecast_backtest [USERS] [SEED]
//! cargo run --release -p segue-bench --example forecast_backtest -- --dump FILE USERS SEED...
//! ```
//!
//! Every figure is synthetic. Each simulated user listens for 60 to 104 weeks to 8 to 30
//! artists, with known structure: a weekly rhythm (weekends heavier), steady favourites, bursts
//! that decay, favourites that fade, new artists who arrive and grow, rare artists played now
//! and then, and long gaps (two to four weeks away, nothing played). Daily plays are Poisson
//! draws of that rate. `--dump` writes the weekly series of some seeds for training the LSTM
//! (`models/forecast/train_lstm.py`; it trains on seeds other than 2016 and 7, reported here).
//!
//! From week 12 on, each week is an origin: every model forecasts each artist's plays in the
//! next week from the history before it. Models: naive (last week), the mean of the last four
//! weeks, the median of the last ten days (times seven), EWMA (alpha 0.3), Croston (SBA), TSB
//! for intermittent series, and the seed's LSTM (`models/segue-forecast.onnx` on the analysis
//! crate's ONNX Runtime, as the app runs it). Figures:
//! - MASE per model (mean absolute error over the series' in-sample naive error, per user and
//!   artist, averaged over the series with any naive error);
//! - the share of users for whom the model's MASE beats naive's;
//! - the seed task's metric on weekly totals (the 2016 Alibaba music-trend task:
//!   F = sum over artists of (1 - sigma) * phi, sigma the root mean squared relative error over
//!   the weeks with plays, phi the square root of the artist's plays), given as F over its
//!   best value (sum of phi), so 1 is perfect;
//! - precision@5 of next week's top five artists;
//! - what the app itself would choose for each user (its backtest on the last 26 weeks, the
//!   rotation's window): the LSTM only where it beats naive there.

use segue_core::forecast::{Forecaster, SeriesForecaster, backtest_with, next_weeks};
use std::collections::HashMap;

/// A small deterministic generator (xorshift64*), so a seed always gives the same histories.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.uniform()
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
    /// Poisson by inversion (rates here are small) or a normal approximation (large).
    fn poisson(&mut self, rate: f64) -> u32 {
        if rate <= 0.0 {
            return 0;
        }
        if rate > 30.0 {
            let u1 = self.uniform().max(1e-12);
            let u2 = self.uniform();
            let z = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
            return (rate + z * rate.sqrt()).round().max(0.0) as u32;
        }
        let mut k = 0;
        let mut p = (-rate).exp();
        let mut cumulative = p;
        let u = self.uniform();
        while u > cumulative && k < 200 {
            k += 1;
            p *= rate / f64::from(k);
            cumulative += p;
        }
        k
    }
}

/// How an artist's daily rate moves over the history.
#[derive(Clone, Copy, Debug)]
enum Shape {
    Steady,
    /// A burst starting on a day, decaying with a half-life in days.
    Burst {
        day: usize,
        peak: f64,
        half_life: f64,
    },
    /// A favourite fading from a day on.
    Fading {
        from: usize,
        half_life: f64,
    },
    /// A new artist arriving on a day and growing over some weeks.
    Arriving {
        day: usize,
        ramp_days: f64,
    },
    /// Played now and then.
    Rare,
}

/// One simulated user: daily plays per artist.
struct User {
    days: usize,
    plays: Vec<Vec<u32>>,
}

fn simulate(rng: &mut Rng) -> User {
    let weeks = 60 + rng.below(45);
    let days = weeks * 7;
    let artists = 8 + rng.below(23);
    // Weekends heavier; a per-user rhythm.
    let weekend = rng.range(1.1, 1.8);
    let rhythm: Vec<f64> = (0..7).map(|d| if d >= 5 { weekend } else { 1.0 }).collect();
    // Long gaps: days away, when nothing is played.
    let mut away = vec![false; days];
    for _ in 0..rng.below(3) {
        let start = rng.below(days);
        let length = 14 + rng.below(15);
        for a in away.iter_mut().skip(start).take(length) {
            *a = true;
        }
    }
    let mut plays = Vec::with_capacity(artists);
    for _ in 0..artists {
        let base = (rng.range(-1.5, 1.2)).exp();
        let shape = match rng.below(10) {
            0..=2 => Shape::Steady,
            3 | 4 => Shape::Burst {
                day: rng.below(days),
                peak: rng.range(3.0, 12.0),
                half_life: rng.range(4.0, 30.0),
            },
            5 | 6 => Shape::Fading {
                from: rng.below(days),
                half_life: rng.range(10.0, 60.0),
            },
            7 => Shape::Arriving {
                day: rng.below(days),
                ramp_days: rng.range(7.0, 56.0),
            },
            _ => Shape::Rare,
        };
        let series = (0..days)
            .map(|d| {
                if away[d] {
                    return 0;
                }
                let rate = match shape {
                    Shape::Steady => base,
                    Shape::Burst {
                        day,
                        peak,
                        half_life,
                    } => {
                        if d < day {
                            base * 0.3
                        } else {
                            base * 0.3 + peak * 0.5f64.powf((d - day) as f64 / half_life)
                        }
                    }
                    Shape::Fading { from, half_life } => {
                        if d < from {
                            base * 2.0
                        } else {
                            base * 2.0 * 0.5f64.powf((d - from) as f64 / half_life)
                        }
                    }
                    Shape::Arriving { day, ramp_days } => {
                        if d < day {
                            0.0
                        } else {
                            base * 1.5 * ((d - day) as f64 / ramp_days).min(1.0)
                        }
                    }
                    Shape::Rare => 0.08,
                };
                rng.poisson(rate * rhythm[d % 7])
            })
            .collect();
        plays.push(series);
    }
    User { days, plays }
}

const MODELS: [&str; 7] = [
    "naive (last week)",
    "mean of 4 weeks",
    "median of 10 days",
    "EWMA 0.3",
    "Croston (SBA)",
    "TSB",
    "LSTM (the seed)",
];

/// The row of the LSTM in [`MODELS`].
const LSTM: usize = 6;

/// Next week's plays from the weekly totals before the origin (and the daily plays, for the
/// median of the last ten days). The weekly forecasters are the app's own
/// ([`segue_core::forecast::Forecaster`]); the daily median is measured here only. The LSTM
/// runs in batches ([`lstm_forecasts`]).
fn forecast(model: usize, weekly: &[f64], daily: &[u32]) -> f64 {
    let app = |f: Forecaster| f.next(weekly).unwrap_or(0.0);
    match model {
        0 => app(Forecaster::Naive),
        1 => app(Forecaster::MeanOfFourWeeks),
        2 => {
            let mut recent: Vec<u32> = daily[daily.len().saturating_sub(10)..].to_vec();
            recent.sort_unstable();
            let n = recent.len();
            let median = if n == 0 {
                0.0
            } else if n % 2 == 1 {
                f64::from(recent[n / 2])
            } else {
                f64::from(recent[n / 2 - 1] + recent[n / 2]) / 2.0
            };
            median * 7.0
        }
        3 => app(Forecaster::Ewma),
        4 => app(Forecaster::Croston),
        _ => app(Forecaster::Tsb),
    }
}

/// The LSTM's forecasts for every artist and origin of one user, in one batch, through the
/// app's own path ([`next_weeks`] and the ONNX model in segue-analysis).
fn lstm_forecasts(
    model: &mut dyn SeriesForecaster,
    weekly: &[Vec<f64>],
    first_origin: usize,
) -> Result<Vec<Vec<f64>>, String> {
    let histories: Vec<&[f64]> = weekly
        .iter()
        .flat_map(|s| (first_origin..s.len()).map(move |t| &s[..t]))
        .collect();
    let mut all = next_weeks(Forecaster::Lstm, &histories, Some(model))?.into_iter();
    Ok(weekly
        .iter()
        .map(|s| all.by_ref().take(s.len() - first_origin).collect())
        .collect())
}

/// The seed metric's parts per artist, for one model and user: the sum of squared relative
/// errors over the weeks with plays, how many such weeks, and the plays in them.
#[derive(Default, Clone)]
struct Scores {
    sq_rel: HashMap<usize, (f64, u32, f64)>,
}

/// Writes the weekly series of `users` simulated users per seed to `path`, one artist a line:
/// `seed user artist: plays plays ...` (oldest week first). The LSTM's training data
/// (`models/forecast/train_lstm.py`) comes from here, so it learns exactly this structure.
fn dump(path: &str, users: usize, seeds: &[u64]) -> std::io::Result<()> {
    use std::io::Write;
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    let mut lines = 0usize;
    for &seed in seeds {
        let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
        for user in 0..users {
            let simulated = simulate(&mut rng);
            for (artist, daily) in simulated.plays.iter().enumerate() {
                let weeks: Vec<String> = daily
                    .chunks(7)
                    .map(|w| w.iter().sum::<u32>().to_string())
                    .collect();
                writeln!(out, "{seed} {user} {artist}: {}", weeks.join(" "))?;
                lines += 1;
            }
        }
    }
    out.flush()?;
    eprintln!(
        "{lines} artist series from {} seeds written to {path}",
        seeds.len()
    );
    Ok(())
}

fn main() {
    let mut args = std::env::args().skip(1).peekable();
    if args.peek().map(String::as_str) == Some("--dump") {
        args.next();
        let usage = "usage: forecast_backtest --dump FILE USERS SEED...";
        let (Some(path), Some(users)) = (args.next(), args.next().and_then(|a| a.parse().ok()))
        else {
            eprintln!("{usage}");
            std::process::exit(2);
        };
        let seeds: Vec<u64> = args.filter_map(|a| a.parse().ok()).collect();
        if seeds.is_empty() {
            eprintln!("{usage}");
            std::process::exit(2);
        }
        if let Err(e) = dump(&path, users, &seeds) {
            eprintln!("cannot write {path}: {e}");
            std::process::exit(1);
        }
        return;
    }
    let users: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(200);
    let seed: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(2016);
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    const FIRST_ORIGIN: usize = 12;
    // The committed LSTM through the app's runtime; without it its row says why.
    let config = segue_analysis::AnalyzerConfig::default();
    let mut lstm = segue_analysis::Runtime::get(&config.runtime_library)
        .and_then(|rt| segue_analysis::forecast_model::OnnxForecaster::load(rt, &config.models_dir))
        .map_err(|e| e.to_string());
    let mut lstm_error: Option<String> = lstm.as_ref().err().cloned();
    // The app's own choice (segue_core::forecast::backtest_with on the last 26 weeks, as the
    // rotation reads them), per user: how often each forecaster is chosen, and nothing.
    let mut app_chose: HashMap<Option<Forecaster>, u32> = HashMap::new();

    // Per model: MASE per series, users beating naive, seed metric sums, precision@5.
    let mut mase: Vec<Vec<f64>> = vec![Vec::new(); MODELS.len()];
    let mut user_beats_naive = vec![0u32; MODELS.len()];
    let mut seed_f = vec![0.0f64; MODELS.len()];
    let mut seed_best = 0.0f64;
    let mut hits = vec![0u32; MODELS.len()];
    let mut slots = 0u32;
    let mut series_total = 0;
    let mut origins_total = 0;

    for _ in 0..users {
        let user = simulate(&mut rng);
        let weeks = user.days / 7;
        let weekly: Vec<Vec<f64>> = user
            .plays
            .iter()
            .map(|d| {
                d.chunks(7)
                    .map(|w| w.iter().map(|&p| f64::from(p)).sum())
                    .collect()
            })
            .collect();
        // Every model's forecast for every artist and origin: predicted[m][artist][origin - 12].
        let mut predicted: Vec<Vec<Vec<f64>>> = (0..LSTM)
            .map(|m| {
                weekly
                    .iter()
                    .zip(&user.plays)
                    .map(|(s, daily)| {
                        (FIRST_ORIGIN..weeks)
                            .map(|t| forecast(m, &s[..t], &daily[..t * 7]))
                            .collect()
                    })
                    .collect()
            })
            .collect();
        let learned = lstm.as_mut().ok().filter(|_| lstm_error.is_none());
        if let Some(model) = learned {
            match lstm_forecasts(model, &weekly, FIRST_ORIGIN) {
                Ok(values) => predicted.push(values),
                Err(e) => lstm_error = Some(e),
            }
        }
        let recent: Vec<Vec<f64>> = weekly
            .iter()
            .map(|s| s[s.len().saturating_sub(26)..].to_vec())
            .collect();
        let learned = lstm.as_mut().ok().filter(|_| lstm_error.is_none());
        let (choice, error) =
            backtest_with(&recent, learned.map(|m| m as &mut dyn SeriesForecaster));
        if let Some(e) = error {
            lstm_error = Some(e);
        }
        *app_chose.entry(choice.chosen).or_default() += 1;
        let models = predicted.len();
        let mut user_scores: Vec<Scores> = vec![Scores::default(); MODELS.len()];
        let mut user_mase: Vec<Vec<f64>> = vec![Vec::new(); MODELS.len()];
        for (artist, series) in weekly.iter().enumerate() {
            // In-sample naive error over the weeks before the first origin, the scale of MASE.
            let scale_weeks = &series[..FIRST_ORIGIN];
            let scale = scale_weeks
                .windows(2)
                .map(|w| (w[1] - w[0]).abs())
                .sum::<f64>()
                / (scale_weeks.len() - 1) as f64;
            let mut errors = vec![0.0f64; MODELS.len()];
            let mut count = 0u32;
            for origin in FIRST_ORIGIN..weeks {
                let actual = series[origin];
                for (m, scores) in user_scores.iter_mut().enumerate().take(models) {
                    let predicted = predicted[m][artist][origin - FIRST_ORIGIN];
                    errors[m] += (predicted - actual).abs();
                    if actual > 0.0 {
                        let entry = scores.sq_rel.entry(artist).or_insert((0.0, 0, 0.0));
                        entry.0 += ((predicted - actual) / actual).powi(2);
                        entry.1 += 1;
                        entry.2 += actual;
                    }
                }
                count += 1;
            }
            if scale > 0.0 && count > 0 {
                for m in 0..models {
                    let value = errors[m] / f64::from(count) / scale;
                    mase[m].push(value);
                    user_mase[m].push(value);
                }
                series_total += 1;
            }
        }
        // Precision@5 of next week's top artists (ties broken by artist order).
        for origin in FIRST_ORIGIN..weeks {
            let top = |values: Vec<(usize, f64)>| -> Vec<usize> {
                let mut v = values;
                v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
                v.into_iter()
                    .filter(|x| x.1 > 0.0)
                    .take(5)
                    .map(|x| x.0)
                    .collect()
            };
            let actual = top(weekly.iter().map(|s| s[origin]).enumerate().collect());
            if actual.is_empty() {
                continue;
            }
            origins_total += 1;
            slots += actual.len() as u32;
            for (m, hit) in hits.iter_mut().enumerate().take(models) {
                let predicted = top((0..weekly.len())
                    .map(|a| (a, predicted[m][a][origin - FIRST_ORIGIN]))
                    .collect());
                *hit += predicted.iter().filter(|a| actual.contains(a)).count() as u32;
            }
        }
        // The seed task's metric on weekly totals.
        let mut best = 0.0;
        for (m, scores) in user_scores.iter().enumerate() {
            let mut f = 0.0;
            for &(sq, n, plays) in scores.sq_rel.values() {
                let sigma = (sq / f64::from(n)).sqrt();
                let phi = plays.sqrt();
                f += (1.0 - sigma) * phi;
                if m == 0 {
                    best += phi;
                }
            }
            seed_f[m] += f;
        }
        seed_best += best;
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
        let naive = mean(&user_mase[0]);
        for m in 1..MODELS.len() {
            if !user_mase[m].is_empty() && mean(&user_mase[m]) < naive {
                user_beats_naive[m] += 1;
            }
        }
    }

    println!(
        "{users} simulated users (seed {seed}), {series_total} artist series with a MASE scale, \
         {origins_total} weekly origins; every figure synthetic"
    );
    println!(
        "{:<20} {:>8} {:>8} {:>14} {:>12} {:>8}",
        "model", "MASE", "median", "users > naive", "seed F/best", "P@5"
    );
    for m in 0..MODELS.len() {
        if m == LSTM
            && let Some(e) = &lstm_error
        {
            println!("{:<20} not measured: {e}", MODELS[m]);
            continue;
        }
        let mut v = mase[m].clone();
        v.sort_by(f64::total_cmp);
        let mean = v.iter().sum::<f64>() / v.len().max(1) as f64;
        let median = v.get(v.len() / 2).copied().unwrap_or(0.0);
        let beats = if m == 0 {
            "-".to_owned()
        } else {
            format!(
                "{:.1} %",
                100.0 * f64::from(user_beats_naive[m]) / users as f64
            )
        };
        println!(
            "{:<20} {:>8.3} {:>8.3} {:>14} {:>12.3} {:>8.3}",
            MODELS[m],
            mean,
            median,
            beats,
            seed_f[m] / seed_best.max(1e-9),
            f64::from(hits[m]) / f64::from(slots.max(1))
        );
    }
    let share = |f: Option<Forecaster>| {
        100.0 * f64::from(app_chose.get(&f).copied().unwrap_or(0)) / users.max(1) as f64
    };
    println!(
        "The app's choice on each user's last 26 weeks (the rotation's backtest, LSTM included): \
         LSTM {:.1} %, EWMA {:.1} %, mean of 4 weeks {:.1} %, Croston {:.1} %, TSB {:.1} %, \
         none (no forecast shown) {:.1} %",
        share(Some(Forecaster::Lstm)),
        share(Some(Forecaster::Ewma)),
        share(Some(Forecaster::MeanOfFourWeeks)),
        share(Some(Forecaster::Croston)),
        share(Some(Forecaster::Tsb)),
        share(None),
    );
}
