//! Your rotation: which artists are rising in the listening and which favourites are fading,
//! from weekly play counts. Plain facts, judged against each artist's own usual rate, so one
//! busy evening does not make a trend and a long-loved artist is missed only when the gap is
//! clear. And what next week probably holds, but only where a forecaster beat "same as last
//! week" on this listener's own history ([`crate::forecast`]).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::forecast::{Backtest, SeriesForecaster, backtest_with, next_weeks};

/// One artist's plays, week by week, as the history gives them.
#[derive(Debug, Clone, PartialEq)]
pub struct ArtistWeeks {
    pub artist: String,
    /// Plays in each of the last weeks, oldest first; the last is the latest seven days.
    pub weeks: Vec<u32>,
    /// Plays before those weeks.
    pub earlier: u32,
    /// Whole weeks from the first of those earlier plays to the first week counted (0 when
    /// there were none).
    pub earlier_weeks: u32,
}

/// An artist whose listening moved, with what shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct RotationArtist {
    pub name: String,
    /// Plays in the last [`SPARKLINE_WEEKS`] weeks, oldest first (the last is the latest seven
    /// days), for a sparkline.
    pub weekly: Vec<u32>,
    /// Plays in the recent weeks ([`Rotation::recent_weeks`]).
    pub recent: u32,
    /// What the recent weeks would hold at the artist's usual rate before them.
    pub usual: f32,
}

/// Rising artists and fading favourites, strongest change first, and next week's forecast.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Rotation {
    pub rising: Vec<RotationArtist>,
    pub fading: Vec<RotationArtist>,
    /// How many of the latest weeks count as recent.
    pub recent_weeks: u32,
    /// Present only where a forecaster beat "same as last week" on this history.
    pub forecast: Option<RotationForecast>,
}

/// What next week probably holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct RotationForecast {
    pub backtest: Backtest,
    /// The artists most likely to be played, most first.
    pub next_week: Vec<ArtistForecast>,
}

/// One artist's plays expected next week, with an 80 % band.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ArtistForecast {
    pub name: String,
    pub plays: f32,
    pub low: f32,
    pub high: f32,
}

/// Weeks a sparkline shows.
pub const SPARKLINE_WEEKS: usize = 12;

/// An artist expected fewer plays than this next week is not listed.
const FORECAST_MIN_PLAYS: f64 = 0.5;

/// Weeks counted as recent.
pub const RECENT_WEEKS: usize = 4;

/// A change counts when it lies this many standard deviations from the usual (Poisson plays).
const CLEAR_CHANGE: f32 = 2.0;

/// Rising: at least this many recent plays, and at least twice the usual.
const RISING_MIN_PLAYS: u32 = 3;
const RISING_FACTOR: f32 = 2.0;

/// A favourite: this many plays before the recent weeks, at least this many a week; fading
/// once the recent weeks hold at most this share of the usual.
const FAVOURITE_MIN_PLAYS: u32 = 8;
const FAVOURITE_MIN_RATE: f32 = 0.5;
const FADING_SHARE: f32 = 1.0 / 3.0;

/// Each list holds at most this many.
const LISTED: usize = 5;

/// How one artist's recent weeks compare with their usual rate.
struct Trend {
    artist: RotationArtist,
    /// Standard deviations (Poisson) from the usual: positive when rising.
    change: f32,
    rising: bool,
    fading: bool,
}

