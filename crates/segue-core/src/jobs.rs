//! The library's background work as the app and the command line see it: one event type for
//! importing, analysing and watching folders. The service emits [`LibraryEvent`]s; the app
//! forwards them to the window as one event (its TypeScript type is generated from this one), and
//! `segue scan` draws its progress bars from the same events.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{AnalysisStatus, MapStatus, ScanProgress, ScanReport, UiError};

/// Why an import runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ScanCause {
    /// Someone asked: the app starting, Rescan, a folder added or removed, `segue scan`.
    Requested,
    /// Files changed under a watched library folder.
    FilesChanged,
    /// A library folder that had gone (an unplugged drive, a renamed folder) is back.
    FolderReturned,
}

/// Whether a library folder is watched for changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum WatchState {
    /// Changes show up within a couple of seconds.
    Watching,
    /// The folder is gone (an unplugged drive, renamed or deleted): its tracks are kept as they
    /// were, and it is watched again when it comes back.
    Unavailable,
    /// The system refused to watch it (see the message): changes show up at the next rescan.
    NotWatched,
}

/// A library folder's watch state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct FolderWatch {
    /// The folder, lossily converted to UTF-8 for display.
    pub folder: String,
    pub state: WatchState,
    /// Why it is not watched, in the system's words (only for [`WatchState::NotWatched`]).
    pub message: Option<String>,
}

/// Something the library's background work did: one stream for import, analysis and folder
/// watching, in the order it happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum LibraryEvent {
    /// An import began, over these library folders.
    ScanStarted {
        cause: ScanCause,
        folders: Vec<String>,
    },
    /// A few times a second while importing.
    ScanProgress {
        cause: ScanCause,
        progress: ScanProgress,
    },
    /// An import finished (or was cancelled: see the report). What it added is in the library.
    ScanFinished {
        cause: ScanCause,
        report: ScanReport,
    },
    ScanFailed {
        cause: ScanCause,
        error: UiError,
    },
    /// Analysis started, went on, paused or resumed.
    AnalysisProgress {
        status: AnalysisStatus,
    },
    /// Analysis finished, was stopped or failed (`status.message` says which).
    AnalysisFinished {
        status: AnalysisStatus,
    },
    /// The library map is being laid out (after analysis, or asked for).
    MapProgress {
        status: MapStatus,
    },
    /// The map's layout finished, was stopped or failed (`status.message` says which); the
    /// map's points are stored.
    MapFinished {
        status: MapStatus,
    },
    /// A library folder's watch state changed.
    Folder {
        watch: FolderWatch,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The window switches on `kind` and reads the fields by these names (ui/src/lib/store).
    #[test]
    fn events_reach_the_window_tagged_by_kind_in_snake_case() {
        let event = LibraryEvent::Folder {
            watch: FolderWatch {
                folder: "/music".into(),
                state: WatchState::Unavailable,
                message: None,
            },
        };
        assert_eq!(
            serde_json::to_value(&event).expect("json"),
            serde_json::json!({
                "kind": "folder",
                "watch": { "folder": "/music", "state": "unavailable", "message": null }
            })
        );
        let started = LibraryEvent::ScanStarted {
            cause: ScanCause::FilesChanged,
            folders: vec!["/music".into()],
        };
        assert_eq!(
            serde_json::to_value(&started).expect("json")["cause"],
            "files_changed"
        );
    }
}
