//! Analysis of a real library through the service: the real decoder, the real ONNX Runtime
//! on the committed models, a real SQLite file.

use std::path::Path;
use std::sync::atomic::AtomicBool;

use segue_service::Service;
use segue_service::analysis::{AnalysisOptions, Device};

/// A valid 16-bit mono 8 kHz WAV of `frames` zero samples.
fn silent_wav(frames: u32) -> Vec<u8> {
    let data = frames * 2;
    let mut v = Vec::new();
    v.extend_from_slice(b"RIFF");
    v.extend_from_slice(&(36 + data).to_le_bytes());
    v.extend_from_slice(b"WAVEfmt ");
    v.extend_from_slice(&16u32.to_le_bytes());
    v.extend_from_slice(&1u16.to_le_bytes());
    v.extend_from_slice(&1u16.to_le_bytes());
    v.extend_from_slice(&8_000u32.to_le_bytes());
    v.extend_from_slice(&16_000u32.to_le_bytes());
    v.extend_from_slice(&2u16.to_le_bytes());
    v.extend_from_slice(&16u16.to_le_bytes());
    v.extend_from_slice(b"data");
    v.extend_from_slice(&data.to_le_bytes());
    v.resize(v.len() + data as usize, 0);
    v
}

fn tracks_named(service: &Service, word: &str) -> i64 {
    service.tracks(Some(word), None).expect("search")[0].id
}

fn options() -> AnalysisOptions {
    let mut o = AnalysisOptions {
        workers: 2,
        ..Default::default()
    };
    o.analyzer.device = Device::Cpu;
    o.analyzer.max_patches = 2;
    o
}

