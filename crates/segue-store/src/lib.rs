//! Segue's library database.
//!
//! This is the only crate that talks to SQLite. It owns the schema (versioned migrations via
//! `rusqlite_migration`), turns scanner results into rows in batched transactions, and answers
//! the queries the CLI and the app need. The database runs in WAL mode so readers never block
//! the importer, and every batch is one transaction: a process killed mid-import leaves the
//! database as it was after the last committed batch.

mod analysis;
mod listens;
mod map;
mod paths;
mod playlist;
mod private;
mod query;
mod review;
mod session;
mod smart;
mod taste;
mod write;

use std::path::{Path, PathBuf};

use rusqlite::Connection;
use rusqlite_migration::{M, Migrations};
use segue_core::{DayListening, ListeningStats, PlayCount, PlayEnd, TrackId};

pub use analysis::{AnalysisCounts, AnalysisTodo};
pub use listens::{HistoryListen, ImportedListen, ListenCounts};
pub use map::MapPoint;
pub use paths::{bytes_to_path, path_to_bytes};
pub use playlist::{ExportRow, NewEntry, PlaylistError};
pub use query::{TrackIdentity, TrackQuery};
pub use session::SavedSession;
pub use smart::{FactsStamp, ListeningFacts};
pub use taste::{FeedbackLog, PlayFact, ProfileRow};
pub use write::{CoverImage, FileChange, FileStat, ImportedTrack};

/// A 16-byte content fingerprint (see `segue-library` for how it is computed).
pub type Fingerprint = [u8; 16];

/// Errors from the library database.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create the folder {path} for the library database: {source}")]
    CreateDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot create the library database {path}: {source}")]
    CreateFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot open the library database {path}: {source}")]
    Open {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    /// [`Store::open_existing`] found no file: nothing was created.
    #[error("there is no library database at {path}")]
    NoLibrary { path: PathBuf },
    /// The database's schema version is past the latest this build knows: a newer Segue
    /// wrote it. Nothing was changed.
    #[error(
        "the library database is from a newer Segue (schema version {found}; this Segue reads \
         up to {supported}): update Segue to open it"
    )]
    NewerSchema { found: i64, supported: usize },
    /// A migration failed for another reason (a full disk, a damaged database): the
    /// database stays at the version it had. The message says SQLite's reason once, without
    /// the migration's SQL (`error` has it all, and is not repeated as the source).
    #[error(
        "cannot bring the library database up to date: {}",
        migration_reason(error)
    )]
    Migrate { error: rusqlite_migration::Error },
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("no track with id {0}")]
    TrackNotFound(TrackId),
    #[error("a rating is 1 to 5 stars, not {0}")]
    InvalidRating(u8),
    #[error("stored analysis of track {track} is unreadable: {reason}")]
    CorruptAnalysis { track: TrackId, reason: String },
    #[error(transparent)]
    Playlist(#[from] PlaylistError),
    #[error("cannot write a smart playlist's rules: {0}")]
    SmartRules(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Why a migration failed, in SQLite's words.
fn migration_reason(error: &rusqlite_migration::Error) -> String {
    match error {
        rusqlite_migration::Error::RusqliteError { err, .. } => match err {
            rusqlite::Error::SqlInputError { msg, .. } => msg.clone(),
            rusqlite::Error::SqliteFailure(_, Some(msg)) => msg.clone(),
            other => other.to_string(),
        },
        other => other.to_string(),
    }
}

/// What the database knows about a file, for the scanner's incremental comparison.
#[derive(Debug, Clone)]
pub struct KnownFile {
    pub id: TrackId,
    pub path: PathBuf,
    pub size: u64,
    pub mtime_ns: i64,
    pub fingerprint: Option<Fingerprint>,
    pub status: FileStatus,
    /// Whether a track row exists (a file that never imported has none).
    pub has_track: bool,
    /// Why the file failed to import, when `status` is `Failed`.
    pub issue: Option<(segue_core::IssueKind, String)>,
}

/// State of a file row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileStatus {
    Ok,
    Missing,
    Failed,
}

impl FileStatus {
    fn as_str(self) -> &'static str {
        match self {
            FileStatus::Ok => "ok",
            FileStatus::Missing => "missing",
            FileStatus::Failed => "failed",
        }
    }

    fn parse(s: &str) -> FileStatus {
        match s {
            "ok" => FileStatus::Ok,
            "missing" => FileStatus::Missing,
            _ => FileStatus::Failed,
        }
    }
}

