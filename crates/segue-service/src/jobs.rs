//! The library's background work, for the app and `segue scan` alike: import, then analyse what
//! is new, and analyse again when more arrived meanwhile.
//!
//! [`LibraryJobs`] runs one import and one analysis at a time, each on a thread of its own, and
//! reports every step as a [`LibraryEvent`] to the sink it was made with. What it guarantees:
//!
//! - **Nothing asked for is lost.** An import asked for while one runs runs once that one ends,
//!   over every folder asked for meanwhile (a burst of file changes becomes one more import, not
//!   one per file). Analysis asked for while it runs (an import brought new tracks) runs again
//!   when the current pass ends.
//! - **Analysis follows import.** Every import that was not cancelled is followed by analysis of
//!   what is missing or stale; an import for watched file changes only when it changed
//!   something. Imports and analysis overlap: a folder keeps importing during a long analysis.
//! - **One device rule.** Analysis runs where the library's settings say (Settings → where
//!   analysis runs, `auto` until changed), unless the caller overrides it
//!   ([`JobOptions::device`], `segue scan --device`).
//! - **Stopping is safe.** Cancelling keeps everything imported or analysed so far; the next run
//!   picks up the rest. Pausing holds analysis between tracks.
//! - **The map follows analysis.** Every analysis run that was not cancelled is followed by
//!   the map's layout job when tracks lack a point: new tracks are placed among the others,
//!   which keep theirs ([`Service::update_map`]). One layout at a time; one asked for while it
//!   runs runs after it.
//! - **Progress is smooth and cheap**: at most about ten progress events a second per job.
//!
//! The sink is called on the worker threads, sometimes while an internal lock is held (so that
//! a job's last event can never arrive after the next job's first): it must return quickly and
//! must not call back into [`LibraryJobs`].

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use segue_core::{
    AnalysisStatus, LibraryEvent, MapStatus, ScanCause, ScanPhase, ScanReport, UiError,
};

use crate::analysis::{AnalysisOptions, AnalysisReport, Device};
use crate::{Result, Service, ServiceError, normalize_folder};

/// Where [`LibraryJobs`] sends its events.
pub type EventSink = Arc<dyn Fn(&LibraryEvent) + Send + Sync>;

/// A few updates a second is smooth for a progress bar and cheap for the webview.
const PROGRESS_EVERY: Duration = Duration::from_millis(100);

/// How the jobs run.
#[derive(Debug, Clone)]
pub struct JobOptions {
    /// Analyse after each import (`segue scan --no-analyze` turns it off).
    pub analyse_after_import: bool,
    /// Where analysis runs; `None`: where the library's settings say.
    pub device: Option<Device>,
    /// Analysis worker threads; 0 = one per core.
    pub workers: usize,
    /// Musicnn patches per track (`None`: the analyzer's default).
    pub max_patches: Option<usize>,
}

impl Default for JobOptions {
    fn default() -> Self {
        JobOptions {
            analyse_after_import: true,
            device: None,
            workers: 0,
            max_patches: None,
        }
    }
}

/// An import asked for: why, and over which library folders (`None`: all of them).
#[derive(Debug, Clone)]
struct ScanRequest {
    cause: ScanCause,
    folders: Option<BTreeSet<PathBuf>>,
}

impl ScanRequest {
    /// One request for both: every folder either names, for the weightier cause.
    fn merge(self, other: ScanRequest) -> ScanRequest {
        let weight = |c: ScanCause| match c {
            ScanCause::Requested => 2,
            ScanCause::FolderReturned => 1,
            ScanCause::FilesChanged => 0,
        };
        ScanRequest {
            cause: if weight(other.cause) > weight(self.cause) {
                other.cause
            } else {
                self.cause
            },
            folders: match (self.folders, other.folders) {
                (Some(mut a), Some(b)) => {
                    a.extend(b);
                    Some(a)
                }
                _ => None,
            },
        }
    }
}

