//! The crossfade setting: one rule for the app's Settings page and `segue crossfade`.

use std::time::Duration;

use segue_service::Service;

fn service(dir: &std::path::Path) -> Service {
    Service::open(&dir.join("library.sqlite")).expect("open")
}

#[test]
fn the_crossfade_is_off_by_default_and_kept_from_the_settings_page() {
    let dir = tempfile::tempdir().expect("tempdir");
    let service = service(dir.path());
    assert_eq!(service.crossfade().expect("crossfade"), Duration::ZERO);
    let mut page = service.app_settings().expect("app settings");
    assert_eq!(page.crossfade_ms, 0);
    page.crossfade_ms = 4_000;
    service.set_app_settings(&page).expect("save");
    assert_eq!(
        service.crossfade().expect("crossfade"),
        Duration::from_secs(4)
    );
    // Opened again (the next start), the page shows what was saved.
    drop(service);
    let service = self::service(dir.path());
    assert_eq!(
        service.app_settings().expect("app settings").crossfade_ms,
        4_000
    );
}

#[test]
fn a_crossfade_longer_than_the_engine_allows_is_refused_and_nothing_is_saved() {
    let dir = tempfile::tempdir().expect("tempdir");
    let service = service(dir.path());
    service
        .set_crossfade(Duration::from_secs(3))
        .expect("3 s is allowed");
    let mut page = service.app_settings().expect("app settings");
    page.crossfade_ms = 20_000;
    page.autoplay = !page.autoplay;
    let err = service.set_app_settings(&page).expect_err("refused");
    assert_eq!(err.kind(), "invalid_input", "{err}");
    assert!(err.to_string().contains("12 s"), "{err}");
    let kept = service.app_settings().expect("app settings");
    assert_eq!(kept.crossfade_ms, 3_000);
    assert_ne!(
        kept.autoplay, page.autoplay,
        "the rest of the page was not saved either"
    );
    let err = service
        .set_crossfade(Duration::from_secs(13))
        .expect_err("refused");
    assert_eq!(err.kind(), "invalid_input");
    service
        .set_crossfade(segue_playback::MAX_CROSSFADE)
        .expect("the longest is allowed");
}

#[test]
fn a_stored_crossfade_this_version_cannot_use_reads_as_off() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("library.sqlite");
    let store = segue_store::Store::open(&db).expect("store");
    for stored in ["fast", "-5", "99999999"] {
        store
            .set_setting("playback.crossfade_ms", stored)
            .expect("set");
        assert_eq!(
            service(dir.path()).crossfade().expect("crossfade"),
            Duration::ZERO,
            "{stored}"
        );
    }
}

#[test]
fn the_smart_crossfade_is_off_by_default_and_kept_from_the_settings_page_and_the_cli() {
    let dir = tempfile::tempdir().expect("tempdir");
    let service = service(dir.path());
    assert!(!service.crossfade_smart().expect("smart"));
    let mut page = service.app_settings().expect("app settings");
    assert!(!page.crossfade_smart);
    page.crossfade_ms = 4_000;
    page.crossfade_smart = true;
    service.set_app_settings(&page).expect("save");
    drop(service);
    let service = self::service(dir.path());
    assert!(service.crossfade_smart().expect("smart"));
    assert!(
        service
            .app_settings()
            .expect("app settings")
            .crossfade_smart
    );
    // As `segue crossfade --plain` keeps it.
    service.set_crossfade_smart(false).expect("plain");
    assert!(
        !service
            .app_settings()
            .expect("app settings")
            .crossfade_smart
    );
}
