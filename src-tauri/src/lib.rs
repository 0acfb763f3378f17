//! The Segue desktop app: Tauri commands and events over [`segue_service::Service`].
//!
//! Commands stay thin: they call the service and convert errors to `UiError`s. Long work
//! (import, analysis) runs on its own threads and reports through events, and the player's
//! events arrive on a thread of their own, so the UI thread never waits.

mod commands;
mod dialogs;
mod equaliser;
mod history_files;
mod jobs;
mod map;
mod media_keys;
mod open;
mod path;
mod player;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use segue_service::Service;
use tauri::http::{Response, StatusCode, header};
use tauri::{AppHandle, Manager};

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
    let Some(id) = path.trim_start_matches('/').parse::<i64>().ok() else {
        return cover_reply(CoverLookup::BadId);
    };
    let Some(state) = app.try_state::<AppState>() else {
        return cover_reply(CoverLookup::NotReady);
    };
    cover_reply(match state.service.cover(id) {
        Ok(Some((_declared, bytes))) => CoverLookup::Found(bytes),
        Ok(None) => CoverLookup::Missing,
        Err(e) => {
            tracing::warn!("cover {id}: {e}");
            CoverLookup::Failed
        }
    })
}

/// What looking a cover up gave.
enum CoverLookup {
    BadId,
    NotReady,
    Missing,
    Failed,
    Found(Vec<u8>),
}

/// The `cover:` protocol's answer. The picture's bytes come from music files, and so does the
/// MIME type their tags declare: a file that declares `text/html` (or holds HTML under an
/// image type) must not become a page in the app's origin. So the type is read from the bytes,
/// only raster images are served, and `nosniff` keeps WebKit from guessing otherwise.
fn cover_reply(lookup: CoverLookup) -> Response<Vec<u8>> {
    let reply = |status: StatusCode, mime: &str, body: Vec<u8>| {
        Response::builder()
            .status(status)
            .header(header::CONTENT_TYPE, mime)
            .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
            .header(header::CONTENT_SECURITY_POLICY, "default-src 'none'")
            // Cover ids are content-addressed: an id never changes its image.
            .header(header::CACHE_CONTROL, "max-age=31536000, immutable")
            .body(body)
            .unwrap_or_default()
    };
    match lookup {
        CoverLookup::BadId => reply(
            StatusCode::BAD_REQUEST,
            "text/plain",
            b"bad cover id".to_vec(),
        ),
        CoverLookup::NotReady => reply(StatusCode::SERVICE_UNAVAILABLE, "text/plain", Vec::new()),
        CoverLookup::Missing => reply(StatusCode::NOT_FOUND, "text/plain", Vec::new()),
        CoverLookup::Failed => reply(StatusCode::INTERNAL_SERVER_ERROR, "text/plain", Vec::new()),
        CoverLookup::Found(bytes) => match segue_core::image::image_type(&bytes) {
            Some(mime) => reply(StatusCode::OK, mime, bytes),
            None => reply(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "text/plain",
                b"not an image".to_vec(),
            ),
        },
    }
}

/// Command-line options: `segue-app [--db PATH] [--demo-library DIR] [--no-scan] [FILE...]`.
#[derive(Default)]
struct Args {
    db: Option<PathBuf>,
    demo_library: Option<PathBuf>,
    /// Do not rescan the library folders at start (they may be offline; or a benchmark).
    no_scan: bool,
    /// Files to play ("Open with Segue").
    files: Vec<PathBuf>,
}

fn parse_args() -> Args {
    let mut args = Args::default();
    let mut it = std::env::args_os().skip(1);
    while let Some(arg) = it.next() {
        match arg.to_str() {
            Some("--db") => args.db = it.next().map(PathBuf::from),
            Some("--demo-library") => args.demo_library = it.next().map(PathBuf::from),
            Some("--no-scan") => args.no_scan = true,
            Some(a) if a.starts_with("--") => tracing::warn!("ignoring unknown argument {arg:?}"),
            _ => {
                let cwd = std::env::current_dir().unwrap_or_default();
                args.files.push(cwd.join(arg));
            }
        }
    }
    args
}

/// The demo library: `--demo-library`, `$SEGUE_DEMO_LIBRARY`, `assets/demo` in the app's
/// resources, or in the source checkout a cargo-built binary belongs to (found from where the
/// binary is, see [`segue_core::install`]). The package carries none: it starts empty.
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
    let checkout = segue_core::install::executable_dir()
        .and_then(|d| segue_core::install::checkout_of(&d))
        .map(|c| c.join("assets/demo"));
    bundled.into_iter().chain(checkout).find(|p| p.is_dir())
}

/// Why no window can open, when there is no display to open it on: the one line to print
/// instead of GTK's panic.
fn no_display() -> Option<String> {
    if !cfg!(target_os = "linux") {
        return None;
    }
    let set = |var: &str| std::env::var_os(var).is_some_and(|v| !v.is_empty());
    (!set("DISPLAY") && !set("WAYLAND_DISPLAY")).then(|| {
        "segue-app: no display to open a window on (DISPLAY and WAYLAND_DISPLAY are unset); \
         the `segue` command works without one"
            .to_owned()
    })
}

