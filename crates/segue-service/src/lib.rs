//! What Segue can do, for the UI and the command line.
//!
//! The service is the one façade the Tauri commands and the `segue` binary call: it knows where
//! the database lives, which folders make up the library, and how to run long work (scans) off
//! the caller's thread with progress and cancellation. It converts every library error into a
//! [`UiError`] with a stable `kind` for the front end.

pub mod analysis;
mod browse;
mod equaliser;
mod history_file;
pub mod jobs;
mod listen;
mod map;
mod output;
mod path;
mod playback;
mod playlist;
pub mod queue;
mod review;
mod smart;
pub mod suggest;
mod watch;

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::AtomicBool;

use segue_core::{FileIssue, LibraryStats, ScanProgress, ScanReport, Track, UiError};
use segue_library::history_file::HistoryFileError;
use segue_library::m3u::PlaylistFileError;
use segue_library::{ScanError, ScanOptions};
use segue_store::{PlaylistError, Store, TrackQuery};

pub use browse::{
    check_crossfade, device_for, model_choice_name, model_for, normalization_for,
    parse_model_choice,
};
pub use equaliser::{apply_equaliser_preset, band_label, equaliser_response};
pub use jobs::{EventSink, JobOptions, LibraryJobs};
pub use listen::{Listen, ListenError};
pub use map::{MapReport, listening_mark};
pub use output::{BUFFERING_KEY, KeptBuffering};
pub use path::PathRequest;
pub use playback::{Playback, SESSION_EVERY};
pub use queue::{QueueChange, QueueState};
pub use segue_core;
pub use segue_playback::{Normalization, PlayerEvent};
pub use segue_recommend::{PathError, PathGoal, Settings as SuggestSettings};
pub use segue_store::{SavedSession, StoreError};

/// Environment variable that overrides the default database location.
pub const DB_ENV: &str = "SEGUE_DB";