#[derive(Default)]
struct JobState {
    scanning: bool,
    /// An import asked for while one ran: it runs next.
    pending_scan: Option<ScanRequest>,
    analysing: bool,
    /// Analysis asked for while it ran: it runs again after this pass.
    analyse_again: bool,
    /// The pass that runs was stopped to start afresh (the model changed): the next begins
    /// at once, as if the person had not cancelled.
    restart_analysis: bool,
    mapping: bool,
    /// A layout asked for while one ran (true: afresh): it runs after this one.
    map_again: Option<bool>,
}

impl JobState {
    fn busy(&self) -> bool {
        self.scanning || self.analysing || self.pending_scan.is_some() || self.mapping
    }
}

/// What the last jobs returned, for callers that wait for them (`segue scan` prints both).
#[derive(Default)]
struct Outcomes {
    scan: Option<Result<ScanReport>>,
    analysis: Option<Result<AnalysisReport>>,
}

/// Import and analysis of one library, run in the background (see the module's guarantees).
pub struct LibraryJobs {
    service: Arc<Service>,
    sink: EventSink,
    options: JobOptions,
    state: Mutex<JobState>,
    /// Signalled whenever `state` goes idle.
    idle: Condvar,
    scan_cancel: AtomicBool,
    analysis_cancel: AtomicBool,
    analysis_pause: AtomicBool,
    analysis_status: Mutex<AnalysisStatus>,
    map_cancel: AtomicBool,
    map_status: Mutex<MapStatus>,
    outcomes: Mutex<Outcomes>,
    pub(crate) watcher: Mutex<Option<crate::watch::FolderWatcher>>,
}

