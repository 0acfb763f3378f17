//! Files cut short (a download that stopped, an Ogg missing its last byte) are imported, play
//! what is there and say they are truncated; analysis decodes them to the length stored.
//! Real demo files of every format cut with their bytes, a real SQLite file, the real decoder.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use segue_core::PlayEnd;
use segue_service::analysis::{AnalysisOptions, Device};
use segue_service::{PlayerEvent, Service};

/// One demo file per format.
fn demo_per_format() -> Vec<PathBuf> {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/demo");
    let mut by_ext: HashMap<String, PathBuf> = HashMap::new();
    for entry in walk(&demo) {
        if let Some(ext) = entry.extension().and_then(|e| e.to_str())
            && ["flac", "mp3", "ogg", "opus", "m4a", "wav", "aiff"].contains(&ext)
        {
            by_ext.entry(ext.to_owned()).or_insert(entry);
        }
    }
    let mut files: Vec<PathBuf> = by_ext.into_values().collect();
    files.sort();
    files
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn truncated_files_import_play_what_is_there_and_say_so() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let music = tmp.path().join("music");
    std::fs::create_dir(&music).expect("dir");
    let mut cut_files = Vec::new();
    for src in demo_per_format() {
        let ext = src.extension().and_then(|e| e.to_str()).expect("ext");
        let data = std::fs::read(&src).expect("read");
        for (name, keep) in [
            ("missing-last-byte", data.len() - 1),
            ("at-95-percent", data.len() * 95 / 100),
        ] {
            let path = music.join(format!("{name}.{ext}"));
            std::fs::write(&path, &data[..keep]).expect("write");
            cut_files.push((path, ext.to_owned()));
        }
    }
    let service = Service::open(&tmp.path().join("library.sqlite")).expect("open");
    let never = AtomicBool::new(false);
    let report = service
        .scan(std::slice::from_ref(&music), &never, &mut |_| {})
        .expect("scan");

    // An MP4 keeps its index (moov) at the end here: cut, nothing can be played, and it says so.
    let unplayable: Vec<&PathBuf> = cut_files
        .iter()
        .filter(|(_, ext)| ext == "m4a")
        .map(|(p, _)| p)
        .collect();
    let tracks = service.tracks(None, None).expect("tracks");
    assert_eq!(
        tracks.len(),
        cut_files.len() - unplayable.len(),
        "every other cut file is in the library: {:#?}",
        report.issues
    );
    let issues = service.issues().expect("issues");
    for (path, ext) in &cut_files {
        let issue = issues.iter().find(|i| Path::new(&i.path) == path);
        // A whole Ogg page or 5 % missing is always seen; a byte off a FLAC frame, a WAV or an
        // MP3 plays all but that byte, and need not be flagged.
        let must_say = path.to_string_lossy().contains("95") || ext == "ogg" || ext == "opus";
        match issue {
            Some(issue) => {
                assert_eq!(issue.kind, segue_core::IssueKind::Truncated, "{issue:?}");
                let imported = !unplayable.contains(&path);
                assert_eq!(issue.imported, imported, "{issue:?}");
                if imported {
                    assert!(issue.message.contains("Segue plays the"), "{issue:?}");
                }
            }
            None => assert!(!must_say, "{} is reported: {issues:#?}", path.display()),
        }
    }

    // What is there decodes, to the length stored (analysis decodes every sample).
    let mut options = AnalysisOptions {
        workers: 2,
        ..Default::default()
    };
    options.analyzer.device = Device::Cpu;
    options.analyzer.max_patches = 1;
    let analysed = service
        .analyze(&options, &never, &never, &mut |_| {})
        .expect("analyse");
    assert!(analysed.failed.is_empty(), "{:?}", analysed.failed);
    for t in &tracks {
        let a = service.analysis(t.id).expect("query").expect("analysed");
        let stored = t.audio.duration_ms as f64 / 1000.0;
        assert!(
            (a.dsp.duration_s - stored).abs() <= 0.5 + 0.02 * stored,
            "{}: stored {stored:.2} s, decoded {:.2} s",
            t.path,
            a.dsp.duration_s
        );
    }
}

/// A file imported as truncated plays to the end of what is there and that play counts as a
/// full listen: its header's longer length does not make it "a file cut short while playing".
/// Real playback into the PulseAudio null sink (scripts/pulse-test-sink.sh).
#[test]
fn a_truncated_file_played_to_its_end_is_a_full_listen() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let music = tmp.path().join("music");
    std::fs::create_dir(&music).expect("dir");
    let flac = demo_per_format()
        .into_iter()
        .find(|p| p.extension().is_some_and(|e| e == "flac"))
        .expect("a demo FLAC");
    let data = std::fs::read(&flac).expect("read");
    std::fs::write(music.join("cut.flac"), &data[..data.len() * 9 / 10]).expect("write");
    let service = Service::open(&tmp.path().join("library.sqlite")).expect("open");
    let never = AtomicBool::new(false);
    service
        .scan(std::slice::from_ref(&music), &never, &mut |_| {})
        .expect("scan");
    let track = service.tracks(None, None).expect("tracks")[0].clone();
    let playback = service.start_playback().expect("a null sink to play into");
    playback
        .play_tracks(&service, &[track.id], 0)
        .expect("play");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let mut seeked = false;
    let mut seen = Vec::new();
    let ended = loop {
        let left = deadline
            .checked_duration_since(std::time::Instant::now())
            .unwrap_or_else(|| panic!("the track never ended; saw {seen:?}"));
        let Ok(event) = playback.events().recv_timeout(left) else {
            panic!("the track never ended; saw {seen:?}");
        };
        match &event {
            PlayerEvent::TrackStarted { .. } if !seeked => {
                seeked = true;
                let near_end = track.audio.duration_ms.saturating_sub(1_500);
                playback
                    .player()
                    .seek(std::time::Duration::from_millis(near_end))
                    .expect("seek");
            }
            PlayerEvent::TrackEnded { reason, .. } => break *reason,
            _ => {}
        }
        seen.push(event);
    };
    assert_eq!(ended, PlayEnd::Completed, "{seen:?}");
    assert!(
        !seen.iter().any(|e| matches!(e, PlayerEvent::Error { .. })),
        "{seen:?}"
    );
}
