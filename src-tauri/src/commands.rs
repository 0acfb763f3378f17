//! The commands the window may call. Each is thin: it calls the service (or the player hub)
//! and turns errors into [`UiError`]s. Their TypeScript side is `ui/src/api.ts`.
//!
//! Every command runs on Tauri's async runtime (`command(async)`), never on the main thread that
//! draws the window: reading 100k rows or scoring suggestions must not freeze it.

use std::path::PathBuf;

use segue_core::AppEvent;
use segue_core::FolderWatch;
use segue_core::smart::{SmartMember, SmartOrder, SmartPlaylist, SmartQuery, SmartRule};
use segue_core::{
    AnalysisEstimate, AnalysisStatus, AppSettings, AudioOutput, EntryId, ExportReport,
    FeedbackKind, FileIssue, HistoryEntry, ImportReport, LibraryStats, ListeningStats, PlayerState,
    Playlist, PlaylistEntry, PlaylistId, RadioSeed, ReasonPart, RepeatMode, Suggestion, TagFacet,
    TrackAnalysis, TrackId, TrackRow, UiError,
};
use segue_service::suggest::SuggestRequest;
use segue_service::{QueueChange, ServiceError};
use tauri::{AppHandle, Emitter, State};

use crate::AppState;
use crate::dialogs::{SaveAs, ask_where_to_save};

pub(crate) type Reply<T> = Result<T, UiError>;

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
pub fn start_scan(state: State<'_, AppState>) {
    state.jobs.scan_all();
}

#[tauri::command(async)]
pub fn cancel_scan(state: State<'_, AppState>) {
    state.jobs.cancel_scan();
}

/// Adds a music folder that the person picks in the desktop's own chooser, then imports it;
/// `None` when they cancel. The chooser runs here, and the command takes no path: the window
/// cannot make Segue read a folder the person did not pick (a typed path goes into the
/// chooser's own location field).
#[tauri::command(async)]
pub async fn add_folder(app: AppHandle, state: State<'_, AppState>) -> Reply<Option<String>> {
    use tauri_plugin_dialog::DialogExt;
    let chooser = app.clone();
    let picked = tauri::async_runtime::spawn_blocking(move || {
        chooser
            .dialog()
            .file()
            .set_title("Add a music folder")
            .blocking_pick_folder()
            .and_then(|p| p.into_path().ok())
    })
    .await
    .map_err(|e| UiError {
        kind: "internal".into(),
        message: e.to_string(),
    })?;
    let added = add_chosen_folder(&state.service, picked).map_err(ui)?;
    if added.is_some() {
        state.jobs.folders_changed();
        state.jobs.scan_all();
    }
    Ok(added.map(|p| p.to_string_lossy().into_owned()))
}

/// Adds the folder the chooser gave (nothing when it gave none).
fn add_chosen_folder(
    service: &segue_service::Service,
    chosen: Option<PathBuf>,
) -> Result<Option<PathBuf>, ServiceError> {
    let Some(folder) = chosen else {
        return Ok(None);
    };
    Ok(service.add_folders(&[folder])?.into_iter().next())
}

#[tauri::command(async)]
pub fn remove_folder(state: State<'_, AppState>, path: String) -> Reply<bool> {
    let removed = state
        .service
        .remove_folder(&PathBuf::from(path))
        .map_err(ui)?;
    state.jobs.folders_changed();
    state.jobs.scan_all();
    Ok(removed)
}

#[tauri::command(async)]
pub fn analysis_status(state: State<'_, AppState>) -> AnalysisStatus {
    state.jobs.analysis_status()
}

#[tauri::command(async)]
pub fn start_analysis(state: State<'_, AppState>) {
    state.jobs.analyse();
}

#[tauri::command(async)]
pub fn pause_analysis(state: State<'_, AppState>, paused: bool) {
    state.jobs.pause_analysis(paused);
}

#[tauri::command(async)]
pub fn cancel_analysis(state: State<'_, AppState>) {
    state.jobs.cancel_analysis();
}

/// Each library folder's watch state: watched, gone for now (its tracks kept), or not watched
/// and why.
#[tauri::command(async)]
pub fn watched_folders(state: State<'_, AppState>) -> Vec<FolderWatch> {
    state.jobs.watched_folders()
}

