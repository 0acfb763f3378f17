//! What the desktop app shows: compact library rows, facets from analysis, listening history,
//! the player's state and the settings a person can change. The app and the CLI build these
//! through the service; the UI receives them as generated TypeScript types.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::TrackId;

/// One row of the library's track table: what the list views need and nothing more, so that a
/// library of 100k tracks crosses to the UI quickly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct TrackRow {
    #[ts(type = "number")]
    pub id: TrackId,
    pub title: String,
    pub artist: Option<String>,
    pub album: Option<String>,
    pub album_artist: Option<String>,
    pub disc_number: Option<u32>,
    pub track_number: Option<u32>,
    pub year: Option<i32>,
    /// The genre tag written in the file (analysis facets are separate: [`TagFacet`]).
    pub genre: Option<String>,
    #[ts(type = "number")]
    pub duration_ms: u64,
    #[ts(type = "number | null")]
    pub cover_id: Option<i64>,
    /// 1–5 stars, or none.
    pub rating: Option<u8>,
    pub play_count: u32,
    /// Short format label such as "FLAC" or "Opus".
    pub format: String,
}

/// Which kind of analysis facet a label belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum FacetKind {
    Genre,
    Mood,
    Instrument,
}

/// Tracks grouped by what analysis heard: each analysed track joins the group of its most
/// likely genre, mood and instrument label (when that label is likely enough).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct TagFacet {
    pub kind: FacetKind,
    /// The model's label, e.g. "ambient" or "piano".
    pub label: String,
    #[ts(type = "Array<number>")]
    pub track_ids: Vec<TrackId>,
}

/// How a play ended: what the engine reports, the history keeps and taste learns from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlayEnd {
    Completed,
    Skipped,
    Stopped,
    Error,
}

/// How a play ended, as the history shows it, or that it is still playing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum PlayOutcome {
    Playing,
    Completed,
    Skipped,
    Stopped,
    Error,
}

/// One play in the listening history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct HistoryEntry {
    #[ts(type = "number")]
    pub play_id: i64,
    #[ts(type = "number")]
    pub track_id: TrackId,
    /// Unix time in milliseconds.
    #[ts(type = "number")]
    pub started_at_ms: i64,
    #[ts(type = "number")]
    pub listened_ms: i64,
    pub outcome: PlayOutcome,
    /// At least half the track (or four minutes) was heard.
    pub full_listen: bool,
    /// Imported from another service's history (ListenBrainz, Last.fm), not played in Segue.
    pub imported: bool,
}

/// Listening on one (local) day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct DayListening {
    /// `YYYY-MM-DD`, local time.
    pub day: String,
    pub plays: u32,
    pub completed: u32,
    pub skipped: u32,
    #[ts(type = "number")]
    pub listened_ms: i64,
}

/// A name (artist) or a track with how often it was played.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct PlayCount {
    /// The artist's name, or the track's title.
    pub name: String,
    #[ts(type = "number | null")]
    pub track_id: Option<TrackId>,
    pub plays: u32,
}

/// Stats and trends over a period of the listening history.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ListeningStats {
    /// Days with plays, oldest first.
    pub days: Vec<DayListening>,
    pub top_artists: Vec<PlayCount>,
    pub top_tracks: Vec<PlayCount>,
    pub plays: u32,
    pub skipped: u32,
    #[ts(type = "number")]
    pub listened_ms: i64,
}

/// One entry of the play queue; `why` says why a suggested track was queued (empty for the
/// tracks the user chose).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct QueueEntry {
    #[ts(type = "number")]
    pub track_id: TrackId,
    pub why: Vec<crate::ReasonPart>,
    /// Added by autoplay when the queue ran out, not by the listener: it belongs to Up Next,
    /// and what the listener queues goes before it.
    #[serde(default)]
    pub autoplay: bool,
}

/// Where a radio starts: a track and then what suits it, or suggestions in the vein of an
/// artist, an album or a tag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
#[ts(export)]
pub enum RadioSeed {
    Track(#[ts(type = "number")] TrackId),
    Artist(String),
    Album(String),
    /// An analysis tag label such as "ambient".
    Tag(String),
}

/// What plays when a track ends by itself.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum RepeatMode {
    /// The next track; after the last, the queue is done (and autoplay may add more).
    #[default]
    Off,
    /// The same track again.
    One,
    /// The next track; after the last, the first again.
    All,
}

