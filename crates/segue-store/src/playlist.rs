//! Playlists: named, ordered lists of entries, each a library track (by id, so it survives
//! moves) or a line of an imported playlist file that matched no track.
//!
//! Guarantees:
//! - Every change is one transaction that takes the write lock first (`BEGIN IMMEDIATE`): two
//!   writers (two windows, the CLI while the app runs) take turns, and each sees the other's
//!   result. A deferred transaction would read, then fail to write with `SQLITE_BUSY` when the
//!   other wrote in between, without waiting on the busy timeout.
//! - A playlist's positions are 0.. without gaps after every change (the UNIQUE constraint
//!   forbids duplicates; the renumbering below keeps them contiguous).
//! - An edit names entries by [`EntryId`]: an entry another writer removed is refused
//!   ([`PlaylistError::EntryNotFound`]) and nothing changes, rather than the wrong entry being
//!   removed or moved.

use std::collections::HashSet;
use std::path::PathBuf;

use rusqlite::{OptionalExtension, Transaction, TransactionBehavior, params};
use segue_core::{EntryId, EntrySource, EntryStatus, Playlist, PlaylistEntry, PlaylistId, TrackId};

use crate::query::{TRACK_ROW_COLUMNS, TRACK_ROW_JOINS, track_row_from};
use crate::{Result, Store, StoreError, bytes_to_path, path_to_bytes, search_key};

/// Why a playlist change was refused. Nothing was changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlaylistError {
    #[error("a playlist needs a name")]
    EmptyName,
    #[error("a playlist name is one line without control characters: {0:?}")]
    NameHasControlCharacters(String),
    #[error("there is already a playlist called \"{0}\" (names are unique whatever their case)")]
    NameTaken(String),
    #[error("no playlist with id {0}")]
    NotFound(PlaylistId),
    #[error("no playlist called \"{0}\"")]
    NameNotFound(String),
    #[error(
        "entry {entry} is not in playlist {playlist} (another window or command may have \
         removed it: reload the playlist)"
    )]
    EntryNotFound {
        playlist: PlaylistId,
        entry: EntryId,
    },
    #[error("position {position} is past the end of the playlist (the last is {last})")]
    PositionOutOfRange { position: u32, last: u32 },
}

/// An entry to add.
#[derive(Debug, Clone, PartialEq)]
pub enum NewEntry {
    Track(TrackId),
    /// An imported line that matched no track: what the file said, and the local file it names
    /// (resolved against the playlist file's folder) when it names one.
    Unresolved {
        source: EntrySource,
        path: Option<PathBuf>,
    },
}

/// What an export writes for one entry.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportRow {
    /// The track's file, or the local file an unresolved entry names.
    pub path: Option<PathBuf>,
    /// An unresolved entry's line as imported (written when there is no `path`).
    pub location: Option<String>,
    /// "Artist - Title" for a track; the imported `#EXTINF` title for an unresolved entry.
    pub title: Option<String>,
    pub duration_ms: Option<u64>,
}

/// The name as stored: trimmed, non-empty, one line.
pub(crate) fn checked_name(name: &str) -> Result<&str, PlaylistError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(PlaylistError::EmptyName);
    }
    if name.chars().any(char::is_control) {
        return Err(PlaylistError::NameHasControlCharacters(name.to_owned()));
    }
    Ok(name)
}

fn unix_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// A transaction holding the write lock from its start (see the module's guarantees).
fn write_transaction(store: &Store) -> Result<Transaction<'_>> {
    Ok(Transaction::new_unchecked(
        &store.conn,
        TransactionBehavior::Immediate,
    )?)
}

/// Refuses `name` if another playlist (not `except`) has it, whatever its case.
fn ensure_name_free(tx: &Transaction<'_>, name: &str, except: Option<PlaylistId>) -> Result<()> {
    let holder: Option<PlaylistId> = tx
        .prepare_cached("SELECT id FROM playlists WHERE name_key = ?1")?
        .query_row([search_key(name)], |r| r.get(0))
        .optional()?;
    match holder {
        Some(id) if Some(id) != except => Err(PlaylistError::NameTaken(name.to_owned()).into()),
        _ => Ok(()),
    }
}

fn ensure_playlist(tx: &Transaction<'_>, playlist: PlaylistId) -> Result<()> {
    let exists: bool = tx
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM playlists WHERE id = ?1)")?
        .query_row([playlist], |r| r.get(0))?;
    if exists {
        Ok(())
    } else {
        Err(PlaylistError::NotFound(playlist).into())
    }
}

