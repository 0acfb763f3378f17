//! The commands the window may call. Each is thin: it calls the service (or the player hub)
//! and turns errors into [`UiError`]s. Their TypeScript side is `ui/src/api.ts`.
//!
//! Every command runs on Tauri's async runtime (`command(async)`), never on the main thread that
//! draws the window: reading 100k rows or scoring suggestions must not freeze it.

use std::path::PathBuf;

use segue_core::{
    AnalysisStatus, AppSettings, FeedbackKind, FileIssue, HistoryEntry, LibraryStats,
    ListeningStats, PlayerState, RadioSeed, ReasonPart, RepeatMode, Suggestion, TagFacet,
    TrackAnalysis, TrackId, TrackRow, UiError,
};
use segue_service::suggest::SuggestRequest;
use segue_service::{Seed, ServiceError};
use tauri::{AppHandle, Emitter, State};

use crate::{AppState, events};

type Reply<T> = Result<T, UiError>;

fn ui(e: ServiceError) -> UiError {
    UiError::from(&e)
}

#[tauri::command(async)]
pub fn library_stats(state: State<'_, AppState>) -> Reply<LibraryStats> {
    state.service.stats().map_err(ui)
}

#[tauri::command(async)]
pub fn track_rows(state: State<'_, AppState>) -> Reply<Vec<TrackRow>> {
    state.service.track_rows().map_err(ui)
}

#[tauri::command(async)]
pub fn tag_facets(state: State<'_, AppState>) -> Reply<Vec<TagFacet>> {
    state.service.tag_facets().map_err(ui)
}

#[tauri::command(async)]
pub fn track_analysis(state: State<'_, AppState>, track: TrackId) -> Reply<Option<TrackAnalysis>> {
    state.service.analysis(track).map_err(ui)
}

#[tauri::command(async)]
pub fn history(state: State<'_, AppState>, limit: u32) -> Reply<Vec<HistoryEntry>> {
    state.service.history(limit.min(5_000)).map_err(ui)
}

#[tauri::command(async)]
pub fn listening_stats(state: State<'_, AppState>, days: u32) -> Reply<ListeningStats> {
    state
        .service
        .listening_stats(days.clamp(1, 3650))
        .map_err(ui)
}

#[tauri::command(async)]
pub fn import_issues(state: State<'_, AppState>) -> Reply<Vec<FileIssue>> {
    state.service.issues().map_err(ui)
}

#[tauri::command(async)]
pub fn start_scan(app: AppHandle, state: State<'_, AppState>) {
    state.jobs.spawn_scan(&app, &state.service);
}

#[tauri::command(async)]
pub fn cancel_scan(state: State<'_, AppState>) {
    state.jobs.cancel_scan();
}

#[tauri::command(async)]
pub fn add_folder(app: AppHandle, state: State<'_, AppState>, path: String) -> Reply<()> {
    state
        .service
        .add_folders(&[PathBuf::from(path.trim())])
        .map_err(ui)?;
    state.jobs.spawn_scan(&app, &state.service);
    Ok(())
}

/// Asks for a folder with the desktop's own chooser; `None` when the person cancels. The
/// window itself gets no file-system access: only the chosen path comes back.
#[tauri::command(async)]
pub async fn choose_folder(app: AppHandle) -> Option<String> {
    use tauri_plugin_dialog::DialogExt;
    let picked = tauri::async_runtime::spawn_blocking(move || {
        app.dialog()
            .file()
            .set_title("Add a music folder")
            .blocking_pick_folder()
    })
    .await
    .ok()
    .flatten()?;
    picked
        .into_path()
        .ok()
        .map(|p| p.to_string_lossy().into_owned())
}

#[tauri::command(async)]
pub fn remove_folder(app: AppHandle, state: State<'_, AppState>, path: String) -> Reply<bool> {
    let removed = state
        .service
        .remove_folder(&PathBuf::from(path))
        .map_err(ui)?;
    state.jobs.spawn_scan(&app, &state.service);
    Ok(removed)
}

