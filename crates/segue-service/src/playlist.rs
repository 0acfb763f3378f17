//! Playlists for the app and the command line, and M3U import and export.
//!
//! Every change is one transaction in the store (see `segue_store::playlist`): two windows,
//! or the CLI while the app runs, take turns; an edit that names an entry another writer
//! removed is refused with `not_found` and changes nothing. An import matches each line to a
//! library track (`segue_library::playlist_match`) and keeps the lines that match nothing as
//! unresolved entries, so nothing in the file is lost.

use std::path::Path;

use segue_core::{
    EntryId, EntrySource, ExportReport, ImportReport, Playlist, PlaylistEntry, PlaylistId, TrackId,
    UnmatchedLine,
};
use segue_library::m3u::{self, Target};
use segue_library::playlist_match::{LibraryIndex, MatchedBy};
use segue_store::{NewEntry, Store};

use crate::{Result, Service};

/// The name an import takes when none is given: the file's name without its extension.
fn name_from_file(file: &Path) -> String {
    file.file_stem()
        .map(|s| s.to_string_lossy().trim().to_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "Imported playlist".to_owned())
}

impl Service {
    /// Every playlist with its entry count and playing time, by name.
    pub fn playlists(&self) -> Result<Vec<Playlist>> {
        self.with_store(Store::playlists)
    }

    pub fn playlist(&self, playlist: PlaylistId) -> Result<Playlist> {
        self.with_store(|s| s.playlist(playlist))
    }

    /// The playlist called `name`, whatever its case.
    pub fn playlist_named(&self, name: &str) -> Result<Playlist> {
        self.with_store(|s| s.playlist(s.playlist_named(name)?))
    }

    /// A playlist's entries in order, each with its track; missing and unresolved entries
    /// are included and say so.
    pub fn playlist_entries(&self, playlist: PlaylistId) -> Result<Vec<PlaylistEntry>> {
        self.with_store(|s| s.playlist_entries(playlist))
    }

    /// Creates a playlist holding `tracks` (none for an empty one).
    pub fn create_playlist(&self, name: &str, tracks: &[TrackId]) -> Result<Playlist> {
        let entries: Vec<NewEntry> = tracks.iter().map(|&t| NewEntry::Track(t)).collect();
        self.with_store(|s| s.playlist(s.create_playlist(name, &entries)?))
    }

    pub fn rename_playlist(&self, playlist: PlaylistId, name: &str) -> Result<Playlist> {
        self.with_store(|s| {
            s.rename_playlist(playlist, name)?;
            s.playlist(playlist)
        })
    }

    /// A copy of a playlist under a new name.
    pub fn duplicate_playlist(&self, playlist: PlaylistId, name: &str) -> Result<Playlist> {
        self.with_store(|s| s.playlist(s.duplicate_playlist(playlist, name)?))
    }

    /// Deletes a playlist; its tracks stay in the library.
    pub fn delete_playlist(&self, playlist: PlaylistId) -> Result<()> {
        self.with_store(|s| s.delete_playlist(playlist))
    }

    /// Adds tracks before position `at`, or at the end when `None`. Returns the new entries.
    pub fn add_to_playlist(
        &self,
        playlist: PlaylistId,
        tracks: &[TrackId],
        at: Option<u32>,
    ) -> Result<Vec<EntryId>> {
        let entries: Vec<NewEntry> = tracks.iter().map(|&t| NewEntry::Track(t)).collect();
        self.with_store(|s| s.insert_entries(playlist, at, &entries))
    }

    /// Removes entries; the rest close up.
    pub fn remove_from_playlist(&self, playlist: PlaylistId, entries: &[EntryId]) -> Result<()> {
        self.with_store(|s| s.remove_entries(playlist, entries))
    }

    /// Moves entries (in their playlist order) so that the first lands at position `to`.
    pub fn move_in_playlist(
        &self,
        playlist: PlaylistId,
        entries: &[EntryId],
        to: u32,
    ) -> Result<()> {
        self.with_store(|s| s.move_entries(playlist, entries, to))
    }

    /// Imports an `.m3u` / `.m3u8` file as a new playlist, called `name` or after the file.
    /// Lines that match no library track are kept as unresolved entries and reported. A file
    /// that cannot be read, or a name already taken, creates nothing.
    pub fn import_playlist(&self, file: &Path, name: Option<&str>) -> Result<ImportReport> {
        let parsed = m3u::read_m3u(file)?;
        let name = name.map_or_else(|| name_from_file(file), str::to_owned);
        let index = LibraryIndex::new(&self.with_store(Store::track_identities)?);
        let mut entries = Vec::with_capacity(parsed.entries.len());
        let (mut by_path, mut by_suffix, mut by_tags) = (0, 0, 0);
        let mut unmatched = Vec::new();
        for (position, entry) in parsed.entries.iter().enumerate() {
            match index.find(entry) {
                Ok((track, how)) => {
                    match how {
                        MatchedBy::Path => by_path += 1,
                        MatchedBy::PathSuffix => by_suffix += 1,
                        MatchedBy::Tags => by_tags += 1,
                    }
                    entries.push(NewEntry::Track(track));
                }
                Err(reason) => {
                    unmatched.push(UnmatchedLine {
                        line: entry.line,
                        position: u32::try_from(position).unwrap_or(u32::MAX),
                        location: entry.location.clone(),
                        reason,
                    });
                    let info = entry.info.clone().unwrap_or_default();
                    entries.push(NewEntry::Unresolved {
                        source: EntrySource {
                            location: entry.location.clone(),
                            title: info.title,
                            duration_ms: info.duration_ms,
                        },
                        path: match &entry.target {
                            Target::Local(path) => Some(path.clone()),
                            Target::Foreign(_) | Target::Url => None,
                        },
                    });
                }
            }
        }
        let playlist = self.with_store(|s| s.playlist(s.create_playlist(&name, &entries)?))?;
        Ok(ImportReport {
            playlist,
            matched_by_path: by_path,
            matched_by_path_suffix: by_suffix,
            matched_by_tags: by_tags,
            unmatched,
            notes: parsed.notes,
        })
    }

    /// Writes a playlist as M3U8 to `file` (replacing an existing file only when `overwrite`
    /// is set). Unresolved entries are written as they were imported.
    pub fn export_playlist(
        &self,
        playlist: PlaylistId,
        file: &Path,
        overwrite: bool,
    ) -> Result<ExportReport> {
        let rows = self.with_store(|s| s.playlist_export_rows(playlist))?;
        let written = m3u::write_m3u8(file, &rows, overwrite)?;
        Ok(ExportReport {
            path: file.to_string_lossy().into_owned(),
            entries: written.entries,
            relative: written.relative,
        })
    }
}
