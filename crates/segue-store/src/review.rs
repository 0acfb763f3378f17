//! A year of the listening history in review (see [`segue_core::review::YearInReview`]), and
//! the weekly plays per artist that the rotation reads (see [`segue_core::rotation`]).

use std::collections::BTreeMap;

use rusqlite::params;
use segue_core::PlayCount;
use segue_core::review::YearInReview;
use segue_core::rotation::ArtistWeeks;

use crate::{Result, Store};

/// The artist a play counts for: the track's artist, else its album artist.
const ARTIST: &str = "COALESCE(a.name, aa.name)";

const WEEK_MS: i64 = 7 * 24 * 3_600_000;

impl Store {
    /// Each artist's plays in each of the `weeks` weeks up to `now_ms` (oldest first; the last
    /// is the seven days before `now_ms`), with their plays before those weeks.
    pub fn artist_weeks(&self, now_ms: i64, weeks: usize) -> Result<Vec<ArtistWeeks>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {ARTIST} AS artist, (?1 - p.started_at) / {WEEK_MS} AS ago, COUNT(*),
                    MIN(p.started_at)
             FROM plays p
             JOIN tracks t ON t.id = p.track_id
             LEFT JOIN artists a ON a.id = t.artist_id
             LEFT JOIN artists aa ON aa.id = t.album_artist_id
             WHERE {ARTIST} IS NOT NULL AND p.started_at <= ?1
             GROUP BY artist, ago"
        ))?;
        let window_start = now_ms - weeks as i64 * WEEK_MS;
        let mut by_artist: BTreeMap<String, ArtistWeeks> = BTreeMap::new();
        let rows = stmt.query_map([now_ms], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, u32>(2)?,
                r.get::<_, i64>(3)?,
            ))
        })?;
        for row in rows {
            let (artist, ago, plays, first) = row?;
            let entry = by_artist
                .entry(artist.clone())
                .or_insert_with(|| ArtistWeeks {
                    artist,
                    weeks: vec![0; weeks],
                    earlier: 0,
                    earlier_weeks: 0,
                });
            match usize::try_from(ago) {
                Ok(ago) if ago < weeks => entry.weeks[weeks - 1 - ago] += plays,
                _ => {
                    entry.earlier += plays;
                    let span = ((window_start - first).max(0) / WEEK_MS) as u32;
                    entry.earlier_weeks = entry.earlier_weeks.max(span);
                }
            }
        }
        Ok(by_artist.into_values().collect())
    }

    /// Every year with plays (local time), newest first.
    pub fn years_with_plays(&self) -> Result<Vec<i32>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT DISTINCT CAST(strftime('%Y', started_at / 1000, 'unixepoch', 'localtime') AS INTEGER) AS y
             FROM plays ORDER BY y DESC",
        )?;
        let years = stmt.query_map([], |r| r.get(0))?;
        Ok(years.collect::<rusqlite::Result<_>>()?)
    }

    /// This year, in local time.
    pub fn current_year(&self) -> Result<i32> {
        Ok(self.conn.query_row(
            "SELECT CAST(strftime('%Y', 'now', 'localtime') AS INTEGER)",
            [],
            |r| r.get(0),
        )?)
    }

    /// `year` of the listening history (local time), with `top` of each list.
    pub fn year_in_review(&self, year: i32, top: u32) -> Result<YearInReview> {
        // The year's bounds in Unix milliseconds: local midnight on 1 January, as UTC.
        let (from, to): (i64, i64) = self.conn.query_row(
            "SELECT CAST(strftime('%s', printf('%04d-01-01', ?1), 'utc') AS INTEGER) * 1000,
                    CAST(strftime('%s', printf('%04d-01-01', ?1 + 1), 'utc') AS INTEGER) * 1000",
            [year],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let span = params![from, to];

        let (plays, skipped, listened_ms, distinct_tracks): (u32, u32, i64, u32) =
            self.conn.query_row(
                "SELECT COUNT(*), COALESCE(SUM(end_reason = 'skipped'), 0),
                        COALESCE(SUM(ms_listened), 0), COUNT(DISTINCT track_id)
                 FROM plays WHERE started_at >= ?1 AND started_at < ?2",
                span,
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )?;

        let days = self.days_listening(from, to)?;
        let days_listened = days.len() as u32;
        let busiest_day = days
            .into_iter()
            .max_by(|a, b| a.listened_ms.cmp(&b.listened_ms).then(b.day.cmp(&a.day)));

        let counts = |sql: &str| -> Result<Vec<PlayCount>> {
            let mut stmt = self.conn.prepare_cached(sql)?;
            let rows = stmt.query_map(params![from, to, top], |r| {
                Ok(PlayCount {
                    name: r.get(0)?,
                    track_id: r.get(1)?,
                    plays: r.get(2)?,
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        };
        let top_artists = counts(&format!(
            "SELECT {ARTIST}, NULL, COUNT(*) AS n FROM plays p
             JOIN tracks t ON t.id = p.track_id
             LEFT JOIN artists a ON a.id = t.artist_id
             LEFT JOIN artists aa ON aa.id = t.album_artist_id
             WHERE p.started_at >= ?1 AND p.started_at < ?2 AND {ARTIST} IS NOT NULL
             GROUP BY 1 ORDER BY n DESC, 1 LIMIT ?3"
        ))?;
        let top_albums = counts(
            "SELECT al.title, MIN(p.track_id), COUNT(*) AS n FROM plays p
             JOIN tracks t ON t.id = p.track_id
             JOIN albums al ON al.id = t.album_id
             WHERE p.started_at >= ?1 AND p.started_at < ?2
             GROUP BY al.id ORDER BY n DESC, al.title LIMIT ?3",
        )?;
        let top_tracks = counts(
            "SELECT t.title, p.track_id, COUNT(*) AS n FROM plays p
             JOIN tracks t ON t.id = p.track_id
             WHERE p.started_at >= ?1 AND p.started_at < ?2
             GROUP BY p.track_id ORDER BY n DESC, t.title LIMIT ?3",
        )?;

        let histogram = |unit: &str, slots: usize, first: i64| -> Result<Vec<u32>> {
            let mut out = vec![0; slots];
            let mut stmt = self.conn.prepare_cached(&format!(
                "SELECT CAST(strftime('{unit}', started_at / 1000, 'unixepoch', 'localtime') AS INTEGER),
                        COUNT(*)
                 FROM plays WHERE started_at >= ?1 AND started_at < ?2 GROUP BY 1"
            ))?;
            for row in stmt.query_map(span, |r| Ok((r.get::<_, i64>(0)?, r.get::<_, u32>(1)?)))? {
                let (slot, n) = row?;
                if let Some(count) = usize::try_from(slot - first)
                    .ok()
                    .and_then(|i| out.get_mut(i))
                {
                    *count = n;
                }
            }
            Ok(out)
        };
        let hours = histogram("%H", 24, 0)?;
        let months = histogram("%m", 12, 1)?;

        // Artists whose first play ever falls in the year.
        let first_heard = format!(
            "SELECT {ARTIST} AS artist, MIN(p.started_at) AS first,
                    SUM(p.started_at >= ?1 AND p.started_at < ?2) AS n
             FROM plays p
             JOIN tracks t ON t.id = p.track_id
             LEFT JOIN artists a ON a.id = t.artist_id
             LEFT JOIN artists aa ON aa.id = t.album_artist_id
             WHERE {ARTIST} IS NOT NULL
             GROUP BY 1"
        );
        let discoveries = counts(&format!(
            "SELECT artist, NULL, n FROM ({first_heard})
             WHERE first >= ?1 AND first < ?2 ORDER BY n DESC, artist LIMIT ?3"
        ))?;
        let new_artists: u32 = self.conn.query_row(
            &format!("SELECT COUNT(*) FROM ({first_heard}) WHERE first >= ?1 AND first < ?2"),
            span,
            |r| r.get(0),
        )?;

        Ok(YearInReview {
            year,
            years: self.years_with_plays()?,
            plays,
            skipped,
            listened_ms,
            days_listened,
            busiest_day,
            top_artists,
            top_albums,
            top_tracks,
            hours,
            months,
            discoveries,
            new_artists,
            distinct_tracks,
        })
    }
}

#[cfg(test)]
mod tests {
    use segue_core::TrackId;

    use crate::tests::{file_store, imported, play_record};
    use crate::{PlayEnd, TrackQuery};

    /// Noon UTC in early July keeps every play in the same local year, month and day in any
    /// time zone within ±11 h; the hour of the day is the local one, so only its total is
    /// checked.
    const JULY_1_2024_NOON: i64 = 1_719_835_200_000;
    const JULY_2_2024_NOON: i64 = 1_719_921_600_000;
    const JULY_1_2023_NOON: i64 = 1_688_212_800_000;

    #[test]
    fn artist_weeks_count_each_week_back_from_now_and_what_came_before() {
        let (_dir, mut s) = file_store();
        s.apply(&[
            imported("/m/a.flac", "Alpha", "Ann", "One", 1),
            imported("/m/b.flac", "Beta", "Bob", "Two", 2),
        ])
        .expect("apply");
        let ids: Vec<TrackId> = s
            .tracks(&TrackQuery::default())
            .expect("tracks")
            .iter()
            .map(|t| t.id)
            .collect();
        let now = JULY_2_2024_NOON;
        let day = 86_400_000;
        let at = |track, when| play_record(track, when, 60_000, PlayEnd::Completed);
        for p in [
            at(ids[0], now - day),       // this week
            at(ids[0], now - 2 * day),   // this week
            at(ids[0], now - 8 * day),   // last week
            at(ids[0], now - 30 * day),  // before the 4 weeks counted
            at(ids[0], now - 100 * day), // before, too: 10 weeks before the window
            at(ids[1], now - 20 * day),  // three weeks ago
            at(ids[1], now + day),       // after now: not counted
        ] {
            s.record_play(&p).expect("play");
        }
        let weeks = s.artist_weeks(now, 4).expect("weeks");
        assert_eq!(weeks.len(), 2);
        assert_eq!(weeks[0].artist, "Ann");
        assert_eq!(weeks[0].weeks, [0, 0, 1, 2]);
        assert_eq!((weeks[0].earlier, weeks[0].earlier_weeks), (2, 10));
        assert_eq!(weeks[1].artist, "Bob");
        assert_eq!(weeks[1].weeks, [0, 1, 0, 0]);
        assert_eq!(weeks[1].earlier, 0);
    }

    #[test]
    fn a_year_in_review_counts_its_plays_favourites_hours_and_first_heard_artists() {
        let (_dir, mut s) = file_store();
        s.apply(&[
            imported("/m/a.flac", "Alpha", "Ann", "One", 1),
            imported("/m/b.flac", "Beta", "Bob", "Two", 2),
            imported("/m/c.flac", "Gamma", "Cleo", "Three", 3),
        ])
        .expect("apply");
        let id = |title: &str| -> TrackId {
            s.tracks(&TrackQuery::default())
                .expect("tracks")
                .iter()
                .find(|t| t.tags.title == title)
                .expect("track")
                .id
        };
        let (alpha, beta, gamma) = (id("Alpha"), id("Beta"), id("Gamma"));
        let minute = 60_000;
        let play = play_record;
        for p in [
            // 2023: Bob is heard first.
            play(beta, JULY_1_2023_NOON, 3 * minute, PlayEnd::Completed),
            // 2024: Ann and Cleo are new, Bob is not.
            play(alpha, JULY_1_2024_NOON, 3 * minute, PlayEnd::Completed),
            play(
                alpha,
                JULY_1_2024_NOON + 5 * minute,
                3 * minute,
                PlayEnd::Completed,
            ),
            play(alpha, JULY_2_2024_NOON, 10_000, PlayEnd::Skipped),
            play(
                beta,
                JULY_2_2024_NOON + 5 * minute,
                3 * minute,
                PlayEnd::Completed,
            ),
            play(
                gamma,
                JULY_2_2024_NOON + 10 * minute,
                3 * minute,
                PlayEnd::Completed,
            ),
            play(
                gamma,
                JULY_2_2024_NOON + 15 * minute,
                3 * minute,
                PlayEnd::Completed,
            ),
        ] {
            s.record_play(&p).expect("play");
        }

        let review = s.year_in_review(2024, 10).expect("review");
        assert_eq!(review.years, [2024, 2023]);
        assert_eq!((review.plays, review.skipped), (6, 1));
        assert_eq!(review.listened_ms, 15 * minute + 10_000);
        assert_eq!((review.days_listened, review.distinct_tracks), (2, 3));
        let busiest = review.busiest_day.as_ref().expect("a busiest day");
        assert_eq!(
            (busiest.plays, busiest.listened_ms),
            (4, 9 * minute + 10_000)
        );
        let names = |list: &[segue_core::PlayCount]| -> Vec<(String, u32)> {
            list.iter().map(|c| (c.name.clone(), c.plays)).collect()
        };
        assert_eq!(
            names(&review.top_artists),
            [("Ann".into(), 3), ("Cleo".into(), 2), ("Bob".into(), 1)]
        );
        assert_eq!(names(&review.top_albums)[0], ("One".into(), 3));
        assert_eq!(review.top_albums[0].track_id, Some(alpha));
        assert_eq!(review.top_tracks[0].track_id, Some(alpha));
        assert_eq!(
            names(&review.discoveries),
            [("Ann".into(), 3), ("Cleo".into(), 2)]
        );
        assert_eq!(review.new_artists, 2);
        assert_eq!(review.hours.len(), 24);
        assert_eq!(review.hours.iter().sum::<u32>(), 6);
        assert_eq!(review.months.len(), 12);
        assert_eq!(review.months[6], 6, "all in July: {:?}", review.months);

        // 2023 holds Bob's one play, and he was new then; a year without plays is empty.
        let earlier = s.year_in_review(2023, 10).expect("review");
        assert_eq!((earlier.plays, earlier.new_artists), (1, 1));
        assert_eq!(names(&earlier.discoveries), [("Bob".into(), 1)]);
        let empty = s.year_in_review(2019, 10).expect("review");
        assert_eq!(
            (empty.plays, empty.days_listened, empty.new_artists),
            (0, 0, 0)
        );
        assert!(empty.busiest_day.is_none() && empty.top_artists.is_empty());
        assert_eq!(empty.hours, vec![0; 24]);
    }
}
