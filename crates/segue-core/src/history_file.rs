//! Listening history from and to other services' files: what an import of a ListenBrainz or
//! Last.fm export found, and what an export wrote.
//!
//! An import reads every record it can: a record it cannot read is a [`BadRecord`] with the
//! reason, a listen that names no library track is an [`UnmatchedListen`] with the reason, and
//! neither stops the rest. Listens already in the history (the same track at the same second)
//! are counted as duplicates, not added again.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The files an import reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum HistoryFormat {
    /// ListenBrainz's export: a JSON array of listens, or one listen per line (JSON lines),
    /// or an API page (`{"payload": {"listens": [...]}}`).
    ListenBrainz,
    /// Last.fm scrobbles as CSV: `artist,album,track,date` without a header
    /// (lastfm-to-csv), or with a header naming the columns (`uts`, `artist`, `track`, ...).
    LastfmCsv,
    /// Last.fm's `user.getRecentTracks` pages as JSON: one page, or an array of pages.
    LastfmJson,
}

impl HistoryFormat {
    /// The name the command line takes and the history stores as an import's origin.
    pub fn name(self) -> &'static str {
        match self {
            HistoryFormat::ListenBrainz => "listenbrainz",
            HistoryFormat::LastfmCsv => "lastfm-csv",
            HistoryFormat::LastfmJson => "lastfm-json",
        }
    }
}

impl std::fmt::Display for HistoryFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            HistoryFormat::ListenBrainz => "ListenBrainz JSON",
            HistoryFormat::LastfmCsv => "Last.fm CSV",
            HistoryFormat::LastfmJson => "Last.fm JSON",
        })
    }
}

impl std::str::FromStr for HistoryFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "listenbrainz" | "lb" => Ok(HistoryFormat::ListenBrainz),
            "lastfm-csv" | "csv" => Ok(HistoryFormat::LastfmCsv),
            "lastfm-json" | "lastfm" => Ok(HistoryFormat::LastfmJson),
            other => Err(format!(
                "unknown history format '{other}': listenbrainz, lastfm-csv or lastfm-json"
            )),
        }
    }
}

/// The files an export writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum HistoryExportFormat {
    /// A JSON array of listens as ListenBrainz exports them.
    ListenBrainz,
    /// CSV with a header: `uts,utc_time,artist,artist_mbid,album,album_mbid,track,track_mbid`
    /// (as lastfm-export writes it).
    Csv,
}

impl std::str::FromStr for HistoryExportFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "listenbrainz" | "lb" | "json" => Ok(HistoryExportFormat::ListenBrainz),
            "csv" => Ok(HistoryExportFormat::Csv),
            other => Err(format!(
                "unknown export format '{other}': listenbrainz or csv"
            )),
        }
    }
}

/// Why a record of a history file could not be read as a listen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum BadListen {
    /// The record is not valid JSON (`detail` is the parser's words).
    NotJson {
        detail: String,
    },
    /// The file ends inside this record: it was cut off (a partial download or copy).
    Cut,
    /// The record holds bytes that are not UTF-8 text.
    NotUtf8,
    /// The record is JSON but not a listen (no `track_metadata`, or not an object).
    NotAListen,
    /// No time of listening.
    NoTimestamp,
    /// A time of listening that cannot be read, or lies before 2000 or in the future.
    BadTimestamp {
        value: String,
    },
    NoArtist,
    NoTitle,
    /// Last.fm's "now playing" entry: not a finished scrobble.
    NowPlaying,
    /// A CSV row with fewer columns than the file's header or format needs.
    MissingColumns {
        found: u32,
        needed: u32,
    },
}

impl std::fmt::Display for BadListen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BadListen::NotJson { detail } => write!(f, "not valid JSON ({detail})"),
            BadListen::Cut => write!(f, "the file ends inside this record (cut off)"),
            BadListen::NotUtf8 => write!(f, "not UTF-8 text"),
            BadListen::NotAListen => write!(f, "not a listen"),
            BadListen::NoTimestamp => write!(f, "no time of listening"),
            BadListen::BadTimestamp { value } => {
                write!(f, "the time of listening '{value}' cannot be read")
            }
            BadListen::NoArtist => write!(f, "no artist"),
            BadListen::NoTitle => write!(f, "no track title"),
            BadListen::NowPlaying => write!(f, "'now playing', not a finished scrobble"),
            BadListen::MissingColumns { found, needed } => {
                write!(f, "{found} columns where {needed} are needed")
            }
        }
    }
}

/// A record that could not be read, and where it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct BadRecord {
    /// 1-based line of the file where the record starts.
    pub line: u32,
    pub problem: BadListen,
}

/// Why a listen names no library track.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum ListenUnmatched {
    /// No library track is by this artist.
    UnknownArtist,
    /// The artist is in the library, but no track of theirs has this title.
    UnknownTitle,
    /// Several tracks fit, and neither the album nor the duration tells them apart.
    Ambiguous { candidates: u32 },
}

impl std::fmt::Display for ListenUnmatched {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ListenUnmatched::UnknownArtist => write!(f, "no track by this artist in the library"),
            ListenUnmatched::UnknownTitle => {
                write!(f, "the artist is in the library, but not this title")
            }
            ListenUnmatched::Ambiguous { candidates } => write!(
                f,
                "{candidates} library tracks fit and neither album nor duration tells them apart"
            ),
        }
    }
}

/// A track of the file that matched nothing, with how many of its listens did not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct UnmatchedListen {
    pub artist: String,
    pub title: String,
    pub album: Option<String>,
    pub listens: u32,
    pub reason: ListenUnmatched,
}

/// What a history import did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct HistoryImportReport {
    pub format: HistoryFormat,
    /// Records in the file, read or not.
    pub records: u32,
    /// Listens added to the history.
    pub imported: u32,
    /// Listens already in the history (the same track at the same second): not added again.
    pub duplicates: u32,
    /// Listens that named no library track, by reason.
    pub unknown_artist: u32,
    pub unknown_title: u32,
    pub ambiguous: u32,
    /// The tracks behind those listens, most listened first (at most
    /// [`HistoryImportReport::LISTED`]).
    pub unmatched: Vec<UnmatchedListen>,
    /// Records that could not be read (at most [`HistoryImportReport::LISTED`] listed;
    /// `bad_records` counts them all).
    pub bad: Vec<BadRecord>,
    pub bad_records: u32,
    /// CSV lines that were not UTF-8 and were read as Windows-1252.
    pub read_as_windows_1252: u32,
    /// Stopped before the end: listens read before the stop were added.
    pub cancelled: bool,
}

impl HistoryImportReport {
    /// How many unmatched tracks and bad records a report lists.
    pub const LISTED: usize = 500;

    pub fn unmatched_listens(&self) -> u32 {
        self.unknown_artist + self.unknown_title + self.ambiguous
    }
}

/// How far a history import is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum HistoryImportPhase {
    Reading,
    Matching,
    Writing,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct HistoryImportProgress {
    pub phase: HistoryImportPhase,
    /// Listens handled in this phase, of `total`.
    pub done: u32,
    pub total: u32,
}

/// What a history export wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct HistoryExportReport {
    pub path: String,
    pub format: HistoryExportFormat,
    /// Listens written: every full listen (half the track or four minutes), as scrobbles.
    pub listens: u32,
}
