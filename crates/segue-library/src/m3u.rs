//! M3U and M3U8 playlist files: reading what other players write, writing what they read.
//!
//! Reading ([`read_m3u`]):
//! - A location may be a path relative to the playlist file's folder, an absolute path, a
//!   Windows path (`C:\Music\a.flac`, `..\a.flac`, `\\server\share\a.flac`) or a `file://`
//!   URL (percent-decoded). A Windows path that cannot exist here is kept as its folders and
//!   file name ([`Target::Foreign`]) for matching by path suffix; other URLs stay URLs.
//! - `.m3u8` is UTF-8 (a byte order mark is allowed). `.m3u` is UTF-8 when it decodes as such,
//!   else Windows-1252, with a note. UTF-16 with a byte order mark is read too.
//! - `#EXTINF:seconds,Artist - Title` gives the next location a duration and a title; other
//!   `#` lines (`#EXTM3U`, `#EXTVLCOPT`, comments) are skipped. What had to be interpreted is
//!   reported as [`ImportNote`]s.
//! - Input that is not a playlist (missing, a folder, a FIFO, binary data, no locations, an
//!   `.m3u8` that is not UTF-8) is a [`PlaylistFileError`]; nothing is opened that could block
//!   (a FIFO is refused from its metadata).
//!
//! Writing ([`write_m3u8`]): UTF-8 with `#EXTM3U` and `#EXTINF:seconds,Artist - Title`; paths
//! relative to the file's folder when they share a folder other than the root, absolute
//! otherwise, and a `file://` URL for a path a line cannot hold (not UTF-8, control
//! characters, surrounding spaces). The text goes to a temporary file renamed over the target,
//! so an existing playlist is never left half-written.

use std::io::Write;
use std::path::{Component, Path, PathBuf};

use segue_core::ImportNote;
use segue_store::ExportRow;

/// Larger than any real playlist (a 100k-entry M3U is about 20 MB); a bigger file is not one.
const MAX_PLAYLIST_BYTES: u64 = 64 << 20;

/// Why a playlist file cannot be read or written. Nothing was imported or overwritten.
#[derive(Debug, thiserror::Error)]
pub enum PlaylistFileError {
    #[error("{}: no such file", path.display())]
    NotFound { path: PathBuf },
    #[error("{} is {kind}, not a playlist file", path.display())]
    NotAFile { path: PathBuf, kind: &'static str },
    #[error("{} is not an M3U playlist: Segue reads .m3u and .m3u8 files", path.display())]
    NotM3u { path: PathBuf },
    #[error("{} is {size} bytes, too large for a playlist", path.display())]
    TooLarge { path: PathBuf, size: u64 },
    #[error("{} is not a text playlist: line {line} holds binary data", path.display())]
    NotText { path: PathBuf, line: u32 },
    #[error(
        "{} is an .m3u8 playlist, which is UTF-8, but line {line} is not UTF-8; a playlist \
         in a legacy encoding reads as Windows-1252 when named .m3u",
        path.display()
    )]
    NotUtf8 { path: PathBuf, line: u32 },
    #[error("{} lists no files", path.display())]
    NoEntries { path: PathBuf },
    #[error("{} already exists", path.display())]
    Exists { path: PathBuf },
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// What a location names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A file on this machine: absolute, `.` and `..` resolved (it may not exist).
    Local(PathBuf),
    /// A path from another system that cannot name a file here (a Windows drive or network
    /// path on Unix): its folders and file name, for matching by path suffix.
    Foreign(Vec<String>),
    /// A URL that is not a file (a stream, a web page).
    Url,
}

/// An `#EXTINF` line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExtInf {
    /// `None` when the file says -1 (unknown) or gives no number.
    pub duration_ms: Option<u64>,
    /// The text after the comma, usually "Artist - Title".
    pub title: Option<String>,
}

/// One entry of a playlist file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct M3uEntry {
    /// 1-based line of the location.
    pub line: u32,
    /// The location as written (surrounding spaces trimmed).
    pub location: String,
    pub target: Target,
    pub info: Option<ExtInf>,
}

