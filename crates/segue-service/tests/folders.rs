//! Library folders: removing one takes its tracks out of the library at once, keeping their
//! history for when the folder comes back.

use std::path::Path;
use std::sync::atomic::AtomicBool;

use segue_service::Service;

#[test]
fn removing_a_folder_takes_its_tracks_out_and_adding_it_back_restores_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let service = Service::open(&dir.path().join("library.sqlite")).expect("open");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let demo = root.join("assets/demo");
    let extra = root.join("tests/fixtures/gapless");
    service
        .add_folders(&[demo.clone(), extra.clone()])
        .expect("folders");
    let never = AtomicBool::new(false);
    service.scan(&[], &never, &mut |_| {}).expect("scan");
    let all = service.stats().expect("stats").tracks;
    let in_extra = service
        .track_rows()
        .expect("rows")
        .iter()
        .filter(|r| {
            service.track(r.id).is_ok_and(|t| {
                Path::new(&t.path).starts_with(segue_service::normalize_folder(&extra))
            })
        })
        .count() as u64;
    assert!(in_extra >= 2, "the extra folder imported {in_extra} tracks");
    let kept = service
        .track_rows()
        .expect("rows")
        .into_iter()
        .find(|r| {
            service
                .track(r.id)
                .is_ok_and(|t| t.path.contains("gapless"))
        })
        .expect("a track from the extra folder");
    service.rate(kept.id, Some(4)).expect("rate");

    assert!(service.remove_folder(&extra).expect("remove"));
    // At once, without a rescan.
    assert_eq!(service.stats().expect("stats").tracks, all - in_extra);
    assert!(
        service
            .track_rows()
            .expect("rows")
            .iter()
            .all(|r| r.id != kept.id)
    );
    // Removing it again says there was nothing to remove.
    assert!(!service.remove_folder(&extra).expect("remove again"));

    // Back again: the same tracks, with their ratings.
    service.add_folders(&[extra]).expect("add back");
    service.scan(&[], &never, &mut |_| {}).expect("rescan");
    assert_eq!(service.stats().expect("stats").tracks, all);
    let back = service
        .track_rows()
        .expect("rows")
        .into_iter()
        .find(|r| r.id == kept.id)
        .expect("the same track id");
    assert_eq!(back.rating, Some(4));
}

#[test]
fn a_new_library_starts_on_the_demo_and_one_set_up_by_the_user_skips_its_welcome() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let demo = root.join("assets/demo");
    let own = root.join("tests/fixtures/gapless");
    let dir = tempfile::tempdir().expect("tempdir");
    let open = |name: &str| Service::open(&dir.path().join(name)).expect("open");

    // New: the demo is added, and the welcome asks whether to keep it.
    let new = open("new.sqlite");
    new.open_with_demo(Some(&demo)).expect("first run");
    assert_eq!(
        new.folders().expect("folders"),
        vec![segue_service::normalize_folder(&demo)]
    );
    assert!(!new.app_settings().expect("settings").welcomed);
    // Opened again before answering: still the demo, still welcomed.
    new.open_with_demo(Some(&demo)).expect("second run");
    assert_eq!(new.folders().expect("folders").len(), 1);
    assert!(!new.app_settings().expect("settings").welcomed);

    // Set up with the user's own folder first (as `segue scan DIR` does): no demo, no welcome.
    let own_library = open("own.sqlite");
    own_library
        .add_folders(std::slice::from_ref(&own))
        .expect("folder");
    own_library
        .open_with_demo(Some(&demo))
        .expect("first app start");
    assert_eq!(
        own_library.folders().expect("folders"),
        vec![segue_service::normalize_folder(&own)]
    );
    assert!(own_library.app_settings().expect("settings").welcomed);
}
