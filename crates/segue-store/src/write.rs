//! Applying scanner results: one transaction per batch, with cached statements and id caches so
//! that thousands of files per second go in.

use std::path::PathBuf;

use rusqlite::{OptionalExtension, Transaction, params};
use segue_core::{AudioProperties, IssueKind, ReplayGain, TrackId, TrackTags};

use crate::{FileStatus, Fingerprint, Result, Store, path_to_bytes, search_key, unix_seconds};

/// Where a file is and what it looked like when read.
#[derive(Debug, Clone)]
pub struct FileStat {
    pub path: PathBuf,
    pub size: u64,
    /// Modification time, nanoseconds since the Unix epoch.
    pub mtime_ns: i64,
}

/// A cover image found for a track.
#[derive(Debug, Clone)]
pub struct CoverImage {
    /// Hash of the image bytes; covers are stored once per distinct hash.
    pub hash: Fingerprint,
    pub mime: String,
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// The bytes, or `None` when the scanner knows the image is already stored.
    pub data: Option<Vec<u8>>,
}

/// Everything read from a good file.
#[derive(Debug, Clone)]
pub struct ImportedTrack {
    pub tags: TrackTags,
    pub audio: AudioProperties,
    pub replay_gain: ReplayGain,
    pub cover: Option<CoverImage>,
    /// What is wrong with a file that still plays (a truncated file plays what is there): shown
    /// with the files that could not be imported, marked as imported.
    pub warning: Option<(IssueKind, String)>,
}

/// One file's outcome in a scan.
#[derive(Debug, Clone)]
pub enum FileChange {
    /// The file was read. `id` is the row to update — the same path that changed, or the row of
    /// a vanished file this one was recognised as (a move) — or `None` for a new file.
    Imported {
        id: Option<TrackId>,
        stat: FileStat,
        fingerprint: Fingerprint,
        track: Box<ImportedTrack>,
    },
    /// The file could not be imported. An existing row keeps its track and history.
    Failed {
        id: Option<TrackId>,
        stat: FileStat,
        fingerprint: Option<Fingerprint>,
        kind: IssueKind,
        message: String,
    },
}

impl Store {
    /// Applies a batch of scan results in one transaction.
    pub fn apply(&mut self, changes: &[FileChange]) -> Result<()> {
        let tx = self.conn.transaction()?;
        let mut caches = Caches {
            artist_ids: &mut self.artist_ids,
            album_ids: &mut self.album_ids,
        };
        let result = changes
            .iter()
            .try_for_each(|change| apply_one(&tx, &mut caches, change));
        match result {
            Ok(()) => {
                tx.commit()?;
                Ok(())
            }
            Err(e) => {
                // Ids cached during the failed transaction may not exist after rollback.
                self.artist_ids.clear();
                self.album_ids.clear();
                Err(e)
            }
        }
    }

    /// Marks files as missing (not found at their path). Tracks, plays and ratings are kept.
    /// Rows of files that never imported are deleted instead: there is nothing to keep.
    pub fn mark_missing(&mut self, ids: &[TrackId]) -> Result<()> {
        let tx = self.conn.transaction()?;
        {
            let now = unix_seconds();
            let mut missing = tx.prepare_cached(
                "UPDATE files SET status = 'missing', updated_at = ?2
                 WHERE id = ?1 AND status <> 'missing' AND EXISTS (SELECT 1 FROM tracks WHERE id = ?1)",
            )?;
            let mut forget = tx.prepare_cached(
                "DELETE FROM files WHERE id = ?1 AND NOT EXISTS (SELECT 1 FROM tracks WHERE id = ?1)",
            )?;
            for &id in ids {
                missing.execute(params![id, now])?;
                forget.execute([id])?;
            }
        }
        tx.commit()?;
        Ok(())
    }
}

struct Caches<'a> {
    artist_ids: &'a mut std::collections::HashMap<String, i64>,
    album_ids: &'a mut std::collections::HashMap<(String, i64), i64>,
}