/// A lock whose holder panicked still guards consistent data here: every update is one
/// assignment.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl LibraryJobs {
    pub fn new(service: Arc<Service>, options: JobOptions, sink: EventSink) -> Arc<LibraryJobs> {
        Arc::new(LibraryJobs {
            service,
            sink,
            options,
            state: Mutex::default(),
            idle: Condvar::new(),
            scan_cancel: AtomicBool::new(false),
            analysis_cancel: AtomicBool::new(false),
            analysis_pause: AtomicBool::new(false),
            analysis_status: Mutex::default(),
            map_cancel: AtomicBool::new(false),
            map_status: Mutex::default(),
            outcomes: Mutex::default(),
            watcher: Mutex::new(None),
        })
    }

    pub fn service(&self) -> &Arc<Service> {
        &self.service
    }

    pub(crate) fn sink(&self) -> EventSink {
        self.sink.clone()
    }

    fn emit(&self, event: LibraryEvent) {
        (self.sink)(&event);
    }

    /// Imports every library folder (then analyses what is new), in the background.
    pub fn scan_all(self: &Arc<Self>) {
        self.request_scan(ScanRequest {
            cause: ScanCause::Requested,
            folders: None,
        });
    }

    /// Imports `folders` (library folders, or folders inside them) for `cause`, in the
    /// background; folders that are not in the library are left out.
    pub fn scan_folders(self: &Arc<Self>, cause: ScanCause, folders: &[PathBuf]) {
        if folders.is_empty() {
            return;
        }
        self.request_scan(ScanRequest {
            cause,
            folders: Some(folders.iter().map(|f| normalize_folder(f)).collect()),
        });
    }

    fn request_scan(self: &Arc<Self>, request: ScanRequest) {
        let mut state = lock(&self.state);
        if state.scanning {
            state.pending_scan = Some(match state.pending_scan.take() {
                Some(pending) => pending.merge(request),
                None => request,
            });
            return;
        }
        state.scanning = true;
        drop(state);
        let jobs = self.clone();
        let spawned = std::thread::Builder::new()
            .name("segue-import".into())
            .spawn(move || jobs.scan_thread(request));
        if let Err(e) = spawned {
            tracing::error!("cannot start the import thread: {e}");
            lock(&self.state).scanning = false;
            self.idle.notify_all();
        }
    }

    fn scan_thread(self: Arc<Self>, mut request: ScanRequest) {
        loop {
            self.scan_cancel.store(false, Ordering::SeqCst);
            let cancelled = self.scan_once(&request);
            let mut state = lock(&self.state);
            if cancelled {
                // Stopped by the person: what was asked for meanwhile waits for the next ask.
                state.pending_scan = None;
            }
            match state.pending_scan.take() {
                Some(next) => request = next,
                None => {
                    state.scanning = false;
                    self.idle.notify_all();
                    drop(state);
                    self.service.warm_smart_facts();
                    return;
                }
            }
        }
    }

    /// One import; true when it was cancelled.
    fn scan_once(self: &Arc<Self>, request: &ScanRequest) -> bool {
        let cause = request.cause;
        // Only library folders: one removed since it was asked for is not imported again.
        let roots = match self.service.folders() {
            Ok(roots) => roots,
            Err(e) => {
                self.scan_failed(cause, e);
                return false;
            }
        };
        let folders: Vec<PathBuf> = match &request.folders {
            None => Vec::new(),
            Some(asked) => {
                let inside: Vec<PathBuf> = asked
                    .iter()
                    .filter(|f| roots.iter().any(|r| f.starts_with(r)))
                    .cloned()
                    .collect();
                if inside.is_empty() {
                    return false;
                }
                inside
            }
        };
        let shown = if folders.is_empty() { &roots } else { &folders };
        self.emit(LibraryEvent::ScanStarted {
            cause,
            folders: shown
                .iter()
                .map(|f| f.to_string_lossy().into_owned())
                .collect(),
        });
        let mut last = Instant::now() - PROGRESS_EVERY;
        let result = self.service.scan(&folders, &self.scan_cancel, &mut |p| {
            if p.phase != ScanPhase::Reading || last.elapsed() >= PROGRESS_EVERY {
                last = Instant::now();
                self.emit(LibraryEvent::ScanProgress {
                    cause,
                    progress: p.clone(),
                });
            }
        });
        match result {
            Ok(report) => {
                let cancelled = report.cancelled;
                let changed = report.added + report.updated + report.moved + report.missing > 0;
                self.emit(LibraryEvent::ScanFinished {
                    cause,
                    report: report.clone(),
                });
                lock(&self.outcomes).scan = Some(Ok(report));
                if !cancelled
                    && self.options.analyse_after_import
                    && (cause == ScanCause::Requested || changed)
                {
                    self.analyse();
                }
                cancelled
            }
            Err(e) => {
                self.scan_failed(cause, e);
                false
            }
        }
    }

    fn scan_failed(&self, cause: ScanCause, e: ServiceError) {
        tracing::error!("import failed: {e}");
        self.emit(LibraryEvent::ScanFailed {
            cause,
            error: UiError::from(&e),
        });
        lock(&self.outcomes).scan = Some(Err(e));
    }

    /// Stops the running import soon, keeping what it read; imports asked for meanwhile are
    /// dropped.
    pub fn cancel_scan(&self) {
        lock(&self.state).pending_scan = None;
        self.scan_cancel.store(true, Ordering::SeqCst);
    }

    /// Analysis as the app shows it.
    pub fn analysis_status(&self) -> AnalysisStatus {
        lock(&self.analysis_status).clone()
    }

    fn set_status(&self, f: impl FnOnce(&mut AnalysisStatus)) -> AnalysisStatus {
        let mut status = lock(&self.analysis_status);
        f(&mut status);
        status.clone()
    }

    /// Holds (or releases) the analysis workers between tracks.
    pub fn pause_analysis(&self, paused: bool) {
        self.analysis_pause.store(paused, Ordering::SeqCst);
        let status = self.set_status(|s| s.paused = paused && s.running);
        self.emit(LibraryEvent::AnalysisProgress { status });
    }

    /// Stops analysis; what was analysed is kept and the next run resumes with the rest.
    pub fn cancel_analysis(&self) {
        lock(&self.state).restart_analysis = false;
        self.analysis_cancel.store(true, Ordering::SeqCst);
        self.analysis_pause.store(false, Ordering::SeqCst);
    }

    /// Stops every job (see [`Self::cancel_scan`], [`Self::cancel_analysis`],
    /// [`Self::cancel_map`]).
    pub fn cancel(&self) {
        self.cancel_scan();
        self.cancel_analysis();
        self.cancel_map();
    }

    /// Analyses every track whose analysis is missing or stale, in the background; when it is
    /// already running, it runs again once the current pass ends.
    pub fn analyse(self: &Arc<Self>) {
        let mut state = lock(&self.state);
        if state.analysing {
            state.analyse_again = true;
            return;
        }
        state.analysing = true;
        state.analyse_again = false;
        drop(state);
        self.analysis_cancel.store(false, Ordering::SeqCst);
        self.analysis_pause.store(false, Ordering::SeqCst);
        lock(&self.outcomes).analysis = None;
        let jobs = self.clone();
        let spawned = std::thread::Builder::new()
            .name("segue-analysis".into())
            .spawn(move || jobs.analysis_thread());
        if let Err(e) = spawned {
            tracing::error!("cannot start the analysis thread: {e}");
            lock(&self.state).analysing = false;
            self.idle.notify_all();
        }
    }

    /// Analyses the library afresh with what its settings say now (another model): a pass
    /// that runs stops after its current tracks, keeping what it wrote, and a new one starts
    /// at once with its own progress, from 0 of the tracks now stale.
    pub fn restart_analysis(self: &Arc<Self>) {
        let mut state = lock(&self.state);
        if state.analysing {
            state.restart_analysis = true;
            self.analysis_cancel.store(true, Ordering::SeqCst);
            self.analysis_pause.store(false, Ordering::SeqCst);
            return;
        }
        drop(state);
        self.analyse();
    }

    /// The analysis options for the next pass: the device from the options or the settings,
    /// the model from the settings.
    fn analysis_options(&self) -> AnalysisOptions {
        let mut options = AnalysisOptions {
            workers: self.options.workers,
            ..Default::default()
        };
        options.analyzer.device = self
            .options
            .device
            .unwrap_or_else(|| self.service.analysis_device());
        options.analyzer.model = self.service.analysis_model();
        if let Some(p) = self.options.max_patches {
            options.analyzer.max_patches = p.max(1);
        }
        options
    }

    fn analysis_thread(self: Arc<Self>) {
        let status = self.set_status(|s| {
            *s = AnalysisStatus {
                running: true,
                provider: s.provider.clone(),
                ..Default::default()
            }
        });
        self.emit(LibraryEvent::AnalysisProgress { status });
        loop {
            // The device and model are read for every pass: a change in Settings applies to the
            // next one.
            let options = self.analysis_options();
            let mut last = Instant::now() - PROGRESS_EVERY;
            let result = self.service.analyze(
                &options,
                &self.analysis_cancel,
                &self.analysis_pause,
                &mut |p| {
                    if last.elapsed() >= PROGRESS_EVERY || p.done == p.total {
                        last = Instant::now();
                        let status = self.set_status(|s| {
                            s.total = p.total;
                            s.done = p.done;
                            s.failed = p.failed;
                        });
                        self.emit(LibraryEvent::AnalysisProgress { status });
                    }
                },
            );
            let cancelled = matches!(&result, Ok(r) if r.cancelled);
            let final_status = finished_status(&self.analysis_status(), &result);
            {
                let mut outcomes = lock(&self.outcomes);
                outcomes.analysis = Some(match (outcomes.analysis.take(), result) {
                    (Some(Ok(before)), Ok(now)) => Ok(merge_reports(before, now)),
                    (_, now) => now,
                });
            }
            // Asked before the state lock is taken: the map follows when a track lacks a point.
            let map_next = !cancelled && self.map_wanted();
            let mut state = lock(&self.state);
            if state.restart_analysis {
                state.restart_analysis = false;
                state.analyse_again = false;
                self.analysis_cancel.store(false, Ordering::SeqCst);
                let status = self.set_status(|s| {
                    *s = AnalysisStatus {
                        running: true,
                        provider: s.provider.clone(),
                        ..Default::default()
                    }
                });
                drop(state);
                self.emit(LibraryEvent::AnalysisProgress { status });
                continue;
            }
            // Again while an import finished during the pass (its tracks are new), unless the
            // person stopped it.
            if !cancelled && state.analyse_again {
                state.analyse_again = false;
                continue;
            }
            state.analysing = false;
            state.analyse_again = false;
            *lock(&self.analysis_status) = final_status.clone();
            // Under the state lock: a pass asked for now starts after this event is out.
            self.emit(LibraryEvent::AnalysisFinished {
                status: final_status,
            });
            // Marked under the same lock, so a wait for idle never falls between the two jobs.
            let start_map = map_next && self.claim_map(&mut state, false);
            drop(state);
            if start_map {
                self.spawn_map(false);
            }
            self.idle.notify_all();
            self.service.warm_smart_facts();
            return;
        }
    }

    /// Whether analysed tracks lack a point on the map (an error counts as no: logged).
    fn map_wanted(&self) -> bool {
        match self.service.with_store(segue_store::Store::map_unplaced) {
            Ok(unplaced) => unplaced > 0,
            Err(e) => {
                tracing::warn!("cannot tell whether the map needs updating: {e}");
                false
            }
        }
    }

    /// Lays out the library map in the background: new tracks placed among the others, or
    /// the whole map afresh with `relayout`. One already running: this one runs after it.
    pub fn update_map(self: &Arc<Self>, relayout: bool) {
        let mut state = lock(&self.state);
        let start = self.claim_map(&mut state, relayout);
        drop(state);
        if start {
            self.spawn_map(relayout);
        }
    }

    /// True when the caller must start the layout thread; else it is queued behind the one
    /// running.
    fn claim_map(&self, state: &mut JobState, relayout: bool) -> bool {
        if state.mapping {
            state.map_again = Some(state.map_again.unwrap_or(false) || relayout);
            return false;
        }
        state.mapping = true;
        true
    }

    fn spawn_map(self: &Arc<Self>, relayout: bool) {
        self.map_cancel.store(false, Ordering::SeqCst);
        let jobs = self.clone();
        let spawned = std::thread::Builder::new()
            .name("segue-map".into())
            .spawn(move || jobs.map_thread(relayout));
        if let Err(e) = spawned {
            tracing::error!("cannot start the map's layout thread: {e}");
            lock(&self.state).mapping = false;
            self.idle.notify_all();
        }
    }

    fn map_thread(self: Arc<Self>, mut relayout: bool) {
        loop {
            let status = self.set_map_status(|s| {
                *s = MapStatus {
                    running: true,
                    ..Default::default()
                }
            });
            self.emit(LibraryEvent::MapProgress { status });
            let last = Mutex::new(Instant::now());
            let result = self
                .service
                .update_map(relayout, &self.map_cancel, &|progress| {
                    let mut last = lock(&last);
                    if last.elapsed() >= PROGRESS_EVERY {
                        *last = Instant::now();
                        let status = self.set_map_status(|s| s.progress = progress);
                        self.emit(LibraryEvent::MapProgress { status });
                    }
                });
            let message = match &result {
                Ok(report) => report.message(),
                Err(e) => {
                    tracing::error!("the map's layout failed: {e}");
                    format!("The map could not be laid out: {e}")
                }
            };
            let cancelled = matches!(&result, Ok(r) if r.cancelled);
            let mut state = lock(&self.state);
            match state.map_again.take() {
                Some(again) if !cancelled => {
                    relayout = again;
                    continue;
                }
                _ => {}
            }
            state.mapping = false;
            let status = self.set_map_status(|s| {
                *s = MapStatus {
                    running: false,
                    progress: if result.is_ok() && !cancelled {
                        1.0
                    } else {
                        s.progress
                    },
                    message: Some(message),
                }
            });
            self.emit(LibraryEvent::MapFinished { status });
            self.idle.notify_all();
            return;
        }
    }

    fn set_map_status(&self, f: impl FnOnce(&mut MapStatus)) -> MapStatus {
        let mut status = lock(&self.map_status);
        f(&mut status);
        status.clone()
    }

    /// The map's layout job as the app shows it.
    pub fn map_status(&self) -> MapStatus {
        lock(&self.map_status).clone()
    }

    /// Stops the map's layout soon; the stored map stays as it was.
    pub fn cancel_map(&self) {
        lock(&self.state).map_again = None;
        self.map_cancel.store(true, Ordering::SeqCst);
    }

    /// Waits until no import or analysis runs or waits to run, at most `timeout`; true when
    /// idle.
    pub fn wait_idle(&self, timeout: Duration) -> bool {
        let state = lock(&self.state);
        let (state, _) = self
            .idle
            .wait_timeout_while(state, timeout, |s| s.busy())
            .unwrap_or_else(|p| p.into_inner());
        !state.busy()
    }

    /// Waits until no import runs or waits to run (analysis may go on), at most `timeout`;
    /// true when none does.
    pub fn wait_imported(&self, timeout: Duration) -> bool {
        let state = lock(&self.state);
        let (state, _) = self
            .idle
            .wait_timeout_while(state, timeout, |s| s.scanning || s.pending_scan.is_some())
            .unwrap_or_else(|p| p.into_inner());
        !(state.scanning || state.pending_scan.is_some())
    }

    /// Whether an import or analysis runs or waits to run.
    pub fn busy(&self) -> bool {
        lock(&self.state).busy()
    }

    /// The last import's result, taken (`None` when none ran since the last take).
    pub fn take_scan_result(&self) -> Option<Result<ScanReport>> {
        lock(&self.outcomes).scan.take()
    }

    /// The last analysis run's result (its passes added up), taken.
    pub fn take_analysis_result(&self) -> Option<Result<AnalysisReport>> {
        lock(&self.outcomes).analysis.take()
    }
}

