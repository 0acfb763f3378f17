//! A year of listening in review: totals, favourites, when in the day the listening happens and
//! what was new, over the whole history (imported listens included).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{DayListening, PlayCount};

/// One year of the listening history, in local time.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct YearInReview {
    pub year: i32,
    /// Every year with plays, newest first (what can be reviewed).
    pub years: Vec<i32>,
    pub plays: u32,
    /// Plays ended by a skip.
    pub skipped: u32,
    #[ts(type = "number")]
    pub listened_ms: i64,
    /// Days with at least one play.
    pub days_listened: u32,
    /// The day with the most listening time.
    pub busiest_day: Option<DayListening>,
    /// Most played, each with its plays this year.
    pub top_artists: Vec<PlayCount>,
    /// Album titles; `track_id` is one of the album's tracks (for its cover).
    pub top_albums: Vec<PlayCount>,
    pub top_tracks: Vec<PlayCount>,
    /// Plays started in each hour of the day, 0-23.
    pub hours: Vec<u32>,
    /// Plays in each month, January first.
    pub months: Vec<u32>,
    /// Artists first heard this year, most played first.
    pub discoveries: Vec<PlayCount>,
    /// How many artists were first heard this year.
    pub new_artists: u32,
    /// How many different tracks were played.
    pub distinct_tracks: u32,
}

impl YearInReview {
    /// Share of plays ended by a skip, 0-1 (0 with no plays).
    pub fn skip_rate(&self) -> f32 {
        if self.plays == 0 {
            0.0
        } else {
            self.skipped as f32 / self.plays as f32
        }
    }
}
