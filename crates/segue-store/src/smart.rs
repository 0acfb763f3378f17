//! Smart playlists as stored (a name and its rules), and the listening facts their rules read.

use std::collections::HashMap;

use rusqlite::OptionalExtension;
use segue_core::TrackId;
use segue_core::smart::{SmartPlaylist, SmartQuery};

use crate::playlist::checked_name;
use crate::{PlaylistError, Result, Store, StoreError, search_key};

/// What history and the listener's ratings say of a track, for smart playlist rules.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ListeningFacts {
    /// Stars, 1-5.
    pub rating: Option<u8>,
    /// 1 liked, -1 disliked.
    pub liked: Option<i8>,
    pub plays: u32,
    pub skips: u32,
    /// Unix milliseconds.
    pub last_played_ms: Option<i64>,
}

/// Changes whenever what smart playlist rules read changes, in two halves: a play or a rating
/// changes only `listening`, so the library's facts (most of the cost at 100k tracks) are
/// kept and only the listening ones read again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FactsStamp {
    /// Tracks, files and their tags.
    pub library: [i64; 3],
    /// Plays, ratings and likes.
    pub listening: [i64; 4],
}

impl Store {
    /// Every smart playlist, by name.
    pub fn smart_playlists(&self) -> Result<Vec<SmartPlaylist>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id, name, query FROM smart_playlists ORDER BY name_key")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, name, query) = row?;
            match serde_json::from_str::<SmartQuery>(&query) {
                Ok(query) => out.push(SmartPlaylist { id, name, query }),
                // A newer Segue's rule this one does not know: listed by the newer one only.
                Err(e) => {
                    tracing::warn!("smart playlist {name:?} has rules this Segue cannot read: {e}")
                }
            }
        }
        Ok(out)
    }

    /// Saves a new smart playlist. Names are unique among smart playlists whatever their case.
    pub fn create_smart_playlist(&self, name: &str, query: &SmartQuery) -> Result<SmartPlaylist> {
        let name = checked_name(name)?;
        let json =
            serde_json::to_string(query).map_err(|e| StoreError::SmartRules(e.to_string()))?;
        self.refuse_taken_smart_name(name, None)?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64);
        self.conn.execute(
            "INSERT INTO smart_playlists (name, name_key, query, created_at) VALUES (?1, ?2, ?3, ?4)",
            rusqlite::params![name, search_key(name), json, now],
        )?;
        Ok(SmartPlaylist {
            id: self.conn.last_insert_rowid(),
            name: name.to_owned(),
            query: query.clone(),
        })
    }

    /// Replaces smart playlist `id`'s name and rules. The name stays unique among smart
    /// playlists whatever its case (keeping its own name in another case is a rename).
    pub fn update_smart_playlist(
        &self,
        id: i64,
        name: &str,
        query: &SmartQuery,
    ) -> Result<SmartPlaylist> {
        let name = checked_name(name)?;
        let json =
            serde_json::to_string(query).map_err(|e| StoreError::SmartRules(e.to_string()))?;
        self.refuse_taken_smart_name(name, Some(id))?;
        let updated = self.conn.execute(
            "UPDATE smart_playlists SET name = ?2, name_key = ?3, query = ?4 WHERE id = ?1",
            rusqlite::params![id, name, search_key(name), json],
        )?;
        if updated == 0 {
            return Err(PlaylistError::NotFound(id).into());
        }
        Ok(SmartPlaylist {
            id,
            name: name.to_owned(),
            query: query.clone(),
        })
    }

    /// Refuses `name` when another smart playlist than `own` has it, whatever its case.
    fn refuse_taken_smart_name(&self, name: &str, own: Option<i64>) -> Result<()> {
        let taken: Option<i64> = self
            .conn
            .query_row(
                "SELECT id FROM smart_playlists WHERE name_key = ?1 AND id IS NOT ?2",
                rusqlite::params![search_key(name), own],
                |r| r.get(0),
            )
            .optional()?;
        match taken {
            Some(_) => Err(PlaylistError::NameTaken(name.to_owned()).into()),
            None => Ok(()),
        }
    }

    /// Deletes the smart playlist called `name` (any case).
    pub fn delete_smart_playlist(&self, name: &str) -> Result<()> {
        let deleted = self.conn.execute(
            "DELETE FROM smart_playlists WHERE name_key = ?1",
            [search_key(name.trim())],
        )?;
        if deleted == 0 {
            return Err(PlaylistError::NameNotFound(name.trim().to_owned()).into());
        }
        Ok(())
    }

    /// When the facts smart playlist rules read last changed (analysis has
    /// [`Store::analysis_stamp`]), so they can be kept between evaluations.
    pub fn smart_stamp(&self) -> Result<FactsStamp> {
        Ok(self.conn.query_row(
            "SELECT (SELECT COUNT(*) FROM tracks),
                    (SELECT COUNT(*) FROM files WHERE status = 'ok'),
                    (SELECT COALESCE(MAX(updated_at), 0) FROM files),
                    (SELECT COALESCE(MAX(id), 0) FROM plays),
                    (SELECT COUNT(*) FROM plays),
                    (SELECT COALESCE(MAX(updated_at), 0) FROM ratings),
                    (SELECT COALESCE(SUM(track_id * (COALESCE(stars, 0) * 3 + COALESCE(liked, 0) + 2)), 0)
                     FROM ratings)",
            [],
            |r| {
                Ok(FactsStamp {
                    library: [r.get(0)?, r.get(1)?, r.get(2)?],
                    listening: [r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?],
                })
            },
        )?)
    }

    /// When each track was added (Unix seconds).
    pub fn added_dates(&self) -> Result<HashMap<TrackId, i64>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT t.id, f.added_at FROM tracks t JOIN files f ON f.id = t.id")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, TrackId>(0)?, r.get::<_, i64>(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Listening facts of every track that has any (tracks never played nor rated have none).
    pub fn listening_facts(&self) -> Result<HashMap<TrackId, ListeningFacts>> {
        let mut facts: HashMap<TrackId, ListeningFacts> = HashMap::new();
        let mut plays = self.conn.prepare_cached(
            "SELECT track_id, COUNT(*), SUM(end_reason = 'skipped'), MAX(started_at)
             FROM plays GROUP BY track_id",
        )?;
        for row in plays.query_map([], |r| {
            Ok((
                r.get::<_, TrackId>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, Option<i64>>(3)?,
            ))
        })? {
            let (id, count, skips, last) = row?;
            let f = facts.entry(id).or_default();
            f.plays = u32::try_from(count).unwrap_or(u32::MAX);
            f.skips = u32::try_from(skips).unwrap_or(u32::MAX);
            f.last_played_ms = last;
        }
        let mut ratings = self
            .conn
            .prepare_cached("SELECT track_id, stars, liked FROM ratings")?;
        for row in ratings.query_map([], |r| {
            Ok((
                r.get::<_, TrackId>(0)?,
                r.get::<_, Option<u8>>(1)?,
                r.get::<_, Option<i8>>(2)?,
            ))
        })? {
            let (id, stars, liked) = row?;
            let f = facts.entry(id).or_default();
            f.rating = stars;
            f.liked = liked.filter(|l| matches!(l, -1 | 1));
        }
        Ok(facts)
    }
}
