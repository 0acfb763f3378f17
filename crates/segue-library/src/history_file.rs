//! Listening-history files of other services: reading ListenBrainz and Last.fm exports,
//! writing Segue's history as ListenBrainz JSON and as CSV.
//!
//! Reading ([`read_history`], [`parse_history`]):
//! - ListenBrainz: the JSON array its site exported, the JSON lines of its newer export (one
//!   listen per line), or an API page (`{"payload": {"listens": [...]}}`). A listen is
//!   `listened_at` (Unix seconds) and `track_metadata` with `artist_name`, `track_name`,
//!   `release_name` and `additional_info` (`duration_ms` or `duration`, `recording_msid`,
//!   `recording_mbid`).
//! - Last.fm JSON: `user.getRecentTracks` pages (`{"recenttracks": {"track": [...]}}`), one or
//!   an array of them, as exporters save them; the "now playing" entry is not a scrobble.
//! - Last.fm CSV: lastfm-to-csv's `artist,album,track,date` without a header
//!   (`05 Dec 2020 18:04`, UTC), or any CSV whose header names its columns (`uts`, `artist`,
//!   `album`, `track`, ...). RFC 4180 quoting; CRLF or LF; a line that is not UTF-8 is read
//!   as Windows-1252 (what a spreadsheet saves) and counted.
//! - A byte order mark is skipped. Each record that cannot be read is a [`BadRecord`] with its
//!   line and reason, and the rest are read: a file cut off keeps every record before the cut;
//!   a damaged record in a JSON array is skipped to the next record that reads.
//!
//! Writing ([`write_history`]): every listen given, oldest first, to a temporary file renamed
//! over the target, so an existing file is never left half-written.

use std::io::Write;
use std::path::{Path, PathBuf};

use segue_core::{BadListen, BadRecord, HistoryExportFormat, HistoryFormat};
use serde_json::Value;

/// Larger than any real export (a million ListenBrainz listens is about 600 MB pretty-printed
/// with their mappings; Last.fm's lists are smaller): a bigger file is not a history export.
const MAX_HISTORY_BYTES: u64 = 1 << 30;
/// Seconds since 1970 of 2000-01-01: earlier times come from clocks that were never set.
const EARLIEST_LISTEN_S: i64 = 946_684_800;
/// A listen may lie this far in the future (clocks a little ahead), no further.
const FUTURE_SLACK_S: i64 = 86_400;
/// How many starts of records a damaged JSON array is searched for before giving up, so a
/// file of nothing but braces cannot take quadratic time.
const RESYNC_BUDGET: usize = 4_096;

/// A listen as a history file states it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListenRecord {
    /// 1-based line where the record starts.
    pub line: u32,
    pub artist: String,
    pub title: String,
    pub album: Option<String>,
    /// Unix seconds.
    pub listened_at_s: i64,
    /// The track's length, where the file says it.
    pub duration_ms: Option<u64>,
    pub recording_mbid: Option<String>,
    pub recording_msid: Option<String>,
}

/// What a history file holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryFile {
    pub format: HistoryFormat,
    pub listens: Vec<ListenRecord>,
    pub bad: Vec<BadRecord>,
    /// CSV lines read as Windows-1252 because they were not UTF-8.
    pub read_as_windows_1252: u32,
}

impl HistoryFile {
    /// Records in the file, read or not.
    pub fn records(&self) -> usize {
        self.listens.len() + self.bad.len()
    }
}

/// Why a history file cannot be read or written at all. Nothing was imported or overwritten.
#[derive(Debug, thiserror::Error)]
pub enum HistoryFileError {
    #[error("{}: no such file", path.display())]
    NotFound { path: PathBuf },
    #[error("{} is not a regular file", path.display())]
    NotAFile { path: PathBuf },
    #[error("{} is {size} bytes, too large for a listening history export", path.display())]
    TooLarge { path: PathBuf, size: u64 },
    #[error(
        "{} is not a listening history Segue reads: ListenBrainz JSON, Last.fm JSON \
         (recent tracks) or Last.fm CSV",
        path.display()
    )]
    Unrecognised { path: PathBuf },
    #[error("{} holds no listens ({records} records could not be read)", path.display())]
    NoListens { path: PathBuf, records: usize },
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