/// A play's end as the `plays.end_reason` column spells it.
fn play_end_name(end: PlayEnd) -> &'static str {
    match end {
        PlayEnd::Completed => "completed",
        PlayEnd::Skipped => "skipped",
        PlayEnd::Stopped => "stopped",
        PlayEnd::Error => "error",
    }
}

/// The column's spelling read back (anything unknown is a stop).
fn parse_play_end(s: &str) -> PlayEnd {
    match s {
        "completed" => PlayEnd::Completed,
        "skipped" => PlayEnd::Skipped,
        "error" => PlayEnd::Error,
        _ => PlayEnd::Stopped,
    }
}

/// One row of listening history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlayRecord {
    pub track_id: TrackId,
    /// Unix milliseconds.
    pub started_at_ms: i64,
    pub ms_listened: i64,
    pub end: PlayEnd,
    pub position_ms: Option<i64>,
}

/// Number of migrations (the schema version of an up-to-date database).
const LATEST_SCHEMA: usize = 11;

/// A play as stored, with whether it counts as a full listen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlayRow {
    pub id: i64,
    pub track_id: TrackId,
    pub started_at_ms: i64,
    pub ms_listened: i64,
    pub end: PlayEnd,
    pub position_ms: Option<i64>,
    pub full_listen: bool,
    /// Imported from another service's history (`plays.imported_from`), not played in Segue.
    pub imported: bool,
}

fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        M::up(include_str!("schema.sql")),
        M::up(include_str!("schema_v2.sql")),
        M::up(include_str!("schema_v3.sql")),
        M::up(include_str!("schema_v4.sql")),
        M::up(include_str!("schema_v5.sql")),
        M::up_with_hook(include_str!("schema_v6.sql"), reread_placeholder_artists),
        M::up(include_str!("schema_v7.sql")),
        M::up(include_str!("schema_v8.sql")),
        M::up(include_str!("schema_v9.sql")),
        M::up_with_hook(include_str!("schema_v10.sql"), listens::add_imported_from),
        M::up(include_str!("schema_v11.sql")),
    ])
}

/// Migration 6: marks for reading again (as migration 5 does) every track whose artist, album
/// artist or composer is a placeholder by [`segue_core::is_placeholder_artist`], so the next
/// scan stores it with an unknown artist. Same file, same id: history and analysis stay.
fn reread_placeholder_artists(tx: &rusqlite::Transaction) -> rusqlite_migration::HookResult {
    let mut credits = tx.prepare(
        "SELECT t.id, a.name, aa.name, t.composer FROM tracks t
         LEFT JOIN artists a ON a.id = t.artist_id
         LEFT JOIN artists aa ON aa.id = t.album_artist_id",
    )?;
    let rows = credits.query_map([], |r| {
        Ok((
            r.get::<_, TrackId>(0)?,
            [
                r.get::<_, Option<String>>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, Option<String>>(3)?,
            ],
        ))
    })?;
    let mut placeholders = Vec::new();
    for row in rows {
        let (id, names) = row?;
        if names
            .iter()
            .flatten()
            .any(|n| segue_core::is_placeholder_artist(n))
        {
            placeholders.push(id);
        }
    }
    let mut mark = tx.prepare("UPDATE files SET mtime_ns = -1 WHERE id = ?1")?;
    for id in placeholders {
        mark.execute([id])?;
    }
    Ok(())
}

/// An open library database.
///
/// `Store` is `Send` but not `Sync`: give each thread its own (the scanner's writer thread owns
/// one; readers open another on the same file — WAL lets them run concurrently).
pub struct Store {
    conn: Connection,
    /// Name → id caches for the import hot path; artists and albums are never deleted.
    artist_ids: std::collections::HashMap<String, i64>,
    album_ids: std::collections::HashMap<(String, i64), i64>,
}