/// A playlist file as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct M3uFile {
    pub entries: Vec<M3uEntry>,
    pub notes: Vec<ImportNote>,
}

/// Which text encodings a file may use, by its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// `.m3u8`: UTF-8 only.
    Utf8,
    /// `.m3u`: UTF-8, else Windows-1252 (what Windows players write).
    Utf8OrWindows1252,
}

/// Why content is not a playlist (the caller adds the path).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContentError {
    NotText { line: u32 },
    NotUtf8 { line: u32 },
    NoEntries,
}

/// Reads an `.m3u` or `.m3u8` file; relative locations are resolved against its folder.
pub fn read_m3u(path: &Path) -> Result<M3uFile, PlaylistFileError> {
    let metadata = std::fs::metadata(path).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => PlaylistFileError::NotFound {
            path: path.to_path_buf(),
        },
        _ => PlaylistFileError::Read {
            path: path.to_path_buf(),
            source,
        },
    })?;
    if !metadata.is_file() {
        return Err(PlaylistFileError::NotAFile {
            path: path.to_path_buf(),
            kind: kind_of(&metadata.file_type()),
        });
    }
    let encoding = match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("m3u8") => Encoding::Utf8,
        Some("m3u") => Encoding::Utf8OrWindows1252,
        _ => {
            return Err(PlaylistFileError::NotM3u {
                path: path.to_path_buf(),
            });
        }
    };
    if metadata.len() > MAX_PLAYLIST_BYTES {
        return Err(PlaylistFileError::TooLarge {
            path: path.to_path_buf(),
            size: metadata.len(),
        });
    }
    let bytes = std::fs::read(path).map_err(|source| PlaylistFileError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    // The library stores canonical folders; so does a relative location, through this base.
    let base = std::fs::canonicalize(folder)
        .or_else(|_| std::path::absolute(folder))
        .unwrap_or_else(|_| folder.to_path_buf());
    parse_m3u(&bytes, encoding, &base).map_err(|e| {
        let path = path.to_path_buf();
        match e {
            ContentError::NotText { line } => PlaylistFileError::NotText { path, line },
            ContentError::NotUtf8 { line } => PlaylistFileError::NotUtf8 { path, line },
            ContentError::NoEntries => PlaylistFileError::NoEntries { path },
        }
    })
}

fn kind_of(file_type: &std::fs::FileType) -> &'static str {
    if file_type.is_dir() {
        return "a folder";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a named pipe (FIFO)";
        }
        if file_type.is_socket() {
            return "a socket";
        }
        if file_type.is_block_device() || file_type.is_char_device() {
            return "a device";
        }
    }
    "not a regular file"
}

/// Parses playlist bytes; relative locations are resolved against `base` (absolute).
pub fn parse_m3u(bytes: &[u8], encoding: Encoding, base: &Path) -> Result<M3uFile, ContentError> {
    let mut notes = Vec::new();
    let text = decode(bytes, encoding, &mut notes)?;
    // Old Mac files end lines with CR alone.
    let lines: Vec<&str> = if text.contains('\n') {
        text.lines().collect()
    } else {
        text.split('\r').collect()
    };
    let mut entries = Vec::new();
    let mut pending: Option<(u32, ExtInf)> = None;
    for (index, raw) in lines.iter().enumerate() {
        let line = u32::try_from(index + 1).unwrap_or(u32::MAX);
        if raw
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\t' | '\r' | '\u{c}' | '\u{1a}'))
        {
            return Err(ContentError::NotText { line });
        }
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            continue;
        }
        if let Some(rest) = strip_prefix_ignoring_case(trimmed, "#EXTINF:") {
            let info = parse_extinf(rest, line, &mut notes);
            if let Some((unused, _)) = pending.replace((line, info)) {
                notes.push(ImportNote::InfoWithoutLocation { line: unused });
            }
            continue;
        }
        if trimmed.starts_with('#') {
            continue;
        }
        entries.push(M3uEntry {
            line,
            location: trimmed.to_owned(),
            target: target_of(trimmed, base),
            info: pending.take().map(|(_, info)| info),
        });
    }
    if let Some((unused, _)) = pending {
        notes.push(ImportNote::InfoWithoutLocation { line: unused });
    }
    if entries.is_empty() {
        return Err(ContentError::NoEntries);
    }
    Ok(M3uFile { entries, notes })
}

