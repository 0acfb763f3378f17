//! `segue playlist`: playlists over the same service as the app, so the CLI and a running app
//! can edit one playlist at once (each change is one transaction).
//!
//! Positions on the command line count from 1, as `segue playlist show` numbers entries.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use segue_core::{EntryStatus, ImportReport, Playlist, PlaylistEntry, TrackId};
use segue_service::Service;

/// `segue playlist`'s subcommands.
#[derive(clap::Subcommand)]
pub enum PlaylistCommand {
    /// Every playlist with its entry count and playing time.
    List {
        #[arg(long)]
        json: bool,
    },
    /// A playlist's entries, numbered; missing files and lines that matched no track say so.
    Show {
        name: String,
        #[arg(long)]
        json: bool,
    },
    /// A new playlist, empty or with tracks (each TRACK: an id, a file, or search words in one
    /// argument that name one track).
    Create {
        name: String,
        tracks: Vec<String>,
    },
    Rename {
        name: String,
        new_name: String,
    },
    /// A copy under a new name.
    Duplicate {
        name: String,
        new_name: String,
    },
    /// Delete a playlist (its tracks stay in the library).
    Delete {
        name: String,
    },
    /// Add tracks, at the end or before position --at. TRACK: an id, a file, or search words
    /// in one argument that name one track; --search adds every match.
    Add {
        name: String,
        tracks: Vec<String>,
        /// Every track whose title, artist, album, genre, composer or file name has all the
        /// words, in library order (an album, an artist).
        #[arg(long, short)]
        search: Option<String>,
        /// Insert before this position (1 is the top).
        #[arg(long, value_name = "POSITION")]
        at: Option<u32>,
    },
    /// Remove the entries at these positions.
    Remove {
        name: String,
        #[arg(required = true)]
        positions: Vec<u32>,
    },
    /// Move the entry at FROM so that it is at TO.
    Move {
        name: String,
        from: u32,
        to: u32,
    },
    /// Import an .m3u or .m3u8 file as a new playlist (named after the file unless --name).
    /// Lines that match no library track are kept, and reported.
    Import {
        file: PathBuf,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Write a playlist as M3U8, with paths relative to FILE's folder where possible.
    Export {
        name: String,
        file: PathBuf,
        /// Replace FILE if it exists.
        #[arg(long)]
        force: bool,
    },
}

pub fn playlist(service: &Service, command: PlaylistCommand) -> Result<i32> {
    match command {
        PlaylistCommand::List { json } => {
            let playlists = service.playlists()?;
            if json {
                println!("{}", serde_json::to_string_pretty(&playlists)?);
            } else if playlists.is_empty() {
                println!(
                    "No playlists yet: `segue playlist create NAME` or `segue playlist import FILE`."
                );
            } else {
                for p in &playlists {
                    println!("{}", summary_line(p));
                }
            }
        }
        PlaylistCommand::Show { name, json } => {
            let playlist = service.playlist_named(&name)?;
            let entries = service.playlist_entries(playlist.id)?;
            if json {
                let value = serde_json::json!({ "playlist": playlist, "entries": entries });
                println!("{}", serde_json::to_string_pretty(&value)?);
            } else {
                println!("{}", summary_line(&playlist));
                for entry in &entries {
                    println!("{}", entry_line(entry));
                }
            }
        }
        PlaylistCommand::Create { name, tracks } => {
            let ids = resolve_tracks(service, &tracks)?;
            let playlist = service.create_playlist(&name, &ids)?;
            println!("Created {}.", summary_line(&playlist).trim_start());
        }
        PlaylistCommand::Rename { name, new_name } => {
            let playlist = service.playlist_named(&name)?;
            let renamed = service.rename_playlist(playlist.id, &new_name)?;
            println!("Renamed \"{}\" to \"{}\".", playlist.name, renamed.name);
        }
        PlaylistCommand::Duplicate { name, new_name } => {
            let playlist = service.playlist_named(&name)?;
            let copy = service.duplicate_playlist(playlist.id, &new_name)?;
            println!("Copied \"{}\" to \"{}\".", playlist.name, copy.name);
        }
        PlaylistCommand::Delete { name } => {
            let playlist = service.playlist_named(&name)?;
            service.delete_playlist(playlist.id)?;
            println!(
                "Deleted \"{}\" ({} entries; the tracks stay in the library).",
                playlist.name, playlist.entry_count
            );
        }
        PlaylistCommand::Add {
            name,
            tracks,
            search,
            at,
        } => {
            let playlist = service.playlist_named(&name)?;
            let mut ids = resolve_tracks(service, &tracks)?;
            if let Some(words) = search {
                if words.trim().is_empty() {
                    bail!("--search needs words (an empty search would add the whole library)");
                }
                let found = service.tracks(Some(&words), None)?;
                if found.is_empty() {
                    bail!("no track matches \"{words}\"");
                }
                ids.extend(found.iter().map(|t| t.id));
            }
            if ids.is_empty() {
                bail!("name tracks to add (ids, files or search words), or --search WORDS");
            }
            let at = at
                .map(|p| index_of(p, playlist.entry_count + 1))
                .transpose()?;
            let added = service.add_to_playlist(playlist.id, &ids, at)?;
            let now = service.playlist(playlist.id)?;
            println!(
                "Added {} to \"{}\" (now {} entries).",
                plural(added.len(), "entry", "entries"),
                now.name,
                now.entry_count
            );
        }
        PlaylistCommand::Remove { name, positions } => {
            let playlist = service.playlist_named(&name)?;
            let entries = service.playlist_entries(playlist.id)?;
            let ids = positions
                .iter()
                .map(|&p| Ok(entries[index_of(p, entries.len() as u32)? as usize].id))
                .collect::<Result<Vec<_>>>()?;
            service.remove_from_playlist(playlist.id, &ids)?;
            println!(
                "Removed {} from \"{}\".",
                plural(ids.len(), "entry", "entries"),
                playlist.name
            );
        }
        PlaylistCommand::Move { name, from, to } => {
            let playlist = service.playlist_named(&name)?;
            let entries = service.playlist_entries(playlist.id)?;
            let len = entries.len() as u32;
            let entry = &entries[index_of(from, len)? as usize];
            service.move_in_playlist(playlist.id, &[entry.id], index_of(to, len)?)?;
            println!("Moved {} from {from} to {to}.", entry_title(entry));
        }
        PlaylistCommand::Import { file, name, json } => {
            let report = service
                .import_playlist(&file, name.as_deref())
                .map_err(|e| {
                    let hint = if e.kind() == "name_taken" {
                        " (choose another with --name)"
                    } else {
                        ""
                    };
                    anyhow::anyhow!("{e}{hint}")
                })?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print_import(&report);
            }
        }
        PlaylistCommand::Export { name, file, force } => {
            let playlist = service.playlist_named(&name)?;
            let report = service
                .export_playlist(playlist.id, &file, force)
                .map_err(|e| {
                    let hint = if e.kind() == "file_exists" {
                        " (--force replaces it)"
                    } else {
                        ""
                    };
                    anyhow::anyhow!("{e}{hint}")
                })?;
            println!(
                "Wrote {} of \"{}\" to {} ({} as paths relative to its folder).",
                plural(report.entries as usize, "entry", "entries"),
                playlist.name,
                report.path,
                report.relative
            );
        }
    }
    Ok(0)
}

