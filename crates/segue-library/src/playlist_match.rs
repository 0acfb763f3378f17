//! Which library track a playlist file's entry names.
//!
//! In order: the path itself (or the file it leads to through symbolic links); else the end
//! of the path, compared folder by folder ignoring case and separators, so that a playlist
//! made on another machine or drive (`C:\Users\Bob\Music\Artist\Album\01.flac`) finds the
//! same files (`/home/ann/Music/Artist/Album/01.flac`); else the `#EXTINF` artist and title.
//! A match must be unique: when several tracks fit equally well none is chosen, and the
//! entry is reported [`UnmatchedReason::Ambiguous`].

use std::collections::HashMap;
use std::path::{Component, PathBuf};

use segue_core::{TrackId, UnmatchedReason};
use segue_store::TrackIdentity;

use crate::m3u::{M3uEntry, Target};

/// How an entry was matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchedBy {
    Path,
    PathSuffix,
    Tags,
}

/// Folders and file name compared at most, from the end of a path.
const SUFFIX_DEPTH: usize = 4;
/// A file name alone is too common to trust ("01 Intro.flac"): its folder must agree too.
const SUFFIX_MIN: usize = 2;
/// Tracks with the same artist and title but durations further apart are different
/// recordings (a live take, a remix).
const DURATION_TOLERANCE_MS: u64 = 3_000;

/// The library, indexed for matching playlist entries.
pub struct LibraryIndex {
    by_path: HashMap<PathBuf, TrackId>,
    by_suffix: HashMap<String, Vec<TrackId>>,
    by_tags: HashMap<(String, String), Vec<TrackId>>,
    duration_ms: HashMap<TrackId, u64>,
}

enum Found {
    One(TrackId),
    Several(usize),
    None,
}

/// Lower-case, with runs of spaces as one.
fn normal(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

fn suffix_key(components: &[String]) -> String {
    components
        .iter()
        .map(|c| c.to_lowercase())
        .collect::<Vec<_>>()
        .join("/")
}

fn components_of(path: &std::path::Path) -> Vec<String> {
    path.components()
        .filter_map(|c| match c {
            Component::Normal(name) => Some(name.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect()
}

impl LibraryIndex {
    pub fn new(tracks: &[TrackIdentity]) -> LibraryIndex {
        let mut index = LibraryIndex {
            by_path: HashMap::with_capacity(tracks.len()),
            by_suffix: HashMap::new(),
            by_tags: HashMap::new(),
            duration_ms: HashMap::with_capacity(tracks.len()),
        };
        for track in tracks {
            index.by_path.insert(track.path.clone(), track.id);
            index.duration_ms.insert(track.id, track.duration_ms);
            let components = components_of(&track.path);
            for depth in SUFFIX_MIN..=SUFFIX_DEPTH.min(components.len()) {
                let key = suffix_key(&components[components.len() - depth..]);
                index.by_suffix.entry(key).or_default().push(track.id);
            }
            let title = normal(&track.title);
            for artist in [&track.artist, &track.album_artist].into_iter().flatten() {
                let ids = index
                    .by_tags
                    .entry((normal(artist), title.clone()))
                    .or_default();
                if !ids.contains(&track.id) {
                    ids.push(track.id);
                }
            }
        }
        index
    }

    /// The track `entry` names, and how it was found; or why none was.
    pub fn find(&self, entry: &M3uEntry) -> Result<(TrackId, MatchedBy), UnmatchedReason> {
        let components = match &entry.target {
            Target::Url => return Err(UnmatchedReason::NotAFile),
            Target::Local(path) => {
                if let Some(&id) = self.by_path.get(path) {
                    return Ok((id, MatchedBy::Path));
                }
                if let Ok(real) = std::fs::canonicalize(path)
                    && let Some(&id) = self.by_path.get(&real)
                {
                    return Ok((id, MatchedBy::Path));
                }
                components_of(path)
            }
            Target::Foreign(components) => components.clone(),
        };
        let by_tags = self.by_tags(entry);
        let mut several = None;
        match self.by_suffix(&components, &by_tags) {
            Found::One(id) => return Ok((id, MatchedBy::PathSuffix)),
            Found::Several(n) => several = Some(n),
            Found::None => {}
        }
        match self.narrowed(&by_tags, entry) {
            Found::One(id) => return Ok((id, MatchedBy::Tags)),
            Found::Several(n) => several = several.or(Some(n)),
            Found::None => {}
        }
        if let Some(n) = several {
            return Err(UnmatchedReason::Ambiguous {
                candidates: u32::try_from(n).unwrap_or(u32::MAX),
            });
        }
        match &entry.target {
            Target::Local(path) if path.is_file() => Err(UnmatchedReason::OutsideLibrary),
            _ => Err(UnmatchedReason::NotInLibrary),
        }
    }

    /// The longest path suffix that some library file shares; several files sharing it are
    /// told apart by the entry's artist and title (`by_tags`).
    fn by_suffix(&self, components: &[String], by_tags: &[TrackId]) -> Found {
        for depth in (SUFFIX_MIN..=SUFFIX_DEPTH.min(components.len())).rev() {
            let key = suffix_key(&components[components.len() - depth..]);
            let Some(ids) = self.by_suffix.get(&key) else {
                continue;
            };
            if let [id] = ids.as_slice() {
                return Found::One(*id);
            }
            let fitting: Vec<TrackId> = ids
                .iter()
                .copied()
                .filter(|id| by_tags.contains(id))
                .collect();
            return match fitting.as_slice() {
                [id] => Found::One(*id),
                _ => Found::Several(ids.len()),
            };
        }
        Found::None
    }

    /// Tracks whose artist and title are the entry's `#EXTINF` "Artist - Title" (any
    /// " - " may be the split: titles have dashes too).
    fn by_tags(&self, entry: &M3uEntry) -> Vec<TrackId> {
        let Some(text) = entry.info.as_ref().and_then(|i| i.title.as_deref()) else {
            return Vec::new();
        };
        let mut ids: Vec<TrackId> = Vec::new();
        for (split, _) in text.match_indices(" - ") {
            let (artist, title) = (&text[..split], &text[split + 3..]);
            if let Some(found) = self.by_tags.get(&(normal(artist), normal(title))) {
                for id in found {
                    if !ids.contains(id) {
                        ids.push(*id);
                    }
                }
            }
        }
        ids
    }

    /// One of `ids`, when it is the only one, or the only one as long as the entry says.
    fn narrowed(&self, ids: &[TrackId], entry: &M3uEntry) -> Found {
        match ids {
            [] => return Found::None,
            [id] => return Found::One(*id),
            _ => {}
        }
        let Some(duration) = entry.info.as_ref().and_then(|i| i.duration_ms) else {
            return Found::Several(ids.len());
        };
        let close: Vec<TrackId> = ids
            .iter()
            .copied()
            .filter(|id| {
                self.duration_ms
                    .get(id)
                    .is_some_and(|d| d.abs_diff(duration) <= DURATION_TOLERANCE_MS)
            })
            .collect();
        match close.as_slice() {
            [id] => Found::One(*id),
            _ => Found::Several(ids.len()),
        }
    }
}
