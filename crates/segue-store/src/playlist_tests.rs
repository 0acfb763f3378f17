//! Playlists on a real database file.

use std::path::{Path, PathBuf};

use segue_core::{EntrySource, EntryStatus, PlaylistId, TrackId};

use crate::tests::{file_store, imported};
use crate::*;

/// A store with tracks "Dawn", "Noon", "Dusk" and "Night" (61 s each), and their ids.
fn store_with_tracks() -> (tempfile::TempDir, Store, Vec<TrackId>) {
    let (dir, mut store) = file_store();
    store
        .apply(&[
            imported("/m/a.ogg", "Dawn", "Ann", "First", 1),
            imported("/m/b.ogg", "Noon", "Ann", "First", 2),
            imported("/m/c.ogg", "Dusk", "Bob", "Second", 3),
            imported("/m/d.ogg", "Night", "Bob", "Second", 4),
        ])
        .expect("apply");
    let mut files = store.known_files().expect("files");
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let ids = files.iter().map(|f| f.id).collect();
    (dir, store, ids)
}

fn tracks(ids: &[TrackId]) -> Vec<NewEntry> {
    ids.iter().map(|&id| NewEntry::Track(id)).collect()
}

/// The titles of a playlist's entries in order (unresolved ones by their location), after
/// checking that its positions are 0.. without gaps.
fn titles(store: &Store, playlist: PlaylistId) -> Vec<String> {
    let entries = store.playlist_entries(playlist).expect("entries");
    let positions: Vec<u32> = entries.iter().map(|e| e.position).collect();
    assert_eq!(
        positions,
        (0..entries.len() as u32).collect::<Vec<_>>(),
        "positions are contiguous"
    );
    entries
        .into_iter()
        .map(|e| match (e.track, e.source) {
            (Some(t), _) => t.title,
            (None, Some(s)) => s.location,
            (None, None) => String::new(),
        })
        .collect()
}

fn entry_ids(store: &Store, playlist: PlaylistId) -> Vec<i64> {
    store
        .playlist_entries(playlist)
        .expect("entries")
        .iter()
        .map(|e| e.id)
        .collect()
}

#[test]
fn entries_are_added_at_the_end_or_at_an_index_and_listed_with_their_tracks() {
    let (_d, store, ids) = store_with_tracks();
    let list = store
        .create_playlist("Morning", &tracks(&ids[..2]))
        .expect("create");
    store
        .insert_entries(list, None, &tracks(&[ids[3]]))
        .expect("append");
    store
        .insert_entries(list, Some(1), &tracks(&[ids[2], ids[0]]))
        .expect("insert");
    assert_eq!(
        titles(&store, list),
        ["Dawn", "Dusk", "Dawn", "Noon", "Night"],
        "the same track may appear twice"
    );
    let entries = store.playlist_entries(list).expect("entries");
    let first = entries[0].track.as_ref().expect("track");
    assert_eq!(first.artist.as_deref(), Some("Ann"));
    assert_eq!(first.album.as_deref(), Some("First"));
    assert_eq!(entries[0].status, EntryStatus::Available);

    let summary = store.playlist(list).expect("summary");
    assert_eq!(summary.name, "Morning");
    assert_eq!(summary.entry_count, 5);
    assert_eq!(summary.unavailable_count, 0);
    assert_eq!(summary.duration_ms, 5 * 61_000);
    assert_eq!(summary.cover_ids.len(), 1, "one distinct cover");

    assert!(matches!(
        store.insert_entries(list, Some(6), &tracks(&[ids[0]])),
        Err(StoreError::Playlist(PlaylistError::PositionOutOfRange {
            position: 6,
            last: 5
        }))
    ));
}