/// One track per argument: an id, a file, or search words that name one track.
fn resolve_tracks(service: &Service, args: &[String]) -> Result<Vec<TrackId>> {
    args.iter()
        .map(|arg| {
            Ok(crate::suggest::track(service, std::slice::from_ref(arg))
                .with_context(|| format!("adding {arg:?}"))?
                .id)
        })
        .collect()
}

/// The 0-based index of a position counted from 1, which must be at most `last`.
fn index_of(position: u32, last: u32) -> Result<u32> {
    if position == 0 || position > last {
        bail!(
            "position {position} is not in the playlist (1 to {last})",
            last = last.max(1)
        );
    }
    Ok(position - 1)
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn summary_line(p: &Playlist) -> String {
    let unavailable = if p.unavailable_count > 0 {
        format!(", {} unavailable", p.unavailable_count)
    } else {
        String::new()
    };
    format!(
        "{}  ({}, {}{unavailable})",
        p.name,
        plural(p.entry_count as usize, "entry", "entries"),
        crate::format_duration(p.duration_ms)
    )
}

fn entry_title(entry: &PlaylistEntry) -> String {
    match (&entry.track, &entry.source) {
        (Some(t), _) => format!(
            "{} — {}",
            t.artist
                .as_deref()
                .or(t.album_artist.as_deref())
                .unwrap_or("Unknown Artist"),
            t.title
        ),
        (None, Some(s)) => s.title.clone().unwrap_or_else(|| s.location.clone()),
        (None, None) => "(gone)".to_owned(),
    }
}

fn entry_line(entry: &PlaylistEntry) -> String {
    let number = entry.position + 1;
    match (&entry.track, entry.status) {
        (Some(t), status) => format!(
            "{number:>4}. [{}] {}  ({}){}",
            t.id,
            entry_title(entry),
            crate::format_duration(t.duration_ms),
            if status == EntryStatus::Missing {
                "  missing: the file was not found"
            } else {
                ""
            }
        ),
        (None, _) => format!(
            "{number:>4}. ? {}  not in the library: {}",
            entry_title(entry),
            entry.source.as_ref().map_or("", |s| s.location.as_str())
        ),
    }
}

fn print_import(report: &ImportReport) {
    let p = &report.playlist;
    println!(
        "Imported \"{}\": {}; {} by path, {} by the end of the path, {} by artist and title.",
        p.name,
        plural(p.entry_count as usize, "entry", "entries"),
        report.matched_by_path,
        report.matched_by_path_suffix,
        report.matched_by_tags
    );
    for note in &report.notes {
        println!("  note: {note}");
    }
    if !report.unmatched.is_empty() {
        println!(
            "{} matched no library track; kept in the playlist, shown as unavailable:",
            plural(report.unmatched.len(), "line", "lines")
        );
        for u in &report.unmatched {
            println!("  line {}: {}\n      {}", u.line, u.location, u.reason);
        }
    }
}