#[tauri::command(async)]
pub fn analysis_status(state: State<'_, AppState>) -> AnalysisStatus {
    state.jobs.analysis_status()
}

#[tauri::command(async)]
pub fn start_analysis(app: AppHandle, state: State<'_, AppState>) {
    state.jobs.spawn_analysis(&app, &state.service);
}

#[tauri::command(async)]
pub fn pause_analysis(app: AppHandle, state: State<'_, AppState>, paused: bool) {
    state.jobs.pause_analysis(&app, paused);
}

#[tauri::command(async)]
pub fn cancel_analysis(state: State<'_, AppState>) {
    state.jobs.cancel_analysis();
}

/// Which execution provider analysis would use with the chosen device, and why (loads the
/// models once, off the UI thread).
#[tauri::command(async)]
pub async fn analysis_provider(state: State<'_, AppState>) -> Reply<String> {
    let service = state.service.clone();
    tauri::async_runtime::spawn_blocking(move || {
        let settings = service.app_settings().map_err(ui)?;
        let config = segue_service::analysis::AnalyzerConfig {
            device: segue_service::device_for(settings.analysis_device),
            ..Default::default()
        };
        Ok(match service.analysis_doctor(&config).in_use {
            Ok(provider) => provider,
            Err(e) => format!("none: DSP only ({e})"),
        })
    })
    .await
    .map_err(|e| UiError {
        kind: "internal".into(),
        message: e.to_string(),
    })?
}

#[tauri::command(async)]
pub fn player_state(state: State<'_, AppState>) -> PlayerState {
    state.player.state()
}

/// Replaces the queue with `tracks` and plays from `start`.
#[tauri::command(async)]
pub fn play_tracks(
    app: AppHandle,
    state: State<'_, AppState>,
    tracks: Vec<TrackId>,
    start: u32,
) -> Reply<()> {
    let service = &state.service;
    state
        .player
        .with(|p| p.play_tracks(service, &tracks, start as usize))
        .map_err(ui)?;
    state.player.refresh(&app, |_| {});
    Ok(())
}

/// Adds tracks to the end of the queue, with why they were suggested (if they were).
#[tauri::command(async)]
pub fn enqueue(
    app: AppHandle,
    state: State<'_, AppState>,
    tracks: Vec<TrackId>,
    why: Vec<Vec<ReasonPart>>,
) -> Reply<()> {
    let service = &state.service;
    state
        .player
        .with(|p| p.enqueue(service, &tracks, &why))
        .map_err(ui)?;
    state.player.refresh(&app, |_| {});
    Ok(())
}

#[tauri::command(async)]
pub fn set_paused(state: State<'_, AppState>, paused: bool) -> Reply<()> {
    state
        .player
        .with(|p| {
            let player = p.player();
            if paused {
                player.pause()
            } else {
                player.resume()
            }
            .map_err(ServiceError::Playback)
        })
        .map_err(ui)
}

#[tauri::command(async)]
pub fn seek(state: State<'_, AppState>, position_ms: u64) -> Reply<()> {
    state
        .player
        .with(|p| {
            p.player()
                .seek(std::time::Duration::from_millis(position_ms))
                .map_err(ServiceError::Playback)
        })
        .map_err(ui)
}

#[tauri::command(async)]
pub fn next_track(state: State<'_, AppState>) -> Reply<()> {
    state
        .player
        .with(|p| p.player().next().map_err(ServiceError::Playback))
        .map_err(ui)
}

#[tauri::command(async)]
pub fn previous_track(state: State<'_, AppState>) -> Reply<()> {
    state
        .player
        .with(|p| p.player().previous().map_err(ServiceError::Playback))
        .map_err(ui)
}

#[tauri::command(async)]
pub fn set_volume(app: AppHandle, state: State<'_, AppState>, volume: f32) -> Reply<()> {
    let volume = if volume.is_finite() {
        volume.clamp(0.0, 1.0)
    } else {
        1.0
    };
    state
        .player
        .with(|p| {
            p.player()
                .set_volume(volume)
                .map_err(ServiceError::Playback)
        })
        .map_err(ui)?;
    state.player.refresh(&app, |s| s.volume = volume);
    Ok(())
}