#[test]
fn analyses_everything_once_records_failures_and_resumes() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let music = tmp.path().join("music");
    std::fs::create_dir(&music).expect("dir");
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/demo");
    for name in [
        "Wansti/SuperTux Soundtrack/04 Boss Attack.wav",
        "Maxstack/Endgame - Singularity Original Soundtrack/02 Coherence.opus",
        "Muldjord/Frets on Fire Soundtrack/01 Armygeddon.mp3",
    ] {
        let src = demo.join(name);
        let file_name = src.file_name().expect("name").to_owned();
        std::fs::copy(&src, music.join(file_name)).expect("copy");
    }
    let service = Service::open(&tmp.path().join("library.sqlite")).expect("open");
    let never = AtomicBool::new(false);
    service
        .scan(std::slice::from_ref(&music), &never, &mut |_| {})
        .expect("scan");
    let mut seen = Vec::new();
    let report = service
        .analyze(&options(), &never, &never, &mut |p| seen.push(p.done))
        .expect("analyze");
    assert_eq!(report.analysed, 3, "{report:?}");
    assert!(report.failed.is_empty(), "{report:?}");
    assert_eq!(seen.last(), Some(&3));
    let tracks = service.tracks(None, None).expect("tracks");
    for t in &tracks {
        let a = service.analysis(t.id).expect("query").expect("analysed");
        assert_eq!(
            (a.tags_msd.len(), a.tags_mtt.len(), a.embedding.len()),
            (50, 50, 200)
        );
        assert!(a.dsp.bpm >= 40.0 && a.dsp.bpm <= 240.0, "{}", a.dsp.bpm);
        assert_eq!(a.dsp.waveform.len(), 256);
        let l = a.loudness.expect("loudness");
        assert!((-40.0..0.0).contains(&l.integrated_lufs), "{l:?}");
        // Probabilities, and the track's tags are not all alike.
        assert!(a.tags_msd.iter().all(|p| (0.0..=1.0).contains(p)));
        let spread = a.tags_msd.iter().copied().fold(0.0f32, f32::max)
            - a.tags_msd.iter().copied().fold(1.0f32, f32::min);
        assert!(spread > 0.05);
    }
    // Nothing left to do: a second run analyses nothing.
    let again = service
        .analyze(&options(), &never, &never, &mut |_| {})
        .expect("analyze again");
    assert_eq!(again.analysed, 0);

    // A short silent file: analysed, with no loudness to measure.
    std::fs::write(music.join("silence.wav"), silent_wav(8_000)).expect("write");
    service
        .scan(std::slice::from_ref(&music), &never, &mut |_| {})
        .expect("rescan");
    let third = service
        .analyze(&options(), &never, &never, &mut |_| {})
        .expect("analyze new");
    assert_eq!((third.analysed, third.failed.len()), (1, 0), "{third:?}");
    let silent = tracks_named(&service, "silence");
    let a = service.analysis(silent).expect("query").expect("analysed");
    assert_eq!(a.loudness, None);

    // A file damaged after the scan: its failure is recorded with the reason, the rest stay
    // analysed, and the same version does not retry it. (A file that is gone records nothing:
    // it is analysed once it is back, tests/live_folders.rs.)
    std::fs::copy(
        demo.join("Muldjord/Mutilated Mime/02 Mutilated Mime.mp3"),
        music.join("gone.mp3"),
    )
    .expect("copy");
    service
        .scan(std::slice::from_ref(&music), &never, &mut |_| {})
        .expect("rescan");
    std::fs::write(
        music.join("gone.mp3"),
        b"overwritten: no longer audio".repeat(64),
    )
    .expect("overwrite");
    let failing = service
        .analyze(&options(), &never, &never, &mut |_| {})
        .expect("analyze");
    assert_eq!(
        (failing.analysed, failing.failed.len()),
        (0, 1),
        "{failing:?}"
    );
    assert!(failing.failed[0].1.ends_with("gone.mp3"), "{failing:?}");
    assert!(failing.failed[0].2.contains("format"), "{failing:?}");
    let fourth = service
        .analyze(&options(), &never, &never, &mut |_| {})
        .expect("analyze again");
    assert_eq!((fourth.analysed, fourth.failed.len()), (0, 0));

    // Cancelled before starting: nothing analysed, nothing lost.
    let cancelled = AtomicBool::new(true);
    std::fs::copy(
        demo.join("Muldjord/Mutilated Mime/01 Internal Degeneration.mp3"),
        music.join("new.mp3"),
    )
    .expect("copy");
    service
        .scan(std::slice::from_ref(&music), &never, &mut |_| {})
        .expect("rescan");
    let stopped = service
        .analyze(&options(), &cancelled, &never, &mut |_| {})
        .expect("cancelled run");
    assert!(stopped.cancelled && stopped.analysed == 0, "{stopped:?}");
    let resumed = service
        .analyze(&options(), &never, &never, &mut |_| {})
        .expect("resume");
    assert_eq!(resumed.analysed, 1);
}

#[test]
fn without_the_models_analysis_measures_loudness_and_says_why() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let music = tmp.path().join("music");
    std::fs::create_dir(&music).expect("dir");
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/demo");
    std::fs::copy(
        demo.join("Wansti/SuperTux Soundtrack/04 Boss Attack.wav"),
        music.join("boss.wav"),
    )
    .expect("copy");
    let service = Service::open(&tmp.path().join("library.sqlite")).expect("open");
    let never = AtomicBool::new(false);
    service.add_folders(&[music]).expect("folder");
    service.scan(&[], &never, &mut |_| {}).expect("scan");
    let mut o = options();
    o.analyzer.models_dir = tmp.path().join("no-models");
    let report = service
        .analyze(&o, &never, &never, &mut |_| {})
        .expect("DSP only");
    assert_eq!(report.analysed, 1);
    assert!(
        report.provider.starts_with("none") && report.provider.contains("musicnn-msd.onnx"),
        "says why: {}",
        report.provider
    );
    let id = tracks_named(&service, "boss");
    let a = service.analysis(id).expect("read").expect("stored");
    assert!(a.loudness.is_some(), "loudness still measured");
    assert!(a.dsp.bpm > 0.0 && a.tags_msd.is_empty() && a.embedding.is_empty());
    // With the models back, the track is analysed again, fully.
    let full = service
        .analyze(&options(), &never, &never, &mut |_| {})
        .expect("full");
    assert_eq!(full.analysed, 1);
    let a = service.analysis(id).expect("read").expect("stored");
    assert_eq!((a.tags_msd.len(), a.embedding.len()), (50, 200));
    // Asked for by name, a device that cannot run is an error, not a silent fallback.
    let mut cuda = options();
    cuda.analyzer.device = Device::Cuda;
    cuda.analyzer.models_dir = tmp.path().join("no-models");
    let err = service
        .analyze(&cuda, &never, &never, &mut |_| {})
        .expect_err("cuda without models");
    assert_eq!(err.kind(), "model", "{err}");
}