/// Which execution provider analysis would use with the chosen device and model, and why
/// (loads the models once, off the UI thread).
#[tauri::command(async)]
pub async fn analysis_provider(state: State<'_, AppState>) -> Reply<String> {
    let service = state.service.clone();
    tauri::async_runtime::spawn_blocking(move || {
        let settings = service.app_settings().map_err(ui)?;
        let config = segue_service::analysis::AnalyzerConfig {
            device: segue_service::device_for(settings.analysis_device),
            model: segue_service::model_for(settings.analysis_model),
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

/// Plays tracks right after the current one.
#[tauri::command(async)]
pub fn play_next(app: AppHandle, state: State<'_, AppState>, tracks: Vec<TrackId>) -> Reply<()> {
    change_queue(&app, &state, QueueChange::PlayNext(tracks))
}

/// Removes queue entries by index (the playing track stays: refused).
#[tauri::command(async)]
pub fn remove_from_queue(
    app: AppHandle,
    state: State<'_, AppState>,
    indices: Vec<u32>,
) -> Reply<()> {
    let indices = indices.into_iter().map(|i| i as usize).collect();
    change_queue(&app, &state, QueueChange::Remove(indices))
}

/// Moves queue entry `from` to index `to`.
#[tauri::command(async)]
pub fn move_in_queue(app: AppHandle, state: State<'_, AppState>, from: u32, to: u32) -> Reply<()> {
    let (from, to) = (from as usize, to as usize);
    change_queue(&app, &state, QueueChange::Move { from, to })
}

/// Empties the queue but for the playing track.
#[tauri::command(async)]
pub fn clear_queue(app: AppHandle, state: State<'_, AppState>) -> Reply<()> {
    change_queue(&app, &state, QueueChange::Clear)
}

fn change_queue(app: &AppHandle, state: &AppState, change: QueueChange) -> Reply<()> {
    let service = &state.service;
    state
        .player
        .with(|p| p.change_queue(service, &change))
        .map_err(ui)?;
    state.player.refresh(app, |_| {});
    Ok(())
}

/// Saves the queue as a new playlist (without suggestions autoplay added that have not
/// played).
#[tauri::command(async)]
pub fn save_queue_as_playlist(state: State<'_, AppState>, name: String) -> Reply<Playlist> {
    let service = &state.service;
    state
        .player
        .with(|p| p.save_queue_as_playlist(service, &name))
        .map_err(ui)
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
        // A track leads and what suits it follows; the others steer the whole list.
        RadioSeed::Track(id) => (Some(id), None),
        other => (None, Some(other)),
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
    // After a restart, the list shown before it (what autoplay will play).
    if let Some(after) = after
        && let Ok(Some(list)) = state.player.with(|p| Ok(p.take_restored_up_next(after)))
    {
        return Ok(list);
    }
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
    let _ = app.emit(AppEvent::TasteChanged.name(), track);
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
    let _ = app.emit(AppEvent::TasteChanged.name(), track);
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
        p.set_crossfade(std::time::Duration::from_millis(u64::from(
            settings.crossfade_ms,
        )))?;
        p.set_crossfade_smart(settings.crossfade_smart)
    });
    Ok(())
}

/// Analyses with `model` (student, reference) from now on. A change re-analyses the library in
/// the background, restarting a pass that runs; an unknown name is refused and nothing changes.
#[tauri::command(async)]
pub fn set_analysis_model(state: State<'_, AppState>, model: String) -> Reply<bool> {
    let choice = segue_service::parse_model_choice(&model).map_err(ui)?;
    let changed = state.service.set_analysis_model(choice).map_err(ui)?;
    if changed {
        state.jobs.restart_analysis();
    }
    Ok(changed)
}

/// About how long analysing the library takes with each model here.
#[tauri::command(async)]
pub fn analysis_estimate(state: State<'_, AppState>) -> Reply<AnalysisEstimate> {
    state.service.analysis_estimate().map_err(ui)
}

/// The audio outputs there are, the chosen one marked.
#[tauri::command(async)]
pub fn output_devices(state: State<'_, AppState>) -> Reply<Vec<AudioOutput>> {
    state.service.output_devices().map_err(ui)
}

/// Plays on output `id` (`None`: the system default) from now on, carrying on where it is,
/// and keeps the choice for the next start.
#[tauri::command(async)]
pub fn set_output_device(state: State<'_, AppState>, id: Option<String>) -> Reply<()> {
    state
        .service
        .set_output_device_choice(id.as_deref())
        .map_err(ui)?;
    // No player (no device at start): the choice applies when playback can start.
    let _ = state.player.with(|p| p.set_output_device(id));
    Ok(())
}

#[tauri::command(async)]
pub fn playlists(state: State<'_, AppState>) -> Reply<Vec<Playlist>> {
    state.service.playlists().map_err(ui)
}

#[tauri::command(async)]
pub fn playlist(state: State<'_, AppState>, playlist: PlaylistId) -> Reply<Playlist> {
    state.service.playlist(playlist).map_err(ui)
}

/// A playlist's entries in order; missing and unresolved ones are included and say so.
#[tauri::command(async)]
pub fn playlist_entries(
    state: State<'_, AppState>,
    playlist: PlaylistId,
) -> Reply<Vec<PlaylistEntry>> {
    state.service.playlist_entries(playlist).map_err(ui)
}

/// Creates a playlist holding `tracks` (none for an empty one).
#[tauri::command(async)]
pub fn create_playlist(
    state: State<'_, AppState>,
    name: String,
    tracks: Vec<TrackId>,
) -> Reply<Playlist> {
    state.service.create_playlist(&name, &tracks).map_err(ui)
}

#[tauri::command(async)]
pub fn rename_playlist(
    state: State<'_, AppState>,
    playlist: PlaylistId,
    name: String,
) -> Reply<Playlist> {
    state.service.rename_playlist(playlist, &name).map_err(ui)
}

#[tauri::command(async)]
pub fn duplicate_playlist(
    state: State<'_, AppState>,
    playlist: PlaylistId,
    name: String,
) -> Reply<Playlist> {
    state
        .service
        .duplicate_playlist(playlist, &name)
        .map_err(ui)
}

#[tauri::command(async)]
pub fn delete_playlist(state: State<'_, AppState>, playlist: PlaylistId) -> Reply<()> {
    state.service.delete_playlist(playlist).map_err(ui)
}

/// Adds tracks before position `at`, or at the end when `at` is `None`.
#[tauri::command(async)]
pub fn add_to_playlist(
    state: State<'_, AppState>,
    playlist: PlaylistId,
    tracks: Vec<TrackId>,
    at: Option<u32>,
) -> Reply<Vec<EntryId>> {
    state
        .service
        .add_to_playlist(playlist, &tracks, at)
        .map_err(ui)
}

#[tauri::command(async)]
pub fn remove_from_playlist(
    state: State<'_, AppState>,
    playlist: PlaylistId,
    entries: Vec<EntryId>,
) -> Reply<()> {
    state
        .service
        .remove_from_playlist(playlist, &entries)
        .map_err(ui)
}

/// Moves entries (in their playlist order) so that the first lands at position `to` of the
/// playlist they leave behind.
#[tauri::command(async)]
pub fn move_in_playlist(
    state: State<'_, AppState>,
    playlist: PlaylistId,
    entries: Vec<EntryId>,
    to: u32,
) -> Reply<()> {
    state
        .service
        .move_in_playlist(playlist, &entries, to)
        .map_err(ui)
}

/// Asks for an M3U file with the desktop's own chooser; `None` when the person cancels.
#[tauri::command(async)]
pub async fn choose_playlist_file(app: AppHandle) -> Option<String> {
    use tauri_plugin_dialog::DialogExt;
    let picked = tauri::async_runtime::spawn_blocking(move || {
        app.dialog()
            .file()
            .set_title("Import a playlist")
            .add_filter("Playlists (M3U, M3U8)", &["m3u", "m3u8", "M3U", "M3U8"])
            .blocking_pick_file()
    })
    .await
    .ok()
    .flatten()?;
    picked
        .into_path()
        .ok()
        .map(|p| p.to_string_lossy().into_owned())
}

/// Imports an `.m3u` / `.m3u8` file as a new playlist (named after the file unless `name` is
/// given). The path comes from the chooser above or is typed, as a library folder's can be:
/// the file is only read, as a playlist.
#[tauri::command(async)]
pub fn import_playlist(
    state: State<'_, AppState>,
    path: String,
    name: Option<String>,
) -> Reply<ImportReport> {
    state
        .service
        .import_playlist(&PathBuf::from(path.trim()), name.as_deref())
        .map_err(ui)
}

/// Writes a playlist as M3U8 where the person chooses in the desktop's save dialog; `None`
/// when they cancel. The dialog runs here rather than the window passing a path, so the
/// window can never name a file to write. The dialog has already asked before replacing a
/// file, so an existing one is replaced.
#[tauri::command(async)]
pub async fn export_playlist(
    app: AppHandle,
    state: State<'_, AppState>,
    playlist: PlaylistId,
) -> Reply<Option<ExportReport>> {
    let service = state.service.clone();
    let name = service.playlist(playlist).map_err(ui)?.name;
    tauri::async_runtime::spawn_blocking(move || {
        let ask = SaveAs {
            title: "Export the playlist",
            file_name: format!("{}.m3u8", file_name_safe(&name)),
            filter: "M3U8 playlist",
            extensions: &["m3u8"],
        };
        let Some(path) = ask_where_to_save(&app, ask)? else {
            return Ok(None);
        };
        service
            .export_playlist(playlist, &path, true)
            .map(Some)
            .map_err(ui)
    })
    .await
    .map_err(|e| UiError {
        kind: "internal".into(),
        message: e.to_string(),
    })?
}

/// Every smart playlist, by name.
#[tauri::command(async)]
pub fn smart_playlists(state: State<'_, AppState>) -> Reply<Vec<SmartPlaylist>> {
    state.service.smart_playlists().map_err(ui)
}

/// The tracks smart playlist `id` selects now, each with why it is in. Worked out on each
/// call, so the window asks again when the library, a rating or the history changes.
#[tauri::command(async)]
pub fn smart_playlist_members(state: State<'_, AppState>, id: i64) -> Reply<Vec<SmartMember>> {
    let playlist = smart_playlist_by_id(&state, id)?;
    state.service.smart_members(&playlist.query).map_err(ui)
}

/// Smart playlist `id`'s rules written as people type them (`tempo:110..130`), by the same
/// `Display` that `segue smart list` uses, so the window shows the syntax it is given.
#[tauri::command(async)]
pub fn smart_rule_texts(state: State<'_, AppState>, id: i64) -> Reply<Vec<String>> {
    Ok(smart_playlist_by_id(&state, id)?
        .query
        .rules
        .iter()
        .map(ToString::to_string)
        .collect())
}

fn smart_playlist_by_id(state: &AppState, id: i64) -> Reply<SmartPlaylist> {
    state
        .service
        .smart_playlists()
        .map_err(ui)?
        .into_iter()
        .find(|p| p.id == id)
        .ok_or_else(|| UiError {
            kind: "not_found".into(),
            message: "this smart playlist no longer exists".into(),
        })
}

/// Saves a smart playlist from rules written as text (`tempo:110..130`, `rating:4`): the
/// window sends what the person typed and `SmartRule::from_str`, the one reader of that
/// syntax, judges it.
#[tauri::command(async)]
pub fn create_smart_playlist(
    state: State<'_, AppState>,
    name: String,
    rules: Vec<String>,
    match_all: bool,
    limit: Option<u32>,
    order: SmartOrder,
) -> Reply<SmartPlaylist> {
    let query = smart_query(&rules, match_all, limit, order)?;
    state
        .service
        .create_smart_playlist(&name, &query)
        .map_err(ui)
}

/// Replaces smart playlist `id`'s name and rules, written as text like
/// [`create_smart_playlist`]'s.
#[tauri::command(async)]
pub fn update_smart_playlist(
    state: State<'_, AppState>,
    id: i64,
    name: String,
    rules: Vec<String>,
    match_all: bool,
    limit: Option<u32>,
    order: SmartOrder,
) -> Reply<SmartPlaylist> {
    let query = smart_query(&rules, match_all, limit, order)?;
    state
        .service
        .update_smart_playlist(id, &name, &query)
        .map_err(ui)
}

#[tauri::command(async)]
pub fn delete_smart_playlist(state: State<'_, AppState>, name: String) -> Reply<()> {
    state.service.delete_smart_playlist(&name).map_err(ui)
}

/// Reads each rule's text; the first that cannot be read is refused with its number, so the
/// window can say which row to mend.
fn smart_query(
    rules: &[String],
    match_all: bool,
    limit: Option<u32>,
    order: SmartOrder,
) -> Reply<SmartQuery> {
    let rules = rules
        .iter()
        .enumerate()
        .map(|(i, text)| {
            text.parse::<SmartRule>().map_err(|e| UiError {
                kind: "invalid_input".into(),
                message: format!("rule {}: {e}", i + 1),
            })
        })
        .collect::<Reply<Vec<SmartRule>>>()?;
    Ok(SmartQuery {
        match_all,
        rules,
        limit,
        order,
    })
}

/// `year` of the listening history in review (the latest year with plays when `None`).
#[tauri::command(async)]
pub fn year_in_review(
    state: State<'_, AppState>,
    year: Option<i32>,
) -> Reply<segue_core::review::YearInReview> {
    state.service.year_in_review(year).map_err(ui)
}

/// The artists rising in the listening and the favourites fading from it.
#[tauri::command(async)]
pub fn rotation(state: State<'_, AppState>) -> Reply<segue_core::rotation::Rotation> {
    state.service.rotation().map_err(ui)
}

/// Saves the year-in-review picture the window drew (PNG bytes) where the person chooses in
/// the desktop's save dialog; `None` when they cancel. As for playlists, the dialog runs
/// here so the window never names a file, and only a PNG is written.
#[tauri::command(async)]
pub async fn save_review_image(app: AppHandle, year: i32, png: Vec<u8>) -> Reply<Option<String>> {
    const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
    if !png.starts_with(PNG_SIGNATURE) {
        return Err(UiError {
            kind: "invalid_input".into(),
            message: "the picture to save is not a PNG image".into(),
        });
    }
    tauri::async_runtime::spawn_blocking(move || {
        let ask = SaveAs {
            title: "Save the year in review",
            file_name: format!("Segue {year} in review.png"),
            filter: "PNG image",
            extensions: &["png"],
        };
        let Some(path) = ask_where_to_save(&app, ask)? else {
            return Ok(None);
        };
        std::fs::write(&path, &png).map_err(|e| UiError {
            kind: "io".into(),
            message: format!("cannot write {}: {e}", path.display()),
        })?;
        Ok(Some(path.display().to_string()))
    })
    .await
    .map_err(|e| UiError {
        kind: "internal".into(),
        message: e.to_string(),
    })?
}

/// A playlist name as a file name: characters that no desktop allows in one become `_`.
fn file_name_safe(name: &str) -> String {
    let safe: String = name
        .chars()
        .map(|c| match c {
            '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' => '_',
            c if c.is_control() => '_',
            c => c,
        })
        .collect();
    let safe = safe.trim().trim_matches('.');
    if safe.is_empty() {
        "playlist".to_owned()
    } else {
        safe.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::{SmartOrder, SmartRule, add_chosen_folder, file_name_safe, smart_query};
    use std::path::PathBuf;

    #[test]
    fn only_the_folder_the_chooser_gave_is_added() {
        let tmp = tempfile::tempdir().expect("tmp");
        let service = segue_service::Service::open(&tmp.path().join("lib.sqlite")).expect("open");
        assert_eq!(add_chosen_folder(&service, None).expect("cancel"), None);
        assert!(service.folders().expect("folders").is_empty());
        let music = tmp.path().join("music");
        std::fs::create_dir(&music).expect("mkdir");
        let added = add_chosen_folder(&service, Some(music.clone())).expect("add");
        assert_eq!(
            added.as_deref(),
            Some(music.canonicalize().expect("abs").as_path())
        );
        assert_eq!(service.folders().expect("folders").len(), 1);
        assert!(add_chosen_folder(&service, Some(PathBuf::from("/no/such/folder"))).is_err());
    }

    /// The window cannot name a folder to read: `add_folder` takes no path (the chooser runs
    /// in Rust), and no command that adds folders remains that would take one.
    #[test]
    fn adding_a_folder_takes_no_path_from_the_window() {
        let source = include_str!("commands.rs");
        let signature = source
            .split("pub async fn add_folder(")
            .nth(1)
            .and_then(|rest| rest.split(')').next())
            .expect("add_folder is a command");
        assert_eq!(signature, "app: AppHandle, state: State<'_, AppState>");
        let handlers = include_str!("lib.rs");
        assert!(
            !handlers.contains("commands::choose_folder"),
            "a chooser that returns a path to the window"
        );
    }

    #[test]
    fn playlist_names_become_file_names_every_desktop_accepts() {
        assert_eq!(file_name_safe("Road trip"), "Road trip");
        assert_eq!(file_name_safe("AC/DC: best?"), "AC_DC_ best_");
        assert_eq!(file_name_safe("Zoë – café"), "Zoë – café");
        assert_eq!(file_name_safe(".."), "playlist");
        assert_eq!(file_name_safe(" \t"), "_");
    }

    #[test]
    fn smart_rules_are_read_by_the_core_parser_and_a_bad_one_is_named() {
        let query = smart_query(
            &["tempo:110..130".into(), "rating:4".into()],
            false,
            Some(50),
            SmartOrder::Rating,
        )
        .expect("valid rules");
        assert_eq!(
            query.rules,
            vec![
                SmartRule::Tempo {
                    min: 110.0,
                    max: 130.0
                },
                SmartRule::Rating { min: 4 }
            ]
        );
        assert!(!query.match_all);
        assert_eq!(query.limit, Some(50));

        let refused = smart_query(
            &["rating:4".into(), "tempo:fast".into()],
            true,
            None,
            SmartOrder::Library,
        )
        .expect_err("tempo:fast is no range");
        assert_eq!(refused.kind, "invalid_input");
        assert!(
            refused.message.starts_with("rule 2: \"tempo:fast\""),
            "{}",
            refused.message
        );
    }
}