fn decode(
    bytes: &[u8],
    encoding: Encoding,
    notes: &mut Vec<ImportNote>,
) -> Result<String, ContentError> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return utf8(rest, encoding, notes);
    }
    let utf16 = |rest: &[u8], unit: fn([u8; 2]) -> u16| {
        let units: Vec<u16> = rest
            .chunks(2)
            .map(|pair| unit([pair[0], pair.get(1).copied().unwrap_or(0)]))
            .collect();
        String::from_utf16(&units).map_err(|_| ContentError::NotText { line: 1 })
    };
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        notes.push(ImportNote::ReadAsUtf16);
        return utf16(rest, u16::from_le_bytes);
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        notes.push(ImportNote::ReadAsUtf16);
        return utf16(rest, u16::from_be_bytes);
    }
    utf8(bytes, encoding, notes)
}

fn utf8(
    bytes: &[u8],
    encoding: Encoding,
    notes: &mut Vec<ImportNote>,
) -> Result<String, ContentError> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(text.to_owned()),
        Err(e) => match encoding {
            Encoding::Utf8 => {
                let line = bytes[..e.valid_up_to()]
                    .iter()
                    .filter(|&&b| b == b'\n')
                    .count()
                    + 1;
                Err(ContentError::NotUtf8 {
                    line: u32::try_from(line).unwrap_or(u32::MAX),
                })
            }
            Encoding::Utf8OrWindows1252 => {
                notes.push(ImportNote::ReadAsWindows1252);
                Ok(bytes.iter().map(|&b| windows_1252(b)).collect())
            }
        },
    }
}

/// Windows-1252: Latin-1 except 0x80–0x9F, which hold typographic marks and a few letters.
pub(crate) fn windows_1252(byte: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž',
        '\u{8f}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}',
        'ž', 'Ÿ',
    ];
    match byte {
        0x80..=0x9f => HIGH[usize::from(byte - 0x80)],
        _ => char::from(byte),
    }
}

fn strip_prefix_ignoring_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

/// `#EXTINF:` followed by `seconds[ attributes],title`; IPTV attributes may hold quoted commas.
fn parse_extinf(rest: &str, line: u32, notes: &mut Vec<ImportNote>) -> ExtInf {
    let mut in_quotes = false;
    let comma = rest.char_indices().find_map(|(i, c)| {
        if c == '"' {
            in_quotes = !in_quotes;
        }
        (c == ',' && !in_quotes).then_some(i)
    });
    let (head, title) = match comma {
        Some(i) => (&rest[..i], rest[i + 1..].trim()),
        None => (rest, ""),
    };
    let number = head.split_whitespace().next().unwrap_or("");
    let duration_ms = match number.parse::<f64>() {
        Ok(seconds) if seconds.is_finite() && seconds >= 0.0 => {
            Some((seconds * 1000.0).round() as u64)
        }
        // -1 is how every player writes "unknown".
        Ok(seconds) if seconds.is_finite() => None,
        _ => {
            notes.push(ImportNote::UnreadableDuration { line });
            None
        }
    };
    ExtInf {
        duration_ms,
        title: (!title.is_empty()).then(|| title.to_owned()),
    }
}

