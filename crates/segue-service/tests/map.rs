//! The library map over the real demo library, analysed by the real models into a real SQLite
//! file: laid out by the job that follows analysis, a track added later placed among the
//! others without moving them, coloured by tags and listening, and a stopped layout keeping
//! the map as it was.

use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use segue_core::{LibraryEvent, ListeningMark, MapColouring, MapView};
use segue_service::analysis::Device;
use segue_service::{JobOptions, LibraryJobs, Service};

fn copy_demo(to: &Path, leave_out: &str) {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/demo");
    for entry in walk(&demo) {
        let rel = entry.strip_prefix(&demo).expect("inside");
        if rel.to_string_lossy().contains(leave_out) {
            continue;
        }
        let target = to.join(rel);
        std::fs::create_dir_all(target.parent().expect("parent")).expect("mkdir");
        std::fs::copy(&entry, &target).expect("copy");
    }
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).expect("read dir").flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

fn point_of(view: &MapView, id: i64) -> Option<(f32, f32)> {
    let i = view.track_ids.iter().position(|t| *t == id)?;
    Some((view.x[i], view.y[i]))
}

#[test]
fn the_map_follows_analysis_and_places_a_new_track_without_moving_the_others() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let music = tmp.path().join("music");
    // The held-back track arrives later.
    let late = "02 Forest Dance";
    copy_demo(&music, late);
    let service = Arc::new(Service::open(&tmp.path().join("library.sqlite")).expect("open"));
    service
        .add_folders(std::slice::from_ref(&music))
        .expect("folder");
    let events: Arc<Mutex<Vec<LibraryEvent>>> = Arc::default();
    let sink = {
        let events = events.clone();
        Arc::new(move |e: &LibraryEvent| events.lock().expect("events").push(e.clone()))
    };
    let jobs = LibraryJobs::new(
        service.clone(),
        JobOptions {
            device: Some(Device::Cpu),
            workers: 2,
            max_patches: Some(1),
            ..Default::default()
        },
        sink,
    );
    jobs.scan_all();
    assert!(jobs.wait_idle(Duration::from_secs(600)), "jobs finish");

    // Every analysed track is on the map, and the job said so.
    let first = service.map_view().expect("view");
    let analysed = service.track_rows().expect("rows").len();
    assert_eq!(first.track_ids.len(), analysed, "{first:?}");
    assert_eq!(first.unplaced, 0);
    assert!(first.x.iter().chain(&first.y).all(|v| v.is_finite()));
    assert!(!first.labels.is_empty(), "regions are named");
    let finished: Vec<String> = events
        .lock()
        .expect("events")
        .iter()
        .filter_map(|e| match e {
            LibraryEvent::MapFinished { status } => status.message.clone(),
            _ => None,
        })
        .collect();
    assert_eq!(finished.len(), 1, "{finished:?}");
    assert!(
        finished[0].starts_with(&format!("Laid out {analysed} tracks on the map in ")),
        "{finished:?}"
    );

    // The late track arrives: it is placed, nobody else moves.
    copy_demo(&music, "\u{0}nothing left out");
    events.lock().expect("events").clear();
    jobs.scan_all();
    assert!(jobs.wait_idle(Duration::from_secs(600)), "jobs finish");
    let second = service.map_view().expect("view");
    assert_eq!(second.track_ids.len(), analysed + 1);
    for &id in &first.track_ids {
        assert_eq!(
            point_of(&first, id),
            point_of(&second, id),
            "track {id} moved"
        );
    }
    let new_id = *second
        .track_ids
        .iter()
        .find(|id| !first.track_ids.contains(id))
        .expect("the new track is on the map");
    let (x, y) = point_of(&second, new_id).expect("point");
    assert!(x.is_finite() && y.is_finite());
    assert!(events.lock().expect("events").iter().any(|e| matches!(
        e,
        LibraryEvent::MapFinished { status } if status.message.as_deref() == Some("Placed 1 new tracks on the map.")
    )));

    // Hover and click: the track's tags, and its true neighbours (not itself, most alike
    // first).
    let hovered = service.map_track(new_id).expect("track");
    assert!(hovered.title.contains("Forest Dance"), "{hovered:?}");
    assert!(!hovered.top_tags.is_empty());
    let near = service.map_neighbours(new_id, 5).expect("neighbours");
    assert_eq!(near.len(), 5);
    assert!(near.iter().all(|n| n.track_id != new_id));
    assert!(near.windows(2).all(|w| w[0].similarity >= w[1].similarity));
    assert_eq!(
        service.map_track(999_999).map_err(|e| e.kind()).err(),
        Some("not_found")
    );

    // Colours: a tag's strength per point, the listener's history per point.
    let tag = service.map_tags().expect("tags").remove(0);
    let strength = service
        .map_colours(&MapColouring::Tag { tag })
        .expect("colours");
    assert_eq!(strength.values.len(), second.track_ids.len());
    assert_eq!(strength.values.iter().max(), Some(&255));
    assert_eq!(
        service
            .map_colours(&MapColouring::Tag {
                tag: "no such tag".into()
            })
            .map_err(|e| e.kind())
            .err(),
        Some("invalid_input")
    );
    service.rate(new_id, Some(5)).expect("rate");
    let marks = service
        .map_colours(&MapColouring::Listening)
        .expect("colours");
    let at = second
        .track_ids
        .iter()
        .position(|t| *t == new_id)
        .expect("in");
    assert_eq!(marks.values[at], ListeningMark::RatedHigh as u8);
    assert_eq!(
        marks
            .values
            .iter()
            .filter(|v| **v == ListeningMark::Unheard as u8)
            .count(),
        second.track_ids.len() - 1
    );

    // A relayout that is stopped keeps the map as it was.
    let stop = AtomicBool::new(true);
    let report = service.update_map(true, &stop, &|_| {}).expect("runs");
    assert!(report.cancelled);
    assert_eq!(service.map_view().expect("view"), second);
}