/// Reads the history file at `path`, in `format` or the format its content shows.
///
/// A file that holds records but none readable is [`HistoryFileError::NoListens`]; a file with
/// some bad records is read, and they are listed.
pub fn read_history(
    path: &Path,
    format: Option<HistoryFormat>,
    now_s: i64,
) -> Result<HistoryFile, HistoryFileError> {
    let metadata = std::fs::metadata(path).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => HistoryFileError::NotFound {
            path: path.to_path_buf(),
        },
        _ => HistoryFileError::Read {
            path: path.to_path_buf(),
            source,
        },
    })?;
    // Refused from its metadata: opening a FIFO would block.
    if !metadata.is_file() {
        return Err(HistoryFileError::NotAFile {
            path: path.to_path_buf(),
        });
    }
    if metadata.len() > MAX_HISTORY_BYTES {
        return Err(HistoryFileError::TooLarge {
            path: path.to_path_buf(),
            size: metadata.len(),
        });
    }
    let bytes = std::fs::read(path).map_err(|source| HistoryFileError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let file =
        parse_history(&bytes, format, now_s).ok_or_else(|| HistoryFileError::Unrecognised {
            path: path.to_path_buf(),
        })?;
    if file.listens.is_empty() {
        return Err(HistoryFileError::NoListens {
            path: path.to_path_buf(),
            records: file.bad.len(),
        });
    }
    Ok(file)
}

/// The format `bytes` are in, from their start; `None` when they are none Segue reads.
pub fn sniff_format(bytes: &[u8]) -> Option<HistoryFormat> {
    let text = skip_whitespace_and_bom(bytes);
    let head = &text[..text.len().min(64 << 10)];
    let has = |needle: &[u8]| head.windows(needle.len()).any(|w| w == needle);
    match text.first() {
        Some(b'[' | b'{') => {
            if has(b"\"recenttracks\"") || (has(b"\"#text\"") && !has(b"\"track_metadata\"")) {
                Some(HistoryFormat::LastfmJson)
            } else if has(b"\"track_metadata\"") || has(b"\"listened_at\"") {
                Some(HistoryFormat::ListenBrainz)
            } else {
                None
            }
        }
        Some(_) => {
            // CSV: the first line has at least three fields.
            let line = head.split(|&b| b == b'\n').next().unwrap_or_default();
            (line.iter().filter(|&&b| b == b',').count() >= 2).then_some(HistoryFormat::LastfmCsv)
        }
        None => None,
    }
}

/// Reads `bytes` as a history file in `format` (sniffed when `None`); `None` when the format
/// cannot be told. Listens outside 2000..`now_s` (plus a day) are bad records.
pub fn parse_history(
    bytes: &[u8],
    format: Option<HistoryFormat>,
    now_s: i64,
) -> Option<HistoryFile> {
    let format = format.or_else(|| sniff_format(bytes))?;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut file = HistoryFile {
        format,
        listens: Vec::new(),
        bad: Vec::new(),
        read_as_windows_1252: 0,
    };
    let limits = Limits { now_s };
    match format {
        HistoryFormat::LastfmCsv => read_csv(bytes, &limits, &mut file),
        HistoryFormat::ListenBrainz | HistoryFormat::LastfmJson => {
            read_json(bytes, &limits, &mut file)
        }
    }
    Some(file)
}

struct Limits {
    now_s: i64,
}

impl Limits {
    fn check(&self, seconds: i64, value: &str) -> Result<i64, BadListen> {
        if (EARLIEST_LISTEN_S..=self.now_s + FUTURE_SLACK_S).contains(&seconds) {
            Ok(seconds)
        } else {
            Err(BadListen::BadTimestamp {
                value: value.to_owned(),
            })
        }
    }
}

fn skip_whitespace_and_bom(bytes: &[u8]) -> &[u8] {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    &bytes[start..]
}

/// 1-based line numbers of byte offsets.
struct Lines(Vec<usize>);

impl Lines {
    fn new(bytes: &[u8]) -> Lines {
        Lines(
            bytes
                .iter()
                .enumerate()
                .filter(|&(_, &b)| b == b'\n')
                .map(|(i, _)| i)
                .collect(),
        )
    }

    fn line_of(&self, offset: usize) -> u32 {
        u32::try_from(self.0.partition_point(|&nl| nl < offset) + 1).unwrap_or(u32::MAX)
    }
}

// ---------------------------------------------------------------------------------------------
// JSON

