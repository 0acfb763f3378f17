//! Long work off the UI thread: importing (scan) and then analysing what is new. One of each
//! runs at a time; both report through events and can be cancelled; analysis can be paused.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use segue_core::{AnalysisStatus, ScanPhase, UiError};
use segue_service::Service;
use segue_service::analysis::AnalysisOptions;
use tauri::{AppHandle, Emitter};

use crate::events;

/// Flags shared with the worker threads.
#[derive(Default)]
pub struct Jobs {
    scan_running: AtomicBool,
    scan_cancel: Arc<AtomicBool>,
    analysis_running: AtomicBool,
    /// Asked for while running (an import finished meanwhile): run again when done.
    analysis_again: AtomicBool,
    analysis_cancel: Arc<AtomicBool>,
    analysis_pause: Arc<AtomicBool>,
    analysis_status: Mutex<AnalysisStatus>,
}

/// A few updates a second is smooth and cheap for the webview.
const PROGRESS_EVERY: Duration = Duration::from_millis(100);

impl Jobs {
    pub fn cancel_scan(&self) {
        self.scan_cancel.store(true, Ordering::SeqCst);
    }

    pub fn analysis_status(&self) -> AnalysisStatus {
        self.analysis_status
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn set_status(&self, app: &AppHandle, f: impl FnOnce(&mut AnalysisStatus)) {
        let status = {
            let mut s = self
                .analysis_status
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            f(&mut s);
            s.clone()
        };
        let _ = app.emit(events::ANALYSIS_PROGRESS, status);
    }

    /// Holds (or releases) the analysis workers between tracks.
    pub fn pause_analysis(&self, app: &AppHandle, paused: bool) {
        self.analysis_pause.store(paused, Ordering::SeqCst);
        self.set_status(app, |s| s.paused = paused && s.running);
    }

    /// Stops analysis; what was analysed is kept and the next run resumes with the rest.
    pub fn cancel_analysis(&self) {
        self.analysis_cancel.store(true, Ordering::SeqCst);
        self.analysis_pause.store(false, Ordering::SeqCst);
    }

    /// Scans every library folder on a worker thread, then analyses what is new.
    pub fn spawn_scan(self: &Arc<Self>, app: &AppHandle, service: &Arc<Service>) {
        if self.scan_running.swap(true, Ordering::SeqCst) {
            return;
        }
        self.scan_cancel.store(false, Ordering::SeqCst);
        let (jobs, service, app) = (self.clone(), service.clone(), app.clone());
        let spawned = std::thread::Builder::new()
            .name("segue-import".into())
            .spawn(move || {
                let mut last = Instant::now() - PROGRESS_EVERY;
                let result = service.scan(&[], &jobs.scan_cancel, &mut |p| {
                    if p.phase != ScanPhase::Reading || last.elapsed() >= PROGRESS_EVERY {
                        last = Instant::now();
                        let _ = app.emit(events::SCAN_PROGRESS, p);
                    }
                });
                jobs.scan_running.store(false, Ordering::SeqCst);
                match result {
                    Ok(report) => {
                        let cancelled = report.cancelled;
                        let _ = app.emit(events::SCAN_FINISHED, report);
                        if !cancelled {
                            jobs.spawn_analysis(&app, &service);
                        }
                    }
                    Err(e) => {
                        tracing::error!("scan failed: {e}");
                        let _ = app.emit(events::SCAN_FAILED, UiError::from(&e));
                    }
                }
            });
        if let Err(e) = spawned {
            tracing::error!("cannot start the import thread: {e}");
            self.scan_running.store(false, Ordering::SeqCst);
        }
    }

    /// Analyses every track whose analysis is missing or stale, on all cores.
    pub fn spawn_analysis(self: &Arc<Self>, app: &AppHandle, service: &Arc<Service>) {
        self.analysis_again.store(true, Ordering::SeqCst);
        if self.analysis_running.swap(true, Ordering::SeqCst) {
            return;
        }
        self.analysis_again.store(false, Ordering::SeqCst);
        self.analysis_cancel.store(false, Ordering::SeqCst);
        self.analysis_pause.store(false, Ordering::SeqCst);
        let (jobs, service, app) = (self.clone(), service.clone(), app.clone());
        let spawned = std::thread::Builder::new()
            .name("segue-analysis".into())
            .spawn(move || {
                let device = service
                    .app_settings()
                    .map(|s| segue_service::device_for(s.analysis_device))
                    .unwrap_or(segue_service::analysis::Device::Auto);
                let mut options = AnalysisOptions::default();
                options.analyzer.device = device;
                jobs.set_status(&app, |s| {
                    *s = AnalysisStatus {
                        running: true,
                        provider: s.provider.clone(),
                        ..Default::default()
                    }
                });
                let mut last = Instant::now() - PROGRESS_EVERY;
                // Again while an import finished during the run (its tracks are new), unless
                // the person stopped it.
                let result = loop {
                    let result = service.analyze(
                        &options,
                        &jobs.analysis_cancel,
                        &jobs.analysis_pause,
                        &mut |p| {
                            if last.elapsed() >= PROGRESS_EVERY || p.done == p.total {
                                last = Instant::now();
                                jobs.set_status(&app, |s| {
                                    s.total = p.total;
                                    s.done = p.done;
                                    s.failed = p.failed;
                                });
                            }
                        },
                    );
                    let cancelled = matches!(&result, Ok(r) if r.cancelled);
                    if cancelled || !jobs.analysis_again.swap(false, Ordering::SeqCst) {
                        break result;
                    }
                };
                jobs.analysis_running.store(false, Ordering::SeqCst);
                jobs.set_status(&app, |s| {
                    s.running = false;
                    s.paused = false;
                    match &result {
                        Ok(report)
                            if report.analysed == 0
                                && report.failed.is_empty()
                                && !report.cancelled =>
                        {
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
                });
                let _ = app.emit(events::ANALYSIS_FINISHED, jobs.analysis_status());
                // Asked for between the last check and `running` going false: run again.
                let cancelled = matches!(&result, Ok(r) if r.cancelled);
                if !cancelled && jobs.analysis_again.load(Ordering::SeqCst) {
                    jobs.spawn_analysis(&app, &service);
                }
            });
        if let Err(e) = spawned {
            tracing::error!("cannot start the analysis thread: {e}");
            self.analysis_running.store(false, Ordering::SeqCst);
        }
    }
}