/// The name one running window holds on the session bus: one window per library, so a
/// second launch on the same library hands its files over, and `--db OTHER` opens its own.
fn instance_id(db: Option<&Path>) -> String {
    use std::hash::{Hash, Hasher};
    const APP: &str = "app.segue.player";
    let Some(db) = db else {
        return APP.to_owned();
    };
    let db = std::path::absolute(db).unwrap_or_else(|_| db.to_path_buf());
    // SipHash with fixed keys: the same path gives the same name in every process.
    let mut hasher = std::hash::DefaultHasher::new();
    db.hash(&mut hasher);
    format!("{APP}.library_{:016x}", hasher.finish())
}

/// The message a panic carried.
fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no reason given".into())
}

pub fn run() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SEGUE_LOG").unwrap_or_else(|_| {
                // Segue's own news; from its dependencies (WebKit, ONNX Runtime, lofty…) only
                // what is wrong.
                tracing_subscriber::EnvFilter::new("warn,segue=info,lofty=error")
            }),
        )
        .init();

    if let Some(why) = no_display() {
        eprintln!("{why}");
        std::process::exit(1);
    }
    let args = parse_args();
    let opened = args.files.clone();
    let builder = tauri::Builder::default()
        // First: a second launch hands its files to this window and exits.
        .plugin(
            tauri_plugin_single_instance::Builder::new()
                .dbus_id(instance_id(args.db.as_deref()))
                .callback(|app, argv, cwd| {
                    let files =
                        open::files_in_args(argv.get(1..).unwrap_or_default(), Path::new(&cwd));
                    if let Some(window) = app.get_webview_window("main") {
                        let _ = window.unminimize();
                        let _ = window.set_focus();
                    }
                    open::open_files(app, files);
                })
                .build(),
        )
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
                .spawn(move || {
                    hub.start(&handle, &service);
                    // Media keys drive the engine, so they are offered only when it runs.
                    if hub.has_playback() {
                        media_keys::attach(&hub, &handle);
                    }
                })?;
            app.manage(state);
            open::open_files(app.handle(), opened);
            Ok(())
        })
        .register_uri_scheme_protocol("cover", |ctx, request| {
            cover_response(ctx.app_handle(), request.uri().path())
        })
        .invoke_handler(tauri::generate_handler![
            commands::library_stats,
            commands::output_devices,
            commands::set_output_device,
            equaliser::equaliser,
            equaliser::set_equaliser,
            equaliser::equaliser_presets,
            history_files::import_history,
            history_files::cancel_history_import,
            history_files::export_history,
            map::map_view,
            map::map_colours,
            map::map_tags,
            map::map_track,
            map::map_neighbours,
            path::sonic_path,
            map::map_status,
            map::update_map,
            map::cancel_map,
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
            commands::set_analysis_model,
            commands::analysis_estimate,
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
            commands::smart_playlists,
            commands::smart_playlist_members,
            commands::smart_rule_texts,
            commands::create_smart_playlist,
            commands::update_smart_playlist,
            commands::year_in_review,
            commands::save_review_image,
            commands::rotation,
            commands::delete_smart_playlist,
        ]);
    // GTK panics when it cannot reach the display it was given: say so in one line, without
    // the panic's own message and backtrace.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let built = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        builder.build(tauri::generate_context!())
    }));
    std::panic::set_hook(default_hook);
    let app = match built {
        Ok(Ok(app)) => app,
        Ok(Err(e)) => {
            eprintln!("segue-app: the app could not start: {e}");
            std::process::exit(1);
        }
        Err(panic) => {
            // The message's first clause ("Failed to initialize gtk backend!"); the rest is a
            // debug dump naming a source file of the build machine.
            let message = panic_message(panic.as_ref());
            let cause = message.split([':', '\n']).next().unwrap_or_default();
            eprintln!(
                "segue-app: cannot open a window on display {:?} ({cause})",
                std::env::var("DISPLAY").unwrap_or_default(),
            );
            std::process::exit(1);
        }
    };
    app.run(|_, _| {});
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header_of(reply: &Response<Vec<u8>>, name: header::HeaderName) -> &str {
        reply
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    #[test]
    fn a_cover_is_served_as_the_image_its_bytes_are_and_never_sniffed() {
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        let reply = cover_reply(CoverLookup::Found(png.clone()));
        assert_eq!(reply.status(), StatusCode::OK);
        assert_eq!(header_of(&reply, header::CONTENT_TYPE), "image/png");
        assert_eq!(header_of(&reply, header::X_CONTENT_TYPE_OPTIONS), "nosniff");
        assert_eq!(reply.body(), &png);
    }

    #[test]
    fn a_picture_whose_bytes_are_no_raster_image_is_not_served() {
        // Stored by a Segue from before covers were sniffed at import, under the type the tag
        // declared: a page of script, and an SVG (which can carry script).
        for bytes in [
            &b"<html><script>alert(1)</script></html>"[..],
            &b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>"[..],
        ] {
            let reply = cover_reply(CoverLookup::Found(bytes.to_vec()));
            assert_eq!(reply.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
            assert_eq!(header_of(&reply, header::CONTENT_TYPE), "text/plain");
            assert_eq!(header_of(&reply, header::X_CONTENT_TYPE_OPTIONS), "nosniff");
            assert!(!reply.body().windows(7).any(|w| w == b"<script"));
        }
        for lookup in [
            CoverLookup::BadId,
            CoverLookup::Missing,
            CoverLookup::Failed,
        ] {
            let reply = cover_reply(lookup);
            assert_eq!(header_of(&reply, header::X_CONTENT_TYPE_OPTIONS), "nosniff");
        }
    }
}