fn read_json(bytes: &[u8], limits: &Limits, file: &mut HistoryFile) {
    // JSON is UTF-8. A file with other bytes in it is read with them replaced, and each record
    // that held them is refused as not UTF-8 rather than imported with a mangled name.
    let decoded;
    let bytes = match std::str::from_utf8(bytes) {
        Ok(_) => bytes,
        Err(_) => {
            decoded = String::from_utf8_lossy(bytes).into_owned();
            decoded.as_bytes()
        }
    };
    let lines = Lines::new(bytes);
    let mut reader = JsonReader {
        bytes,
        lines: &lines,
        limits,
        file,
        budget: RESYNC_BUDGET,
    };
    let start = bytes.len() - skip_whitespace_and_bom(bytes).len();
    match bytes.get(start) {
        Some(b'[') => reader.array(start),
        Some(b'{') => reader.object_document(start),
        _ => {}
    }
}

struct JsonReader<'a> {
    bytes: &'a [u8],
    lines: &'a Lines,
    limits: &'a Limits,
    file: &'a mut HistoryFile,
    budget: usize,
}

/// How reading one JSON value ended.
enum Parsed {
    Value(Value, usize),
    /// The input ends inside the value.
    Cut,
    Invalid(String),
}

fn parse_value_at(bytes: &[u8], at: usize) -> Parsed {
    let mut stream = serde_json::Deserializer::from_slice(&bytes[at..]).into_iter::<Value>();
    match stream.next() {
        Some(Ok(value)) => Parsed::Value(value, at + stream.byte_offset()),
        Some(Err(e)) if e.is_eof() => Parsed::Cut,
        Some(Err(e)) => Parsed::Invalid(e.to_string()),
        None => Parsed::Cut,
    }
}

fn skip_ws(bytes: &[u8], mut at: usize) -> usize {
    while bytes.get(at).is_some_and(u8::is_ascii_whitespace) {
        at += 1;
    }
    at
}