#[test]
fn playlist_names_are_trimmed_never_empty_and_unique_whatever_their_case() {
    let (_d, store, _) = store_with_tracks();
    let list = store.create_playlist("  Road trip ", &[]).expect("create");
    assert_eq!(store.playlist(list).expect("summary").name, "Road trip");
    for taken in ["road trip", "ROAD TRIP", " Road Trip"] {
        assert!(
            matches!(
                store.create_playlist(taken, &[]),
                Err(StoreError::Playlist(PlaylistError::NameTaken(_)))
            ),
            "{taken:?}"
        );
    }
    // Unicode case, which SQLite's NOCASE would not fold.
    store.create_playlist("Ärger", &[]).expect("create");
    assert!(matches!(
        store.create_playlist("ärger", &[]),
        Err(StoreError::Playlist(PlaylistError::NameTaken(_)))
    ));
    for empty in ["", "   ", "\t"] {
        assert!(matches!(
            store.create_playlist(empty, &[]),
            Err(StoreError::Playlist(PlaylistError::EmptyName))
        ));
    }
    assert!(matches!(
        store.create_playlist("two\nlines", &[]),
        Err(StoreError::Playlist(
            PlaylistError::NameHasControlCharacters(_)
        ))
    ));
    assert_eq!(store.playlist_named("ROAD TRIP ").expect("by name"), list);
    assert!(matches!(
        store.playlist_named("nope"),
        Err(StoreError::Playlist(PlaylistError::NameNotFound(_)))
    ));
    assert_eq!(store.playlists().expect("list").len(), 2);
}

#[test]
fn renaming_may_change_case_but_not_take_another_playlists_name() {
    let (_d, store, _) = store_with_tracks();
    let mix = store.create_playlist("mix", &[]).expect("create");
    store.create_playlist("Other", &[]).expect("create");
    store.rename_playlist(mix, "Mix").expect("case only");
    assert_eq!(store.playlist(mix).expect("summary").name, "Mix");
    assert!(matches!(
        store.rename_playlist(mix, "other"),
        Err(StoreError::Playlist(PlaylistError::NameTaken(_)))
    ));
    store.rename_playlist(mix, "Evening").expect("rename");
    assert_eq!(store.playlist_named("evening").expect("by name"), mix);
    assert!(matches!(
        store.rename_playlist(999, "x"),
        Err(StoreError::Playlist(PlaylistError::NotFound(999)))
    ));
}

#[test]
fn a_duplicate_copies_every_entry_and_deleting_a_playlist_keeps_the_tracks() {
    let (_d, store, ids) = store_with_tracks();
    let list = store
        .create_playlist(
            "Original",
            &[
                NewEntry::Track(ids[1]),
                NewEntry::Unresolved {
                    source: EntrySource {
                        location: "C:\\Music\\gone.flac".into(),
                        title: Some("Cat - Gone".into()),
                        duration_ms: Some(3000),
                    },
                    path: None,
                },
                NewEntry::Track(ids[0]),
            ],
        )
        .expect("create");
    let copy = store.duplicate_playlist(list, "Copy").expect("duplicate");
    assert_eq!(titles(&store, copy), titles(&store, list));
    assert_eq!(
        titles(&store, copy),
        ["Noon", "C:\\Music\\gone.flac", "Dawn"]
    );
    // The copy is independent.
    store
        .remove_entries(copy, &entry_ids(&store, copy)[..1])
        .expect("remove");
    assert_eq!(titles(&store, list).len(), 3);

    store.delete_playlist(list).expect("delete");
    assert!(matches!(
        store.playlist_entries(list),
        Err(StoreError::Playlist(PlaylistError::NotFound(_)))
    ));
    assert_eq!(store.stats().expect("stats").tracks, 4);
    assert_eq!(store.playlists().expect("list").len(), 1);
}

#[test]
fn removing_and_moving_entries_keeps_positions_contiguous() {
    let (_d, store, ids) = store_with_tracks();
    let list = store
        .create_playlist("Day", &tracks(&[ids[0], ids[1], ids[2], ids[3], ids[0]]))
        .expect("create");
    // Dawn Noon Dusk Night Dawn
    let e = entry_ids(&store, list);

    // One entry down: Noon to the end.
    store.move_entries(list, &[e[1]], 4).expect("move");
    assert_eq!(
        titles(&store, list),
        ["Dawn", "Dusk", "Night", "Dawn", "Noon"]
    );
    // A selection, in playlist order whatever the order given, to the front.
    store.move_entries(list, &[e[4], e[3]], 0).expect("move");
    assert_eq!(
        titles(&store, list),
        ["Night", "Dawn", "Dawn", "Dusk", "Noon"]
    );
    // Moving nowhere changes nothing.
    store.move_entries(list, &[e[3]], 0).expect("move");
    assert_eq!(
        titles(&store, list),
        ["Night", "Dawn", "Dawn", "Dusk", "Noon"]
    );
    assert!(matches!(
        store.move_entries(list, &[e[0], e[1]], 4),
        Err(StoreError::Playlist(PlaylistError::PositionOutOfRange {
            position: 4,
            last: 3
        }))
    ));

    // Removing from the middle and the end closes up.
    store.remove_entries(list, &[e[4], e[1]]).expect("remove");
    assert_eq!(titles(&store, list), ["Night", "Dawn", "Dusk"]);
    store
        .insert_entries(list, Some(1), &tracks(&[ids[1]]))
        .expect("insert");
    assert_eq!(titles(&store, list), ["Night", "Noon", "Dawn", "Dusk"]);
    let all = entry_ids(&store, list);
    store.remove_entries(list, &all).expect("remove all");
    assert!(titles(&store, list).is_empty());
    assert_eq!(store.playlist(list).expect("summary").entry_count, 0);
}

