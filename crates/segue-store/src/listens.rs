//! Listens from other services' histories: adding them without duplicates, and reading the
//! history back for an export.

use rusqlite::params;
use segue_core::TrackId;

use crate::{Result, Store};

/// A listen to add to the history, matched to a library track.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportedListen {
    pub track_id: TrackId,
    /// Unix milliseconds; services give whole seconds.
    pub started_at_ms: i64,
    /// How long it was heard: services record a scrobble once half the track (or four
    /// minutes) was, so the whole track unless the file says otherwise.
    pub ms_listened: i64,
}

/// What adding a batch of listens did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListenCounts {
    pub added: u32,
    /// Already in the history: a play of the same track started in the same second.
    pub duplicates: u32,
}

/// A full listen of the history, for an export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryListen {
    pub track_id: TrackId,
    pub started_at_ms: i64,
    pub title: String,
    pub artist: Option<String>,
    pub album: Option<String>,
    pub duration_ms: u64,
}

/// Migration 10 (schema_v10.sql says why): `plays.imported_from`, added only where missing,
/// since a database whose version number was set back (as the migration tests do) has it.
pub(crate) fn add_imported_from(tx: &rusqlite::Transaction) -> rusqlite_migration::HookResult {
    let present: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM pragma_table_info('plays') WHERE name = 'imported_from')",
        [],
        |r| r.get(0),
    )?;
    if !present {
        tx.execute_batch("ALTER TABLE plays ADD COLUMN imported_from TEXT")?;
    }
    Ok(())
}

impl Store {
    /// Adds `listens` (from `origin`, a format's name) as completed plays in one transaction,
    /// skipping each that is already in the history: a play of the same track that started
    /// within the same second, whether played in Segue or imported before.
    pub fn import_listens(
        &mut self,
        listens: &[ImportedListen],
        origin: &str,
    ) -> Result<ListenCounts> {
        let tx = self.conn.transaction()?;
        let mut counts = ListenCounts::default();
        {
            let mut exists = tx.prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM plays
                 WHERE track_id = ?1 AND started_at >= ?2 AND started_at < ?2 + 1000)",
            )?;
            let mut insert = tx.prepare_cached(
                "INSERT INTO plays (track_id, started_at, ms_listened, end_reason, position_ms, imported_from)
                 VALUES (?1, ?2, ?3, 'completed', ?3, ?4)",
            )?;
            for listen in listens {
                let second = listen.started_at_ms.div_euclid(1000) * 1000;
                let known: bool =
                    exists.query_row(params![listen.track_id, second], |r| r.get(0))?;
                if known {
                    counts.duplicates += 1;
                } else {
                    insert.execute(params![
                        listen.track_id,
                        listen.started_at_ms,
                        listen.ms_listened,
                        origin
                    ])?;
                    counts.added += 1;
                }
            }
        }
        tx.commit()?;
        Ok(counts)
    }

    /// Every full listen (half the track or four minutes, [`segue_core::is_full_listen`]) of
    /// the history, oldest first, with the names an export writes.
    pub fn full_listens(&self) -> Result<Vec<HistoryListen>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT p.track_id, p.started_at, p.ms_listened, t.duration_ms, t.title,
                    COALESCE(a.name, aa.name), al.title
             FROM plays p
             JOIN tracks t ON t.id = p.track_id
             LEFT JOIN artists a ON a.id = t.artist_id
             LEFT JOIN artists aa ON aa.id = t.album_artist_id
             LEFT JOIN albums al ON al.id = t.album_id
             ORDER BY p.started_at, p.id",
        )?;
        let mut listens = Vec::new();
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let ms_listened: i64 = r.get(2)?;
            let duration_ms: i64 = r.get(3)?;
            if !segue_core::is_full_listen(ms_listened, duration_ms) {
                continue;
            }
            listens.push(HistoryListen {
                track_id: r.get(0)?,
                started_at_ms: r.get(1)?,
                duration_ms: duration_ms.max(0) as u64,
                title: r.get(4)?,
                artist: r.get(5)?,
                album: r.get(6)?,
            });
        }
        Ok(listens)
    }

    /// Plays imported from other services' histories.
    pub fn imported_play_count(&self) -> Result<u64> {
        let n: i64 = self.conn.query_row(
            "SELECT COUNT(*) FROM plays WHERE imported_from IS NOT NULL",
            [],
            |r| r.get(0),
        )?;
        Ok(n.max(0) as u64)
    }
}

#[cfg(test)]
mod tests {
    use crate::tests::{file_store, imported};
    use crate::*;

    fn listen(track_id: TrackId, started_at_ms: i64) -> ImportedListen {
        ImportedListen {
            track_id,
            started_at_ms,
            ms_listened: 61_000,
        }
    }