fn entry_count(tx: &Transaction<'_>, playlist: PlaylistId) -> Result<u32> {
    let n: i64 = tx
        .prepare_cached("SELECT COUNT(*) FROM playlist_entries WHERE playlist_id = ?1")?
        .query_row([playlist], |r| r.get(0))?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

fn touch(tx: &Transaction<'_>, playlist: PlaylistId) -> Result<()> {
    tx.prepare_cached("UPDATE playlists SET updated_at = ?2 WHERE id = ?1")?
        .execute(params![playlist, unix_millis()])?;
    Ok(())
}

/// Inserts `entries` at positions `at`, `at + 1`, … of a playlist whose positions from `at`
/// on are free.
fn insert_at(
    tx: &Transaction<'_>,
    playlist: PlaylistId,
    at: u32,
    entries: &[NewEntry],
) -> Result<Vec<EntryId>> {
    let mut track_exists =
        tx.prepare_cached("SELECT EXISTS (SELECT 1 FROM tracks WHERE id = ?1)")?;
    let mut insert = tx.prepare_cached(
        "INSERT INTO playlist_entries (playlist_id, position, track_id, source_location,
                                       source_path, source_title, source_duration_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
    )?;
    let mut ids = Vec::with_capacity(entries.len());
    for (offset, entry) in entries.iter().enumerate() {
        let position = i64::from(at) + offset as i64;
        let id = match entry {
            NewEntry::Track(track) => {
                if !track_exists.query_row([track], |r| r.get::<_, bool>(0))? {
                    return Err(StoreError::TrackNotFound(*track));
                }
                insert.query_row(
                    params![
                        playlist,
                        position,
                        track,
                        None::<String>,
                        None::<Vec<u8>>,
                        None::<String>,
                        None::<i64>
                    ],
                    |r| r.get(0),
                )?
            }
            NewEntry::Unresolved { source, path } => insert.query_row(
                params![
                    playlist,
                    position,
                    None::<TrackId>,
                    source.location,
                    path.as_deref().map(path_to_bytes),
                    source.title,
                    source
                        .duration_ms
                        .map(|d| i64::try_from(d).unwrap_or(i64::MAX)),
                ],
                |r| r.get(0),
            )?,
        };
        ids.push(id);
    }
    Ok(ids)
}

/// Numbers the entries after `first_free` (a position just vacated) from `first_free` on,
/// keeping their order. Positions go negative first so that no two rows ever share one.
fn close_gaps_after(tx: &Transaction<'_>, playlist: PlaylistId, first_free: u32) -> Result<()> {
    tx.prepare_cached(
        "UPDATE playlist_entries SET position = -1 - position
         WHERE playlist_id = ?1 AND position > ?2",
    )?
    .execute(params![playlist, first_free])?;
    tx.prepare_cached(
        "UPDATE playlist_entries SET position = ?2 + ranked.n
         FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY position DESC) - 1 AS n
               FROM playlist_entries WHERE playlist_id = ?1 AND position < 0) AS ranked
         WHERE playlist_entries.id = ranked.id",
    )?
    .execute(params![playlist, first_free])?;
    Ok(())
}

/// The entry ids of a playlist in order.
fn ordered_entries(tx: &Transaction<'_>, playlist: PlaylistId) -> Result<Vec<EntryId>> {
    let mut stmt = tx.prepare_cached(
        "SELECT id FROM playlist_entries WHERE playlist_id = ?1 ORDER BY position",
    )?;
    let ids = stmt.query_map([playlist], |r| r.get(0))?;
    Ok(ids.collect::<Result<_, _>>()?)
}

/// `entries` without repeats, each checked to be in `order` (the playlist's entries).
fn known_entries(
    playlist: PlaylistId,
    order: &[EntryId],
    entries: &[EntryId],
) -> Result<HashSet<EntryId>> {
    let present: HashSet<EntryId> = order.iter().copied().collect();
    let mut wanted = HashSet::with_capacity(entries.len());
    for &entry in entries {
        if !present.contains(&entry) {
            return Err(PlaylistError::EntryNotFound { playlist, entry }.into());
        }
        wanted.insert(entry);
    }
    Ok(wanted)
}