#[test]
fn an_edit_naming_an_entry_that_is_gone_is_refused_and_changes_nothing() {
    let (_d, store, ids) = store_with_tracks();
    let list = store.create_playlist("Day", &tracks(&ids)).expect("create");
    let e = entry_ids(&store, list);
    store.remove_entries(list, &[e[2]]).expect("remove");
    // Another window still shows the removed entry and acts on it with one that remains.
    let before = titles(&store, list);
    assert!(matches!(
        store.remove_entries(list, &[e[0], e[2]]),
        Err(StoreError::Playlist(PlaylistError::EntryNotFound { entry, .. })) if entry == e[2]
    ));
    assert!(matches!(
        store.move_entries(list, &[e[2], e[3]], 0),
        Err(StoreError::Playlist(PlaylistError::EntryNotFound { .. }))
    ));
    assert_eq!(titles(&store, list), before);

    // An entry of another playlist is not this playlist's.
    let other = store
        .create_playlist("Other", &tracks(&ids[..1]))
        .expect("create");
    let foreign = entry_ids(&store, other)[0];
    assert!(matches!(
        store.remove_entries(list, &[foreign]),
        Err(StoreError::Playlist(PlaylistError::EntryNotFound { .. }))
    ));
    assert_eq!(titles(&store, other), ["Dawn"]);
}

#[test]
fn an_unknown_track_adds_nothing_and_creates_nothing() {
    let (_d, store, ids) = store_with_tracks();
    let list = store
        .create_playlist("Day", &tracks(&ids[..1]))
        .expect("create");
    assert!(matches!(
        store.insert_entries(list, Some(0), &tracks(&[ids[1], 9999])),
        Err(StoreError::TrackNotFound(9999))
    ));
    assert_eq!(titles(&store, list), ["Dawn"]);
    assert!(matches!(
        store.create_playlist("Never", &tracks(&[ids[1], 9999])),
        Err(StoreError::TrackNotFound(9999))
    ));
    assert!(store.playlist_named("Never").is_err(), "nothing half-made");
}

#[test]
fn entries_follow_a_moved_file_and_a_missing_one_is_kept_and_reported() {
    let (_d, mut store, ids) = store_with_tracks();
    let list = store
        .create_playlist("Day", &tracks(&[ids[0], ids[1]]))
        .expect("create");

    // a.ogg moves (the scanner recognises it and keeps its id); b.ogg vanishes.
    let FileChange::Imported {
        stat,
        fingerprint,
        track,
        ..
    } = imported("/elsewhere/a-renamed.ogg", "Dawn", "Ann", "First", 1)
    else {
        unreachable!()
    };
    store
        .apply(&[FileChange::Imported {
            id: Some(ids[0]),
            stat,
            fingerprint,
            track,
        }])
        .expect("move");
    store.mark_missing(&[ids[1]]).expect("missing");

    let entries = store.playlist_entries(list).expect("entries");
    assert_eq!(entries.len(), 2, "both entries kept");
    assert_eq!(entries[0].status, EntryStatus::Available);
    assert_eq!(entries[1].status, EntryStatus::Missing);
    assert_eq!(
        entries[1].track.as_ref().map(|t| t.title.as_str()),
        Some("Noon")
    );
    let summary = store.playlist(list).expect("summary");
    assert_eq!(summary.unavailable_count, 1);
    assert_eq!(summary.duration_ms, 61_000, "only what can play");
    let rows = store.playlist_export_rows(list).expect("rows");
    assert_eq!(
        rows[0].path.as_deref(),
        Some(Path::new("/elsewhere/a-renamed.ogg"))
    );
    assert_eq!(rows[0].title.as_deref(), Some("Ann - Dawn"));
}