/// Errors from service operations.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Scan(#[from] ScanError),
    #[error("the folder {0} does not exist")]
    FolderNotFound(PathBuf),
    #[error("no library folders yet: add one with `segue scan DIR`")]
    NoFolders,
    #[error("cannot find a data directory for the library database; pass --db or set {DB_ENV}")]
    NoDataDir,
    /// `SEGUE_DB` is set to nothing: most likely a script's empty variable, so the default
    /// library is not taken in its place.
    #[error("{DB_ENV} is set but empty: name a database file, or unset it for the default library")]
    EmptyDbPath,
    #[error("{0}")]
    InvalidInput(String),
    /// Segue itself could not do what was asked (a thread that would not start): not the
    /// caller's input.
    #[error("{0}")]
    Internal(String),
    #[error(transparent)]
    Playback(segue_playback::PlaybackError),
    /// The player could not start (the reason it gave): nothing plays until it can.
    #[error("{0}")]
    PlaybackUnavailable(String),
    #[error(transparent)]
    Analysis(segue_analysis::AnalysisError),
    #[error(transparent)]
    Listen(#[from] ListenError),
    #[error(transparent)]
    PlaylistFile(#[from] PlaylistFileError),
    #[error(transparent)]
    HistoryFile(#[from] HistoryFileError),
    /// A sonic path that cannot be drawn as asked.
    #[error(transparent)]
    Path(segue_recommend::PathError),
}

impl ServiceError {
    /// Stable machine-readable kind for the UI.
    pub fn kind(&self) -> &'static str {
        match self {
            ServiceError::Store(StoreError::TrackNotFound(_)) => "not_found",
            ServiceError::Store(StoreError::InvalidRating(_)) => "invalid_input",
            ServiceError::Store(StoreError::Playlist(e)) => match e {
                PlaylistError::NameTaken(_) => "name_taken",
                PlaylistError::NotFound(_)
                | PlaylistError::NameNotFound(_)
                | PlaylistError::EntryNotFound { .. } => "not_found",
                PlaylistError::EmptyName
                | PlaylistError::NameHasControlCharacters(_)
                | PlaylistError::PositionOutOfRange { .. } => "invalid_input",
            },
            ServiceError::Store(_) | ServiceError::Scan(ScanError::Store(_)) => "database",
            ServiceError::Scan(_) | ServiceError::Internal(_) => "internal",
            ServiceError::FolderNotFound(_) => "folder_not_found",
            ServiceError::NoFolders => "no_folders",
            ServiceError::NoDataDir => "no_data_dir",
            ServiceError::EmptyDbPath => "invalid_input",
            ServiceError::InvalidInput(_) | ServiceError::Listen(_) => "invalid_input",
            ServiceError::Playback(segue_playback::PlaybackError::NoDevice(_))
            | ServiceError::PlaybackUnavailable(_) => "no_audio_device",
            ServiceError::Playback(_) => "playback",
            ServiceError::Analysis(e) => e.kind(),
            ServiceError::Path(segue_recommend::PathError::NotAnalysed(_)) => "not_analysed",
            ServiceError::Path(_) => "invalid_input",
            ServiceError::PlaylistFile(e) => match e {
                PlaylistFileError::NotFound { .. } => "not_found",
                PlaylistFileError::Exists { .. } => "file_exists",
                PlaylistFileError::Read { .. } | PlaylistFileError::Write { .. } => "io",
                PlaylistFileError::NotAFile { .. }
                | PlaylistFileError::NotM3u { .. }
                | PlaylistFileError::TooLarge { .. }
                | PlaylistFileError::NotText { .. }
                | PlaylistFileError::NotUtf8 { .. }
                | PlaylistFileError::NoEntries { .. } => "bad_playlist_file",
            },
            ServiceError::HistoryFile(e) => match e {
                HistoryFileError::NotFound { .. } => "not_found",
                HistoryFileError::Exists { .. } => "file_exists",
                HistoryFileError::Read { .. } | HistoryFileError::Write { .. } => "io",
                HistoryFileError::NotAFile { .. }
                | HistoryFileError::TooLarge { .. }
                | HistoryFileError::Unrecognised { .. }
                | HistoryFileError::NoListens { .. } => "bad_history_file",
            },
        }
    }
}

impl From<&ServiceError> for UiError {
    fn from(e: &ServiceError) -> UiError {
        UiError {
            kind: e.kind().to_owned(),
            message: e.to_string(),
        }
    }
}

pub type Result<T, E = ServiceError> = std::result::Result<T, E>;

/// The default database: `$SEGUE_DB`, else `segue/library.sqlite` in the platform's data
/// directory (`~/.local/share` on Linux). `SEGUE_DB` set to nothing (or only spaces) is
/// [`ServiceError::EmptyDbPath`].
pub fn default_db_path() -> Result<PathBuf> {
    if let Some(p) = std::env::var_os(DB_ENV) {
        if p.to_string_lossy().trim().is_empty() {
            return Err(ServiceError::EmptyDbPath);
        }
        return Ok(PathBuf::from(p));
    }
    directories::ProjectDirs::from("", "", "segue")
        .map(|d| d.data_dir().join("library.sqlite"))
        .ok_or(ServiceError::NoDataDir)
}

/// The one spelling of a folder that is stored and scanned: canonical when it exists (no `..`,
/// symbolic links resolved), else absolute. Using it everywhere keeps file paths stable between
/// scans started from the CLI, the app, or with no arguments.
pub fn normalize_folder(folder: &Path) -> PathBuf {
    std::fs::canonicalize(folder)
        .or_else(|_| std::path::absolute(folder))
        .unwrap_or_else(|_| folder.to_path_buf())
}

/// An open Segue library.
///
/// Cheap read calls share one connection behind a mutex; a scan opens its own writer
/// connection, so the UI keeps reading (SQLite WAL) while an import runs.
pub struct Service {
    db_path: PathBuf,
    reader: Mutex<Store>,
    library_cache: suggest::LibraryCache,
    smart_facts: smart::FactsCache,
    ranker: suggest::RankerSlot,
    rotation: review::RotationState,
}

impl Service {
    /// Opens (creating and migrating if needed) the library database at `db_path`.
    pub fn open(db_path: &Path) -> Result<Service> {
        let reader = Store::open(db_path)?;
        Ok(Service {
            db_path: db_path.to_path_buf(),
            reader: Mutex::new(reader),
            library_cache: Default::default(),
            smart_facts: Default::default(),
            ranker: Default::default(),
            rotation: Default::default(),
        })
    }

    /// Opens the library database at `db_path` only if it exists (migrating it if needed):
    /// for work that reads or changes a library, where a mistyped path must not become a new
    /// empty one. A missing file is `StoreError::NoLibrary`, and nothing is created.
    pub fn open_existing(db_path: &Path) -> Result<Service> {
        let reader = Store::open_existing(db_path)?;
        Ok(Service {
            db_path: db_path.to_path_buf(),
            reader: Mutex::new(reader),
            library_cache: Default::default(),
            smart_facts: Default::default(),
            ranker: Default::default(),
            rotation: Default::default(),
        })
    }

    pub fn db_path(&self) -> &Path {
        &self.db_path
    }

    fn with_store<T>(&self, f: impl FnOnce(&Store) -> Result<T, StoreError>) -> Result<T> {
        // A poisoned lock means a panic mid-read; the connection itself is still sound.
        let store = self.reader.lock().unwrap_or_else(|p| p.into_inner());
        Ok(f(&store)?)
    }

    /// The library folders.
    pub fn folders(&self) -> Result<Vec<PathBuf>> {
        self.with_store(Store::roots)
    }

    /// Adds folders to the library (they must exist).
    pub fn add_folders(&self, folders: &[PathBuf]) -> Result<Vec<PathBuf>> {
        let mut added = Vec::with_capacity(folders.len());
        for folder in folders {
            let abs = normalize_folder(folder);
            if !abs.is_dir() {
                return Err(ServiceError::FolderNotFound(folder.clone()));
            }
            self.with_store(|s| s.add_root(&abs))?;
            added.push(abs);
        }
        Ok(added)
    }

    /// Removes a folder from the library. Its tracks leave the library at once, marked
    /// missing with their plays and ratings kept (they come back if the folder is added
    /// again); tracks that another library folder still holds stay.
    pub fn remove_folder(&self, folder: &Path) -> Result<bool> {
        let folder = normalize_folder(folder);
        if !self.with_store(|s| s.remove_root(&folder))? {
            return Ok(false);
        }
        let remaining = self.folders()?;
        let mut writer = Store::open(&self.db_path)?;
        let gone: Vec<segue_core::TrackId> = writer
            .known_files()?
            .into_iter()
            .filter(|f| f.path.starts_with(&folder))
            .filter(|f| !remaining.iter().any(|r| f.path.starts_with(r)))
            .map(|f| f.id)
            .collect();
        writer.mark_missing(&gone)?;
        Ok(true)
    }

    /// Scans `folders` (all library folders when empty). Runs on the calling thread — callers
    /// that must stay responsive run it on a worker — and returns when done or cancelled.
    pub fn scan(
        &self,
        folders: &[PathBuf],
        cancel: &AtomicBool,
        progress: &mut dyn FnMut(&ScanProgress),
    ) -> Result<ScanReport> {
        let roots = if folders.is_empty() {
            self.folders()?
        } else {
            folders.iter().map(|f| normalize_folder(f)).collect()
        };
        if roots.is_empty() {
            return Err(ServiceError::NoFolders);
        }
        let mut writer = Store::open(&self.db_path)?;
        Ok(segue_library::scan(
            &mut writer,
            &roots,
            &ScanOptions::default(),
            cancel,
            progress,
        )?)
    }

    pub fn stats(&self) -> Result<LibraryStats> {
        self.with_store(Store::stats)
    }

    /// Tracks, optionally filtered by search words, in library order.
    pub fn tracks(&self, search: Option<&str>, limit: Option<u32>) -> Result<Vec<Track>> {
        let query = TrackQuery {
            search: search.map(str::to_owned).filter(|s| !s.trim().is_empty()),
            limit,
            ..Default::default()
        };
        self.with_store(|s| s.tracks(&query))
    }

    pub fn track(&self, id: segue_core::TrackId) -> Result<Track> {
        self.with_store(|s| s.track(id))?
            .ok_or(ServiceError::Store(StoreError::TrackNotFound(id)))
    }

    /// The file to open for a track: its stored bytes, not the display path (see
    /// [`Store::track_file`]).
    pub fn track_file(&self, id: segue_core::TrackId) -> Result<std::path::PathBuf> {
        self.with_store(|s| s.track_file(id))?
            .ok_or(ServiceError::Store(StoreError::TrackNotFound(id)))
    }

    /// Files that could not be imported, with reasons.
    pub fn issues(&self) -> Result<Vec<FileIssue>> {
        self.with_store(Store::issues)
    }

    /// A cover image's MIME type and bytes.
    pub fn cover(&self, cover_id: i64) -> Result<Option<(String, Vec<u8>)>> {
        self.with_store(|s| s.cover(cover_id))
    }
}
