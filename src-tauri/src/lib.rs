//! The Segue desktop app: Tauri commands and events over [`segue_service::Service`].
//!
//! Commands stay thin: they call the service and convert errors to [`UiError`]. Long work
//! (scans) runs on its own thread and reports through events, so the UI thread never waits.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use segue_core::{LibraryStats, ScanPhase, UiError};
use segue_service::{Service, ServiceError};
use tauri::{AppHandle, Emitter, Manager, State};

/// Event names; mirrored in `ui/src/api.ts`.
pub mod events {
    pub const SCAN_PROGRESS: &str = "scan-progress";
    pub const SCAN_FINISHED: &str = "scan-finished";
    pub const SCAN_FAILED: &str = "scan-failed";
}

/// Environment variable naming the demo library folder (overrides the built-in lookup).
pub const DEMO_ENV: &str = "SEGUE_DEMO_LIBRARY";

struct AppState {
    service: Arc<Service>,
    scan_running: Arc<AtomicBool>,
    scan_cancel: Arc<AtomicBool>,
}

fn ui_error(e: ServiceError) -> UiError {
    UiError::from(&e)
}

#[tauri::command]
fn library_stats(state: State<'_, AppState>) -> Result<LibraryStats, UiError> {
    state.service.stats().map_err(ui_error)
}

#[tauri::command]
fn start_scan(app: AppHandle, state: State<'_, AppState>) -> Result<(), UiError> {
    spawn_scan(&app, &state);
    Ok(())
}

#[tauri::command]
fn cancel_scan(state: State<'_, AppState>) {
    state.scan_cancel.store(true, Ordering::SeqCst);
}

/// Runs a scan of all library folders on a worker thread, reporting through events.
fn spawn_scan(app: &AppHandle, state: &AppState) {
    if state.scan_running.swap(true, Ordering::SeqCst) {
        return; // one scan at a time
    }
    state.scan_cancel.store(false, Ordering::SeqCst);
    let (service, running, cancel, app) = (
        state.service.clone(),
        state.scan_running.clone(),
        state.scan_cancel.clone(),
        app.clone(),
    );
    let spawned = std::thread::Builder::new()
        .name("segue-import".into())
        .spawn(move || {
            let mut last = Instant::now() - Duration::from_secs(1);
            let result = service.scan(&[], &cancel, &mut |p| {
                // A few updates a second is smooth and cheap for the webview.
                if p.phase != ScanPhase::Reading || last.elapsed() >= Duration::from_millis(100) {
                    last = Instant::now();
                    let _ = app.emit(events::SCAN_PROGRESS, p);
                }
            });
            running.store(false, Ordering::SeqCst);
            let _ = match result {
                Ok(report) => app.emit(events::SCAN_FINISHED, report),
                Err(e) => {
                    tracing::error!("scan failed: {e}");
                    app.emit(events::SCAN_FAILED, UiError::from(&e))
                }
            };
        });
    if let Err(e) = spawned {
        tracing::error!("cannot start the import thread: {e}");
        state.scan_running.store(false, Ordering::SeqCst);
    }
}

/// Command-line options: `segue-app [--db PATH] [--demo-library DIR]`.
#[derive(Default)]
struct Args {
    db: Option<PathBuf>,
    demo_library: Option<PathBuf>,
}

fn parse_args() -> Args {
    let mut args = Args::default();
    let mut it = std::env::args_os().skip(1);
    while let Some(arg) = it.next() {
        match arg.to_str() {
            Some("--db") => args.db = it.next().map(PathBuf::from),
            Some("--demo-library") => args.demo_library = it.next().map(PathBuf::from),
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
        .setup(move |app| {
            let db = match args.db {
                Some(db) => db,
                None => segue_service::default_db_path()?,
            };
            tracing::info!("library database: {}", db.display());
            let service = Arc::new(Service::open(&db)?);
            // First run: start on the bundled demo library.
            if service.folders()?.is_empty() {
                match demo_library(app.handle(), args.demo_library) {
                    Some(demo) => {
                        service.add_folders(&[demo])?;
                    }
                    None => tracing::warn!("no demo library found; the library starts empty"),
                }
            }
            let state = AppState {
                service,
                scan_running: Arc::new(AtomicBool::new(false)),
                scan_cancel: Arc::new(AtomicBool::new(false)),
            };
            // Every start rescans (incremental: unchanged files are not read again).
            if !state.service.folders()?.is_empty() {
                spawn_scan(app.handle(), &state);
            }
            app.manage(state);
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            library_stats,
            start_scan,
            cancel_scan
        ])
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("segue: the app could not start: {e}");
        std::process::exit(1);
    }
}