impl Store {
    /// Opens (creating if needed) the database at `path` and migrates it to the latest schema.
    ///
    /// What it creates is private to the user whatever the umask (on Unix): the folders it
    /// makes are 0700 and a new database file 0600, which SQLite gives its `-wal` and `-shm`
    /// files too. Folders and files that already exist keep their permissions.
    pub fn open(path: &Path) -> Result<Store> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            private::create_dirs(dir)?;
        }
        private::create_file(path)?;
        let conn = Connection::open(path).map_err(|source| StoreError::Open {
            path: path.to_path_buf(),
            source,
        })?;
        Store::init(conn)
    }

    /// Opens the database at `path` only if it exists (migrating it to the latest schema):
    /// a mistyped path is [`StoreError::NoLibrary`], and no folder or file is created.
    pub fn open_existing(path: &Path) -> Result<Store> {
        use rusqlite::OpenFlags;
        match std::fs::metadata(path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(StoreError::NoLibrary {
                    path: path.to_path_buf(),
                });
            }
            _ => {}
        }
        // Connection::open's flags without CREATE: a file removed since the check above is
        // an error, never a new empty library.
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(|source| StoreError::Open {
            path: path.to_path_buf(),
            source,
        })?;
        Store::init(conn)
    }

    /// Opens a private in-memory database (for tests and benchmarks of query code).
    pub fn open_in_memory() -> Result<Store> {
        Store::init(Connection::open_in_memory()?)
    }

    fn init(mut conn: Connection) -> Result<Store> {
        // First, so that opening a database another process is creating or migrating waits
        // instead of failing with SQLITE_BUSY.
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        // WAL: readers (the UI) never wait on the importer; NORMAL sync is durable to the last
        // committed transaction across an application crash, which is what we promise.
        set_wal(&conn)?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // A newer Segue's database is left as it is, and said so; any other failure to
        // migrate is reported as itself (a full disk is not a version problem).
        let too_new = |conn: &Connection| -> Result<()> {
            let found: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
            if found > LATEST_SCHEMA as i64 {
                return Err(StoreError::NewerSchema {
                    found,
                    supported: LATEST_SCHEMA,
                });
            }
            Ok(())
        };
        too_new(&conn)?;
        let migrations = migrations();
        if let Err(e) = migrations.to_latest(&mut conn) {
            // rusqlite_migration reads the version outside its transaction, so two first opens
            // can both try to migrate; the loser's transaction rolls back. If the database is
            // now current, another connection did the work.
            let latest = migrations.current_version(&conn);
            let at_latest = matches!(latest, Ok(rusqlite_migration::SchemaVersion::Inside(v)) if v.get() == LATEST_SCHEMA);
            if !at_latest {
                too_new(&conn)?;
                return Err(StoreError::Migrate { error: e });
            }
        }
        Ok(Store {
            conn,
            artist_ids: Default::default(),
            album_ids: Default::default(),
        })
    }

    /// Schema version the database is at (SQLite `user_version`).
    pub fn schema_version(&self) -> Result<i64> {
        Ok(self
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))?)
    }

    /// SQLite's own consistency check: `"ok"` or a description of the damage.
    pub fn integrity_check(&self) -> Result<String> {
        Ok(self
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))?)
    }

    /// Records a library folder (no-op if already known).
    pub fn add_root(&self, path: &Path) -> Result<()> {
        self.conn.execute(
            "INSERT OR IGNORE INTO roots (path, display_path, added_at) VALUES (?1, ?2, ?3)",
            rusqlite::params![path_to_bytes(path), path.to_string_lossy(), unix_seconds()],
        )?;
        Ok(())
    }

    /// Forgets a library folder. Its tracks stay (with history) until a scan marks them missing.
    pub fn remove_root(&self, path: &Path) -> Result<bool> {
        let n = self
            .conn
            .execute("DELETE FROM roots WHERE path = ?1", [path_to_bytes(path)])?;
        Ok(n > 0)
    }

    /// The library folders, in the order they were added.
    pub fn roots(&self) -> Result<Vec<PathBuf>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT path FROM roots ORDER BY id")?;
        let rows = stmt.query_map([], |r| r.get::<_, Vec<u8>>(0))?;
        rows.map(|r| Ok(bytes_to_path(&r?))).collect()
    }

    /// The file a track is read from, exactly as stored: [`Track::path`](segue_core::Track) is
    /// for display and loses bytes that are not UTF-8, so a name like `caf\xe9.ogg` would open
    /// a different file spelled `caf\u{FFFD}.ogg`, or none.
    pub fn track_file(&self, id: TrackId) -> Result<Option<PathBuf>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT path FROM files WHERE id = ?1")?;
        let mut rows = stmt.query_map([id], |r| r.get::<_, Vec<u8>>(0))?;
        rows.next()
            .transpose()
            .map(|bytes| bytes.map(|b| bytes_to_path(&b)))
            .map_err(Into::into)
    }

    /// Every file row, for the scanner's comparison with what is on disk.
    pub fn known_files(&self) -> Result<Vec<KnownFile>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT f.id, f.path, f.size, f.mtime_ns, f.fingerprint, f.status, t.id IS NOT NULL,
                    f.issue_kind, f.issue_message
             FROM files f LEFT JOIN tracks t ON t.id = f.id",
        )?;
        let rows = stmt.query_map([], |r| {
            let fingerprint: Option<Vec<u8>> = r.get(4)?;
            Ok(KnownFile {
                id: r.get(0)?,
                path: bytes_to_path(&r.get::<_, Vec<u8>>(1)?),
                size: r.get::<_, i64>(2)?.max(0) as u64,
                mtime_ns: r.get(3)?,
                fingerprint: fingerprint.and_then(|b| b.try_into().ok()),
                status: FileStatus::parse(&r.get::<_, String>(5)?),
                has_track: r.get(6)?,
                issue: match (
                    r.get::<_, Option<String>>(7)?,
                    r.get::<_, Option<String>>(8)?,
                ) {
                    (Some(kind), message) => segue_core::IssueKind::parse(&kind)
                        .map(|k| (k, message.unwrap_or_default())),
                    _ => None,
                },
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Hashes of the cover images already stored, so the scanner sends each image's bytes once.
    pub fn cover_hashes(&self) -> Result<std::collections::HashSet<Fingerprint>> {
        let mut stmt = self.conn.prepare_cached("SELECT hash FROM covers")?;
        let rows = stmt.query_map([], |r| r.get::<_, Vec<u8>>(0))?;
        let mut set = std::collections::HashSet::new();
        for hash in rows {
            if let Ok(h) = hash?.try_into() {
                set.insert(h);
            }
        }
        Ok(set)
    }

    /// A cover image: its MIME type and bytes.
    pub fn cover(&self, cover_id: i64) -> Result<Option<(String, Vec<u8>)>> {
        use rusqlite::OptionalExtension;
        Ok(self
            .conn
            .query_row(
                "SELECT mime, data FROM covers WHERE id = ?1",
                [cover_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
    }

    /// Sets (or with `None` clears) the star rating of a track.
    pub fn set_rating(&self, track: TrackId, stars: Option<u8>) -> Result<()> {
        if let Some(s) = stars
            && !(1..=5).contains(&s)
        {
            return Err(StoreError::InvalidRating(s));
        }
        self.require_track(track)?;
        self.conn.execute(
            "INSERT INTO ratings (track_id, stars, updated_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (track_id) DO UPDATE SET stars = excluded.stars, updated_at = excluded.updated_at",
            rusqlite::params![track, stars, unix_seconds()],
        )?;
        Ok(())
    }

    /// The star rating of a track, if rated.
    pub fn rating(&self, track: TrackId) -> Result<Option<u8>> {
        use rusqlite::OptionalExtension;
        let stars: Option<Option<u8>> = self
            .conn
            .query_row(
                "SELECT stars FROM ratings WHERE track_id = ?1",
                [track],
                |r| r.get(0),
            )
            .optional()?;
        Ok(stars.flatten())
    }

    /// Appends one play to the listening history.
    pub fn record_play(&self, play: &PlayRecord) -> Result<()> {
        self.require_track(play.track_id)?;
        self.conn.execute(
            "INSERT INTO plays (track_id, started_at, ms_listened, end_reason, position_ms)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            rusqlite::params![
                play.track_id,
                play.started_at_ms,
                play.ms_listened,
                play_end_name(play.end),
                play.position_ms
            ],
        )?;
        Ok(())
    }

    /// Opens a play of `track` that is under way (recorded as stopped until told otherwise,
    /// so a crash leaves an honest row). Returns the play's id.
    pub fn start_play(&self, track: TrackId, started_at_ms: i64) -> Result<i64> {
        self.require_track(track)?;
        Ok(self.conn.query_row(
            "INSERT INTO plays (track_id, started_at, ms_listened, end_reason, position_ms)
             VALUES (?1, ?2, 0, 'stopped', 0) RETURNING id",
            rusqlite::params![track, started_at_ms],
            |r| r.get(0),
        )?)
    }

    /// Updates a play: how long it has been listened to, where it is, how it ended (so far).
    pub fn update_play(
        &self,
        play_id: i64,
        ms_listened: i64,
        position_ms: i64,
        end: PlayEnd,
    ) -> Result<()> {
        self.conn
            .prepare_cached(
                "UPDATE plays SET ms_listened = ?2, position_ms = ?3, end_reason = ?4 WHERE id = ?1",
            )?
            .execute(rusqlite::params![play_id, ms_listened, position_ms, play_end_name(end)])?;
        Ok(())
    }

    /// The most recent plays, newest first.
    pub fn recent_plays(&self, limit: u32) -> Result<Vec<PlayRow>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT p.id, p.track_id, p.started_at, p.ms_listened, p.end_reason, p.position_ms, t.duration_ms,
                    p.imported_from IS NOT NULL
             FROM plays p JOIN tracks t ON t.id = p.track_id
             ORDER BY p.started_at DESC, p.id DESC LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit], |r| {
            let ms_listened: i64 = r.get(3)?;
            let duration_ms: i64 = r.get(6)?;
            Ok(PlayRow {
                id: r.get(0)?,
                track_id: r.get(1)?,
                started_at_ms: r.get(2)?,
                ms_listened,
                end: parse_play_end(&r.get::<_, String>(4)?),
                position_ms: r.get(5)?,
                full_listen: segue_core::is_full_listen(ms_listened, duration_ms),
                imported: r.get(7)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Stats and trends of the plays since `since_ms`: per local day, top artists and tracks.
    pub fn listening_stats(&self, since_ms: i64, top: u32) -> Result<ListeningStats> {
        let days = self.days_listening(since_ms, i64::MAX)?;
        let mut artists = self.conn.prepare_cached(
            "SELECT COALESCE(a.name, aa.name), COUNT(*) AS n FROM plays p
             JOIN tracks t ON t.id = p.track_id
             LEFT JOIN artists a ON a.id = t.artist_id
             LEFT JOIN artists aa ON aa.id = t.album_artist_id
             WHERE p.started_at >= ?1 AND COALESCE(a.name, aa.name) IS NOT NULL
             GROUP BY 1 ORDER BY n DESC, 1 LIMIT ?2",
        )?;
        let top_artists = artists
            .query_map(rusqlite::params![since_ms, top], |r| {
                Ok(PlayCount {
                    name: r.get(0)?,
                    track_id: None,
                    plays: r.get(1)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut tracks = self.conn.prepare_cached(
            "SELECT t.title, p.track_id, COUNT(*) AS n FROM plays p
             JOIN tracks t ON t.id = p.track_id
             WHERE p.started_at >= ?1
             GROUP BY p.track_id ORDER BY n DESC, t.title LIMIT ?2",
        )?;
        let top_tracks = tracks
            .query_map(rusqlite::params![since_ms, top], |r| {
                Ok(PlayCount {
                    name: r.get(0)?,
                    track_id: Some(r.get(1)?),
                    plays: r.get(2)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(ListeningStats {
            plays: days.iter().map(|d| d.plays).sum(),
            skipped: days.iter().map(|d| d.skipped).sum(),
            listened_ms: days.iter().map(|d| d.listened_ms).sum(),
            days,
            top_artists,
            top_tracks,
        })
    }

    /// The local days with plays started from `from_ms` up to (not including) `to_ms`, oldest
    /// first.
    pub(crate) fn days_listening(&self, from_ms: i64, to_ms: i64) -> Result<Vec<DayListening>> {
        let mut days = self.conn.prepare_cached(
            "SELECT date(started_at / 1000, 'unixepoch', 'localtime') AS day, COUNT(*),
                    SUM(end_reason = 'completed'), SUM(end_reason = 'skipped'), SUM(ms_listened)
             FROM plays WHERE started_at >= ?1 AND started_at < ?2 GROUP BY day ORDER BY day",
        )?;
        let days = days.query_map([from_ms, to_ms], |r| {
            Ok(DayListening {
                day: r.get(0)?,
                plays: r.get(1)?,
                completed: r.get(2)?,
                skipped: r.get(3)?,
                listened_ms: r.get(4)?,
            })
        })?;
        Ok(days.collect::<rusqlite::Result<_>>()?)
    }

    /// Number of plays recorded for a track.
    pub fn play_count(&self, track: TrackId) -> Result<u64> {
        let n: i64 = self.conn.query_row(
            "SELECT COUNT(*) FROM plays WHERE track_id = ?1",
            [track],
            |r| r.get(0),
        )?;
        Ok(n as u64)
    }

    fn require_track(&self, track: TrackId) -> Result<()> {
        let exists: bool = self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM tracks WHERE id = ?1)",
            [track],
            |r| r.get(0),
        )?;
        if exists {
            Ok(())
        } else {
            Err(StoreError::TrackNotFound(track))
        }
    }
}

/// Switches to WAL. On a brand-new file this needs an exclusive lock and SQLite reports BUSY
/// without calling the busy handler when another connection is opening the same file, so retry
/// for up to the busy timeout.
fn set_wal(conn: &Connection) -> Result<()> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        match conn.pragma_update(None, "journal_mode", "WAL") {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::DatabaseBusy
                    && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            other => return Ok(other?),
        }
    }
}

pub(crate) fn unix_seconds() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Lower-cases text for search (Unicode-aware, unlike SQLite's `LIKE`).
pub fn search_key(text: &str) -> String {
    text.to_lowercase()
}

#[cfg(test)]
mod playlist_tests;
#[cfg(test)]
mod session_tests;
#[cfg(test)]
mod tests;