#[test]
fn unresolved_entries_keep_what_the_playlist_file_said() {
    let (_d, store, ids) = store_with_tracks();
    let source = EntrySource {
        location: "../Music/Ünïcode.flac".into(),
        title: Some("Zoë - Ünïcode".into()),
        duration_ms: Some(215_000),
    };
    let list = store
        .create_playlist(
            "Imported",
            &[
                NewEntry::Track(ids[2]),
                NewEntry::Unresolved {
                    source: source.clone(),
                    path: Some(PathBuf::from("/home/zoe/Music/Ünïcode.flac")),
                },
            ],
        )
        .expect("create");
    let entries = store.playlist_entries(list).expect("entries");
    assert_eq!(entries[1].status, EntryStatus::Unresolved);
    assert_eq!(entries[1].track, None);
    assert_eq!(entries[1].source.as_ref(), Some(&source));
    let summary = store.playlist(list).expect("summary");
    assert_eq!((summary.entry_count, summary.unavailable_count), (2, 1));
    let rows = store.playlist_export_rows(list).expect("rows");
    assert_eq!(
        rows[1],
        ExportRow {
            path: Some(PathBuf::from("/home/zoe/Music/Ünïcode.flac")),
            location: Some(source.location),
            title: source.title,
            duration_ms: Some(215_000),
        }
    );
}

#[test]
fn two_writers_on_one_file_take_turns_and_never_corrupt_a_playlist() {
    let (dir, store, ids) = store_with_tracks();
    let list = store
        .create_playlist("Shared", &tracks(&ids))
        .expect("create");
    let path = dir.path().join("nested/segue.sqlite");
    const ROUNDS: usize = 60;
    let writer = |seed: usize| {
        let path = path.clone();
        let ids = ids.clone();
        std::thread::spawn(move || {
            let store = Store::open(&path).expect("open");
            for round in 0..ROUNDS {
                let pick = ids[(seed + round) % ids.len()];
                let added = store
                    .insert_entries(
                        list,
                        Some(((seed + round) % 3) as u32),
                        &tracks(&[pick, pick]),
                    )
                    .expect("insert");
                // Our own entries: the other writer never removes them, only shifts them.
                store
                    .move_entries(list, &added[..1], (round % 2) as u32)
                    .expect("move");
                store.remove_entries(list, &added[1..]).expect("remove");
            }
        })
    };
    let (a, b) = (writer(0), writer(1));
    a.join().expect("writer a");
    b.join().expect("writer b");
    // Each round adds two entries and removes one.
    let names = titles(&store, list);
    assert_eq!(names.len(), ids.len() + 2 * ROUNDS);
    assert_eq!(store.integrity_check().expect("check"), "ok");
}

#[test]
fn a_library_from_before_playlists_keeps_its_data_and_gains_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("lib.sqlite");
    {
        let mut s = Store::open(&path).expect("open");
        s.apply(&[imported("/m/a.ogg", "Dawn", "Ann", "First", 1)])
            .expect("apply");
        let id = s.known_files().expect("files")[0].id;
        s.set_rating(id, Some(4)).expect("rate");
    }
    // The database as schema 6 left it.
    {
        let conn = rusqlite::Connection::open(&path).expect("raw open");
        conn.execute_batch(
            "DROP TABLE playlist_entries; DROP TABLE playlists; PRAGMA user_version = 6;",
        )
        .expect("downgrade");
    }
    let s = Store::open(&path).expect("migrate");
    assert_eq!(s.schema_version().expect("version"), LATEST_SCHEMA as i64);
    let id = s.known_files().expect("files")[0].id;
    assert_eq!(s.rating(id).expect("rating"), Some(4));
    let list = s
        .create_playlist("New", &[NewEntry::Track(id)])
        .expect("playlists work");
    assert_eq!(s.playlist(list).expect("summary").entry_count, 1);
}
