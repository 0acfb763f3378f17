//! Sonic paths through the service on the analysed demo library: the real models, a real
//! SQLite file, feedback that blocks a track, a path saved as a playlist, and each refusal.

mod common;

use std::sync::atomic::AtomicBool;

use segue_core::FeedbackKind;
use segue_service::{PathGoal, PathRequest, ServiceError};

use common::track_id;

fn kind(result: Result<segue_core::SonicPath, ServiceError>) -> (String, String) {
    let e = result.expect_err("refused");
    (e.kind().to_owned(), e.to_string())
}

#[test]
fn a_path_travels_from_one_track_to_another_and_keeps_what_the_listener_said() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let service = common::analysed_demo(&tmp.path().join("library.sqlite"), 4);
    let (rock, ambient) = (
        track_id(&service, "boss attack"),
        track_id(&service, "awakening"),
    );
    let ask = |to: PathGoal, count: usize| PathRequest {
        from: rock,
        to,
        count,
    };
    let path = service
        .sonic_path(&ask(PathGoal::Track(ambient), 5))
        .expect("a path");
    let ids: Vec<i64> = path.steps.iter().map(|s| s.track_id).collect();
    assert_eq!(ids.len(), 5);
    assert_eq!((ids[0], ids[4]), (rock, ambient));
    let mut unique = ids.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), 5, "no track twice: {ids:?}");
    assert!(path.steps[0].reason.starts_with("Sets out towards"));
    assert!(
        path.steps[2].reason.starts_with("Bridges "),
        "{:?}",
        path.steps[2]
    );
    assert!(path.steps[4].reason.starts_with("Arrives from"));

    // A track the listener dislikes leaves the way at once.
    let middle = ids[2];
    service
        .feedback(middle, FeedbackKind::Dislike)
        .expect("dislike");
    let again = service
        .sonic_path(&ask(PathGoal::Track(ambient), 5))
        .expect("a path");
    assert!(
        again.steps.iter().all(|s| s.track_id != middle),
        "{again:?}"
    );

    // Towards a tag: it ends on a track where the tag is strong, and says so.
    let to_tag = service
        .sonic_path(&ask(PathGoal::Tag("ambient".into()), 4))
        .expect("a path to a tag");
    let last = to_tag.steps.last().expect("an end");
    assert!(
        last.reason.starts_with("Arrives at ambient from"),
        "{last:?}"
    );

    // Saved as a playlist, in order.
    let playlist = service.save_path("Rock to ambient", &again).expect("save");
    let saved: Vec<i64> = service
        .playlist_entries(playlist.id)
        .expect("entries")
        .iter()
        .filter_map(|e| e.track.as_ref().map(|t| t.id))
        .collect();
    let wanted: Vec<i64> = again.steps.iter().map(|s| s.track_id).collect();
    assert_eq!(saved, wanted);

    // Refusals, each with its kind and a message that says what is allowed.
    assert_eq!(
        kind(service.sonic_path(&ask(PathGoal::Track(987_654), 5))).0,
        "not_found"
    );
    let (k, message) = kind(service.sonic_path(&ask(PathGoal::Track(ambient), 500)));
    assert_eq!(k, "invalid_input");
    assert!(message.contains("at most 200"), "{message}");
    let (k, message) = kind(service.sonic_path(&ask(PathGoal::Track(ambient), 60)));
    assert_eq!(k, "invalid_input");
    assert!(message.contains("needs more tracks"), "{message}");
    let (k, message) = kind(service.sonic_path(&ask(PathGoal::Tag("polka".into()), 5)));
    assert_eq!(k, "invalid_input");
    assert!(message.contains("no tag is called \"polka\""), "{message}");

    // A track imported but not analysed yet.
    let extra = tmp.path().join("extra");
    std::fs::create_dir(&extra).expect("folder");
    let demo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/demo");
    let some_file = first_ogg(&demo).expect("a demo Ogg file");
    std::fs::copy(&some_file, extra.join("copy-not-analysed.ogg")).expect("copy");
    service.add_folders(&[extra]).expect("add");
    let never = AtomicBool::new(false);
    service.scan(&[], &never, &mut |_| {}).expect("scan");
    let fresh = track_id(&service, "copy-not-analysed");
    let (k, message) = kind(service.sonic_path(&ask(PathGoal::Track(fresh), 5)));
    assert_eq!(k, "not_analysed", "{message}");
    assert!(message.contains("has not been analysed yet"), "{message}");
}

/// The first Ogg file under `dir`, in name order.
fn first_ogg(dir: &std::path::Path) -> Option<std::path::PathBuf> {
    let mut entries: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    entries.iter().find_map(|p| {
        if p.is_dir() {
            first_ogg(p)
        } else {
            (p.extension().is_some_and(|x| x == "ogg")).then(|| p.clone())
        }
    })
}