/// Everything the Now Playing bar and the queue panel show.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct PlayerState {
    /// The playing (or paused) track.
    #[ts(type = "number | null")]
    pub track_id: Option<TrackId>,
    #[ts(type = "number")]
    pub position_ms: u64,
    pub playing: bool,
    /// Linear volume 0–1.
    pub volume: f32,
    pub queue: Vec<QueueEntry>,
    /// Index of the playing track in `queue`.
    pub index: Option<u32>,
    /// Why playback cannot run (for example no audio device), if it cannot.
    pub unavailable: Option<String>,
    /// The last playback error (a file that could not be decoded, …).
    pub error: Option<String>,
    /// The output device in use.
    pub device: Option<String>,
    pub repeat: RepeatMode,
    /// Times playback dropped out since the player started (the device ran dry mid-music).
    pub dropouts: u32,
    /// The buffering in use, in milliseconds: what is decoded ahead plus the device buffer.
    /// It grows after dropouts, and the library keeps it for the next start.
    pub buffer_ms: u32,
    /// The dropouts, over every start, that grew it; 0: never grown.
    pub buffer_grown_after: u32,
}

/// An audio output the player can send music to, as the device settings list it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct AudioOutput {
    /// Stable id, kept in the library's settings.
    pub id: String,
    pub name: String,
    /// The system's default output.
    pub is_default: bool,
    /// The one the listener chose (none chosen: the system default plays).
    pub chosen: bool,
    /// Present now. A chosen device that is unplugged stays listed, not connected.
    pub connected: bool,
}

/// Loudness normalisation as a person chooses it, and as the engine applies it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum NormalizationChoice {
    Off,
    /// Every track at the target level.
    Track,
    /// Albums at the target level, keeping loudness differences within an album.
    Album,
    /// Album gain for a track that plays in its album's order (after or before its neighbour
    /// on the album), track gain otherwise: an album heard whole keeps its dynamics and its
    /// gapless joins level, a shuffle is even. The engine resolves it per track.
    #[default]
    Auto,
}

/// Which execution provider analysis asks for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum DeviceChoice {
    #[default]
    Auto,
    Cpu,
    Cuda,
}

/// Which tagger analysis runs, as the settings page offers it (`analysis.model` in the
/// library's settings). The reference stays the default: the student is quicker but misses
/// its agreement targets (`models/segue-student.md`). Switching re-analyses the library.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ModelChoice {
    /// The two musicnn models.
    #[default]
    Reference,
    /// Segue's distilled student.
    Student,
}

/// About how long analysing the whole library takes with each tagger on this computer, from
/// the speeds measured in `crates/segue-bench/results/2026-12-05-student.txt` (one core each)
/// times the cores analysis uses. The settings page says it beside the choice, since
/// switching re-analyses every track.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct AnalysisEstimate {
    pub tracks: u32,
    pub student_minutes: f32,
    pub reference_minutes: f32,
    /// The measured speeds behind the minutes: audio seconds per CPU second on one core.
    pub student_speed: f32,
    pub reference_speed: f32,
}

/// The settings page: playback, analysis and suggestions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct AppSettings {
    pub autoplay: bool,
    pub normalization: NormalizationChoice,
    /// How long a track that ends by itself fades into the next, in milliseconds; 0 (the
    /// default): no crossfade. The next track of the same album, in order, always joins
    /// gaplessly, and a skip fades the track out over 200 ms.
    pub crossfade_ms: u32,
    /// A smart crossfade: the silence at the ends trimmed and the fade started where the
    /// outgoing track's energy falls, from what analysis found. Off by default.
    #[serde(default)]
    pub crossfade_smart: bool,
    /// Play on from where the last session stopped when Segue starts. Off by default: the
    /// session comes back paused at its position.
    #[serde(default)]
    pub resume_on_start: bool,
    pub analysis_device: DeviceChoice,
    /// The tagger analysis runs. Saved on its own (`Service::set_analysis_model`), since
    /// changing it re-analyses the library: saving the rest of the page leaves it as it is.
    #[serde(default)]
    pub analysis_model: ModelChoice,
    /// 0 = stay close to what plays, 1 = explore.
    pub exploration: f32,
    /// No track again within this many hours.
    pub track_gap_hours: f32,
    /// No artist again within this many tracks.
    pub artist_gap: u32,
    /// No album again within this many tracks.
    pub album_gap: u32,
    /// Keep the artist and album gaps even when every track that keeps them is much less
    /// likely to please (by default they yield to the listener's taste).
    pub strict_gaps: bool,
    /// The first-run welcome was answered (kept the demo, or added a folder).
    pub welcomed: bool,
}

/// Background analysis as the app shows it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct AnalysisStatus {
    pub running: bool,
    pub paused: bool,
    /// Tracks this run set out to analyse, and how far it got.
    #[ts(type = "number")]
    pub total: u64,
    #[ts(type = "number")]
    pub done: u64,
    #[ts(type = "number")]
    pub failed: u64,
    /// What runs the models and why (for example "cpu (CUDA is not available: …)").
    pub provider: Option<String>,
    /// The last run's outcome or error, in a sentence.
    pub message: Option<String>,
}
