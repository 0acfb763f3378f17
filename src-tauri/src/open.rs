//! Files handed to the app by the desktop ("Open with Segue", a double click, `segue-app
//! FILE...`), at start or by a second launch that the single-instance plugin turned into a
//! call on this one: they play in the order given.
//!
//! A file already in the library plays at once. A file outside it plays once its folder is in
//! the library, and the person is asked first, in a native dialog the window cannot answer:
//! adding a folder makes Segue read everything in it.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use segue_core::{ScanCause, TrackId};
use segue_service::Service;
use tauri::{AppHandle, Manager};

use crate::AppState;

/// Plays `files` (absolute paths) on a worker thread, asking first to add the folders of those
/// outside the library.
pub fn open_files(app: &AppHandle, files: Vec<PathBuf>) {
    if files.is_empty() {
        return;
    }
    let app = app.clone();
    let spawned = std::thread::Builder::new()
        .name("segue-open-files".into())
        .spawn(move || {
            if let Err(e) = play_files(&app, &files) {
                tracing::warn!("cannot play the files opened with Segue: {e}");
            }
        });
    if let Err(e) = spawned {
        tracing::error!("cannot start the thread that opens files: {e}");
    }
}

/// The files among `args` (a command line without the program), made absolute against `cwd`.
/// Options (`--db PATH` and the like) and what they take are not files.
pub fn files_in_args(args: &[String], cwd: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--db" | "--demo-library" => {
                it.next();
            }
            a if a.starts_with("--") => {}
            a => {
                let path = a.strip_prefix("file://").map_or(a, |p| p);
                files.push(cwd.join(path));
            }
        }
    }
    files
}

fn play_files(app: &AppHandle, files: &[PathBuf]) -> Result<(), String> {
    // The files arrive with the first launch too, before the library is open.
    let state = loop {
        if let Some(state) = app.try_state::<AppState>() {
            break state;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let service: Arc<Service> = state.service.clone();
    let files: Vec<PathBuf> = files
        .iter()
        .map(|f| f.canonicalize().unwrap_or_else(|_| f.clone()))
        .collect();
    let (_, outside) = in_library(&service, &files)?;
    if !outside.is_empty() {
        let mut folders: Vec<PathBuf> = outside
            .iter()
            .filter(|f| f.is_file())
            .filter_map(|f| f.parent().map(Path::to_path_buf))
            .collect();
        folders.sort();
        folders.dedup();
        if !folders.is_empty() && confirm_adding(app, &outside, &folders) {
            let added = service.add_folders(&folders).map_err(|e| e.to_string())?;
            state.jobs.folders_changed();
            // The files play once their folders are imported; analysis goes on afterwards.
            state.jobs.scan_folders(ScanCause::Requested, &added);
            while !state.jobs.wait_imported(Duration::from_secs(60)) {}
        }
    }
    let (ids, _) = in_library(&service, &files)?;
    if ids.is_empty() {
        return Ok(());
    }
    state
        .player
        .with(|p| p.play_tracks(&service, &ids, 0))
        .map_err(|e| e.to_string())?;
    state.player.refresh(app, |_| {});
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.set_focus();
    }
    Ok(())
}

/// The library's tracks for `files`, in their order, and the files it does not hold.
fn in_library(
    service: &Service,
    files: &[PathBuf],
) -> Result<(Vec<TrackId>, Vec<PathBuf>), String> {
    let library = service.tracks(None, None).map_err(|e| e.to_string())?;
    let mut ids = Vec::new();
    let mut outside = Vec::new();
    for file in files {
        match library.iter().find(|t| Path::new(&t.path) == file) {
            Some(t) => ids.push(t.id),
            None => outside.push(file.clone()),
        }
    }
    Ok((ids, outside))
}

/// Asks, in a native dialog, whether to add `folders` to the library to play `files`.
fn confirm_adding(app: &AppHandle, files: &[PathBuf], folders: &[PathBuf]) -> bool {
    use tauri_plugin_dialog::{DialogExt, MessageDialogButtons, MessageDialogKind};
    let names = |paths: &[PathBuf]| {
        paths
            .iter()
            .take(5)
            .map(|p| format!("  {}", p.display()))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let message = format!(
        "To play {} Segue adds {} to your library and imports {}:\n{}\n\nFiles opened:\n{}",
        if files.len() == 1 {
            "this file,"
        } else {
            "these files,"
        },
        if folders.len() == 1 {
            "its folder"
        } else {
            "their folders"
        },
        if folders.len() == 1 { "it" } else { "them" },
        names(folders),
        names(files),
    );
    app.dialog()
        .message(message)
        .title("Add to the library?")
        .kind(MessageDialogKind::Info)
        .buttons(MessageDialogButtons::OkCancelCustom(
            "Add and play".into(),
            "Cancel".into(),
        ))
        .blocking_show()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_on_the_command_line_are_made_absolute_and_options_are_not_files() {
        let args: Vec<String> = [
            "--db",
            "/tmp/lib.sqlite",
            "a.flac",
            "--no-scan",
            "/music/b.ogg",
            "file:///music/c.mp3",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(
            files_in_args(&args, Path::new("/home/me")),
            [
                PathBuf::from("/home/me/a.flac"),
                PathBuf::from("/music/b.ogg"),
                PathBuf::from("/music/c.mp3"),
            ]
        );
    }
}
