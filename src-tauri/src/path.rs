//! Sonic paths ("Segue from A to B"): the way from a track to another track or a tag, each
//! step with why. Drawn on a worker thread (async command): at 100k tracks it takes tens of
//! milliseconds, which the window must not wait on. Playing and saving it use the queue's and
//! the playlists' own commands.

use segue_core::{SonicPath, TrackId, UiError};
use segue_service::{PathGoal, PathRequest};
use tauri::State;

use crate::AppState;

/// A path of `count` tracks from `from` to the track `to_track`, or else to the tag `to_tag`.
/// Neither, or both, is `invalid_input`.
#[tauri::command(async)]
pub fn sonic_path(
    state: State<'_, AppState>,
    from: TrackId,
    to_track: Option<TrackId>,
    to_tag: Option<String>,
    count: u32,
) -> Result<SonicPath, UiError> {
    let to = match (to_track, to_tag) {
        (Some(track), None) => PathGoal::Track(track),
        (None, Some(tag)) if !tag.trim().is_empty() => PathGoal::Tag(tag.trim().to_owned()),
        _ => {
            return Err(UiError {
                kind: "invalid_input".into(),
                message: "a path ends at one track or one tag".into(),
            });
        }
    };
    state
        .service
        .sonic_path(&PathRequest {
            from,
            to,
            count: count as usize,
        })
        .map_err(|e| UiError::from(&e))
}