impl JsonReader<'_> {
    fn bad(&mut self, at: usize, problem: BadListen) {
        let line = self.lines.line_of(at);
        self.file.bad.push(BadRecord { line, problem });
    }

    /// A document that is one object: an API page, a Last.fm page, or the first of many
    /// listens on lines of their own (JSON lines).
    fn object_document(&mut self, start: usize) {
        match parse_value_at(self.bytes, start) {
            Parsed::Value(value, end) => {
                let rest = skip_ws(self.bytes, end);
                if rest < self.bytes.len() {
                    self.json_lines(start);
                } else {
                    self.page_or_value(start, end, value);
                }
            }
            // A page cut off or damaged: its records up to the damage are read.
            Parsed::Cut | Parsed::Invalid(_) => {
                if !self.salvage_records_array(start, self.bytes.len()) {
                    self.json_lines(start);
                }
            }
        }
    }

    /// One listen per line.
    fn json_lines(&mut self, start: usize) {
        let mut at = start;
        while at < self.bytes.len() {
            let end = self.bytes[at..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(self.bytes.len(), |n| at + n);
            let line = &self.bytes[at..end];
            if !line.iter().all(u8::is_ascii_whitespace) {
                match serde_json::from_slice::<Value>(line) {
                    Ok(value) => self.value(at, value),
                    Err(e) if e.is_eof() => self.bad(at, BadListen::Cut),
                    Err(e) => self.bad(
                        at,
                        BadListen::NotJson {
                            detail: e.to_string(),
                        },
                    ),
                }
            }
            at = end + 1;
        }
    }

    /// The elements of the array that opens at `open`. A damaged element is reported and
    /// reading goes on at the next record that reads; a cut one ends the array.
    fn array(&mut self, open: usize) {
        let mut at = open + 1;
        loop {
            at = skip_ws(self.bytes, at);
            match self.bytes.get(at) {
                // The file ends before the array closes: cut between two records.
                None => {
                    self.bad(self.bytes.len().saturating_sub(1), BadListen::Cut);
                    return;
                }
                Some(b']') => return,
                Some(b',') => {
                    at += 1;
                    continue;
                }
                Some(_) => {}
            }
            match parse_value_at(self.bytes, at) {
                Parsed::Value(value, end) => {
                    self.page_or_value(at, end, value);
                    at = end;
                }
                Parsed::Cut => {
                    // A cut page of Last.fm tracks still holds whole tracks.
                    if !self.salvage_records_array(at, self.bytes.len()) {
                        self.bad(at, BadListen::Cut);
                    }
                    return;
                }
                Parsed::Invalid(detail) => {
                    self.bad(at, BadListen::NotJson { detail });
                    match self.next_record_start(at + 1) {
                        Some(next) => at = next,
                        None => return,
                    }
                }
            }
        }
    }

    /// Where the next object that reads as a record starts, after damage at `from`.
    fn next_record_start(&mut self, from: usize) -> Option<usize> {
        let mut at = from;
        while self.budget > 0 {
            at += self.bytes.get(at..)?.iter().position(|&b| b == b'{')?;
            self.budget -= 1;
            if let Parsed::Value(value, end) = parse_value_at(self.bytes, at) {
                if is_record(&value) {
                    return Some(at);
                }
                // A whole object that is not a record (part of the damaged one): past it.
                at = end;
            } else {
                at += 1;
            }
        }
        None
    }

    /// In a cut or damaged object from `start`, the array of records (`"listens"` or
    /// `"track"`) read up to the damage. False when there is none.
    fn salvage_records_array(&mut self, start: usize, end: usize) -> bool {
        let region = &self.bytes[start..end];
        for key in [&b"\"listens\""[..], b"\"track\""] {
            let Some(found) = region.windows(key.len()).position(|w| w == key) else {
                continue;
            };
            let mut at = skip_ws(self.bytes, start + found + key.len());
            if self.bytes.get(at) != Some(&b':') {
                continue;
            }
            at = skip_ws(self.bytes, at + 1);
            if self.bytes.get(at) == Some(&b'[') {
                self.array(at);
                return true;
            }
        }
        false
    }

    /// A value read whole from `at` to `end`. A page's records are read again one by one from
    /// the text, so each bad one is named by its own line, not the page's.
    fn page_or_value(&mut self, at: usize, end: usize, value: Value) {
        let is_page = value.get("recenttracks").is_some() || value.get("payload").is_some();
        if !(is_page && self.salvage_records_array(at, end)) {
            self.value(at, value);
        }
    }

    /// A value of the document: a listen, a Last.fm track, a page or an array of them.
    fn value(&mut self, at: usize, value: Value) {
        match value {
            Value::Array(items) => {
                for item in items {
                    self.value(at, item);
                }
            }
            Value::Object(ref object) => {
                if let Some(page) = object.get("recenttracks") {
                    let tracks = page.get("track").cloned().unwrap_or(Value::Null);
                    match tracks {
                        // A page of one track holds it bare, not in an array.
                        Value::Object(_) => self.value(at, tracks),
                        Value::Array(_) => self.value(at, tracks),
                        _ => {}
                    }
                } else if let Some(payload) = object.get("payload") {
                    let listens = payload
                        .get("listens")
                        .cloned()
                        .unwrap_or_else(|| payload.clone());
                    if listens.is_array() {
                        self.value(at, listens);
                    } else {
                        self.bad(at, BadListen::NotAListen);
                    }
                } else {
                    let record = if object.contains_key("track_metadata") {
                        listenbrainz_listen(object, self.limits)
                    } else if is_record(&value) {
                        lastfm_track(object, self.limits)
                    } else {
                        Err(BadListen::NotAListen)
                    };
                    self.record(at, record);
                }
            }
            _ => self.bad(at, BadListen::NotAListen),
        }
    }

    fn record(&mut self, at: usize, record: Result<Listen, BadListen>) {
        let line = self.lines.line_of(at);
        match record {
            Ok(listen) => {
                let has_replacement = |s: &str| s.contains('\u{FFFD}');
                if has_replacement(&listen.artist)
                    || has_replacement(&listen.title)
                    || listen.album.as_deref().is_some_and(has_replacement)
                {
                    self.bad(at, BadListen::NotUtf8);
                } else {
                    self.file.listens.push(listen.at_line(line));
                }
            }
            Err(problem) => self.bad(at, problem),
        }
    }
}

/// A record read, before its line is known.
struct Listen {
    artist: String,
    title: String,
    album: Option<String>,
    listened_at_s: i64,
    duration_ms: Option<u64>,
    recording_mbid: Option<String>,
    recording_msid: Option<String>,
}

impl Listen {
    fn at_line(self, line: u32) -> ListenRecord {
        ListenRecord {
            line,
            artist: self.artist,
            title: self.title,
            album: self.album,
            listened_at_s: self.listened_at_s,
            duration_ms: self.duration_ms,
            recording_mbid: self.recording_mbid,
            recording_msid: self.recording_msid,
        }
    }
}

