//! Suggestion settings: one rule for the app's Settings page and `segue suggest-settings`.

use segue_service::{Service, SuggestSettings};

fn service(dir: &std::path::Path) -> Service {
    Service::open(&dir.join("library.sqlite")).expect("open")
}

#[test]
fn settings_that_are_not_finite_or_absurd_are_refused_from_the_app_and_the_command_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let service = service(dir.path());
    let defaults = service.suggest_settings().expect("settings");
    let with = |edit: &dyn Fn(&mut SuggestSettings)| {
        let mut s = defaults;
        edit(&mut s);
        s
    };
    for bad in [
        with(&|s| s.track_gap_hours = f32::INFINITY),
        with(&|s| s.track_gap_hours = f32::NAN),
        with(&|s| s.track_gap_hours = -1.0),
        with(&|s| s.track_gap_hours = 1e9),
        with(&|s| s.exploration = f32::NAN),
        with(&|s| s.exploration = 1.5),
        with(&|s| s.artist_gap = usize::MAX),
        with(&|s| s.album_gap = 1001),
    ] {
        let err = service.set_suggest_settings(&bad).expect_err("refused");
        assert_eq!(err.kind(), "invalid_input", "{bad:?}: {err}");
    }
    // The app's Settings page goes through the same rule.
    let mut page = service.app_settings().expect("app settings");
    page.track_gap_hours = f32::INFINITY;
    let err = service.set_app_settings(&page).expect_err("refused");
    assert_eq!(err.kind(), "invalid_input", "{err}");
    assert_eq!(service.suggest_settings().expect("settings"), defaults);

    let edge = with(&|s| {
        s.track_gap_hours = segue_service::suggest::MAX_TRACK_GAP_HOURS;
        s.artist_gap = segue_service::suggest::MAX_GAP;
        s.album_gap = 0;
    });
    service
        .set_suggest_settings(&edge)
        .expect("the limits are allowed");
    assert_eq!(service.suggest_settings().expect("settings"), edge);
}

#[test]
fn values_stored_before_the_rule_read_as_allowed_ones() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("library.sqlite");
    let store = segue_store::Store::open(&db).expect("store");
    store
        .set_setting("suggest.track_gap_hours", "inf")
        .expect("set");
    store
        .set_setting("suggest.exploration", "NaN")
        .expect("set");
    store
        .set_setting("suggest.artist_gap", "1e30")
        .expect("set");
    let service = service(dir.path());
    let read = service.suggest_settings().expect("settings");
    let defaults = SuggestSettings::default();
    assert_eq!(read.track_gap_hours, defaults.track_gap_hours, "{read:?}");
    assert_eq!(read.exploration, defaults.exploration, "{read:?}");
    assert_eq!(read.artist_gap, segue_service::suggest::MAX_GAP, "{read:?}");
    // So saving another setting is not refused for what was stored.
    let mut more = read;
    more.exploration = 0.8;
    service.set_suggest_settings(&more).expect("save");
}