impl Store {
    /// Creates a playlist with `entries`, in one transaction: a refused entry (an unknown
    /// track) creates nothing.
    pub fn create_playlist(&self, name: &str, entries: &[NewEntry]) -> Result<PlaylistId> {
        let name = checked_name(name)?;
        let tx = write_transaction(self)?;
        ensure_name_free(&tx, name, None)?;
        let now = unix_millis();
        let id: PlaylistId = tx
            .prepare_cached(
                "INSERT INTO playlists (name, name_key, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?3) RETURNING id",
            )?
            .query_row(params![name, search_key(name), now], |r| r.get(0))?;
        insert_at(&tx, id, 0, entries)?;
        tx.commit()?;
        Ok(id)
    }

    /// Renames a playlist (a change of case alone is allowed).
    pub fn rename_playlist(&self, playlist: PlaylistId, name: &str) -> Result<()> {
        let name = checked_name(name)?;
        let tx = write_transaction(self)?;
        ensure_playlist(&tx, playlist)?;
        ensure_name_free(&tx, name, Some(playlist))?;
        tx.prepare_cached(
            "UPDATE playlists SET name = ?2, name_key = ?3, updated_at = ?4 WHERE id = ?1",
        )?
        .execute(params![playlist, name, search_key(name), unix_millis()])?;
        tx.commit()?;
        Ok(())
    }

