//! Live folders: a real temporary folder watched by the service (inotify), a real SQLite file,
//! real audio copied in. What lands in a library folder is in the library within two seconds,
//! without a rescan; a folder that vanishes is a state, not an error, and is watched again when
//! it returns.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use segue_core::{LibraryEvent, ScanCause, TrackRow, WatchState};
use segue_service::analysis::Device;
use segue_service::{JobOptions, LibraryJobs, Service};

/// The promise: a watched file appears within two seconds.
const APPEARS_WITHIN: Duration = Duration::from_secs(2);

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/gapless")
        .join(name)
}

/// Every event the jobs sent, with when it came.
type Log = Arc<Mutex<Vec<(Instant, LibraryEvent)>>>;

struct Library {
    _dir: tempfile::TempDir,
    music: PathBuf,
    jobs: Arc<LibraryJobs>,
    log: Log,
}

/// A library over an empty music folder, imported once and watched.
fn watched_library(options: JobOptions) -> Library {
    let dir = tempfile::tempdir().expect("tempdir");
    let music = dir.path().join("music");
    std::fs::create_dir(&music).expect("mkdir");
    let music = segue_service::normalize_folder(&music);
    let service = Service::open(&dir.path().join("library.sqlite")).expect("open");
    service
        .add_folders(std::slice::from_ref(&music))
        .expect("add");
    let log: Log = Arc::default();
    let sink = {
        let log = log.clone();
        Arc::new(move |e: &LibraryEvent| {
            log.lock()
                .unwrap_or_else(|p| p.into_inner())
                .push((Instant::now(), e.clone()))
        })
    };
    let jobs = LibraryJobs::new(Arc::new(service), options, sink);
    jobs.scan_all();
    assert!(jobs.wait_idle(Duration::from_secs(30)), "first import");
    jobs.watch().expect("watch");
    let library = Library {
        _dir: dir,
        music,
        jobs,
        log,
    };
    library.wait_for("the folder to be watched", Duration::from_secs(5), |l| {
        l.states().first().map(|w| w.state) == Some(WatchState::Watching)
    });
    library
}

fn import_only() -> JobOptions {
    JobOptions {
        analyse_after_import: false,
        ..Default::default()
    }
}

impl Library {
    fn rows(&self) -> Vec<TrackRow> {
        self.jobs.service().track_rows().expect("rows")
    }

    fn path_of(&self, row: &TrackRow) -> PathBuf {
        PathBuf::from(self.jobs.service().track(row.id).expect("track").path)
    }

    fn row_at(&self, path: &Path) -> Option<TrackRow> {
        self.rows().into_iter().find(|r| self.path_of(r) == path)
    }

    fn states(&self) -> Vec<segue_core::FolderWatch> {
        self.jobs.watched_folders()
    }

