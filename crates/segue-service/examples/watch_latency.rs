//! How long a file copied into a watched library folder takes to be in the library, and how a
//! bulk copy is imported.
//!
//! ```sh
//! cargo run --release -p segue-service --example watch_latency [BULK_FILES]
//! ```
//!
//! A real temporary folder watched by the service (inotify), a real SQLite library, real audio
//! (the gapless fixtures, Ogg, Opus and MP3) copied in:
//! 1. one file at a time, 20 times: from the start of the copy to the track being in the
//!    library (the issue's target is 2 s);
//! 2. BULK_FILES files (default 10,000) copied as fast as the disk takes them, into folders of
//!    100: when the first tracks were in the library, when the last was, and in how many imports
//!    (batches) they came.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use segue_core::{LibraryEvent, ScanCause, WatchState};
use segue_service::{JobOptions, LibraryJobs, Service};

fn fixtures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/gapless");
    ["ogg", "opus", "mp3"]
        .iter()
        .flat_map(|ext| {
            ["part1", "part2"]
                .iter()
                .map(|p| dir.join(format!("{p}.{ext}")))
                .collect::<Vec<_>>()
        })
        .collect()
}

fn tracks(service: &Service) -> u64 {
    service.stats().map(|s| s.tracks).unwrap_or(0)
}

/// Polls until the library holds `count` tracks; when it did, or `None` after `limit`.
fn wait_for_tracks(service: &Service, count: u64, limit: Duration) -> Option<Instant> {
    let start = Instant::now();
    while start.elapsed() < limit {
        if tracks(service) >= count {
            return Some(Instant::now());
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    None
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let bulk: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(10_000);
    let dir = tempfile::tempdir()?;
    let music = segue_service::normalize_folder(&dir.path().join("music"));
    std::fs::create_dir(&music)?;
    let service = Service::open(&dir.path().join("library.sqlite"))?;
    service.add_folders(std::slice::from_ref(&music))?;
    let imports = Arc::new(AtomicUsize::new(0));
    let first_batch: Arc<Mutex<Option<Instant>>> = Arc::default();
    let sink = {
        let (imports, first_batch) = (imports.clone(), first_batch.clone());
        Arc::new(move |e: &LibraryEvent| match e {
            LibraryEvent::ScanStarted {
                cause: ScanCause::FilesChanged,
                ..
            } => {
                imports.fetch_add(1, Ordering::SeqCst);
            }
            LibraryEvent::ScanFinished { report, .. } if report.added > 0 => {
                first_batch
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .get_or_insert_with(Instant::now);
            }
            _ => {}
        })
    };
    let options = JobOptions {
        analyse_after_import: false,
        ..Default::default()
    };
    let jobs = LibraryJobs::new(Arc::new(service), options, sink);
    jobs.scan_all();
    jobs.wait_idle(Duration::from_secs(60));
    jobs.watch()?;
    while jobs.watched_folders().first().map(|w| w.state) != Some(WatchState::Watching) {
        std::thread::sleep(Duration::from_millis(10));
    }
    let service = jobs.service().clone();
    let sources = fixtures();

    // 1. One file at a time.
    let mut times = Vec::new();
    for i in 0..20 {
        let before = tracks(&service);
        let start = Instant::now();
        let source = &sources[i % sources.len()];
        let ext = source.extension().and_then(|e| e.to_str()).unwrap_or("ogg");
        std::fs::copy(source, music.join(format!("single {i:02}.{ext}")))?;
        let done = wait_for_tracks(&service, before + 1, Duration::from_secs(10))
            .ok_or("a copied file never reached the library")?;
        times.push(done - start);
        jobs.wait_idle(Duration::from_secs(10));
    }
    times.sort();
    println!(
        "one file copied -> in library: median {:.0} ms, slowest {:.0} ms over {} copies \
         (target <= 2000 ms)",
        times[times.len() / 2].as_secs_f64() * 1000.0,
        times[times.len() - 1].as_secs_f64() * 1000.0,
        times.len()
    );

    // 2. A bulk copy.
    let before = tracks(&service);
    imports.store(0, Ordering::SeqCst);
    *first_batch.lock().unwrap_or_else(|p| p.into_inner()) = None;
    let start = Instant::now();
    for i in 0..bulk {
        let folder = music.join(format!("bulk {:03}", i / 100));
        if i % 100 == 0 {
            std::fs::create_dir(&folder)?;
        }
        let source = &sources[i % sources.len()];
        let ext = source.extension().and_then(|e| e.to_str()).unwrap_or("ogg");
        std::fs::copy(source, folder.join(format!("{i:05}.{ext}")))?;
    }
    let copied = start.elapsed();
    let done = wait_for_tracks(&service, before + bulk as u64, Duration::from_secs(600))
        .ok_or("the bulk copy never fully reached the library")?;
    let first = first_batch
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .map(|t| t - start);
    println!(
        "bulk copy of {bulk} files: copied in {:.1} s; first tracks in the library after {}; \
         all after {:.1} s ({:.1} s after the copy ended), in {} imports",
        copied.as_secs_f64(),
        first.map_or("-".into(), |t| format!("{:.1} s", t.as_secs_f64())),
        (done - start).as_secs_f64(),
        (done - start).saturating_sub(copied).as_secs_f64(),
        imports.load(Ordering::SeqCst)
    );
    jobs.stop_watching();
    Ok(())
}