/// `ogg` with its last page's granule position (the stream's end, in samples) replaced by
/// `granule` and the page checksum redone: what a cut with `ffmpeg -c copy` past the end
/// leaves, a stream that claims to last millions of years.
fn ogg_claiming_length(ogg: &[u8], granule: u64) -> Vec<u8> {
    let mut data = ogg.to_vec();
    let mut last = None;
    let mut at = 0;
    while at + 27 <= data.len() && &data[at..at + 4] == b"OggS" {
        let segments = usize::from(data[at + 26]);
        let body: usize = data[at + 27..at + 27 + segments]
            .iter()
            .map(|&s| usize::from(s))
            .sum();
        last = Some((at, 27 + segments + body));
        at += 27 + segments + body;
    }
    let (start, len) = last.expect("an Ogg page");
    data[start + 6..start + 14].copy_from_slice(&granule.to_le_bytes());
    data[start + 22..start + 26].fill(0);
    // Ogg's CRC-32: polynomial 0x04c11db7, no reflection, initial value 0.
    let crc = data[start..start + len]
        .iter()
        .fold(0u32, |mut crc, &byte| {
            crc ^= u32::from(byte) << 24;
            for _ in 0..8 {
                crc = if crc & 0x8000_0000 != 0 {
                    (crc << 1) ^ 0x04c1_1db7
                } else {
                    crc << 1
                };
            }
            crc
        });
    data[start + 22..start + 26].copy_from_slice(&crc.to_le_bytes());
    data
}

#[test]
fn a_damaged_length_never_stops_analysis_and_is_refused_at_the_next_import() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let music = tmp.path().join("music");
    std::fs::create_dir(&music).expect("dir");
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/demo");
    let ogg = std::fs::read(demo.join("Shawn Parrotte/HyperRogue Soundtrack/01 Hell.ogg"))
        .expect("demo ogg");
    std::fs::write(music.join("a cut.ogg"), &ogg).expect("write");
    std::fs::copy(
        demo.join("Muldjord/Frets on Fire Soundtrack/01 Armygeddon.mp3"),
        music.join("b after.mp3"),
    )
    .expect("copy");
    let service = Service::open(&tmp.path().join("library.sqlite")).expect("open");
    let never = AtomicBool::new(false);
    service
        .scan(std::slice::from_ref(&music), &never, &mut |_| {})
        .expect("scan");
    // Damaged after the import (or imported by an older Segue): analysis must still go on.
    let damaged = ogg_claiming_length(&ogg, 0x7fff_ffff_ffff_0000);
    std::fs::write(music.join("a cut.ogg"), &damaged).expect("damage");
    let report = service
        .analyze(&options(), &never, &never, &mut |_| {})
        .expect("the run finishes");
    assert_eq!(
        report.analysed as usize + report.failed.len(),
        2,
        "{report:?}"
    );
    let after = tracks_named(&service, "after");
    assert!(service.analysis(after).expect("query").is_some());

    // The next scan sees the changed file and refuses its length, saying why.
    service
        .scan(std::slice::from_ref(&music), &never, &mut |_| {})
        .expect("rescan");
    let issues = service.issues().expect("issues");
    let issue = issues
        .iter()
        .find(|i| i.path.ends_with("a cut.ogg"))
        .unwrap_or_else(|| panic!("the damaged file is reported: {issues:?}"));
    assert!(
        issue.message.contains("million years") && issue.message.contains("length"),
        "{}",
        issue.message
    );
    assert_eq!(service.tracks(None, None).expect("tracks").len(), 1);
}
