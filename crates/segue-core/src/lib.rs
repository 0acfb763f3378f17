//! Segue's core vocabulary.
//!
//! Every crate in the workspace speaks in these types: the library scanner produces
//! [`TrackTags`] and [`AudioProperties`], the store persists them and hands back [`Track`]s,
//! and the service layer passes them to the UI. The types derive `serde` and `ts-rs`, so the
//! TypeScript bindings in `ui/src/bindings` are generated from exactly these definitions.

mod analysis;
mod app;
mod app_event;
mod equaliser;
pub mod files;
pub mod forecast;
mod history_file;
pub mod image;
pub mod install;
pub mod isolate;
mod jobs;
mod map;
mod playlist;
pub mod review;
pub mod rotation;
mod scan;
pub mod smart;
mod suggest;
mod track;

pub use analysis::{
    DspFeatures, KeyMode, LoudnessMeasure, PITCH_CLASSES, TrackAnalysis, camelot, camelot_number,
};
pub use app::{
    AnalysisEstimate, AnalysisStatus, AppSettings, AudioOutput, DayListening, DeviceChoice,
    FacetKind, HistoryEntry, ListeningStats, ModelChoice, NormalizationChoice, PlayCount, PlayEnd,
    PlayOutcome, PlayerState, QueueEntry, RadioSeed, RepeatMode, TagFacet, TrackRow,
};
pub use app_event::AppEvent;
pub use equaliser::{
    EQ_BAND_CENTRES_HZ, EQ_MAX_GAIN_DB, EQ_MAX_PARAMETRIC, EqualiserPreset, EqualiserResponse,
    EqualiserSettings, EqualiserView, ParametricBand,
};
pub use history_file::{
    BadListen, BadRecord, HistoryExportFormat, HistoryExportReport, HistoryFormat,
    HistoryImportPhase, HistoryImportProgress, HistoryImportReport, ListenUnmatched,
    UnmatchedListen,
};
pub use jobs::{FolderWatch, LibraryEvent, ScanCause, WatchState};
pub use map::{
    ListeningMark, MapColouring, MapColours, MapLabel, MapNeighbour, MapStatus, MapTrack, MapView,
};
pub use playlist::{
    EntryId, EntrySource, EntryStatus, ExportReport, ImportNote, ImportReport, Playlist,
    PlaylistEntry, PlaylistId, UnmatchedLine, UnmatchedReason,
};
pub use scan::{FileIssue, IssueKind, ScanPhase, ScanProgress, ScanReport};
pub use suggest::{
    Daypart, Detail, Facet, FeedbackKind, KeyJoin, PathStep, RANKED_TERMS, Ranked, RankingModel,
    ReasonPart, ScoreTerm, SonicPath, Suggestion, TERM_COUNT, TempoFeel, TermKind, english_reason,
};
pub use track::{
    AlbumPlace, AudioProperties, Codec, Container, LibraryStats, ReplayGain, Track, TrackId,
    TrackTags, is_placeholder_artist,
};

/// A skip before this share of a track is an early skip: the listener did not want it. Later
/// skips say little (they heard a good part of it).
pub const EARLY_SKIP_SHARE: f32 = 0.3;

/// Whether a skip after `ms_listened` of a `duration_ms` track is early ([`EARLY_SKIP_SHARE`]).
pub fn is_early_skip(ms_listened: i64, duration_ms: i64) -> bool {
    (ms_listened as f64) < f64::from(EARLY_SKIP_SHARE) * duration_ms as f64
}

/// Whether a play counts as a full listen: at least half the track, or at least 4 minutes.
pub fn is_full_listen(ms_listened: i64, duration_ms: i64) -> bool {
    ms_listened >= 240_000 || (duration_ms > 0 && ms_listened * 2 >= duration_ms)
}

/// An error as the UI sees it: a stable machine-readable `kind` and a human `message`.
///
/// Library crates keep their own typed `thiserror` enums; the service layer converts them into
/// this shape at the boundary so the front end can branch on `kind` without parsing text.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct UiError {
    /// Stable identifier such as `"database"`, `"not_found"` or `"invalid_input"`.
    pub kind: String,
    /// One sentence a person can act on.
    pub message: String,
}

#[cfg(test)]
mod tests {
    #[test]
    fn full_listen_is_half_the_track_or_four_minutes() {
        assert!(super::is_full_listen(60_000, 120_000));
        assert!(!super::is_full_listen(59_999, 120_000));
        assert!(super::is_full_listen(240_000, 600_000));
        assert!(!super::is_full_listen(239_999, 600_000));
    }
}
