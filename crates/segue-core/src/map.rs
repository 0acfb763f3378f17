//! The library map as the window draws it: one point per analysed track, names for its
//! regions, and what a point can be coloured by.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::TrackId;

/// Every laid-out track's point, as columns (a 100,000-track map crosses to the window as
/// three arrays, not 100,000 objects). Coordinates are centred, about unit radius.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct MapView {
    #[ts(type = "number[]")]
    pub track_ids: Vec<TrackId>,
    pub x: Vec<f32>,
    pub y: Vec<f32>,
    pub labels: Vec<MapLabel>,
    /// Analysed tracks not on the map yet (the layout job places them after analysis).
    #[ts(type = "number")]
    pub unplaced: u64,
}

/// A region's name, written at its tracks' mean point: the tag that stands out there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct MapLabel {
    pub x: f32,
    pub y: f32,
    pub tag: String,
    pub tracks: u32,
}

/// What the map's points are coloured by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum MapColouring {
    /// How strongly each track has this tag (a musicnn label: "rock", "chill", ...).
    Tag { tag: String },
    /// The listener's history with each track ([`ListeningMark`]).
    Listening,
}

/// What the listener's history says of a track, for colouring the map.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ListeningMark {
    Unheard = 0,
    Played = 1,
    /// Skipped in at least half of its plays, twice or more.
    OftenSkipped = 2,
    /// Rated 4 or 5 stars (whatever its plays).
    RatedHigh = 3,
}

/// A colour value per point, in [`MapView::track_ids`] order: for a tag, its strength 0-255
/// (255 is the library's strongest); for listening, a [`ListeningMark`] as its number.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct MapColours {
    pub values: Vec<u8>,
}

/// What hovering a point shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct MapTrack {
    #[ts(type = "number")]
    pub track_id: TrackId,
    pub title: String,
    pub artist: Option<String>,
    /// Its strongest tags, strongest first.
    pub top_tags: Vec<String>,
}

/// One of a track's nearest neighbours in the full analysis (not on the map, which squeezes
/// hundreds of dimensions into two), with how alike they are, 0-1.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct MapNeighbour {
    #[ts(type = "number")]
    pub track_id: TrackId,
    pub title: String,
    pub artist: Option<String>,
    pub similarity: f32,
}

/// The layout job as the app shows it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct MapStatus {
    pub running: bool,
    /// Share done, 0-1.
    pub progress: f32,
    /// The last run's outcome or error, in a sentence.
    pub message: Option<String>,
}
