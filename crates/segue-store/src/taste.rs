//! What suggestions are built from: analysed track profiles, and the user's feedback (ratings,
//! likes, dislikes, plays) since the taste was last reset.

use rusqlite::{OptionalExtension, params};
use segue_core::{DspFeatures, FeedbackKind, TrackId};

use crate::analysis::{blob_f32, f32_blob};
use crate::{PlayEnd, Result, Store};

/// One analysed, playable track as suggestions see it.
#[derive(Debug, Clone)]
pub struct ProfileRow {
    pub id: TrackId,
    pub title: String,
    pub artist: Option<String>,
    pub album: Option<String>,
    pub album_artist: Option<String>,
    pub composer: Option<String>,
    pub genre: Option<String>,
    /// The track's year, else its album's.
    pub year: Option<i32>,
    /// The folder the file is in (display form).
    pub folder: Option<String>,
    /// MSD tags then MTT tags.
    pub tags: Vec<f32>,
    pub embedding: Vec<f32>,
    pub features: DspFeatures,
    pub loudness_lufs: Option<f64>,
}

/// A play as the taste model sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlayFact {
    pub track_id: TrackId,
    pub started_at_ms: i64,
    pub ms_listened: i64,
    pub duration_ms: i64,
    pub end: PlayEnd,
}

/// Feedback since a time, each list in time order.
#[derive(Debug, Clone, Default)]
pub struct FeedbackLog {
    /// (track, stars, when in ms): the current rating of each rated track.
    pub ratings: Vec<(TrackId, u8, i64)>,
    pub feedback: Vec<(TrackId, FeedbackKind, i64)>,
    pub plays: Vec<PlayFact>,
}