fn trend(a: &ArtistWeeks) -> Trend {
    let split = a.weeks.len().saturating_sub(RECENT_WEEKS);
    let (before, recent) = a.weeks.split_at(split);
    let recent_plays: u32 = recent.iter().sum();
    let before_plays = before.iter().sum::<u32>() + a.earlier;
    // Weeks the artist could have been played in before the recent ones: from the first
    // play on (an artist first heard last month has no usual rate from the year before).
    let first_week = before.iter().position(|&n| n > 0);
    let before_weeks = if a.earlier > 0 {
        before.len() as u32 + a.earlier_weeks.max(1)
    } else {
        first_week.map_or(0, |i| (before.len() - i) as u32)
    };
    let rate = if before_weeks == 0 {
        0.0
    } else {
        before_plays as f32 / before_weeks as f32
    };
    let usual = rate * recent.len() as f32;
    let spread = (usual + 1.0).sqrt();
    let change = (recent_plays as f32 - usual) / spread;
    let artist = RotationArtist {
        name: a.artist.clone(),
        weekly: a.weeks[a.weeks.len().saturating_sub(SPARKLINE_WEEKS)..].to_vec(),
        recent: recent_plays,
        usual,
    };
    let rising = recent_plays >= RISING_MIN_PLAYS
        && recent_plays as f32 >= RISING_FACTOR * usual
        && change >= CLEAR_CHANGE;
    let fading = !rising
        && before_plays >= FAVOURITE_MIN_PLAYS
        && rate >= FAVOURITE_MIN_RATE
        && recent_plays as f32 <= FADING_SHARE * usual
        && -change >= CLEAR_CHANGE;
    Trend {
        artist,
        change,
        rising,
        fading,
    }
}

/// The artists played more lately than their own usual rate (the rotation's rising artists,
/// all of them), each with how clear the rise is: 0.5 at the least change that counts, 1 from
/// twice that on. What the momentum term of suggestions reads.
pub fn momentum(artists: &[ArtistWeeks]) -> Vec<(String, f32)> {
    artists
        .iter()
        .map(trend)
        .filter(|t| t.rising)
        .map(|t| {
            let strength = (t.change / (2.0 * CLEAR_CHANGE)).min(1.0);
            (t.artist.name, strength)
        })
        .collect()
}

/// The rising artists and fading favourites among `artists`.
pub fn rotation(artists: &[ArtistWeeks]) -> Rotation {
    rotation_with(artists, None).0
}

/// [`rotation`], with the seed's LSTM among next week's forecasters when `learned` is given. If
/// it fails, the others are compared without it and the error comes back for the log.
pub fn rotation_with(
    artists: &[ArtistWeeks],
    learned: Option<&mut (dyn SeriesForecaster + '_)>,
) -> (Rotation, Option<String>) {
    let mut rising = Vec::new();
    let mut fading = Vec::new();
    for t in artists.iter().map(trend) {
        if t.rising {
            rising.push((t.change, t.artist));
        } else if t.fading {
            fading.push((-t.change, t.artist));
        }
    }
    let strongest = |mut list: Vec<(f32, RotationArtist)>| -> Vec<RotationArtist> {
        list.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.name.cmp(&b.1.name)));
        list.into_iter().take(LISTED).map(|(_, a)| a).collect()
    };
    let (forecast, error) = forecast(artists, learned);
    let rotation = Rotation {
        rising: strongest(rising),
        fading: strongest(fading),
        recent_weeks: RECENT_WEEKS as u32,
        forecast,
    };
    (rotation, error)
}