/// What a location names, relative ones resolved against `base`.
pub fn target_of(location: &str, base: &Path) -> Target {
    if let Some(rest) = strip_prefix_ignoring_case(location, "file:") {
        return file_url_target(rest, base);
    }
    if has_url_scheme(location) {
        return Target::Url;
    }
    let bytes = location.as_bytes();
    let drive = bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':';
    if drive || location.starts_with('\\') {
        // `C:\…`, `\\server\share\…`, or `\…` on the playlist's drive.
        if cfg!(windows) {
            return Target::Local(lexically_normal(&base.join(location)));
        }
        return Target::Foreign(windows_components(location));
    }
    // Backslashes in a relative location are a Windows player's separators (a file name with
    // a backslash in it is rarer than a playlist from Windows).
    let relative = location.replace('\\', "/");
    Target::Local(lexically_normal(&base.join(relative)))
}

/// A scheme of two or more letters before `://` (one letter would be a Windows drive).
fn has_url_scheme(location: &str) -> bool {
    location.split_once("://").is_some_and(|(scheme, _)| {
        scheme.len() >= 2
            && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    })
}

/// `rest` is what follows `file:`: `///path`, `//host/path`, `//localhost/path` or `/path`.
fn file_url_target(rest: &str, base: &Path) -> Target {
    let (host, path) = match rest.strip_prefix("//") {
        Some(after) => match after.find('/') {
            Some(i) => (&after[..i], &after[i..]),
            None => (after, ""),
        },
        None => ("", rest),
    };
    let decoded = percent_decode(path);
    if !host.is_empty() && !host.eq_ignore_ascii_case("localhost") {
        // A network share: \\host\path.
        let mut components = vec![host.to_owned()];
        components.extend(windows_components(&String::from_utf8_lossy(&decoded)));
        return Target::Foreign(components);
    }
    // `file:///C:/Music/a.flac`: a Windows drive.
    let text = String::from_utf8_lossy(&decoded);
    let after_slash = text.strip_prefix('/').unwrap_or(&text);
    let drive = after_slash.len() >= 2
        && after_slash.as_bytes()[0].is_ascii_alphabetic()
        && after_slash.as_bytes()[1] == b':';
    if drive {
        return target_of(after_slash, base);
    }
    Target::Local(lexically_normal(&base.join(path_from_bytes(decoded))))
}

fn percent_decode(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(hi), Some(lo)) = (
                bytes.get(i + 1).copied().and_then(hex),
                bytes.get(i + 2).copied().and_then(hex),
            )
        {
            out.push((hi * 16 + lo) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}

#[cfg(unix)]
fn path_from_bytes(bytes: Vec<u8>) -> PathBuf {
    use std::os::unix::ffi::OsStringExt;
    PathBuf::from(std::ffi::OsString::from_vec(bytes))
}

#[cfg(not(unix))]
fn path_from_bytes(bytes: Vec<u8>) -> PathBuf {
    PathBuf::from(String::from_utf8_lossy(&bytes).into_owned())
}

/// The folders and file name of a Windows path, without its drive or `.` parts.
fn windows_components(path: &str) -> Vec<String> {
    let bytes = path.as_bytes();
    let without_drive = if bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' {
        &path[2..]
    } else {
        path
    };
    let mut components: Vec<String> = Vec::new();
    for part in without_drive.split(['\\', '/']) {
        match part {
            "" | "." => {}
            ".." => {
                components.pop();
            }
            _ => components.push(part.to_owned()),
        }
    }
    components
}