    fn events(&self) -> Vec<(Instant, LibraryEvent)> {
        self.log.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Imports for file changes that started after `since`.
    fn imports_since(&self, since: Instant) -> usize {
        self.events()
            .iter()
            .filter(|(at, e)| {
                *at >= since
                    && matches!(
                        e,
                        LibraryEvent::ScanStarted {
                            cause: ScanCause::FilesChanged,
                            ..
                        }
                    )
            })
            .count()
    }

    /// Polls `done` until it holds; how long that took. Fails the test after `limit`.
    fn wait_for(
        &self,
        what: &str,
        limit: Duration,
        mut done: impl FnMut(&Library) -> bool,
    ) -> Duration {
        let start = Instant::now();
        while !done(self) {
            assert!(
                start.elapsed() < limit,
                "waited {limit:?} for {what}; events: {:#?}",
                self.events().iter().map(|(_, e)| e).collect::<Vec<_>>()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        start.elapsed()
    }
}

#[test]
fn files_added_changed_moved_and_removed_show_up_within_two_seconds_without_a_rescan() {
    let lib = watched_library(import_only());
    assert!(lib.rows().is_empty());

    // Added.
    let song = lib.music.join("song.ogg");
    std::fs::copy(fixture("part1.ogg"), &song).expect("copy");
    let took = lib.wait_for("the copied file", APPEARS_WITHIN, |l| {
        l.row_at(&song).is_some()
    });
    eprintln!("added: in the library after {took:?}");
    let added = lib.row_at(&song).expect("row");

    // Changed: other audio under the same name is the same track, read again.
    std::fs::copy(fixture("part2.ogg"), &song).expect("overwrite");
    let took = lib.wait_for("the changed file", APPEARS_WITHIN, |l| {
        l.row_at(&song)
            .is_some_and(|r| r.duration_ms != added.duration_ms)
    });
    eprintln!("changed: read again after {took:?}");
    assert_eq!(lib.row_at(&song).expect("row").id, added.id);

    // Moved into a new folder: the same track (id, rating) at its new path.
    lib.jobs.service().rate(added.id, Some(4)).expect("rate");
    let album = lib.music.join("Album");
    std::fs::create_dir(&album).expect("mkdir");
    let moved = album.join("01 song.ogg");
    std::fs::rename(&song, &moved).expect("move");
    let took = lib.wait_for("the moved file", APPEARS_WITHIN, |l| {
        l.row_at(&moved).is_some()
    });
    eprintln!("moved: found at its new path after {took:?}");
    let row = lib.row_at(&moved).expect("row");
    assert_eq!(row.id, added.id, "a moved file keeps its track");
    assert_eq!(row.rating, Some(4));
    assert_eq!(lib.rows().len(), 1);

    // Removed: out of the library.
    std::fs::remove_file(&moved).expect("remove");
    let took = lib.wait_for("the removed file to go", APPEARS_WITHIN, |l| {
        l.rows().is_empty()
    });
    eprintln!("removed: gone after {took:?}");
}

#[test]
fn reading_library_files_is_not_a_change() {
    let lib = watched_library(import_only());
    let song = lib.music.join("song.ogg");
    std::fs::copy(fixture("part1.ogg"), &song).expect("copy");
    lib.wait_for("the copied file", APPEARS_WITHIN, |l| {
        l.row_at(&song).is_some()
    });
    assert!(lib.jobs.wait_idle(Duration::from_secs(10)));
    let before = Instant::now();
    // What playback and analysis do all day; and the import's own reads must not start another
    // import (a loop).
    for _ in 0..5 {
        let bytes = std::fs::read(&song).expect("read");
        assert!(!bytes.is_empty());
    }
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(lib.imports_since(before), 0, "reading started an import");

    // A hidden file (the import skips those) is no change either.
    std::fs::write(lib.music.join(".song.ogg.part"), b"partial").expect("write");
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(
        lib.imports_since(before),
        0,
        "a hidden file started an import"
    );
}

#[test]
fn a_burst_of_files_is_imported_in_a_few_batches_not_one_import_per_file() {
    let lib = watched_library(import_only());
    let count = 300;
    let source = std::fs::read(fixture("part1.ogg")).expect("read");
    let started = Instant::now();
    for i in 0..count {
        let folder = lib.music.join(format!("disc {}", i / 50));
        std::fs::create_dir_all(&folder).expect("mkdir");
        std::fs::write(folder.join(format!("{i:03}.ogg")), &source).expect("write");
    }
    let copied = started.elapsed();
    let took = lib.wait_for("every file of the burst", Duration::from_secs(30), |l| {
        l.rows().len() == count
    });
    let imports = lib.imports_since(started);
    eprintln!(
        "{count} files copied in {copied:?}, all in the library {took:?} after the last, in \
         {imports} imports"
    );
    assert!(
        (1..=10).contains(&imports),
        "{imports} imports for {count} files"
    );
}

#[test]
fn a_folder_that_vanishes_keeps_its_tracks_and_is_watched_again_when_it_returns() {
    let lib = watched_library(import_only());
    let song = lib.music.join("song.ogg");
    std::fs::copy(fixture("part1.ogg"), &song).expect("copy");
    lib.wait_for("the copied file", APPEARS_WITHIN, |l| {
        l.row_at(&song).is_some()
    });
    let id = lib.row_at(&song).expect("row").id;
    assert!(lib.jobs.wait_idle(Duration::from_secs(10)));

    // The drive is unplugged (the folder is renamed away).
    let away = lib.music.with_file_name("music-away");
    std::fs::rename(&lib.music, &away).expect("rename away");
    let since = Instant::now();
    lib.wait_for(
        "the folder to be unavailable",
        Duration::from_secs(5),
        |l| l.states().first().map(|w| w.state) == Some(WatchState::Unavailable),
    );
    // A state, said once; not an error, and not an import or a warning per second.
    std::thread::sleep(Duration::from_millis(2500));
    let events = lib.events();
    let after: Vec<&LibraryEvent> = events
        .iter()
        .filter(|(at, _)| *at >= since)
        .map(|(_, e)| e)
        .collect();
    let unavailable = after
        .iter()
        .filter(|e| {
            matches!(e, LibraryEvent::Folder { watch } if watch.state == WatchState::Unavailable)
        })
        .count();
    assert_eq!(unavailable, 1, "{after:#?}");
    assert!(
        !after
            .iter()
            .any(|e| matches!(e, LibraryEvent::ScanFailed { .. })),
        "{after:#?}"
    );
    assert!(
        after.len() <= 3,
        "events while the folder is away: {after:#?}"
    );
    // Its tracks are kept as they were.
    assert_eq!(
        lib.rows().iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![id]
    );

    // Plugged in again, with one more file than before.
    std::fs::copy(fixture("part2.ogg"), away.join("new.ogg")).expect("copy");
    std::fs::rename(&away, &lib.music).expect("rename back");
    lib.wait_for(
        "the folder to be watched again",
        Duration::from_secs(5),
        |l| l.states().first().map(|w| w.state) == Some(WatchState::Watching),
    );
    let new = lib.music.join("new.ogg");
    lib.wait_for(
        "the file added while it was away",
        Duration::from_secs(5),
        |l| l.row_at(&new).is_some(),
    );
    assert_eq!(lib.row_at(&song).expect("still there").id, id);
    assert!(lib.events().iter().any(|(_, e)| matches!(
        e,
        LibraryEvent::ScanStarted {
            cause: ScanCause::FolderReturned,
            ..
        }
    )));

    // And watched: a change after the return shows up.
    let later = lib.music.join("later.ogg");
    std::fs::copy(fixture("part1.ogg"), &later).expect("copy");
    lib.wait_for("a file copied after the return", APPEARS_WITHIN, |l| {
        l.row_at(&later).is_some()
    });
}

#[test]
fn what_the_watch_imports_is_then_analysed_in_the_background() {
    let lib = watched_library(JobOptions {
        device: Some(Device::Cpu),
        workers: 1,
        max_patches: Some(1),
        ..Default::default()
    });
    let song = lib.music.join("song.ogg");
    std::fs::copy(fixture("part1.ogg"), &song).expect("copy");
    lib.wait_for("the copied file", APPEARS_WITHIN, |l| {
        l.row_at(&song).is_some()
    });
    let id = lib.row_at(&song).expect("row").id;
    lib.wait_for("its analysis", Duration::from_secs(60), |l| {
        l.jobs.service().analysis(id).expect("analysis").is_some()
    });
    assert!(lib.jobs.wait_idle(Duration::from_secs(30)));
    let status = lib.jobs.analysis_status();
    assert!(!status.running);
    assert_eq!(status.failed, 0, "{status:?}");
}

#[test]
fn a_track_whose_drive_is_unplugged_during_analysis_is_analysed_once_it_is_back() {
    let dir = tempfile::tempdir().expect("tempdir");
    let music = dir.path().join("music");
    std::fs::create_dir(&music).expect("mkdir");
    std::fs::copy(fixture("part1.ogg"), music.join("song.ogg")).expect("copy");
    let service = Service::open(&dir.path().join("library.sqlite")).expect("open");
    service
        .add_folders(std::slice::from_ref(&music))
        .expect("add");
    let never = std::sync::atomic::AtomicBool::new(false);
    service.scan(&[], &never, &mut |_| {}).expect("import");
    let id = service.track_rows().expect("rows")[0].id;
    let mut options = segue_service::analysis::AnalysisOptions {
        workers: 1,
        ..Default::default()
    };
    options.analyzer.device = Device::Cpu;
    options.analyzer.max_patches = 1;

    // Unplugged between the import and the analysis.
    let away = dir.path().join("music-away");
    std::fs::rename(&music, &away).expect("unplug");
    let report = service
        .analyze(&options, &never, &never, &mut |_| {})
        .expect("analyse");
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    assert!(service.analysis(id).expect("analysis").is_none());

    // Back: analysed now (a failure recorded while it was away would have kept it out).
    std::fs::rename(&away, &music).expect("plug in");
    let report = service
        .analyze(&options, &never, &never, &mut |_| {})
        .expect("analyse");
    assert_eq!(report.analysed, 1, "{report:?}");
    assert!(service.analysis(id).expect("analysis").is_some());
}

#[test]
fn an_album_folder_renamed_keeps_its_tracks() {
    let lib = watched_library(import_only());
    let album = lib.music.join("Album");
    std::fs::create_dir(&album).expect("mkdir");
    std::fs::copy(fixture("part1.ogg"), album.join("1.ogg")).expect("copy");
    std::fs::copy(fixture("part2.ogg"), album.join("2.ogg")).expect("copy");
    lib.wait_for("the album", APPEARS_WITHIN, |l| l.rows().len() == 2);
    let mut before: Vec<_> = lib.rows().iter().map(|r| r.id).collect();
    lib.jobs.service().rate(before[0], Some(5)).expect("rate");

    let renamed = lib.music.join("Album (2024 remaster)");
    std::fs::rename(&album, &renamed).expect("rename");
    lib.wait_for("the renamed album", APPEARS_WITHIN, |l| {
        l.row_at(&renamed.join("1.ogg")).is_some() && l.row_at(&renamed.join("2.ogg")).is_some()
    });
    let mut after: Vec<_> = lib.rows().iter().map(|r| r.id).collect();
    before.sort();
    after.sort();
    assert_eq!(after, before, "the same tracks, not new ones");
    assert!(lib.rows().iter().any(|r| r.rating == Some(5)));
}

#[test]
fn a_library_database_inside_a_library_folder_is_no_change() {
    // Some keep everything in one folder; writing the library must not import it (a loop).
    let dir = tempfile::tempdir().expect("tempdir");
    let music = segue_service::normalize_folder(dir.path());
    std::fs::copy(fixture("part1.ogg"), music.join("song.ogg")).expect("copy");
    let service = Service::open(&music.join("library.sqlite")).expect("open");
    service
        .add_folders(std::slice::from_ref(&music))
        .expect("add");
    let log: Log = Arc::default();
    let sink = {
        let log = log.clone();
        Arc::new(move |e: &LibraryEvent| {
            log.lock()
                .unwrap_or_else(|p| p.into_inner())
                .push((Instant::now(), e.clone()))
        })
    };
    let jobs = LibraryJobs::new(Arc::new(service), import_only(), sink);
    jobs.scan_all();
    assert!(jobs.wait_idle(Duration::from_secs(30)));
    jobs.watch().expect("watch");
    let lib = Library {
        _dir: dir,
        music,
        jobs,
        log,
    };
    lib.wait_for("the folder to be watched", Duration::from_secs(5), |l| {
        l.states().first().map(|w| w.state) == Some(WatchState::Watching)
    });
    let since = Instant::now();
    let id = lib.rows()[0].id;
    for stars in 1..=5 {
        lib.jobs.service().rate(id, Some(stars)).expect("rate");
    }
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(
        lib.imports_since(since),
        0,
        "writing the library started an import"
    );
}