/// Whether an object is a listen or a Last.fm track (what a damaged array resumes at).
fn is_record(value: &Value) -> bool {
    value.get("track_metadata").is_some()
        || (value.get("artist").is_some()
            && (value.get("name").is_some() || value.get("track").is_some()))
}

/// Text of a field that may be a string, a number, or Last.fm's `{"#text": ...}` /
/// `{"name": ...}`; empty text is none.
fn text(value: Option<&Value>) -> Option<String> {
    let s = match value? {
        Value::String(s) => s.trim().to_owned(),
        Value::Number(n) => n.to_string(),
        Value::Object(o) => return text(o.get("#text").or_else(|| o.get("name"))),
        _ => return None,
    };
    (!s.is_empty()).then_some(s)
}

fn listenbrainz_listen(
    listen: &serde_json::Map<String, Value>,
    limits: &Limits,
) -> Result<Listen, BadListen> {
    let metadata = listen
        .get("track_metadata")
        .and_then(Value::as_object)
        .ok_or(BadListen::NotAListen)?;
    let listened_at_s = match listen.get("listened_at") {
        None | Some(Value::Null) => return Err(BadListen::NoTimestamp),
        Some(Value::Number(n)) => {
            let seconds = n.as_i64().ok_or_else(|| BadListen::BadTimestamp {
                value: n.to_string(),
            })?;
            limits.check(seconds, &n.to_string())?
        }
        Some(Value::String(s)) => limits.check(
            parse_time(s).ok_or_else(|| BadListen::BadTimestamp { value: s.clone() })?,
            s,
        )?,
        Some(other) => {
            return Err(BadListen::BadTimestamp {
                value: other.to_string(),
            });
        }
    };
    let artist = text(metadata.get("artist_name")).ok_or(BadListen::NoArtist)?;
    let title = text(metadata.get("track_name")).ok_or(BadListen::NoTitle)?;
    let info = metadata.get("additional_info");
    let field = |name: &str| info.and_then(|i| i.get(name));
    let duration_ms = field("duration_ms")
        .and_then(Value::as_u64)
        .or_else(|| field("duration").and_then(Value::as_u64).map(|s| s * 1000))
        .filter(|&ms| ms > 0);
    let mapping = metadata.get("mbid_mapping");
    Ok(Listen {
        artist,
        title,
        album: text(metadata.get("release_name")),
        listened_at_s,
        duration_ms,
        recording_mbid: text(field("recording_mbid"))
            .or_else(|| text(mapping.and_then(|m| m.get("recording_mbid")))),
        recording_msid: text(field("recording_msid"))
            .or_else(|| text(listen.get("recording_msid"))),
    })
}

fn lastfm_track(
    track: &serde_json::Map<String, Value>,
    limits: &Limits,
) -> Result<Listen, BadListen> {
    let now_playing = track
        .get("@attr")
        .and_then(|a| a.get("nowplaying"))
        .is_some_and(|v| v == "true" || v == true);
    if now_playing {
        return Err(BadListen::NowPlaying);
    }
    let date = track.get("date").ok_or(BadListen::NoTimestamp)?;
    let listened_at_s = match date {
        // {"uts": "1607191440", "#text": "05 Dec 2020, 18:04"}
        Value::Object(o) => {
            let uts = text(o.get("uts"));
            let shown = text(o.get("#text"));
            match (uts, shown) {
                (Some(uts), _) => limits.check(
                    parse_time(&uts)
                        .ok_or_else(|| BadListen::BadTimestamp { value: uts.clone() })?,
                    &uts,
                )?,
                (None, Some(shown)) => limits.check(
                    parse_time(&shown).ok_or_else(|| BadListen::BadTimestamp {
                        value: shown.clone(),
                    })?,
                    &shown,
                )?,
                (None, None) => return Err(BadListen::NoTimestamp),
            }
        }
        other => {
            let value = text(Some(other)).ok_or(BadListen::NoTimestamp)?;
            limits.check(
                parse_time(&value).ok_or_else(|| BadListen::BadTimestamp {
                    value: value.clone(),
                })?,
                &value,
            )?
        }
    };
    let artist = text(track.get("artist")).ok_or(BadListen::NoArtist)?;
    let title = text(track.get("name").or_else(|| track.get("track"))).ok_or(BadListen::NoTitle)?;
    Ok(Listen {
        artist,
        title,
        album: text(track.get("album")),
        listened_at_s,
        duration_ms: None,
        recording_mbid: text(track.get("mbid")),
        recording_msid: None,
    })
}