fn apply_one(tx: &Transaction<'_>, caches: &mut Caches<'_>, change: &FileChange) -> Result<()> {
    let now = unix_seconds();
    match change {
        FileChange::Imported {
            id,
            stat,
            fingerprint,
            track,
        } => {
            let warning = track.warning.as_ref().map(|(k, m)| (*k, m.as_str()));
            let file_id = upsert_file(
                tx,
                *id,
                stat,
                Some(fingerprint),
                FileStatus::Ok,
                warning,
                now,
            )?;
            upsert_track(tx, caches, file_id, stat, track)
        }
        FileChange::Failed {
            id,
            stat,
            fingerprint,
            kind,
            message,
        } => {
            upsert_file(
                tx,
                *id,
                stat,
                fingerprint.as_ref(),
                FileStatus::Failed,
                Some((*kind, message.as_str())),
                now,
            )?;
            Ok(())
        }
    }
}

fn upsert_file(
    tx: &Transaction<'_>,
    id: Option<TrackId>,
    stat: &FileStat,
    fingerprint: Option<&Fingerprint>,
    status: FileStatus,
    issue: Option<(IssueKind, &str)>,
    now: i64,
) -> Result<TrackId> {
    let path = path_to_bytes(&stat.path);
    let display = stat.path.to_string_lossy();
    let size = i64::try_from(stat.size).unwrap_or(i64::MAX);
    let (issue_kind, issue_message) = match issue {
        Some((k, m)) => (Some(k.as_str()), Some(m)),
        None => (None, None),
    };
    match id {
        Some(id) => {
            // A moved file takes over its new path; a stale row that never imported may sit there.
            tx.prepare_cached(
                "DELETE FROM files WHERE path = ?1 AND id <> ?2
                   AND NOT EXISTS (SELECT 1 FROM tracks WHERE tracks.id = files.id)",
            )?
            .execute(params![path, id])?;
            tx.prepare_cached(
                "UPDATE files SET path = ?2, display_path = ?3, size = ?4, mtime_ns = ?5,
                        fingerprint = ?6, status = ?7, issue_kind = ?8, issue_message = ?9, updated_at = ?10
                 WHERE id = ?1",
            )?
            .execute(params![
                id,
                path,
                display,
                size,
                stat.mtime_ns,
                fingerprint.map(|f| f.as_slice()),
                status.as_str(),
                issue_kind,
                issue_message,
                now
            ])?;
            Ok(id)
        }
        None => Ok(tx
            .prepare_cached(
                "INSERT INTO files (path, display_path, size, mtime_ns, fingerprint, status,
                                    issue_kind, issue_message, added_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)
                 ON CONFLICT (path) DO UPDATE SET
                    size = excluded.size, mtime_ns = excluded.mtime_ns, fingerprint = excluded.fingerprint,
                    status = excluded.status, issue_kind = excluded.issue_kind,
                    issue_message = excluded.issue_message, updated_at = excluded.updated_at
                 RETURNING id",
            )?
            .query_row(
                params![
                    path,
                    display,
                    size,
                    stat.mtime_ns,
                    fingerprint.map(|f| f.as_slice()),
                    status.as_str(),
                    issue_kind,
                    issue_message,
                    now
                ],
                |r| r.get(0),
            )?),
    }
}

fn artist_id(tx: &Transaction<'_>, caches: &mut Caches<'_>, name: &str) -> Result<i64> {
    if let Some(&id) = caches.artist_ids.get(name) {
        return Ok(id);
    }
    let id = tx
        .prepare_cached(
            "INSERT INTO artists (name) VALUES (?1)
             ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING id",
        )?
        .query_row([name], |r| r.get(0))?;
    caches.artist_ids.insert(name.to_owned(), id);
    Ok(id)
}

fn album_id(
    tx: &Transaction<'_>,
    caches: &mut Caches<'_>,
    title: &str,
    artist_id: i64,
) -> Result<i64> {
    let key = (title.to_owned(), artist_id);
    if let Some(&id) = caches.album_ids.get(&key) {
        return Ok(id);
    }
    let id = tx
        .prepare_cached(
            "INSERT INTO albums (title, artist_id) VALUES (?1, ?2)
             ON CONFLICT (title, artist_id) DO UPDATE SET title = excluded.title RETURNING id",
        )?
        .query_row(params![title, artist_id], |r| r.get(0))?;
    caches.album_ids.insert(key, id);
    Ok(id)
}