impl Store {
    /// Every playable track with an analysis (of any version: a stale one is still useful).
    pub fn profiles(&self) -> Result<Vec<ProfileRow>> {
        let mut stmt = self.conn.prepare(
            "SELECT t.id, t.title, ar.name, al.title, a.tags_msd, a.tags_mtt, a.embedding,
                    a.features, a.loudness_lufs, aa.name, t.composer, t.genre,
                    COALESCE(t.year, al.year), f.display_path
             FROM analysis a
             JOIN tracks t ON t.id = a.track_id
             JOIN files f ON f.id = t.id AND f.status = 'ok'
             LEFT JOIN artists ar ON ar.id = COALESCE(t.artist_id, t.album_artist_id)
             LEFT JOIN artists aa ON aa.id = t.album_artist_id
             LEFT JOIN albums al ON al.id = t.album_id
             ORDER BY t.id",
        )?;
        let rows = stmt.query_map([], |r| {
            let mut tags = blob_f32(&r.get::<_, Vec<u8>>(4)?);
            tags.extend(blob_f32(&r.get::<_, Vec<u8>>(5)?));
            Ok((
                r.get::<_, TrackId>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, Option<String>>(3)?,
                tags,
                blob_f32(&r.get::<_, Vec<u8>>(6)?),
                r.get::<_, String>(7)?,
                r.get::<_, Option<f64>>(8)?,
                (
                    r.get::<_, Option<String>>(9)?,
                    r.get::<_, Option<String>>(10)?,
                    r.get::<_, Option<String>>(11)?,
                    r.get::<_, Option<i32>>(12)?,
                    r.get::<_, String>(13)?,
                ),
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, title, artist, album, tags, embedding, features, loudness_lufs, more) = row?;
            let (album_artist, composer, genre, year, path) = more;
            // A row whose features do not parse (written by a future version?) is skipped
            // rather than failing every suggestion.
            let Ok(features) = serde_json::from_str::<DspFeatures>(&features) else {
                tracing::warn!("track {id}: unreadable analysis features, skipped");
                continue;
            };
            let folder = std::path::Path::new(&path)
                .parent()
                .map(|p| p.to_string_lossy().into_owned());
            out.push(ProfileRow {
                id,
                title,
                artist,
                album,
                album_artist,
                composer,
                genre,
                year,
                folder,
                tags,
                embedding,
                features,
                loudness_lufs,
            });
        }
        Ok(out)
    }

    /// Changes whenever analysis results change (count and latest time), to refresh caches.
    pub fn analysis_stamp(&self) -> Result<(i64, i64)> {
        Ok(self.conn.query_row(
            "SELECT COUNT(*), COALESCE(MAX(analyzed_at), 0) FROM analysis",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?)
    }

    /// Records feedback on a track; like and dislike also set its liked state.
    pub fn add_feedback(&self, track: TrackId, kind: FeedbackKind, at_ms: i64) -> Result<()> {
        self.require_track(track)?;
        let tx = self.conn.unchecked_transaction()?;
        tx.execute(
            "INSERT INTO feedback (track_id, kind, at_ms) VALUES (?1, ?2, ?3)",
            params![track, kind.as_str(), at_ms],
        )?;
        let liked = match kind {
            FeedbackKind::Like => Some(1),
            FeedbackKind::Dislike => Some(-1),
            _ => None,
        };
        if let Some(liked) = liked {
            tx.execute(
                "INSERT INTO ratings (track_id, liked, updated_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (track_id) DO UPDATE SET liked = excluded.liked,
                     updated_at = excluded.updated_at",
                params![track, liked, at_ms / 1000],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Ratings, feedback and plays at or after `since_ms`, oldest first; plays also limited
    /// to the newest `max_plays`.
    pub fn feedback_since(&self, since_ms: i64, max_plays: u32) -> Result<FeedbackLog> {
        let mut log = FeedbackLog::default();
        let mut stmt = self.conn.prepare_cached(
            "SELECT track_id, stars, updated_at FROM ratings
             WHERE stars IS NOT NULL AND updated_at * 1000 >= ?1 ORDER BY updated_at, track_id",
        )?;
        for row in stmt.query_map([since_ms], |r| {
            Ok((
                r.get::<_, TrackId>(0)?,
                r.get::<_, u8>(1)?,
                r.get::<_, i64>(2)? * 1000,
            ))
        })? {
            log.ratings.push(row?);
        }
        let mut stmt = self.conn.prepare_cached(
            "SELECT track_id, kind, at_ms FROM feedback WHERE at_ms >= ?1 ORDER BY at_ms, id",
        )?;
        for row in stmt.query_map([since_ms], |r| {
            Ok((
                r.get::<_, TrackId>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })? {
            let (track, kind, at) = row?;
            if let Some(kind) = FeedbackKind::parse(&kind) {
                log.feedback.push((track, kind, at));
            }
        }
        log.plays = self.plays_since(since_ms, max_plays)?;
        Ok(log)
    }

    /// The newest play row and the number of plays: it changes with every play recorded or
    /// imported (an import adds older plays, which the newest start alone would not show).
    pub fn plays_stamp(&self) -> Result<(i64, i64)> {
        Ok(self.conn.query_row(
            "SELECT COALESCE(MAX(id), 0), COUNT(*) FROM plays",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?)
    }

    /// Plays started at or after `since_ms`, the newest `max_plays` of them, oldest first.
    pub fn plays_since(&self, since_ms: i64, max_plays: u32) -> Result<Vec<PlayFact>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT * FROM (
                SELECT p.track_id, p.started_at, p.ms_listened, t.duration_ms, p.end_reason, p.id
                FROM plays p JOIN tracks t ON t.id = p.track_id
                WHERE p.started_at >= ?1 ORDER BY p.started_at DESC, p.id DESC LIMIT ?2
             ) ORDER BY started_at, id",
        )?;
        let rows = stmt.query_map(params![since_ms, max_plays], |r| {
            Ok(PlayFact {
                track_id: r.get(0)?,
                started_at_ms: r.get(1)?,
                ms_listened: r.get(2)?,
                duration_ms: r.get(3)?,
                end: crate::parse_play_end(&r.get::<_, String>(4)?),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The local clock hour (0-23) at `at_ms`, and the plays started in `since_ms..before_ms`
    /// whose local clock time was within `window_hours` of `at_ms`'s, each with how many hours
    /// apart (either way round the clock); newest `max_plays`, oldest first. Local time is the
    /// system's, as SQLite's `localtime` reads it.
    pub fn plays_near_time_of_day(
        &self,
        at_ms: i64,
        since_ms: i64,
        before_ms: i64,
        window_hours: f32,
        max_plays: u32,
    ) -> Result<(u8, Vec<(PlayFact, f32)>)> {
        // Seconds into the local day: SQLite's local date-time read back as if it were UTC.
        const LOCAL_SECOND_OF_DAY: &str =
            "(CAST(strftime('%s', ?1 / 1000, 'unixepoch', 'localtime') AS INTEGER) % 86400)";
        let hour: i64 = self.conn.query_row(
            &format!("SELECT {LOCAL_SECOND_OF_DAY} / 3600"),
            [at_ms],
            |r| r.get(0),
        )?;
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT * FROM (
                SELECT p.track_id, p.started_at, p.ms_listened, t.duration_ms, p.end_reason, p.id,
                       abs(
                         (CAST(strftime('%s', p.started_at / 1000, 'unixepoch', 'localtime')
                               AS INTEGER) % 86400) - {LOCAL_SECOND_OF_DAY}
                       ) AS apart
                FROM plays p JOIN tracks t ON t.id = p.track_id
                WHERE p.started_at >= ?2 AND p.started_at < ?3
             )
             WHERE min(apart, 86400 - apart) <= ?4
             ORDER BY started_at DESC, id DESC LIMIT ?5"
        ))?;
        let window_s = f64::from(window_hours) * 3600.0;
        let rows = stmt.query_map(
            params![at_ms, since_ms, before_ms, window_s, max_plays],
            |r| {
                let apart: i64 = r.get(6)?;
                let apart = apart.min(86_400 - apart);
                Ok((
                    PlayFact {
                        track_id: r.get(0)?,
                        started_at_ms: r.get(1)?,
                        ms_listened: r.get(2)?,
                        duration_ms: r.get(3)?,
                        end: crate::parse_play_end(&r.get::<_, String>(4)?),
                    },
                    apart as f32 / 3600.0,
                ))
            },
        )?;
        let mut plays: Vec<(PlayFact, f32)> = rows.collect::<rusqlite::Result<_>>()?;
        plays.reverse();
        Ok((hour.clamp(0, 23) as u8, plays))
    }

    pub fn setting(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()?)
    }

    pub fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        self.conn.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }

    /// Records suggestions shown (track and term values). Keeps the newest 20,000.
    pub fn log_suggestions(&self, shown: &[(TrackId, Vec<f32>)], at_ms: i64) -> Result<()> {
        let tx = self.conn.unchecked_transaction()?;
        {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO suggestion_log (track_id, at_ms, terms) VALUES (?1, ?2, ?3)",
            )?;
            for (track, values) in shown {
                stmt.execute(params![track, at_ms, f32_blob(values)])?;
            }
        }
        tx.execute(
            "DELETE FROM suggestion_log WHERE id <= (SELECT MAX(id) - 20000 FROM suggestion_log)",
            [],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Suggestions shown at or after `since_ms` (newest `limit`), oldest first:
    /// (track, when, term values).
    pub fn suggestion_log(
        &self,
        since_ms: i64,
        limit: u32,
    ) -> Result<Vec<(TrackId, i64, Vec<f32>)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT * FROM (SELECT track_id, at_ms, terms, id FROM suggestion_log
                WHERE at_ms >= ?1 ORDER BY id DESC LIMIT ?2) ORDER BY id",
        )?;
        let rows = stmt.query_map(params![since_ms, limit], |r| {
            Ok((r.get(0)?, r.get(1)?, blob_f32(&r.get::<_, Vec<u8>>(2)?)))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Saves the ranker's per-user offsets, one per term name.
    pub fn set_ranker_offsets(&self, offsets: &[(&str, f32)]) -> Result<()> {
        let tx = self.conn.unchecked_transaction()?;
        tx.execute("DELETE FROM ranker_offsets", [])?;
        for (term, offset) in offsets {
            tx.execute(
                "INSERT INTO ranker_offsets (term, offset, updated_at) VALUES (?1, ?2, ?3)",
                params![term, offset, crate::unix_seconds()],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    pub fn ranker_offsets(&self) -> Result<Vec<(String, f32)>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT term, offset FROM ranker_offsets ORDER BY term")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