/// Next week's likeliest artists by the forecaster that beat naive on these series, if any;
/// and what went wrong with the LSTM, if anything.
fn forecast(
    artists: &[ArtistWeeks],
    mut learned: Option<&mut (dyn SeriesForecaster + '_)>,
) -> (Option<RotationForecast>, Option<String>) {
    let series: Vec<Vec<f64>> = artists
        .iter()
        .map(|a| a.weeks.iter().map(|&n| f64::from(n)).collect())
        .collect();
    let (backtest, error) = backtest_with(&series, learned.as_deref_mut());
    let Some(model) = backtest.chosen else {
        return (None, error);
    };
    let histories: Vec<&[f64]> = series.iter().map(Vec::as_slice).collect();
    let plays = match next_weeks(model, &histories, learned) {
        Ok(plays) => plays,
        Err(e) => return (None, Some(e)),
    };
    let mut next_week: Vec<ArtistForecast> = artists
        .iter()
        .zip(plays)
        .filter(|(_, plays)| *plays >= FORECAST_MIN_PLAYS)
        .map(|(a, plays)| {
            // Plays are counts: a Poisson spread (±1.28 σ, 80 %) is the plainest honest band.
            let spread = 1.28 * plays.sqrt();
            ArtistForecast {
                name: a.artist.clone(),
                plays: plays as f32,
                low: (plays - spread).max(0.0) as f32,
                high: (plays + spread) as f32,
            }
        })
        .collect();
    next_week.sort_by(|a, b| {
        b.plays
            .total_cmp(&a.plays)
            .then_with(|| a.name.cmp(&b.name))
    });
    next_week.truncate(LISTED);
    let forecast = RotationForecast {
        backtest,
        next_week,
    };
    (Some(forecast), error)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn artist(name: &str, weeks: &[u32], earlier: u32, earlier_weeks: u32) -> ArtistWeeks {
        ArtistWeeks {
            artist: name.into(),
            weeks: weeks.to_vec(),
            earlier,
            earlier_weeks,
        }
    }

    fn names(list: &[RotationArtist]) -> Vec<&str> {
        list.iter().map(|a| a.name.as_str()).collect()
    }

    #[test]
    fn a_new_obsession_rises_and_a_long_loved_artist_gone_quiet_fades() {
        let r = rotation(&[
            // Two plays a week for a year, then nothing for four weeks.
            artist("Faded", &[2, 2, 2, 2, 2, 2, 2, 2, 0, 0, 0, 0], 80, 40),
            // Heard now and then, now every day.
            artist("Rising", &[0, 1, 0, 0, 1, 0, 0, 0, 3, 5, 6, 7], 2, 20),
            // Steady: no trend either way.
            artist("Steady", &[3, 2, 3, 3, 2, 3, 3, 2, 3, 2, 3, 3], 100, 40),
            // One busy evening is not a trend.
            artist("Once", &[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2], 0, 0),
            // A handful of plays long ago is not a favourite.
            artist("Rare", &[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 3, 30),
        ]);
        assert_eq!(names(&r.rising), ["Rising"]);
        assert_eq!(names(&r.fading), ["Faded"]);
        assert_eq!(r.recent_weeks, 4);
        assert_eq!(r.rising[0].recent, 21);
        assert!(r.rising[0].usual < 1.0, "{}", r.rising[0].usual);
        assert_eq!(r.fading[0].recent, 0);
        assert!(
            (r.fading[0].usual - 8.0).abs() < 0.5,
            "{}",
            r.fading[0].usual
        );
    }

    #[test]
    fn next_week_is_forecast_only_where_a_forecaster_beat_last_week() {
        // Half a year of plays that swing from week to week round a steady level: a mean beats
        // "same as last week", so next week is forecast, the busiest artist first.
        let swinging = |name: &str, high: u32| {
            let weeks: Vec<u32> = (0..26).map(|i| if i % 2 == 0 { 1 } else { high }).collect();
            artist(name, &weeks, 0, 0)
        };
        let r = rotation(&[swinging("A", 5), swinging("B", 9), swinging("C", 3)]);
        let f = r.forecast.expect("a forecast");
        assert!(f.backtest.chosen_mase < f.backtest.naive_mase);
        assert_eq!(
            f.next_week
                .iter()
                .map(|a| a.name.as_str())
                .collect::<Vec<_>>(),
            ["B", "A", "C"]
        );
        let b = &f.next_week[0];
        assert!(
            b.low < b.plays && b.plays < b.high && b.plays > 3.0,
            "{b:?}"
        );
        assert_eq!(r.rising.iter().map(|a| a.weekly.len()).max(), None);

        // A steady climb: last week is the best guess, so nothing is forecast.
        let climbing = |name: &str| artist(name, &(0..26).collect::<Vec<u32>>(), 0, 0);
        let r = rotation(&[climbing("A"), climbing("B"), climbing("C")]);
        assert!(r.forecast.is_none());
        assert!(r.rising.iter().all(|a| a.weekly.len() == SPARKLINE_WEEKS));
    }

    #[test]
    fn an_artist_first_heard_this_month_rises_from_nothing() {
        let r = rotation(&[artist("New", &[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 4], 0, 0)]);
        assert_eq!(names(&r.rising), ["New"]);
        assert_eq!(r.rising[0].usual, 0.0);
    }

    #[test]
    fn the_strongest_change_comes_first_and_lists_stay_short() {
        let artists: Vec<ArtistWeeks> = (0..8)
            .map(|i| {
                artist(
                    &format!("A{i}"),
                    &[0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1 + i],
                    0,
                    0,
                )
            })
            .collect();
        let r = rotation(&artists);
        assert_eq!(names(&r.rising), ["A7", "A6", "A5", "A4", "A3"]);
    }
}
