//! Listing audio files under the library folders.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use segue_core::IssueKind;
use segue_core::files::has_audio_extension;

pub use segue_core::files::AUDIO_EXTENSIONS;

/// Audio formats Segue does not decode, by extension, with the name a person knows them by:
/// such files are listed as unsupported rather than silently left out.
const UNSUPPORTED_AUDIO: &[(&str, &str)] = &[
    ("ape", "Monkey's Audio (APE)"),
    ("wv", "WavPack"),
    ("mpc", "Musepack"),
    ("mp+", "Musepack"),
    ("mpp", "Musepack"),
    ("dsf", "DSD (DSF)"),
    ("dff", "DSD (DSDIFF)"),
    ("wma", "Windows Media Audio"),
    ("asf", "Windows Media Audio"),
    ("caf", "Core Audio Format (CAF)"),
    ("spx", "Speex"),
    ("webm", "WebM audio"),
    ("weba", "WebM audio"),
    ("mka", "Matroska audio"),
    ("tta", "True Audio (TTA)"),
    ("tak", "TAK"),
    ("ofr", "OptimFROG"),
    ("shn", "Shorten"),
    ("ac3", "Dolby Digital (AC-3)"),
    ("dts", "DTS"),
    ("amr", "AMR"),
    ("ra", "RealAudio"),
];

/// The format's name when `path` is named like audio Segue cannot decode.
fn unsupported_format(path: &Path) -> Option<&'static str> {
    unsupported_format_named(&path.extension()?.to_string_lossy().to_ascii_lowercase())
}

/// The name of the unsupported audio format whose files end in `.ext` (lower case).
pub(crate) fn unsupported_format_named(ext: &str) -> Option<&'static str> {
    UNSUPPORTED_AUDIO
        .iter()
        .find(|(e, _)| *e == ext)
        .map(|(_, name)| *name)
}

/// An audio file found on disk.
#[derive(Debug, Clone)]
pub(crate) struct WalkedFile {
    pub path: PathBuf,
    pub size: u64,
    pub mtime_ns: i64,
    /// Folder depth below its library folder: 1 = directly inside it.
    pub depth: usize,
}

/// Something under a library folder that is not an importable file.
#[derive(Debug, Clone)]
pub(crate) struct WalkIssue {
    pub path: PathBuf,
    pub kind: IssueKind,
    pub message: String,
}

fn is_hidden(entry: &walkdir::DirEntry) -> bool {
    entry.depth() > 0 && entry.file_name().as_encoded_bytes().first() == Some(&b'.')
}

/// Modification time in nanoseconds since the epoch (0 when the platform has none).
pub(crate) fn mtime_ns(meta: &std::fs::Metadata) -> i64 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// One thing found by the walk.
pub(crate) enum Found {
    File(WalkedFile),
    Issue(WalkIssue),
}

/// Walks one library folder: skips hidden entries, follows symbolic links (walkdir detects
/// loops), and calls `on_found` for each audio file and each problem.
pub(crate) fn walk_root(root: &Path, cancel: &AtomicBool, mut on_found: impl FnMut(Found)) {
    let walker = walkdir::WalkDir::new(root)
        .follow_links(true)
        .into_iter()
        .filter_entry(|e| !is_hidden(e));
    for entry in walker {
        if cancel.load(Ordering::Relaxed) {
            return;
        }
        match entry {
            Ok(entry) => {
                let ft = entry.file_type();
                if ft.is_dir() {
                    continue;
                }
                if !has_audio_extension(entry.path()) {
                    if let Some(format) = unsupported_format(entry.path()) {
                        on_found(Found::Issue(WalkIssue {
                            path: entry.path().to_path_buf(),
                            kind: IssueKind::Unsupported,
                            message: format!("{format} files cannot be played by Segue"),
                        }));
                    }
                    continue;
                }
                if !ft.is_file() {
                    on_found(Found::Issue(WalkIssue {
                        path: entry.path().to_path_buf(),
                        kind: IssueKind::NotAFile,
                        message: "not a regular file (a pipe, socket or device named like audio)"
                            .into(),
                    }));
                    continue;
                }
                match entry.metadata() {
                    Ok(meta) => on_found(Found::File(WalkedFile {
                        path: entry.path().to_path_buf(),
                        size: meta.len(),
                        mtime_ns: mtime_ns(&meta),
                        depth: entry.depth(),
                    })),
                    Err(e) => on_found(Found::Issue(WalkIssue {
                        path: entry.path().to_path_buf(),
                        kind: IssueKind::Unreadable,
                        message: format!("cannot read file information: {e}"),
                    })),
                }
            }
            Err(err) => on_found(Found::Issue(classify_walk_error(&err))),
        }
    }
}

fn classify_walk_error(err: &walkdir::Error) -> WalkIssue {
    let path = err.path().map(Path::to_path_buf).unwrap_or_default();
    if let Some(ancestor) = err.loop_ancestor() {
        return WalkIssue {
            message: format!(
                "symbolic link loop: leads back to {}, not followed again",
                ancestor.display()
            ),
            path,
            kind: IssueKind::LinkLoop,
        };
    }
    let is_link = std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink());
    let io_kind = err.io_error().map(std::io::Error::kind);
    if is_link && io_kind == Some(std::io::ErrorKind::NotFound) {
        let target = std::fs::read_link(&path)
            .map(|t| t.display().to_string())
            .unwrap_or_else(|_| "?".into());
        return WalkIssue {
            message: format!("broken symbolic link: its target {target} does not exist"),
            path,
            kind: IssueKind::BrokenLink,
        };
    }
    WalkIssue {
        message: match err.io_error() {
            Some(io) => format!("cannot read: {io}"),
            None => err.to_string(),
        },
        path,
        kind: IssueKind::Unreadable,
    }
}