/// Plays a radio: suggestions in the vein of an artist, album or tag, or a track followed by
/// what suits it (autoplay goes on from the radio's last track).
#[tauri::command(async)]
pub fn start_radio(app: AppHandle, state: State<'_, AppState>, seed: RadioSeed) -> Reply<()> {
    let (lead, seed) = match seed {
        RadioSeed::Track(id) => (Some(id), None),
        RadioSeed::Artist(name) => (None, Some(Seed::Artist(name))),
        RadioSeed::Album(name) => (None, Some(Seed::Album(name))),
        RadioSeed::Tag(tag) => (None, Some(Seed::Tag(tag))),
    };
    let service = &state.service;
    let list = service
        .suggest(&SuggestRequest {
            after: lead,
            seed,
            count: RADIO_LENGTH,
            draw: Some(segue_service::suggest::fresh_draw()),
            ..Default::default()
        })
        .map_err(ui)?;
    state
        .player
        .with(|p| p.play_suggestions(service, lead, &list))
        .map_err(ui)?;
    state.player.refresh(&app, |_| {});
    Ok(())
}

/// Tracks a radio starts with; autoplay adds more as they run out.
const RADIO_LENGTH: usize = 12;

/// What follows a track that ends by itself: the next, the same, or wrapping around.
#[tauri::command(async)]
pub fn set_repeat(app: AppHandle, state: State<'_, AppState>, repeat: RepeatMode) -> Reply<()> {
    state
        .player
        .with(|p| {
            p.player()
                .set_repeat(repeat)
                .map_err(ServiceError::Playback)
        })
        .map_err(ui)?;
    state.player.refresh(&app, |s| s.repeat = repeat);
    Ok(())
}

/// What plays after the current track (and the tracks queued after it), best first, each with
/// its reason. Autoplay appends these when the queue runs out.
#[tauri::command(async)]
pub fn up_next(state: State<'_, AppState>, count: u32) -> Reply<Vec<Suggestion>> {
    let player = state.player.state();
    let queued: Vec<TrackId> = player.queue.iter().map(|e| e.track_id).collect();
    let after = player.track_id;
    let list = state
        .service
        .suggest(&SuggestRequest {
            after,
            queued,
            count: count.clamp(1, 50) as usize,
            // Up Next's own draw (the service's rule, shared with `segue suggest`).
            draw: None,
            ..Default::default()
        })
        .map_err(ui)?;
    if let Some(after) = after {
        let _ = state.player.with(|p| {
            p.plan_up_next(after, list.clone());
            Ok(())
        });
    }
    Ok(list)
}

#[tauri::command(async)]
pub fn rate(
    app: AppHandle,
    state: State<'_, AppState>,
    track: TrackId,
    stars: Option<u8>,
) -> Reply<()> {
    state.service.rate(track, stars).map_err(ui)?;
    let _ = app.emit(events::TASTE_CHANGED, track);
    Ok(())
}

#[tauri::command(async)]
pub fn feedback(
    app: AppHandle,
    state: State<'_, AppState>,
    track: TrackId,
    kind: FeedbackKind,
) -> Reply<()> {
    state.service.feedback(track, kind).map_err(ui)?;
    let _ = app.emit(events::TASTE_CHANGED, track);
    Ok(())
}

#[tauri::command(async)]
pub fn get_settings(state: State<'_, AppState>) -> Reply<AppSettings> {
    state.service.app_settings().map_err(ui)
}

#[tauri::command(async)]
pub fn set_settings(state: State<'_, AppState>, settings: AppSettings) -> Reply<()> {
    state.service.set_app_settings(&settings).map_err(ui)?;
    // No audio device: the settings are saved and apply when playback can start.
    let _ = state.player.with(|p| {
        p.set_autoplay(settings.autoplay);
        p.set_normalization(segue_service::normalization_for(settings.normalization));
        Ok(())
    });
    Ok(())
}
