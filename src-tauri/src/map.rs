//! The library map's commands: its points, colours, a hovered track, a clicked track's true
//! neighbours, and the layout job (run after analysis by the jobs; asked for again here).

use segue_core::{
    MapColouring, MapColours, MapNeighbour, MapStatus, MapTrack, MapView, TrackId, UiError,
};
use tauri::State;

use crate::AppState;

type Reply<T> = Result<T, UiError>;

/// Neighbours a click lists.
const NEIGHBOURS: usize = 8;

fn ui(e: segue_service::ServiceError) -> UiError {
    UiError::from(&e)
}

#[tauri::command(async)]
pub fn map_view(state: State<'_, AppState>) -> Reply<MapView> {
    state.service.map_view().map_err(ui)
}

#[tauri::command(async)]
pub fn map_colours(state: State<'_, AppState>, by: MapColouring) -> Reply<MapColours> {
    state.service.map_colours(&by).map_err(ui)
}

#[tauri::command(async)]
pub fn map_tags(state: State<'_, AppState>) -> Reply<Vec<String>> {
    state.service.map_tags().map_err(ui)
}

#[tauri::command(async)]
pub fn map_track(state: State<'_, AppState>, track: TrackId) -> Reply<MapTrack> {
    state.service.map_track(track).map_err(ui)
}

#[tauri::command(async)]
pub fn map_neighbours(state: State<'_, AppState>, track: TrackId) -> Reply<Vec<MapNeighbour>> {
    state.service.map_neighbours(track, NEIGHBOURS).map_err(ui)
}

#[tauri::command(async)]
pub fn map_status(state: State<'_, AppState>) -> MapStatus {
    state.jobs.map_status()
}

/// Places tracks that lack a point, or lays the whole map out afresh with `relayout`.
#[tauri::command(async)]
pub fn update_map(state: State<'_, AppState>, relayout: bool) {
    state.jobs.update_map(relayout);
}

#[tauri::command(async)]
pub fn cancel_map(state: State<'_, AppState>) {
    state.jobs.cancel_map();
}