// ---------------------------------------------------------------------------------------------
// CSV

/// Which column holds what.
struct Columns {
    artist: usize,
    title: usize,
    album: Option<usize>,
    time: usize,
    needed: usize,
}

impl Columns {
    /// lastfm-to-csv: `artist,album,track,date`, no header.
    const LASTFM_TO_CSV: Columns = Columns {
        artist: 0,
        album: Some(1),
        title: 2,
        time: 3,
        needed: 4,
    };

    /// The columns a header row names; `None` when the row is not a header.
    fn from_header(fields: &[String]) -> Option<Columns> {
        let find = |names: &[&str]| {
            names.iter().find_map(|name| {
                fields
                    .iter()
                    .position(|f| f.trim().trim_matches('"').eq_ignore_ascii_case(name))
            })
        };
        let artist = find(&["artist", "artist_name", "artist name", "artistname"])?;
        let title = find(&["track", "track_name", "track name", "title", "name", "song"])?;
        let time = find(&[
            "uts",
            "timestamp",
            "listened_at",
            "utc_time",
            "date",
            "time",
            "played_at",
            "scrobble time",
        ])?;
        let album = find(&[
            "album",
            "album_name",
            "album name",
            "release_name",
            "release",
        ]);
        let needed = [Some(artist), Some(title), Some(time), album]
            .into_iter()
            .flatten()
            .max()
            .unwrap_or(0)
            + 1;
        Some(Columns {
            artist,
            title,
            album,
            time,
            needed,
        })
    }
}

fn read_csv(bytes: &[u8], limits: &Limits, file: &mut HistoryFile) {
    let mut columns: Option<Columns> = None;
    let mut first = true;
    for (line, raw) in csv_records(bytes) {
        let text = match std::str::from_utf8(raw) {
            Ok(text) => std::borrow::Cow::Borrowed(text),
            Err(_) => {
                file.read_as_windows_1252 += 1;
                std::borrow::Cow::Owned(raw.iter().map(|&b| crate::m3u::windows_1252(b)).collect())
            }
        };
        if text.trim().is_empty() {
            continue;
        }
        let fields = csv_fields(&text);
        if first {
            first = false;
            if let Some(header) = Columns::from_header(&fields) {
                columns = Some(header);
                continue;
            }
        }
        let columns = columns.as_ref().unwrap_or(&Columns::LASTFM_TO_CSV);
        match csv_listen(&fields, columns, limits) {
            Ok(listen) => file.listens.push(listen.at_line(line)),
            Err(problem) => file.bad.push(BadRecord { line, problem }),
        }
    }
}

fn csv_listen(fields: &[String], columns: &Columns, limits: &Limits) -> Result<Listen, BadListen> {
    if fields.len() < columns.needed {
        return Err(BadListen::MissingColumns {
            found: u32::try_from(fields.len()).unwrap_or(u32::MAX),
            needed: u32::try_from(columns.needed).unwrap_or(u32::MAX),
        });
    }
    let field = |i: usize| {
        let f = fields[i].trim();
        (!f.is_empty()).then(|| f.to_owned())
    };
    let time = field(columns.time).ok_or(BadListen::NoTimestamp)?;
    let listened_at_s = limits.check(
        parse_time(&time).ok_or_else(|| BadListen::BadTimestamp {
            value: time.clone(),
        })?,
        &time,
    )?;
    Ok(Listen {
        artist: field(columns.artist).ok_or(BadListen::NoArtist)?,
        title: field(columns.title).ok_or(BadListen::NoTitle)?,
        album: columns.album.and_then(field),
        listened_at_s,
        duration_ms: None,
        recording_mbid: None,
        recording_msid: None,
    })
}

