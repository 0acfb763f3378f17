//! Shared by the service's integration tests.
// Each test file uses some of these.
#![allow(dead_code)]

use std::path::Path;
use std::sync::atomic::AtomicBool;

use segue_service::Service;
use segue_service::analysis::{AnalysisOptions, Device};

/// The demo library imported and analysed (CPU, `patches` per track) into `db`.
pub fn analysed_demo(db: &Path, patches: usize) -> Service {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/demo");
    let service = Service::open(db).expect("open");
    service.add_folders(&[demo]).expect("folder");
    let never = AtomicBool::new(false);
    service.scan(&[], &never, &mut |_| {}).expect("scan");
    let mut options = AnalysisOptions {
        workers: 2,
        ..Default::default()
    };
    options.analyzer.device = Device::Cpu;
    options.analyzer.max_patches = patches;
    let report = service
        .analyze(&options, &never, &never, &mut |_| {})
        .expect("analyse");
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    service
}

/// A library in `dir` of the playback fixtures (`tests/fixtures/gapless`) copied under new
/// names, `(fixture, name)`, imported; the ids of a search for each `words`, in that order.
pub fn fixture_library(dir: &Path, files: &[(&str, &str)], words: &[&str]) -> (Service, Vec<i64>) {
    let music = dir.join("music");
    std::fs::create_dir_all(&music).expect("mkdir");
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/gapless");
    for (from, to) in files {
        std::fs::copy(fixtures.join(from), music.join(to)).expect("copy");
    }
    let service = Service::open(&dir.join("library.sqlite")).expect("open");
    service
        .add_folders(std::slice::from_ref(&music))
        .expect("add");
    service
        .scan(&[], &AtomicBool::new(false), &mut |_| {})
        .expect("scan");
    let ids = words.iter().map(|w| track_id(&service, w)).collect();
    (service, ids)
}

/// The first track a search for `words` finds.
pub fn track_id(service: &Service, words: &str) -> i64 {
    service.tracks(Some(words), None).expect("search")[0].id
}

/// Suggestions with no exploration: its draws depend on track ids, which the parallel import
/// hands out in any order; at closeness 0 there are none, and lists are the same in every run.
pub fn without_exploration(service: &Service) {
    let mut closest = service.suggest_settings().expect("settings");
    closest.exploration = 0.0;
    service.set_suggest_settings(&closest).expect("set");
}