/// `path` with `.` removed and `..` applied, without touching the file system (the file may
/// not exist).
fn lexically_normal(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            // Above the root is the root.
            Component::ParentDir => {
                if !out.pop() && !out.has_root() {
                    out.push(component);
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// What a write did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    pub entries: u32,
    /// Entries written as paths relative to the file's folder.
    pub relative: u32,
}

/// Writes `rows` as an M3U8 playlist at `file` (see the module's guarantees). An existing
/// file is replaced only when `overwrite` is set.
pub fn write_m3u8(
    file: &Path,
    rows: &[ExportRow],
    overwrite: bool,
) -> Result<Written, PlaylistFileError> {
    let write_error = |source| PlaylistFileError::Write {
        path: file.to_path_buf(),
        source,
    };
    match std::fs::metadata(file) {
        Ok(m) if !m.is_file() => {
            return Err(PlaylistFileError::NotAFile {
                path: file.to_path_buf(),
                kind: kind_of(&m.file_type()),
            });
        }
        Ok(_) if !overwrite => {
            return Err(PlaylistFileError::Exists {
                path: file.to_path_buf(),
            });
        }
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(write_error(e)),
    }
    let folder = match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let base = std::fs::canonicalize(folder).map_err(write_error)?;
    let (text, written) = m3u8_text(rows, &base);

    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = folder.join(format!(".{name}.{}.segue-tmp", std::process::id()));
    let result = (|| {
        let mut out = std::fs::File::create(&temporary)?;
        out.write_all(text.as_bytes())?;
        out.sync_all()?;
        std::fs::rename(&temporary, file)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&temporary);
        return Err(write_error(e));
    }
    Ok(written)
}

/// The playlist's text, with locations relative to `base` (canonical) where possible.
pub fn m3u8_text(rows: &[ExportRow], base: &Path) -> (String, Written) {
    let mut text = String::from("#EXTM3U\n");
    let mut written = Written {
        entries: 0,
        relative: 0,
    };
    for row in rows {
        let (location, relative) = match (&row.path, &row.location) {
            (Some(path), _) => path_line(path, base),
            (None, Some(location)) => (one_line(location), false),
            // Only an entry whose track row was deleted has neither; Segue keeps tracks.
            (None, None) => continue,
        };
        if row.title.is_some() || row.duration_ms.is_some() {
            let seconds = row.duration_ms.map_or(-1, |ms| {
                i64::try_from(ms.saturating_add(500) / 1000).unwrap_or(-1)
            });
            let title = row.title.as_deref().map(one_line).unwrap_or_default();
            text.push_str(&format!("#EXTINF:{seconds},{title}\n"));
        }
        text.push_str(&location);
        text.push('\n');
        written.entries += 1;
        written.relative += u32::from(relative);
    }
    (text, written)
}

/// `text` on one line: control characters become spaces.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// A path as a playlist line, and whether it is relative.
fn path_line(path: &Path, base: &Path) -> (String, bool) {
    let relative = relative_to(base, path);
    let chosen = relative.as_deref().unwrap_or(path);
    match chosen.to_str() {
        Some(text)
            if !text.is_empty() && text.trim() == text && !text.chars().any(char::is_control) =>
        {
            // A relative "#1.mp3" would read as a comment.
            if relative.is_some() && text.starts_with('#') {
                (format!("./{text}"), true)
            } else {
                (text.to_owned(), relative.is_some())
            }
        }
        _ => (file_url(path), false),
    }
}

/// `target` relative to `base`, when both are absolute and share a folder other than the
/// root: a file on another disk is clearer, and survives moving the playlist, as an absolute
/// path.
fn relative_to(base: &Path, target: &Path) -> Option<PathBuf> {
    if !base.is_absolute() || !target.is_absolute() {
        return None;
    }
    let base: Vec<Component> = base.components().collect();
    let target: Vec<Component> = target.components().collect();
    let common = base.iter().zip(&target).take_while(|(a, b)| a == b).count();
    let only_root = base
        .iter()
        .take(common)
        .all(|c| matches!(c, Component::RootDir | Component::Prefix(_)));
    if only_root || common == target.len() {
        return None;
    }
    let mut relative = PathBuf::new();
    for _ in common..base.len() {
        relative.push("..");
    }
    for component in &target[common..] {
        relative.push(component);
    }
    Some(relative)
}

/// An absolute path as a `file://` URL, every byte outside the unreserved set encoded.
fn file_url(path: &Path) -> String {
    let bytes = segue_store::path_to_bytes(path);
    let mut url = String::from("file://");
    for &b in &bytes {
        if b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'_' | b'.' | b'~') {
            url.push(char::from(b));
        } else {
            url.push_str(&format!("%{b:02X}"));
        }
    }
    url
}

#[cfg(test)]
mod tests;