/// The records of a CSV file with the line each starts on: lines, except that a quoted field
/// may hold line breaks. Quotes are ASCII, so this works on bytes in any ASCII-based encoding.
fn csv_records(bytes: &[u8]) -> impl Iterator<Item = (u32, &[u8])> {
    let mut at = 0;
    let mut line: u32 = 1;
    std::iter::from_fn(move || {
        if at >= bytes.len() {
            return None;
        }
        let start = at;
        let start_line = line;
        let mut quoted = false;
        while at < bytes.len() {
            match bytes[at] {
                b'"' => quoted = !quoted,
                b'\n' => {
                    line = line.saturating_add(1);
                    if !quoted {
                        break;
                    }
                }
                _ => {}
            }
            at += 1;
        }
        let mut end = at;
        at += 1;
        if end > start && bytes[end - 1] == b'\r' {
            end -= 1;
        }
        Some((start_line, &bytes[start..end]))
    })
}

/// RFC 4180 fields of one record: `"` quotes a field, `""` inside one is a quote.
fn csv_fields(record: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = record.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            ('"', true) => quoted = false,
            ('"', false) if field.trim().is_empty() => {
                field.clear();
                quoted = true;
            }
            (',', false) => fields.push(std::mem::take(&mut field)),
            (c, _) => field.push(c),
        }
    }
    fields.push(field);
    fields
}

// ---------------------------------------------------------------------------------------------
// Times

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// Unix seconds of a time as exports write it, read as UTC where it names no zone: Unix
/// seconds (or milliseconds), `05 Dec 2020 18:04` and `05 Dec 2020, 18:04` (Last.fm),
/// `2020-12-05 18:04:05` and RFC 3339 / ISO 8601 (`2020-12-05T18:04:05.123+01:00`).
pub fn parse_time(text: &str) -> Option<i64> {
    let text = text.trim();
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        let n: i64 = text.parse().ok()?;
        // Milliseconds from 2001-09 on are more than 1e12; seconds stay below until 33658.
        return Some(if n >= 1_000_000_000_000 { n / 1000 } else { n });
    }
    let cleaned: String = text.replace(',', " ");
    let parts: Vec<&str> = cleaned.split_whitespace().collect();
    // dd Mon yyyy HH:MM[:SS]
    if parts.len() == 4
        && let Some(month) = MONTHS
            .iter()
            .position(|m| parts[1].get(..3).is_some_and(|p| p.eq_ignore_ascii_case(m)))
    {
        let day: u32 = parts[0].parse().ok()?;
        let year: i64 = parts[2].parse().ok()?;
        let (h, m, s) = clock(parts[3])?;
        return civil_seconds(year, month as u32 + 1, day, h, m, s);
    }
    // yyyy-mm-dd[T ]HH:MM[:SS][.fff][Z|±hh:mm]
    let (date, rest) = if parts.len() == 2 {
        (parts[0], parts[1])
    } else if parts.len() == 1 {
        let (d, r) = parts[0].split_once(['T', 't'])?;
        (d, r)
    } else {
        return None;
    };
    let mut ymd = date.splitn(3, '-');
    let year: i64 = ymd.next()?.parse().ok()?;
    let month: u32 = ymd.next()?.parse().ok()?;
    let day: u32 = ymd.next()?.parse().ok()?;
    let (clock_text, offset_s) = split_zone(rest)?;
    let (h, m, s) = clock(clock_text)?;
    Some(civil_seconds(year, month, day, h, m, s)? - offset_s)
}

/// `HH:MM[:SS[.fff]]` and a zone after it (`Z`, `+01:00`, `-0500`, none).
fn split_zone(text: &str) -> Option<(&str, i64)> {
    if let Some(clock) = text.strip_suffix(['Z', 'z']) {
        return Some((clock, 0));
    }
    if let Some(at) = text.rfind(['+', '-']) {
        let (clock, zone) = text.split_at(at);
        let sign = if zone.starts_with('-') { -1 } else { 1 };
        let digits: String = zone[1..].chars().filter(char::is_ascii_digit).collect();
        if digits.len() != 4 {
            return None;
        }
        let hours: i64 = digits[..2].parse().ok()?;
        let minutes: i64 = digits[2..].parse().ok()?;
        return Some((clock, sign * (hours * 3600 + minutes * 60)));
    }
    Some((text, 0))
}

fn clock(text: &str) -> Option<(u32, u32, u32)> {
    let text = text.split('.').next()?;
    let mut parts = text.split(':');
    let h: u32 = parts.next()?.parse().ok()?;
    let m: u32 = parts.next()?.parse().ok()?;
    let s: u32 = match parts.next() {
        Some(s) => s.parse().ok()?,
        None => 0,
    };
    if parts.next().is_some() || h > 23 || m > 59 || s > 60 {
        return None;
    }
    Some((h, m, s))
}

