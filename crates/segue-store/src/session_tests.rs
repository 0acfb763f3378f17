//! The saved play session on a real database file.

use segue_core::{QueueEntry, ReasonPart, Suggestion, TrackId};

use crate::tests::{file_store, imported};
use crate::*;

fn store_with_tracks() -> (tempfile::TempDir, Store, Vec<TrackId>) {
    let (dir, mut store) = file_store();
    store
        .apply(&[
            imported("/m/a.ogg", "Dawn", "Ann", "First", 1),
            imported("/m/b.ogg", "Noon", "Ann", "First", 2),
            imported("/m/c.ogg", "Dusk", "Bob", "Second", 3),
        ])
        .expect("apply");
    let mut files = store.known_files().expect("files");
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let ids = files.iter().map(|f| f.id).collect();
    (dir, store, ids)
}

fn entry(track_id: TrackId, autoplay: bool) -> QueueEntry {
    QueueEntry {
        track_id,
        why: if autoplay {
            vec![ReasonPart {
                smooth_join: true,
                details: Vec::new(),
            }]
        } else {
            Vec::new()
        },
        autoplay,
    }
}

#[test]
fn a_new_library_has_an_empty_session() {
    let (_dir, store, _) = store_with_tracks();
    assert_eq!(store.session().expect("session"), SavedSession::default());
    assert_eq!(store.session_revision().expect("revision"), 0);
}

#[test]
fn the_queue_its_playing_entry_and_position_read_back_after_reopening() {
    let (dir, store, ids) = store_with_tracks();
    let queue = vec![
        entry(ids[0], false),
        entry(ids[2], false),
        entry(ids[1], true),
    ];
    let r1 = store
        .save_session_queue(&queue, Some(1), 12_345)
        .expect("save");
    store.save_session_position(Some(1), 20_500).expect("pos");
    let list = vec![Suggestion {
        track_id: ids[0],
        score: 1.5,
        chance: 0.5,
        reason: "because".into(),
        why: Vec::new(),
        terms: Vec::new(),
    }];
    store.save_session_up_next(ids[2], &list).expect("up next");
    assert_eq!(
        store.session_revision().expect("revision"),
        r1,
        "positions do not count"
    );
    drop(store);

    let store = Store::open(&dir.path().join("nested/segue.sqlite")).expect("reopen");
    let s = store.session().expect("session");
    assert_eq!(s.queue, queue);
    assert_eq!(s.current, Some(1));
    assert_eq!(s.position_ms, 20_500);
    assert_eq!(s.up_next, Some((ids[2], list)));
    assert_eq!(s.revision, r1);

    let r2 = store
        .save_session_queue(&queue[..1], Some(0), 0)
        .expect("save");
    assert_eq!(r2, r1 + 1, "every save of the queue is a new revision");
    assert_eq!(store.session().expect("session").queue, queue[..1]);
}

#[test]
fn a_playing_entry_past_the_end_reads_as_none() {
    let (_dir, store, ids) = store_with_tracks();
    store
        .save_session_queue(&[entry(ids[0], false)], Some(0), 5)
        .expect("save");
    store.save_session_position(Some(7), 5).expect("pos");
    assert_eq!(store.session().expect("session").current, None);
}

#[test]
fn two_connections_see_each_others_saves() {
    let (dir, app, ids) = store_with_tracks();
    let cli = Store::open(&dir.path().join("nested/segue.sqlite")).expect("second connection");
    let mine = app
        .save_session_queue(&[entry(ids[0], false)], Some(0), 0)
        .expect("save");
    let theirs = cli
        .save_session_queue(&[entry(ids[0], false), entry(ids[1], false)], Some(0), 0)
        .expect("save");
    assert!(theirs > mine);
    assert_eq!(app.session_revision().expect("revision"), theirs);
    assert_eq!(app.session().expect("session").queue.len(), 2);
}