    /// Copies a playlist, every entry included (unresolved ones too), under a new name.
    pub fn duplicate_playlist(&self, playlist: PlaylistId, name: &str) -> Result<PlaylistId> {
        let name = checked_name(name)?;
        let tx = write_transaction(self)?;
        ensure_playlist(&tx, playlist)?;
        ensure_name_free(&tx, name, None)?;
        let now = unix_millis();
        let copy: PlaylistId = tx
            .prepare_cached(
                "INSERT INTO playlists (name, name_key, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?3) RETURNING id",
            )?
            .query_row(params![name, search_key(name), now], |r| r.get(0))?;
        tx.prepare_cached(
            "INSERT INTO playlist_entries (playlist_id, position, track_id, source_location,
                                           source_path, source_title, source_duration_ms)
             SELECT ?2, position, track_id, source_location, source_path, source_title,
                    source_duration_ms
             FROM playlist_entries WHERE playlist_id = ?1 ORDER BY position",
        )?
        .execute(params![playlist, copy])?;
        tx.commit()?;
        Ok(copy)
    }

    /// Deletes a playlist and its entries (the tracks stay in the library).
    pub fn delete_playlist(&self, playlist: PlaylistId) -> Result<()> {
        let tx = write_transaction(self)?;
        ensure_playlist(&tx, playlist)?;
        tx.prepare_cached("DELETE FROM playlists WHERE id = ?1")?
            .execute([playlist])?;
        tx.commit()?;
        Ok(())
    }

    /// Inserts entries before position `at` (at the end when `None`), in the given order.
    /// Returns the new entries' ids. An unknown track adds nothing.
    pub fn insert_entries(
        &self,
        playlist: PlaylistId,
        at: Option<u32>,
        entries: &[NewEntry],
    ) -> Result<Vec<EntryId>> {
        let tx = write_transaction(self)?;
        ensure_playlist(&tx, playlist)?;
        let len = entry_count(&tx, playlist)?;
        let at = match at {
            None => len,
            Some(position) if position <= len => position,
            Some(position) => {
                return Err(PlaylistError::PositionOutOfRange {
                    position,
                    last: len,
                }
                .into());
            }
        };
        let count = entries.len() as i64;
        // Make room: the entries from `at` on move up by `count`, through negative positions
        // so that no two rows ever share one.
        tx.prepare_cached(
            "UPDATE playlist_entries SET position = -1 - (position + ?3)
             WHERE playlist_id = ?1 AND position >= ?2",
        )?
        .execute(params![playlist, at, count])?;
        tx.prepare_cached(
            "UPDATE playlist_entries SET position = -1 - position
             WHERE playlist_id = ?1 AND position < 0",
        )?
        .execute([playlist])?;
        let ids = insert_at(&tx, playlist, at, entries)?;
        touch(&tx, playlist)?;
        tx.commit()?;
        Ok(ids)
    }

    /// Removes entries; those after them close up. An entry not in the playlist removes
    /// nothing.
    pub fn remove_entries(&self, playlist: PlaylistId, entries: &[EntryId]) -> Result<()> {
        let tx = write_transaction(self)?;
        ensure_playlist(&tx, playlist)?;
        let order = ordered_entries(&tx, playlist)?;
        let removed = known_entries(playlist, &order, entries)?;
        let Some(first_free) = order.iter().position(|e| removed.contains(e)) else {
            return Ok(());
        };
        {
            let mut delete = tx.prepare_cached("DELETE FROM playlist_entries WHERE id = ?1")?;
            for entry in &removed {
                delete.execute([entry])?;
            }
        }
        close_gaps_after(&tx, playlist, first_free as u32)?;
        touch(&tx, playlist)?;
        tx.commit()?;
        Ok(())
    }

    /// Moves entries (kept in their playlist order) so that the first of them lands at
    /// position `to` of the result; `to` is at most the count of entries not moved. An entry
    /// not in the playlist moves nothing.
    pub fn move_entries(&self, playlist: PlaylistId, entries: &[EntryId], to: u32) -> Result<()> {
        let tx = write_transaction(self)?;
        ensure_playlist(&tx, playlist)?;
        let order = ordered_entries(&tx, playlist)?;
        let moving = known_entries(playlist, &order, entries)?;
        let (moved, mut rest): (Vec<EntryId>, Vec<EntryId>) =
            order.iter().partition(|e| moving.contains(e));
        let to_index = to as usize;
        if to_index > rest.len() {
            return Err(PlaylistError::PositionOutOfRange {
                position: to,
                last: rest.len() as u32,
            }
            .into());
        }
        rest.splice(to_index..to_index, moved);
        let new_order = rest;
        // Only the span between the first and the last changed position is rewritten.
        let changed = |i: &usize| order[*i] != new_order[*i];
        let (Some(first), Some(last)) = (
            (0..order.len()).find(changed),
            (0..order.len()).rev().find(changed),
        ) else {
            return Ok(());
        };
        tx.prepare_cached(
            "UPDATE playlist_entries SET position = -1 - position
             WHERE playlist_id = ?1 AND position BETWEEN ?2 AND ?3",
        )?
        .execute(params![playlist, first as i64, last as i64])?;
        {
            let mut place =
                tx.prepare_cached("UPDATE playlist_entries SET position = ?2 WHERE id = ?1")?;
            for (position, entry) in new_order.iter().enumerate().take(last + 1).skip(first) {
                place.execute(params![entry, position as i64])?;
            }
        }
        touch(&tx, playlist)?;
        tx.commit()?;
        Ok(())
    }

    /// Every playlist with its counts, by name (case-insensitively).
    pub fn playlists(&self) -> Result<Vec<Playlist>> {
        let mut playlists = self.playlist_summaries(None)?;
        playlists.sort_by_cached_key(|p| (search_key(&p.name), p.id));
        Ok(playlists)
    }

    /// One playlist with its counts.
    pub fn playlist(&self, playlist: PlaylistId) -> Result<Playlist> {
        self.playlist_summaries(Some(playlist))?
            .pop()
            .ok_or(PlaylistError::NotFound(playlist).into())
    }

    /// Every playlist, or only `only`, with counts and covers.
    fn playlist_summaries(&self, only: Option<PlaylistId>) -> Result<Vec<Playlist>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT p.id, p.name, p.updated_at, COUNT(e.id),
                    SUM(e.id IS NOT NULL AND (f.status IS NULL OR f.status <> 'ok')),
                    COALESCE(SUM(CASE WHEN f.status = 'ok' THEN t.duration_ms END), 0)
             FROM playlists p
             LEFT JOIN playlist_entries e ON e.playlist_id = p.id
             LEFT JOIN tracks t ON t.id = e.track_id
             LEFT JOIN files f ON f.id = t.id
             WHERE ?1 IS NULL OR p.id = ?1
             GROUP BY p.id",
        )?;
        let rows = stmt.query_map([only], |r| {
            Ok(Playlist {
                id: r.get(0)?,
                name: r.get(1)?,
                updated_at_ms: r.get(2)?,
                entry_count: r.get::<_, i64>(3)?.clamp(0, i64::from(u32::MAX)) as u32,
                unavailable_count: r.get::<_, i64>(4)?.clamp(0, i64::from(u32::MAX)) as u32,
                duration_ms: r.get::<_, i64>(5)?.max(0) as u64,
                cover_ids: Vec::new(),
            })
        })?;
        let mut playlists = rows.collect::<Result<Vec<_>, _>>()?;
        for playlist in &mut playlists {
            playlist.cover_ids = self.playlist_covers(playlist.id)?;
        }
        Ok(playlists)
    }

    fn require_playlist(&self, playlist: PlaylistId) -> Result<()> {
        let exists: bool = self
            .conn
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM playlists WHERE id = ?1)")?
            .query_row([playlist], |r| r.get(0))?;
        if exists {
            Ok(())
        } else {
            Err(PlaylistError::NotFound(playlist).into())
        }
    }

    /// The playlist called `name`, whatever its case (surrounding spaces ignored).
    pub fn playlist_named(&self, name: &str) -> Result<PlaylistId> {
        self.conn
            .prepare_cached("SELECT id FROM playlists WHERE name_key = ?1")?
            .query_row([search_key(name.trim())], |r| r.get(0))
            .optional()?
            .ok_or_else(|| PlaylistError::NameNotFound(name.trim().to_owned()).into())
    }

    fn playlist_covers(&self, playlist: PlaylistId) -> Result<Vec<i64>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT t.cover_id FROM playlist_entries e
             JOIN tracks t ON t.id = e.track_id
             JOIN files f ON f.id = t.id AND f.status = 'ok'
             WHERE e.playlist_id = ?1 AND t.cover_id IS NOT NULL
             GROUP BY t.cover_id ORDER BY MIN(e.position) LIMIT 4",
        )?;
        let rows = stmt.query_map([playlist], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// A playlist's entries in order, each with its track (present or missing) or, when
    /// unresolved, what the playlist file said.
    pub fn playlist_entries(&self, playlist: PlaylistId) -> Result<Vec<PlaylistEntry>> {
        self.require_playlist(playlist)?;
        let sql = format!(
            "SELECT e.id, e.position, f.status, e.source_location, e.source_title,
                    e.source_duration_ms, {TRACK_ROW_COLUMNS}
             FROM playlist_entries e
             LEFT JOIN tracks t ON t.id = e.track_id
             LEFT JOIN files f ON f.id = t.id
             {TRACK_ROW_JOINS}
             WHERE e.playlist_id = ?1
             ORDER BY e.position"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map([playlist], |r| {
            let status: Option<String> = r.get(2)?;
            let track_id: Option<TrackId> = r.get(6)?;
            let (status, track, source) = match (track_id, status.as_deref()) {
                (Some(_), Some("ok")) => {
                    (EntryStatus::Available, Some(track_row_from(r, 6)?), None)
                }
                (Some(_), _) => (EntryStatus::Missing, Some(track_row_from(r, 6)?), None),
                (None, _) => (
                    EntryStatus::Unresolved,
                    None,
                    Some(EntrySource {
                        location: r.get::<_, Option<String>>(3)?.unwrap_or_default(),
                        title: r.get(4)?,
                        duration_ms: r.get::<_, Option<i64>>(5)?.map(|d| d.max(0) as u64),
                    }),
                ),
            };
            Ok(PlaylistEntry {
                id: r.get(0)?,
                position: r.get::<_, i64>(1)?.clamp(0, i64::from(u32::MAX)) as u32,
                status,
                track,
                source,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// What an M3U export writes for each entry of a playlist, in order.
    pub fn playlist_export_rows(&self, playlist: PlaylistId) -> Result<Vec<ExportRow>> {
        self.require_playlist(playlist)?;
        let mut stmt = self.conn.prepare_cached(
            "SELECT f.path, e.source_path, e.source_location, e.source_title,
                    e.source_duration_ms, t.title, COALESCE(a.name, aa.name), t.duration_ms
             FROM playlist_entries e
             LEFT JOIN tracks t ON t.id = e.track_id
             LEFT JOIN files f ON f.id = t.id
             LEFT JOIN artists a ON a.id = t.artist_id
             LEFT JOIN artists aa ON aa.id = t.album_artist_id
             WHERE e.playlist_id = ?1
             ORDER BY e.position",
        )?;
        let rows = stmt.query_map([playlist], |r| {
            let track_path: Option<Vec<u8>> = r.get(0)?;
            Ok(match track_path {
                Some(path) => {
                    let title: String = r.get(5)?;
                    let artist: Option<String> = r.get(6)?;
                    ExportRow {
                        path: Some(bytes_to_path(&path)),
                        location: None,
                        title: Some(match artist {
                            Some(artist) => format!("{artist} - {title}"),
                            None => title,
                        }),
                        duration_ms: r.get::<_, Option<i64>>(7)?.map(|d| d.max(0) as u64),
                    }
                }
                None => ExportRow {
                    path: r.get::<_, Option<Vec<u8>>>(1)?.map(|b| bytes_to_path(&b)),
                    location: r.get(2)?,
                    title: r.get(3)?,
                    duration_ms: r.get::<_, Option<i64>>(4)?.map(|d| d.max(0) as u64),
                },
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
