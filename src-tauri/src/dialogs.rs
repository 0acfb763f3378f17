//! The desktop's save dialog, for commands that write a file: the dialog runs on the Rust side
//! so the window can never name a file to write, and it has already asked before replacing an
//! existing one.

use std::path::PathBuf;

use segue_core::UiError;
use tauri::AppHandle;

use crate::commands::Reply;

/// What the save dialog offers: its title, the proposed file name, and one filter.
pub(crate) struct SaveAs<'a> {
    pub title: &'a str,
    pub file_name: String,
    pub filter: &'a str,
    pub extensions: &'a [&'a str],
}

/// Asks where to save (blocking: call from a blocking task); `None` when the person cancels.
pub(crate) fn ask_where_to_save(app: &AppHandle, ask: SaveAs<'_>) -> Reply<Option<PathBuf>> {
    use tauri_plugin_dialog::DialogExt;
    let Some(chosen) = app
        .dialog()
        .file()
        .set_title(ask.title)
        .set_file_name(ask.file_name)
        .add_filter(ask.filter, ask.extensions)
        .blocking_save_file()
    else {
        return Ok(None);
    };
    chosen.into_path().map(Some).map_err(|e| UiError {
        kind: "invalid_input".into(),
        message: format!("the chosen file cannot be written to: {e}"),
    })
}