fn cover_id(tx: &Transaction<'_>, cover: &super::CoverImage) -> Result<Option<i64>> {
    if let Some(data) = &cover.data {
        tx.prepare_cached(
            "INSERT OR IGNORE INTO covers (hash, mime, width, height, data) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![
            cover.hash.as_slice(),
            cover.mime,
            cover.width,
            cover.height,
            data
        ])?;
    }
    Ok(tx
        .prepare_cached("SELECT id FROM covers WHERE hash = ?1")?
        .query_row([cover.hash.as_slice()], |r| r.get(0))
        .optional()?)
}

const UNKNOWN_ARTIST: &str = "Unknown Artist";

fn upsert_track(
    tx: &Transaction<'_>,
    caches: &mut Caches<'_>,
    id: TrackId,
    stat: &FileStat,
    track: &ImportedTrack,
) -> Result<()> {
    let tags = &track.tags;
    let artist = match &tags.artist {
        Some(name) => Some(artist_id(tx, caches, name)?),
        None => None,
    };
    let album_artist = match &tags.album_artist {
        Some(name) => Some(artist_id(tx, caches, name)?),
        None => None,
    };
    let cover = match &track.cover {
        Some(c) => cover_id(tx, c)?,
        None => None,
    };
    let album = match &tags.album {
        Some(title) => {
            let owner = match album_artist.or(artist) {
                Some(a) => a,
                None => artist_id(tx, caches, UNKNOWN_ARTIST)?,
            };
            let album = album_id(tx, caches, title, owner)?;
            tx.prepare_cached(
                "UPDATE albums SET year = COALESCE(year, ?2), cover_id = COALESCE(cover_id, ?3) WHERE id = ?1",
            )?
            .execute(params![album, tags.year, cover])?;
            Some(album)
        }
        None => None,
    };
    let file_name = stat
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let search_text = search_key(
        &[
            Some(tags.title.as_str()),
            tags.artist.as_deref(),
            tags.album.as_deref(),
            tags.album_artist.as_deref(),
            tags.genre.as_deref(),
            tags.composer.as_deref(),
            Some(file_name.as_str()),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join("\u{1f}"),
    );
    let a = &track.audio;
    let rg = &track.replay_gain;
    tx.prepare_cached(
        "INSERT INTO tracks (id, title, artist_id, album_artist_id, album_id, track_number, track_total,
            disc_number, disc_total, year, genre, composer, inferred_from_path, container, codec,
            duration_ms, sample_rate, channels, bit_depth, bitrate_kbps,
            rg_track_gain, rg_track_peak, rg_album_gain, rg_album_peak, cover_id, search_text)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19,
                 ?20, ?21, ?22, ?23, ?24, ?25, ?26)
         ON CONFLICT (id) DO UPDATE SET
            title = excluded.title, artist_id = excluded.artist_id,
            album_artist_id = excluded.album_artist_id, album_id = excluded.album_id,
            track_number = excluded.track_number, track_total = excluded.track_total,
            disc_number = excluded.disc_number, disc_total = excluded.disc_total,
            year = excluded.year, genre = excluded.genre, composer = excluded.composer,
            inferred_from_path = excluded.inferred_from_path, container = excluded.container,
            codec = excluded.codec, duration_ms = excluded.duration_ms,
            sample_rate = excluded.sample_rate, channels = excluded.channels,
            bit_depth = excluded.bit_depth, bitrate_kbps = excluded.bitrate_kbps,
            rg_track_gain = excluded.rg_track_gain, rg_track_peak = excluded.rg_track_peak,
            rg_album_gain = excluded.rg_album_gain, rg_album_peak = excluded.rg_album_peak,
            cover_id = excluded.cover_id, search_text = excluded.search_text",
    )?
    .execute(params![
        id,
        tags.title,
        artist,
        album_artist,
        album,
        tags.track_number,
        tags.track_total,
        tags.disc_number,
        tags.disc_total,
        tags.year,
        tags.genre,
        tags.composer,
        tags.inferred_from_path,
        a.container.as_str(),
        a.codec.as_str(),
        i64::try_from(a.duration_ms).unwrap_or(i64::MAX),
        a.sample_rate,
        a.channels,
        a.bit_depth,
        a.bitrate_kbps,
        rg.track_gain_db,
        rg.track_peak,
        rg.album_gain_db,
        rg.album_peak,
        cover,
        search_text,
    ])?;
    Ok(())
}