/// Unix seconds of a UTC civil time; `None` for a date that does not exist.
fn civil_seconds(year: i64, month: u32, day: u32, h: u32, m: u32, s: u32) -> Option<i64> {
    if !(1..=12).contains(&month) || day == 0 || !(1..=9999).contains(&year) {
        return None;
    }
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days_in_month = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if day > days_in_month[month as usize - 1] {
        return None;
    }
    // Howard Hinnant's days_from_civil.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (i64::from(month) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + i64::from(h) * 3600 + i64::from(m) * 60 + i64::from(s))
}

/// The UTC civil time of Unix seconds: (year, month, day, hour, minute, second).
fn civil_from_seconds(seconds: i64) -> (i64, u32, u32, u32, u32, u32) {
    let days = seconds.div_euclid(86_400);
    let of_day = seconds.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (
        year,
        month,
        day,
        (of_day / 3600) as u32,
        (of_day % 3600 / 60) as u32,
        (of_day % 60) as u32,
    )
}

// ---------------------------------------------------------------------------------------------
// Writing

/// A listen to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportListen {
    /// Unix seconds.
    pub listened_at_s: i64,
    pub artist: String,
    pub title: String,
    pub album: Option<String>,
    pub duration_ms: u64,
}

/// Writes `listens` as `format` to `out`.
pub fn write_listens(
    out: &mut dyn Write,
    listens: &[ExportListen],
    format: HistoryExportFormat,
) -> std::io::Result<()> {
    match format {
        HistoryExportFormat::ListenBrainz => {
            out.write_all(b"[")?;
            for (i, listen) in listens.iter().enumerate() {
                out.write_all(if i == 0 { b"\n" } else { b",\n" })?;
                let mut metadata = serde_json::json!({
                    "artist_name": listen.artist,
                    "track_name": listen.title,
                    "additional_info": {
                        "duration_ms": listen.duration_ms,
                        "media_player": "Segue",
                        "submission_client": "Segue",
                    },
                });
                if let Some(album) = &listen.album {
                    metadata["release_name"] = Value::from(album.as_str());
                }
                let record = serde_json::json!({
                    "listened_at": listen.listened_at_s,
                    "track_metadata": metadata,
                });
                serde_json::to_writer(&mut *out, &record)?;
            }
            out.write_all(b"\n]\n")
        }
        HistoryExportFormat::Csv => {
            out.write_all(b"uts,utc_time,artist,artist_mbid,album,album_mbid,track,track_mbid\n")?;
            for listen in listens {
                let (year, month, day, h, m, _) = civil_from_seconds(listen.listened_at_s);
                let month = MONTHS[(month as usize).saturating_sub(1).min(11)];
                let month = format!("{}{}", month[..1].to_uppercase(), &month[1..]);
                writeln!(
                    out,
                    "{},\"{day:02} {month} {year}, {h:02}:{m:02}\",{},,{},,{},",
                    listen.listened_at_s,
                    csv_quote(&listen.artist),
                    csv_quote(listen.album.as_deref().unwrap_or("")),
                    csv_quote(&listen.title),
                )?;
            }
            Ok(())
        }
    }
}

fn csv_quote(field: &str) -> String {
    if field.contains([',', '"', '\n', '\r']) || field.trim() != field {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_owned()
    }
}

/// Writes `listens` as `format` to `file` (refusing an existing file unless `overwrite`),
/// through a temporary file renamed over it.
pub fn write_history(
    file: &Path,
    listens: &[ExportListen],
    format: HistoryExportFormat,
    overwrite: bool,
) -> Result<(), HistoryFileError> {
    let write_error = |source| HistoryFileError::Write {
        path: file.to_path_buf(),
        source,
    };
    match std::fs::metadata(file) {
        Ok(m) if !m.is_file() => {
            return Err(HistoryFileError::NotAFile {
                path: file.to_path_buf(),
            });
        }
        Ok(_) if !overwrite => {
            return Err(HistoryFileError::Exists {
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
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = folder.join(format!(".{name}.{}.segue-tmp", std::process::id()));
    let result = (|| {
        let mut out = std::io::BufWriter::new(std::fs::File::create(&temporary)?);
        write_listens(&mut out, listens, format)?;
        let out = out.into_inner().map_err(|e| e.into_error())?;
        out.sync_all()?;
        std::fs::rename(&temporary, file)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&temporary);
        return Err(write_error(e));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
