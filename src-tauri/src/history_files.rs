//! Settings → History: importing a ListenBrainz or Last.fm export into the history, and
//! exporting the history, through the desktop's own file choosers.
//!
//! The choosers run here and the commands take no path, so the window cannot make Segue read or
//! write a file the person did not pick. An import runs on a blocking worker (never the UI
//! thread), tells its progress as `AppEvent::HistoryImport`, and stops at the next batch when
//! `cancel_history_import` is called; one import runs at a time.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

use segue_core::AppEvent;
use segue_core::{
    HistoryExportFormat, HistoryExportReport, HistoryFormat, HistoryImportReport, UiError,
};
use tauri::{AppHandle, Emitter, State};

use crate::AppState;
use crate::dialogs::{SaveAs, ask_where_to_save};

type Reply<T> = Result<T, UiError>;

/// Set while an import runs: a second one is refused rather than queued.
static IMPORTING: AtomicBool = AtomicBool::new(false);
/// Set by `cancel_history_import`; the running import stops at its next batch.
static CANCEL: AtomicBool = AtomicBool::new(false);

fn internal(e: impl std::fmt::Display) -> UiError {
    UiError {
        kind: "internal".into(),
        message: e.to_string(),
    }
}

/// Clears the running mark however the import ends (an error or a panic included).
struct Running;

impl Running {
    fn start() -> Reply<Running> {
        if IMPORTING.swap(true, Ordering::SeqCst) {
            return Err(UiError {
                kind: "busy".into(),
                message: "a history import is already running".into(),
            });
        }
        CANCEL.store(false, Ordering::SeqCst);
        Ok(Running)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        IMPORTING.store(false, Ordering::SeqCst);
    }
}

/// Asks for a history export with the desktop's chooser and imports it (in `format`, or the
/// format its content shows); `None` when the person cancels.
#[tauri::command(async)]
pub async fn import_history(
    app: AppHandle,
    state: State<'_, AppState>,
    format: Option<HistoryFormat>,
) -> Reply<Option<HistoryImportReport>> {
    use tauri_plugin_dialog::DialogExt;
    let running = Running::start()?;
    let chooser = app.clone();
    let picked: Option<PathBuf> = tauri::async_runtime::spawn_blocking(move || {
        chooser
            .dialog()
            .file()
            .set_title("Import listening history")
            .add_filter(
                "ListenBrainz or Last.fm export (JSON, CSV)",
                &["json", "jsonl", "csv", "JSON", "JSONL", "CSV"],
            )
            .blocking_pick_file()
            .and_then(|p| p.into_path().ok())
    })
    .await
    .map_err(internal)?;
    let Some(file) = picked else {
        return Ok(None);
    };
    let service = state.service.clone();
    let progress_app = app.clone();
    let report = tauri::async_runtime::spawn_blocking(move || {
        let _running = running;
        service.import_history(&file, format, &CANCEL, &mut |p| {
            let _ = progress_app.emit(AppEvent::HistoryImport.name(), p);
        })
    })
    .await
    .map_err(internal)?
    .map_err(|e| UiError::from(&e))?;
    if report.imported > 0 {
        let _ = app.emit(AppEvent::HistoryChanged.name(), ());
    }
    Ok(Some(report))
}

/// Stops the running import at its next batch; the listens added so far stay.
#[tauri::command]
pub fn cancel_history_import() {
    CANCEL.store(true, Ordering::SeqCst);
}

/// Writes the history's full listens as `format` where the person chooses in the desktop's
/// save dialog (which has asked before replacing a file); `None` when they cancel.
#[tauri::command(async)]
pub async fn export_history(
    app: AppHandle,
    state: State<'_, AppState>,
    format: HistoryExportFormat,
) -> Reply<Option<HistoryExportReport>> {
    let service = state.service.clone();
    let (name, filter, extensions): (&str, &str, &[&str]) = match format {
        HistoryExportFormat::ListenBrainz => ("segue-listens.json", "ListenBrainz JSON", &["json"]),
        HistoryExportFormat::Csv => ("segue-listens.csv", "CSV", &["csv"]),
    };
    tauri::async_runtime::spawn_blocking(move || {
        let ask = SaveAs {
            title: "Export listening history",
            file_name: name.into(),
            filter,
            extensions,
        };
        let Some(path) = ask_where_to_save(&app, ask)? else {
            return Ok(None);
        };
        service
            .export_history(&path, format, true)
            .map(Some)
            .map_err(|e| UiError::from(&e))
    })
    .await
    .map_err(internal)?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_import_at_a_time_and_the_mark_clears_however_it_ends() {
        let first = Running::start().expect("first");
        let second = Running::start().err().expect("refused");
        assert_eq!(second.kind, "busy");
        drop(first);
        let again = Running::start().expect("after the first ended");
        drop(again);
    }

    /// The window cannot name a history file to read or write: the commands take no path.
    #[test]
    fn the_history_commands_take_no_path_from_the_window() {
        let source = include_str!("history_files.rs");
        for command in [
            "pub async fn import_history(",
            "pub async fn export_history(",
        ] {
            let signature = source
                .split(command)
                .nth(1)
                .and_then(|rest| rest.split(") ->").next())
                .expect("a command");
            assert!(!signature.contains("path"), "{command}: {signature}");
            assert!(!signature.contains("String"), "{command}: {signature}");
        }
    }
}
