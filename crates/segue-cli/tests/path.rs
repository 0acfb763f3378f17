//! `segue path` end to end: the real binary on a real library file, the demo library analysed
//! (CPU, 4 patches a track, through the service as `segue analyze` would), and its refusals.

mod common;

use common::run;
use std::path::Path;
use std::process::Output;
use std::sync::atomic::AtomicBool;

use segue_service::Service;
use segue_service::analysis::{AnalysisOptions, Device};

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_path_prints_each_step_with_why_saves_queues_and_refuses_clearly() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = tmp.path().join("library.sqlite");
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/demo");
    let service = Service::open(&db).expect("open");
    service.add_folders(&[demo]).expect("folder");
    let never = AtomicBool::new(false);
    service.scan(&[], &never, &mut |_| {}).expect("scan");
    let mut options = AnalysisOptions {
        workers: 2,
        ..Default::default()
    };
    options.analyzer.device = Device::Cpu;
    options.analyzer.max_patches = 4;
    service
        .analyze(&options, &never, &never, &mut |_| {})
        .expect("analyse");
    let id = |words: &str| service.tracks(Some(words), None).expect("search")[0].id;
    let (rock, ambient) = (id("boss attack"), id("awakening"));

    // Tracks named by search words, as other commands take them.
    let out = run(&db, &["path", "boss attack", "awakening", "-n", "5"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("From Boss Attack"), "{text}");
    assert_eq!(
        text.matches("\n      ").count(),
        5,
        "five steps, each with why: {text}"
    );
    assert!(
        text.contains("Sets out towards")
            && text.contains("Bridges ")
            && text.contains("Arrives from"),
        "{text}"
    );

    // --json, saved and queued: the playlist and the queue hold the path in order.
    let out = run(
        &db,
        &[
            "path",
            &rock.to_string(),
            &ambient.to_string(),
            "-n",
            "5",
            "--json",
            "--save",
            "Rock to ambient",
            "--queue",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let path: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    let ids: Vec<i64> = path["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|s| s["track_id"].as_i64().expect("id"))
        .collect();
    assert_eq!((ids.len(), ids[0], ids[4]), (5, rock, ambient));
    assert!(
        stderr(&out).contains("Saved as the playlist \"Rock to ambient\""),
        "{}",
        stderr(&out)
    );
    let playlist = service.playlist_named("Rock to ambient").expect("saved");
    let saved: Vec<i64> = service
        .playlist_entries(playlist.id)
        .expect("entries")
        .iter()
        .filter_map(|e| e.track.as_ref().map(|t| t.id))
        .collect();
    assert_eq!(saved, ids);
    let queue: Vec<i64> = service
        .saved_session()
        .expect("queue")
        .queue
        .iter()
        .map(|e| e.track_id)
        .collect();
    assert_eq!(queue, ids);

    // Towards a tag.
    let out = run(&db, &["path", "boss attack", "tag:ambient", "-n", "4"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("Arrives at ambient from"),
        "{}",
        stdout(&out)
    );

    // Refusals: exit 1, a clear line, nothing printed as a path.
    for (args, said) in [
        (
            vec!["path", "987654", "awakening"],
            "no track with id 987654",
        ),
        (
            vec!["path", "boss attack", "awakening", "-n", "500"],
            "at most 200 tracks, not 500",
        ),
        (
            vec!["path", "boss attack", "awakening", "-n", "1"],
            "at least 2 tracks",
        ),
        (
            vec!["path", "boss attack", "tag:polka"],
            "no tag is called \"polka\"",
        ),
        (
            vec!["path", "boss attack", "boss attack"],
            "starts and ends at the same track",
        ),
    ] {
        let out = run(&db, &args);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stdout(&out));
        assert!(stderr(&out).contains(said), "{args:?}: {}", stderr(&out));
        assert!(stdout(&out).is_empty(), "{args:?}: {}", stdout(&out));
    }
}
