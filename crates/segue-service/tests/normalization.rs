//! Loudness normalisation in "auto" mode (the default): consecutive tracks of one album play at
//! one album gain when they play in order, so the album keeps its dynamics and a gapless join
//! its level; shuffled, each gets its own track gain. A real album of the demo library,
//! measured by the real analysis (EBU R128), a real SQLite file.

use std::path::Path;
use std::sync::atomic::AtomicBool;

use segue_core::NormalizationChoice;
use segue_service::analysis::{AnalysisOptions, Device};
use segue_service::{Normalization, Service};

fn db(gain: f32) -> f32 {
    20.0 * gain.log10()
}

#[test]
fn an_album_in_order_plays_at_one_gain_and_a_shuffle_at_track_gains() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let album = tmp.path().join("music/Frets on Fire Soundtrack");
    std::fs::create_dir_all(&album).expect("dir");
    let demo = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../assets/demo/Sectoid/Frets on Fire Soundtrack");
    for entry in std::fs::read_dir(&demo).expect("demo album") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "m4a") {
            std::fs::copy(&path, album.join(path.file_name().expect("name"))).expect("copy");
        }
    }
    let service = Service::open(&tmp.path().join("library.sqlite")).expect("open");
    let never = AtomicBool::new(false);
    service
        .scan(&[tmp.path().join("music")], &never, &mut |_| {})
        .expect("scan");
    let mut options = AnalysisOptions {
        workers: 1,
        ..Default::default()
    };
    options.analyzer.device = Device::Cpu;
    options.analyzer.max_patches = 1;
    let report = service
        .analyze(&options, &never, &never, &mut |_| {})
        .expect("analyse");
    assert!(report.failed.is_empty(), "{report:?}");
    let mut tracks = service.tracks(None, None).expect("tracks");
    tracks.sort_by_key(|t| t.tags.track_number);
    let (first, second) = (tracks[0].id, tracks[1].id);

    let auto = Normalization::default();
    assert_eq!(auto.mode, NormalizationChoice::Auto);
    let track_mode = Normalization {
        mode: NormalizationChoice::Track,
        ..auto
    };
    let by_track = service
        .normalization_gains(&[first, second], &track_mode)
        .expect("gains");
    let jump = db(by_track[1]) - db(by_track[0]);
    println!("track gain: the join jumps {jump:+.2} dB");
    assert!(
        jump.abs() > 0.5,
        "the halves must differ for this test to mean anything: {jump:+.2} dB"
    );

    // In album order: one gain for both, the album's.
    let in_order = service
        .normalization_gains(&[first, second], &auto)
        .expect("gains");
    assert!(
        (db(in_order[0]) - db(in_order[1])).abs() < 0.01,
        "{in_order:?}"
    );
    // Out of order: each its own track gain, as track mode gives.
    let shuffled = service
        .normalization_gains(&[second, first], &auto)
        .expect("gains");
    assert!((shuffled[0] - by_track[1]).abs() < 1e-6, "{shuffled:?}");
    assert!((shuffled[1] - by_track[0]).abs() < 1e-6, "{shuffled:?}");
    // A track alone is not in album order.
    let alone = service
        .normalization_gains(&[second], &auto)
        .expect("gains");
    assert!((alone[0] - by_track[1]).abs() < 1e-6);
}
