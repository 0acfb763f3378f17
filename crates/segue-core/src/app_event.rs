//! The names of the events the app sends its window. One list, here: the app emits by these
//! variants, and the window's event names are checked against the generated TypeScript type
//! (`AppEvent`), so a name changed on one side fails the other's build.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// An event the app sends its window; each names the payload it carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
#[ts(export)]
pub enum AppEvent {
    /// Import, analysis and live folders: one stream of [`crate::LibraryEvent`]s.
    Library,
    /// The whole [`crate::PlayerState`], after anything but the position changed.
    PlayerState,
    /// `(track id, position in ms)`, four times a second while a track plays.
    PlayerPosition,
    /// The listening history changed (a play ended, a history file was imported).
    HistoryChanged,
    /// A track's rating or like changed (the track id): suggestions may change.
    TasteChanged,
    /// How far a history import is: [`crate::HistoryImportProgress`].
    HistoryImport,
}

impl AppEvent {
    /// Every event, for tests that hold the names to their serialised form.
    pub const ALL: [AppEvent; 6] = [
        AppEvent::Library,
        AppEvent::PlayerState,
        AppEvent::PlayerPosition,
        AppEvent::HistoryChanged,
        AppEvent::TasteChanged,
        AppEvent::HistoryImport,
    ];

    /// The name the window listens for (as serde writes the variant).
    pub const fn name(self) -> &'static str {
        match self {
            AppEvent::Library => "library",
            AppEvent::PlayerState => "player-state",
            AppEvent::PlayerPosition => "player-position",
            AppEvent::HistoryChanged => "history-changed",
            AppEvent::TasteChanged => "taste-changed",
            AppEvent::HistoryImport => "history-import",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The names emitted are the names in the generated TypeScript type.
    #[test]
    fn each_event_is_emitted_under_its_generated_name() {
        for event in AppEvent::ALL {
            let serialised = serde_json::to_value(event).expect("serialise");
            assert_eq!(serialised, serde_json::json!(event.name()), "{event:?}");
        }
    }
}
