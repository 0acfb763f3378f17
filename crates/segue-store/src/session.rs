//! The play session: what the app restores after a restart or a crash.
//!
//! Guarantees:
//! - The queue is saved whole, in one transaction with its playing entry: a reader (the app
//!   starting, `segue queue`) never sees a queue from one save and a playing entry from another.
//! - Saving the position touches one row and leaves the queue's `revision` alone, so the app can
//!   save it about once a second and still tell its own queue from one the command line wrote.
//! - Every save of the queue raises `revision` by one; [`Store::session_revision`] reads it
//!   cheaply.
//! - A playing entry past the end of the queue (a damaged or hand-edited database) reads back as
//!   none, never as an index the caller would have to check.

use rusqlite::{OptionalExtension, Transaction, TransactionBehavior, params};
use segue_core::{QueueEntry, ReasonPart, Suggestion, TrackId};

use crate::{Result, Store};

/// The saved session.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SavedSession {
    pub queue: Vec<QueueEntry>,
    /// Index in `queue` of the playing (or paused) entry.
    pub current: Option<usize>,
    /// Where in the playing entry, in milliseconds.
    pub position_ms: u64,
    /// The Up Next suggestions shown, and the track they follow.
    pub up_next: Option<(TrackId, Vec<Suggestion>)>,
    /// Goes up by one with every save of the queue.
    pub revision: i64,
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

impl Store {
    /// The saved session (empty when nothing was ever saved).
    pub fn session(&self) -> Result<SavedSession> {
        let mut entries = self.conn.prepare_cached(
            "SELECT track_id, why, autoplay FROM session_queue ORDER BY position",
        )?;
        let queue = entries
            .query_map([], |r| {
                let why: String = r.get(1)?;
                Ok(QueueEntry {
                    track_id: r.get(0)?,
                    // Written by this module from the same type: unreadable only if damaged,
                    // and then the entry still plays, without its reason.
                    why: serde_json::from_str::<Vec<ReasonPart>>(&why).unwrap_or_default(),
                    autoplay: r.get(2)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let row = self
            .conn
            .query_row(
                "SELECT current, position_ms, revision, up_next_after, up_next FROM session
                 WHERE id = 1",
                [],
                |r| {
                    Ok((
                        r.get::<_, Option<i64>>(0)?,
                        r.get::<_, i64>(1)?,
                        r.get::<_, i64>(2)?,
                        r.get::<_, Option<TrackId>>(3)?,
                        r.get::<_, String>(4)?,
                    ))
                },
            )
            .optional()?;
        let Some((current, position_ms, revision, after, up_next)) = row else {
            return Ok(SavedSession {
                queue,
                ..SavedSession::default()
            });
        };
        let current = current
            .and_then(|c| usize::try_from(c).ok())
            .filter(|&c| c < queue.len());
        let up_next = after.map(|after| {
            (
                after,
                serde_json::from_str::<Vec<Suggestion>>(&up_next).unwrap_or_default(),
            )
        });
        Ok(SavedSession {
            queue,
            current,
            position_ms: u64::try_from(position_ms).unwrap_or(0),
            up_next,
            revision,
        })
    }

    /// Saves the queue and its playing entry (replacing what was saved); returns the new
    /// revision.
    pub fn save_session_queue(
        &self,
        queue: &[QueueEntry],
        current: Option<usize>,
        position_ms: u64,
    ) -> Result<i64> {
        // Immediate: the write lock first, so the app and `segue queue` take turns.
        let tx = Transaction::new_unchecked(&self.conn, TransactionBehavior::Immediate)?;
        tx.execute("DELETE FROM session_queue", [])?;
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO session_queue (position, track_id, why, autoplay)
                 VALUES (?1, ?2, ?3, ?4)",
            )?;
            for (i, e) in queue.iter().enumerate() {
                let why = serde_json::to_string(&e.why).unwrap_or_else(|_| "[]".into());
                insert.execute(params![i as i64, e.track_id, why, e.autoplay])?;
            }
        }
        let current = current.filter(|&c| c < queue.len()).map(|c| c as i64);
        tx.execute(
            "INSERT INTO session (id, current, position_ms, revision, saved_at)
             VALUES (1, ?1, ?2, 1, ?3)
             ON CONFLICT (id) DO UPDATE SET current = ?1, position_ms = ?2,
                 revision = revision + 1, saved_at = ?3",
            params![current, position_ms as i64, now_ms()],
        )?;
        let revision = tx.query_row("SELECT revision FROM session WHERE id = 1", [], |r| {
            r.get(0)
        })?;
        tx.commit()?;
        Ok(revision)
    }

    /// Saves which entry plays and where, leaving the queue (and its revision) as it is.
    pub fn save_session_position(&self, current: Option<usize>, position_ms: u64) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO session (id, current, position_ms, saved_at) VALUES (1, ?1, ?2, ?3)
                 ON CONFLICT (id) DO UPDATE SET current = ?1, position_ms = ?2, saved_at = ?3",
            )?
            .execute(params![
                current.map(|c| c as i64),
                position_ms as i64,
                now_ms()
            ])?;
        Ok(())
    }

    /// Saves the Up Next suggestions shown after `after`.
    pub fn save_session_up_next(&self, after: TrackId, list: &[Suggestion]) -> Result<()> {
        let json = serde_json::to_string(list).unwrap_or_else(|_| "[]".into());
        self.conn
            .prepare_cached(
                "INSERT INTO session (id, up_next_after, up_next) VALUES (1, ?1, ?2)
                 ON CONFLICT (id) DO UPDATE SET up_next_after = ?1, up_next = ?2",
            )?
            .execute(params![after, json])?;
        Ok(())
    }

    /// The queue's revision (0 when never saved).
    pub fn session_revision(&self) -> Result<i64> {
        Ok(self
            .conn
            .prepare_cached("SELECT revision FROM session WHERE id = 1")?
            .query_row([], |r| r.get(0))
            .optional()?
            .unwrap_or(0))
    }
}
