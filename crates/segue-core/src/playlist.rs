//! Playlists as the app and the command line see them: the list of playlists, a playlist's
//! entries, and what an M3U import found.
//!
//! An entry names a library track by its [`TrackId`](crate::TrackId), which survives moves, so a playlist keeps
//! its entries when files move. An entry whose file is gone stays, reported as
//! [`EntryStatus::Missing`]; an imported line that matched no library track stays too,
//! [`EntryStatus::Unresolved`], with what the playlist file said ([`EntrySource`]).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::TrackRow;

/// Identifies a playlist for its whole life (renames keep it).
pub type PlaylistId = i64;

/// Identifies one entry of a playlist: the same track twice is two entries. It survives moves
/// within the playlist, so an edit names exactly the entry the person saw.
pub type EntryId = i64;

/// A playlist in the list of playlists.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Playlist {
    #[ts(type = "number")]
    pub id: PlaylistId,
    pub name: String,
    /// Every entry, playable or not.
    pub entry_count: u32,
    /// Entries that cannot play now: their file is missing, or they matched no track.
    pub unavailable_count: u32,
    /// Playing time of the entries that can play, in milliseconds.
    #[ts(type = "number")]
    pub duration_ms: u64,
    /// Up to four distinct covers, in playlist order, for a mosaic.
    #[ts(type = "Array<number>")]
    pub cover_ids: Vec<i64>,
    /// Unix milliseconds of the last change (entries or name).
    #[ts(type = "number")]
    pub updated_at_ms: i64,
}

/// Whether an entry can play.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum EntryStatus {
    /// The track's file is where the last scan found it.
    Available,
    /// The track's file was not found (or no longer imports); the entry plays again when the
    /// file returns, at this or another path.
    Missing,
    /// Imported from a playlist file and matched no library track; [`EntrySource`] keeps what
    /// the file said.
    Unresolved,
}

/// What a playlist file said about an entry that matched no library track, kept so that
/// nothing is lost and an export writes it back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct EntrySource {
    /// The line as written: a path (relative, absolute, Windows) or a URL.
    pub location: String,
    /// The `#EXTINF` title ("Artist - Title"), if the file had one.
    pub title: Option<String>,
    /// The `#EXTINF` duration, if the file gave one.
    #[ts(type = "number | null")]
    pub duration_ms: Option<u64>,
}

/// One entry of a playlist, in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct PlaylistEntry {
    #[ts(type = "number")]
    pub id: EntryId,
    /// 0-based; the entries of a playlist are numbered without gaps.
    pub position: u32,
    pub status: EntryStatus,
    /// The library track (present or missing); `None` when unresolved.
    pub track: Option<TrackRow>,
    /// For an unresolved entry: what the playlist file said.
    pub source: Option<EntrySource>,
}

/// Why an imported line matched no library track.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum UnmatchedReason {
    /// The file exists but is not in the library (its folder is not a library folder, or it
    /// was not scanned yet).
    OutsideLibrary,
    /// No library file has this path or ends like it, and no track has its artist and title.
    NotInLibrary,
    /// Several library tracks fit equally well.
    Ambiguous { candidates: u32 },
    /// A URL that is not a local file (a stream, a web page).
    NotAFile,
}

impl std::fmt::Display for UnmatchedReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UnmatchedReason::OutsideLibrary => write!(
                f,
                "the file exists but is not in the library (add its folder with `segue scan`)"
            ),
            UnmatchedReason::NotInLibrary => write!(
                f,
                "no library file has this path or ends like it, and no track has its artist and title"
            ),
            UnmatchedReason::Ambiguous { candidates } => write!(
                f,
                "{candidates} library tracks fit equally well; none was chosen"
            ),
            UnmatchedReason::NotAFile => write!(f, "a URL, not a local file"),
        }
    }
}

/// An imported line that matched no track: kept in the playlist as an unresolved entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct UnmatchedLine {
    /// 1-based line of the location in the playlist file.
    pub line: u32,
    /// The entry's position in the imported playlist.
    pub position: u32,
    pub location: String,
    pub reason: UnmatchedReason,
}

/// Something an import could read but had to interpret; nothing is dropped silently.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum ImportNote {
    /// The `.m3u` file is not UTF-8: it was read as Windows-1252 (Latin-1 and the Western
    /// European letters Windows players write).
    ReadAsWindows1252,
    /// The file is UTF-16 (with a byte order mark), as some Windows tools write.
    ReadAsUtf16,
    /// An `#EXTINF` line with no location after it was ignored.
    InfoWithoutLocation { line: u32 },
    /// An `#EXTINF` duration that is not a number was ignored (the title was kept).
    UnreadableDuration { line: u32 },
}

impl std::fmt::Display for ImportNote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ImportNote::ReadAsWindows1252 => write!(
                f,
                "the file is not UTF-8: read as Windows-1252 (Western European)"
            ),
            ImportNote::ReadAsUtf16 => write!(f, "the file is UTF-16: read as such"),
            ImportNote::InfoWithoutLocation { line } => {
                write!(f, "line {line}: #EXTINF with no file after it, ignored")
            }
            ImportNote::UnreadableDuration { line } => write!(
                f,
                "line {line}: the #EXTINF duration is not a number, ignored"
            ),
        }
    }
}

/// What an M3U import made: the new playlist and how each line was matched.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ImportReport {
    pub playlist: Playlist,
    pub matched_by_path: u32,
    pub matched_by_path_suffix: u32,
    pub matched_by_tags: u32,
    /// Lines that matched nothing, each kept as an unresolved entry.
    pub unmatched: Vec<UnmatchedLine>,
    pub notes: Vec<ImportNote>,
}

/// What an M3U export wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ExportReport {
    /// The playlist file written.
    pub path: String,
    pub entries: u32,
    /// Entries written as paths relative to the playlist file's folder (the others are
    /// absolute paths or URLs).
    pub relative: u32,
}
