//! The Segue desktop app: Tauri commands and events over [`segue_service::Service`].
//!
//! Commands stay thin: they call the service and convert errors to `UiError`s. Long work
//! (import, analysis) runs on its own threads and reports through events, and the player's
//! events arrive on a thread of their own, so the UI thread never waits.

mod commands;
mod jobs;
mod media_keys;
mod player;

use std::path::PathBuf;
use std::sync::Arc;

use segue_service::Service;
use tauri::http::{Response, StatusCode, header};
use tauri::{AppHandle, Manager};

/// Event names; mirrored in `ui/src/api.ts`.
pub mod events {
    /// Import, analysis and live folders: one stream of `segue_core::LibraryEvent`s.
    pub const LIBRARY: &str = "library";
    pub const PLAYER_STATE: &str = "player-state";
    pub const PLAYER_POSITION: &str = "player-position";
    pub const HISTORY_CHANGED: &str = "history-changed";
    pub const TASTE_CHANGED: &str = "taste-changed";
}

/// Environment variable naming the demo library folder (overrides the built-in lookup).
pub const DEMO_ENV: &str = "SEGUE_DEMO_LIBRARY";

pub(crate) struct AppState {
    service: Arc<Service>,
    jobs: Arc<jobs::Jobs>,
    player: Arc<player::PlayerHub>,
}

/// Serves cover images to the window as `cover://localhost/ID`: the bytes stored at import,
/// and nothing else from the disk.
fn cover_response(app: &AppHandle, path: &str) -> Response<Vec<u8>> {
    let reply = |status: StatusCode, mime: &str, body: Vec<u8>| {
        Response::builder()
            .status(status)
            .header(header::CONTENT_TYPE, mime)
            // Cover ids are content-addressed: an id never changes its image.
            .header(header::CACHE_CONTROL, "max-age=31536000, immutable")
            .body(body)
            .unwrap_or_default()
    };
    let Some(id) = path.trim_start_matches('/').parse::<i64>().ok() else {
        return reply(
            StatusCode::BAD_REQUEST,
            "text/plain",
            b"bad cover id".to_vec(),
        );
    };
    let Some(state) = app.try_state::<AppState>() else {
        return reply(StatusCode::SERVICE_UNAVAILABLE, "text/plain", Vec::new());
    };
    match state.service.cover(id) {
        Ok(Some((mime, bytes))) => reply(StatusCode::OK, &mime, bytes),
        Ok(None) => reply(StatusCode::NOT_FOUND, "text/plain", Vec::new()),
        Err(e) => {
            tracing::warn!("cover {id}: {e}");
            reply(StatusCode::INTERNAL_SERVER_ERROR, "text/plain", Vec::new())
        }
    }
}

/// Command-line options: `segue-app [--db PATH] [--demo-library DIR] [--no-scan]`.
#[derive(Default)]
struct Args {
    db: Option<PathBuf>,
    demo_library: Option<PathBuf>,
    /// Do not rescan the library folders at start (they may be offline; or a benchmark).
    no_scan: bool,
}

fn parse_args() -> Args {
    let mut args = Args::default();
    let mut it = std::env::args_os().skip(1);
    while let Some(arg) = it.next() {
        match arg.to_str() {
            Some("--db") => args.db = it.next().map(PathBuf::from),
            Some("--demo-library") => args.demo_library = it.next().map(PathBuf::from),
            Some("--no-scan") => args.no_scan = true,
            _ => tracing::warn!("ignoring unknown argument {arg:?}"),
        }
    }
    args
}

/// The bundled demo library: `--demo-library`, `$SEGUE_DEMO_LIBRARY`, `assets/demo` in the
/// app's resources, or in the source checkout this binary was built from.
fn demo_library(app: &AppHandle, arg: Option<PathBuf>) -> Option<PathBuf> {
    if let Some(p) = arg.or_else(|| {
        std::env::var_os(DEMO_ENV)
            .filter(|p| !p.is_empty())
            .map(PathBuf::from)
    }) {
        return Some(p);
    }
    let bundled = app
        .path()
        .resource_dir()
        .ok()
        .map(|d| d.join("assets/demo"));
    let checkout = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../assets/demo");
    bundled
        .into_iter()
        .chain(std::iter::once(checkout))
        .find(|p| p.is_dir())
}

pub fn run() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SEGUE_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,lofty=error")),
        )
        .init();

    let args = parse_args();
    let result = tauri::Builder::default()
        // The folder chooser, called from Rust only: the window gets no dialog permissions.
        .plugin(tauri_plugin_dialog::init())
        .setup(move |app| {
            let db = match args.db {
                Some(db) => db,
                None => segue_service::default_db_path()?,
            };
            tracing::info!("library database: {}", db.display());
            let service = Arc::new(Service::open(&db)?);
            // First run: start on the bundled demo library.
            let demo = demo_library(app.handle(), args.demo_library);
            if demo.is_none() {
                tracing::warn!("no demo library found; a new library starts empty");
            }
            service.open_with_demo(demo.as_deref())?;
            let jobs = Arc::new(jobs::Jobs::new(app.handle(), &service));
            let state = AppState {
                service,
                jobs,
                player: Arc::new(player::PlayerHub::default()),
            };
            // Every start rescans (incremental: unchanged files are not read again), then
            // analyses what is new. From then on the library folders are watched: what changes
            // in them is imported and analysed as it lands.
            if !args.no_scan && !state.service.folders()?.is_empty() {
                state.jobs.scan_all();
            }
            if let Err(e) = state.jobs.watch() {
                tracing::error!("library folders are not watched: {e}");
            }
            // Opening the audio device can take a moment; the window does not wait for it.
            let (hub, handle, service) = (
                state.player.clone(),
                app.handle().clone(),
                state.service.clone(),
            );
            std::thread::Builder::new()
                .name("segue-player-start".into())
                .spawn(move || hub.start(&handle, &service))?;
            app.manage(state);
            Ok(())
        })
        .register_uri_scheme_protocol("cover", |ctx, request| {
            cover_response(ctx.app_handle(), request.uri().path())
        })
        .invoke_handler(tauri::generate_handler![
            commands::library_stats,
            commands::track_rows,
            commands::tag_facets,
            commands::track_analysis,
            commands::history,
            commands::listening_stats,
            commands::import_issues,
            commands::start_scan,
            commands::cancel_scan,
            commands::add_folder,
            commands::remove_folder,
            commands::analysis_status,
            commands::start_analysis,
            commands::pause_analysis,
            commands::cancel_analysis,
            commands::watched_folders,
            commands::analysis_provider,
            commands::player_state,
            commands::play_tracks,
            commands::enqueue,
            commands::play_next,
            commands::remove_from_queue,
            commands::move_in_queue,
            commands::clear_queue,
            commands::save_queue_as_playlist,
            commands::set_paused,
            commands::seek,
            commands::next_track,
            commands::previous_track,
            commands::set_volume,
            commands::set_repeat,
            commands::start_radio,
            commands::up_next,
            commands::rate,
            commands::feedback,
            commands::get_settings,
            commands::set_settings,
            commands::playlists,
            commands::playlist,
            commands::playlist_entries,
            commands::create_playlist,
            commands::rename_playlist,
            commands::duplicate_playlist,
            commands::delete_playlist,
            commands::add_to_playlist,
            commands::remove_from_playlist,
            commands::move_in_playlist,
            commands::choose_playlist_file,
            commands::import_playlist,
            commands::export_playlist,
        ])
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("segue: the app could not start: {e}");
        std::process::exit(1);
    }
}