/// Two passes of one run as one report.
fn merge_reports(mut a: AnalysisReport, b: AnalysisReport) -> AnalysisReport {
    if b.analysed > 0 || !b.failed.is_empty() {
        a.provider = b.provider;
        a.version = b.version;
    }
    a.analysed += b.analysed;
    a.failed.extend(b.failed);
    a.cancelled = b.cancelled;
    a.audio_seconds += b.audio_seconds;
    a.elapsed += b.elapsed;
    a
}

/// The status after a run, with its outcome in a sentence.
fn finished_status(now: &AnalysisStatus, result: &Result<AnalysisReport>) -> AnalysisStatus {
    let mut s = now.clone();
    s.running = false;
    s.paused = false;
    match result {
        Ok(report) if report.analysed == 0 && report.failed.is_empty() && !report.cancelled => {
            s.message = Some("Every track is analysed.".into());
        }
        Ok(report) => {
            s.provider = Some(report.provider.clone());
            s.done = report.analysed;
            s.failed = report.failed.len() as u64;
            s.message = Some(if report.cancelled {
                format!(
                    "Stopped after {} tracks; the rest is analysed next time.",
                    report.analysed
                )
            } else {
                format!(
                    "Analysed {} tracks ({} audio minutes) in {:.1} s.",
                    report.analysed,
                    (report.audio_seconds / 60.0).round(),
                    report.elapsed.as_secs_f64()
                )
            });
        }
        Err(e) => s.message = Some(e.to_string()),
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(cause: ScanCause, folders: Option<&[&str]>) -> ScanRequest {
        ScanRequest {
            cause,
            folders: folders.map(|f| f.iter().map(PathBuf::from).collect()),
        }
    }

    #[test]
    fn requests_asked_for_meanwhile_become_one_import_of_every_folder_named() {
        let merged = request(ScanCause::FilesChanged, Some(&["/a"]))
            .merge(request(ScanCause::FolderReturned, Some(&["/b", "/a"])));
        assert_eq!(merged.cause, ScanCause::FolderReturned);
        assert_eq!(
            merged
                .folders
                .expect("folders")
                .into_iter()
                .collect::<Vec<_>>(),
            vec![PathBuf::from("/a"), PathBuf::from("/b")]
        );
        let all = request(ScanCause::Requested, None)
            .merge(request(ScanCause::FilesChanged, Some(&["/a"])));
        assert_eq!(all.cause, ScanCause::Requested);
        assert!(all.folders.is_none(), "a rescan of everything stays one");
    }
}