    #[test]
    fn a_second_import_of_the_same_listens_adds_nothing_and_plays_in_segue_are_not_doubled() {
        let (_d, mut s) = file_store();
        s.apply(&[
            imported("/m/a.ogg", "Dawn", "Ann", "First", 1),
            imported("/m/b.ogg", "Dusk", "Ann", "First", 2),
        ])
        .expect("apply");
        let ids: Vec<TrackId> = s
            .track_identities()
            .expect("ids")
            .iter()
            .map(|t| t.id)
            .collect();
        // A play in Segue at 1_607_191_440_250 ms: an import names it at its second.
        s.record_play(&PlayRecord {
            track_id: ids[0],
            started_at_ms: 1_607_191_440_250,
            ms_listened: 61_000,
            end: PlayEnd::Completed,
            position_ms: Some(61_000),
        })
        .expect("play");
        let batch = [
            listen(ids[0], 1_607_191_440_000),
            listen(ids[0], 1_607_191_500_000),
            listen(ids[1], 1_607_191_440_000),
            // The same listen twice in one file.
            listen(ids[1], 1_607_191_440_000),
        ];
        let first = s.import_listens(&batch, "listenbrainz").expect("import");
        assert_eq!(
            first,
            ListenCounts {
                added: 2,
                duplicates: 2
            }
        );
        let again = s.import_listens(&batch, "listenbrainz").expect("again");
        assert_eq!(
            again,
            ListenCounts {
                added: 0,
                duplicates: 4
            }
        );
        assert_eq!(s.imported_play_count().expect("count"), 2);
        assert_eq!(s.play_count(ids[0]).expect("plays"), 2);
        assert_eq!(s.play_count(ids[1]).expect("plays"), 1);
        // Imported listens are full listens of history, as plays in Segue are.
        let recent = s.recent_plays(10).expect("recent");
        assert_eq!(recent.len(), 3);
        assert!(
            recent
                .iter()
                .all(|p| p.full_listen && p.end == PlayEnd::Completed)
        );
        let facts = s.plays_since(0, 100).expect("taste reads them");
        assert_eq!(facts.len(), 3);
        // Time of day reads them too: the three started within a minute of one another.
        let (_, near) = s
            .plays_near_time_of_day(1_607_191_470_000, 0, i64::MAX, 1.0, 100)
            .expect("time of day");
        assert_eq!(near.len(), 3);
    }

    #[test]
    fn the_export_lists_full_listens_oldest_first_with_their_names() {
        let (_d, mut s) = file_store();
        s.apply(&[imported("/m/a.ogg", "Dawn", "Ann", "First", 1)])
            .expect("apply");
        let id = s.track_identities().expect("ids")[0].id;
        for (at, ms, end) in [
            (3_000, 61_000, PlayEnd::Completed),
            (1_000, 5_000, PlayEnd::Skipped),
            (2_000, 40_000, PlayEnd::Stopped),
        ] {
            s.record_play(&PlayRecord {
                track_id: id,
                started_at_ms: at,
                ms_listened: ms,
                end,
                position_ms: None,
            })
            .expect("play");
        }
        let listens = s.full_listens().expect("listens");
        let at: Vec<i64> = listens.iter().map(|l| l.started_at_ms).collect();
        assert_eq!(at, [2_000, 3_000]);
        assert_eq!(listens[0].title, "Dawn");
        assert_eq!(listens[0].artist.as_deref(), Some("Ann"));
        assert_eq!(listens[0].album.as_deref(), Some("First"));
        assert_eq!(listens[0].duration_ms, 61_000);
    }

    #[test]
    fn a_library_from_before_imports_keeps_its_plays_as_plays_in_segue() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("lib.sqlite");
        {
            let mut s = Store::open(&path).expect("open");
            s.apply(&[imported("/m/a.ogg", "Dawn", "Ann", "First", 1)])
                .expect("apply");
            let id = s.track_identities().expect("ids")[0].id;
            s.record_play(&PlayRecord {
                track_id: id,
                started_at_ms: 1,
                ms_listened: 61_000,
                end: PlayEnd::Completed,
                position_ms: None,
            })
            .expect("play");
        }
        {
            // Back to schema 9, as a Segue from before imports left it.
            let conn = rusqlite::Connection::open(&path).expect("raw open");
            conn.execute_batch(
                "ALTER TABLE plays DROP COLUMN imported_from; PRAGMA user_version = 9;",
            )
            .expect("downgrade");
        }
        let s = Store::open(&path).expect("migrate");
        assert_eq!(
            s.schema_version().expect("version"),
            crate::LATEST_SCHEMA as i64
        );
        assert_eq!(s.recent_plays(10).expect("plays").len(), 1);
        assert_eq!(s.imported_play_count().expect("imported"), 0);
    }
}
