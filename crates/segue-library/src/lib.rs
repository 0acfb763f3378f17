//! Segue's library scanner.
//!
//! [`scan`] walks the library folders, compares what it finds with what the store knows, reads
//! only new and changed files (tags, audio properties and covers with `lofty`, plus a content
//! fingerprint), recognises moved files by fingerprint so they keep their id and history, and
//! marks vanished files missing. Reading runs on a thread pool; all database writes happen on
//! the calling thread in batched transactions, so a cancelled or killed scan leaves a
//! consistent database and the next scan picks up where this one stopped.

mod ape;
mod cover;
mod fingerprint;
#[cfg(test)]
mod fuzz;
pub mod history_file;
pub mod history_match;
mod integrity;
pub mod m3u;
mod ogg_flac;
pub mod playlist_match;
mod read;
mod walk;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use rayon::prelude::*;
use segue_core::{FileIssue, IssueKind, ScanPhase, ScanProgress, ScanReport, TrackId};
use segue_store::{FileChange, FileStat, FileStatus, Fingerprint, Store, StoreError};

pub use fingerprint::fingerprint;
pub use walk::AUDIO_EXTENSIONS;

/// Errors that stop a scan. Bad files never do: they are reported in [`ScanReport::issues`].
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot start the scan's worker threads: {0}")]
    ThreadPool(#[from] rayon::ThreadPoolBuildError),
}

/// Tuning knobs; the defaults suit a desktop.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Reader threads; `None` uses every core.
    pub threads: Option<usize>,
    /// Files per database transaction.
    pub batch_size: usize,
    /// Longest time results wait before being committed.
    pub batch_interval: Duration,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            threads: None,
            batch_size: 500,
            batch_interval: Duration::from_millis(500),
        }
    }
}

/// Scans `roots` into `store`.
///
/// `progress` is called on the calling thread a few times a second. Setting `cancel` stops the
/// scan soon after: everything read so far is committed, nothing is marked missing, and
/// [`ScanReport::cancelled`] is set.
pub fn scan(
    store: &mut Store,
    roots: &[PathBuf],
    options: &ScanOptions,
    cancel: &AtomicBool,
    progress: &mut dyn FnMut(&ScanProgress),
) -> Result<ScanReport, ScanError> {
    let started = Instant::now();
    let mut report = ScanReport::default();
    let mut prog = ScanProgress {
        phase: ScanPhase::Walking,
        files_found: 0,
        files_to_read: 0,
        files_read: 0,
        files_failed: 0,
    };
    progress(&prog);

    // 1. Walk. Only folders that exist take part; a missing folder (an unplugged drive) leaves
    //    its tracks untouched rather than marking them all missing.
    let mut walked: Vec<walk::WalkedFile> = Vec::new();
    let mut walk_issues: Vec<walk::WalkIssue> = Vec::new();
    let mut walked_roots: Vec<PathBuf> = Vec::new();
    let mut seen_paths: HashSet<PathBuf> = HashSet::new();
    let mut last_report = Instant::now();
    for root in roots {
        if !root.is_dir() {
            report.issues.push(FileIssue {
                path: root.to_string_lossy().into_owned(),
                kind: IssueKind::FolderNotFound,
                message: if root.exists() {
                    "not a folder".into()
                } else {
                    "the folder does not exist (is the drive connected?); its tracks are kept as they were".into()
                },
                imported: false,
            });
            continue;
        }
        walked_roots.push(root.clone());
        walk::walk_root(root, cancel, |found| match found {
            walk::Found::File(f) => {
                if seen_paths.insert(f.path.clone()) {
                    walked.push(f);
                    prog.files_found += 1;
                    if last_report.elapsed() > Duration::from_millis(100) {
                        progress(&prog);
                        last_report = Instant::now();
                    }
                }
            }
            walk::Found::Issue(issue) => {
                if seen_paths.insert(issue.path.clone()) {
                    walk_issues.push(issue);
                }
            }
        });
    }
    report.files_found = walked.len() as u64;

    // 2. Compare with the store.
    let known = store.known_files()?;
    let by_path: HashMap<&Path, &segue_store::KnownFile> =
        known.iter().map(|k| (k.path.as_path(), k)).collect();
    let mut to_read: Vec<(walk::WalkedFile, Option<TrackId>)> = Vec::new();
    for file in walked {
        match by_path.get(file.path.as_path()) {
            Some(k)
                if k.size == file.size
                    && k.mtime_ns == file.mtime_ns
                    && k.status != FileStatus::Missing =>
            {
                // Not read again; a file that still fails is still reported.
                match (&k.status, &k.issue) {
                    (FileStatus::Failed | FileStatus::Ok, Some((kind, message))) => {
                        // Still failing, or imported with a problem (a truncated file).
                        let imported = k.status == FileStatus::Ok;
                        if imported {
                            report.unchanged += 1;
                        } else {
                            report.failed += 1;
                        }
                        report.issues.push(FileIssue {
                            path: file.path.to_string_lossy().into_owned(),
                            kind: *kind,
                            message: message.clone(),
                            imported,
                        });
                    }
                    _ => report.unchanged += 1,
                }
            }
            Some(k) => to_read.push((file, Some(k.id))),
            None => to_read.push((file, None)),
        }
    }
    // Files under a walked folder that were not found, plus files already missing anywhere:
    // candidates for "moved here" (by fingerprint), otherwise marked missing at the end.
    let walk_complete = !cancel.load(Ordering::Relaxed);
    let vanished: Vec<&segue_store::KnownFile> = known
        .iter()
        .filter(|k| !seen_paths.contains(&k.path))
        .filter(|k| {
            k.status == FileStatus::Missing || walked_roots.iter().any(|r| k.path.starts_with(r))
        })
        .collect();
    let mut move_candidates: HashMap<Fingerprint, Vec<TrackId>> = HashMap::new();
    for k in &vanished {
        if let (Some(fp), true) = (k.fingerprint, k.has_track) {
            move_candidates.entry(fp).or_default().push(k.id);
        }
    }

    // Walk problems are recorded as failed rows so `segue report` lists them.
    let mut changes: Vec<FileChange> = walk_issues
        .into_iter()
        .map(|issue| {
            report.failed += 1;
            report.issues.push(FileIssue {
                path: issue.path.to_string_lossy().into_owned(),
                kind: issue.kind,
                message: issue.message.clone(),
                imported: false,
            });
            FileChange::Failed {
                id: by_path.get(issue.path.as_path()).map(|k| k.id),
                stat: FileStat {
                    path: issue.path,
                    size: 0,
                    mtime_ns: 0,
                },
                fingerprint: None,
                kind: issue.kind,
                message: issue.message,
            }
        })
        .collect();

    // 3. Read new and changed files on the pool; write batches here.
    prog.phase = ScanPhase::Reading;
    prog.files_to_read = to_read.len() as u64;
    progress(&prog);
    let covers = cover::CoverCache::new(store.cover_hashes()?);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.threads.unwrap_or(0))
        .thread_name(|i| format!("segue-scan-{i}"))
        .build()?;
    let (tx, rx) = crossbeam_channel::bounded::<FileChange>(options.batch_size.max(16) * 2);
    let mut claimed_moves: HashSet<TrackId> = HashSet::new();
    let mut write_error: Option<StoreError> = None;
    std::thread::scope(|s| {
        let covers = &covers;
        s.spawn(move || {
            pool.install(|| {
                to_read.into_par_iter().for_each_with(tx, |tx, (file, id)| {
                    if cancel.load(Ordering::Relaxed) {
                        return;
                    }
                    let change = read_one(file, id, covers);
                    // The receiver only hangs up after an error; stop reading then.
                    if tx.send(change).is_err() {
                        cancel.store(true, Ordering::Relaxed);
                    }
                });
            });
        });

        let mut last_commit = Instant::now();
        for mut change in rx.iter() {
            prog.files_read += 1;
            match &mut change {
                FileChange::Imported {
                    id,
                    fingerprint,
                    stat,
                    track,
                } => {
                    if let Some((kind, message)) = &track.warning {
                        report.issues.push(FileIssue {
                            path: stat.path.to_string_lossy().into_owned(),
                            kind: *kind,
                            message: message.clone(),
                            imported: true,
                        });
                    }
                    if id.is_none() {
                        let moved_from = move_candidates
                            .get_mut(fingerprint)
                            .and_then(|ids| ids.pop());
                        if let Some(old) = moved_from {
                            *id = Some(old);
                            claimed_moves.insert(old);
                            report.moved += 1;
                        } else {
                            report.added += 1;
                        }
                    } else {
                        report.updated += 1;
                    }
                }
                FileChange::Failed {
                    stat,
                    kind,
                    message,
                    ..
                } => {
                    prog.files_failed += 1;
                    report.failed += 1;
                    report.issues.push(FileIssue {
                        path: stat.path.to_string_lossy().into_owned(),
                        kind: *kind,
                        message: message.clone(),
                        imported: false,
                    });
                }
            }
            changes.push(change);
            if changes.len() >= options.batch_size
                || last_commit.elapsed() >= options.batch_interval
            {
                if let Err(e) = store.apply(&changes) {
                    write_error = Some(e);
                    break;
                }
                changes.clear();
                last_commit = Instant::now();
                progress(&prog);
            }
        }
        // Dropping the receiver (on error) makes the readers stop.
    });
    if let Some(e) = write_error {
        return Err(e.into());
    }
    store.apply(&changes)?;

    // 4. Finish: what vanished and was not found elsewhere is missing (only after a full walk
    //    and read, so a cancelled scan never marks anything missing).
    prog.phase = ScanPhase::Finishing;
    progress(&prog);
    report.cancelled = cancel.load(Ordering::Relaxed) || !walk_complete;
    if !report.cancelled {
        let gone: Vec<TrackId> = vanished
            .iter()
            .filter(|k| !claimed_moves.contains(&k.id))
            .map(|k| k.id)
            .collect();
        report.missing = vanished
            .iter()
            .filter(|k| {
                !claimed_moves.contains(&k.id) && k.has_track && k.status != FileStatus::Missing
            })
            .count() as u64;
        store.mark_missing(&gone)?;
    }
    prog.phase = ScanPhase::Done;
    progress(&prog);
    report.elapsed_ms = started.elapsed().as_millis() as u64;
    Ok(report)
}

fn read_one(file: walk::WalkedFile, id: Option<TrackId>, covers: &cover::CoverCache) -> FileChange {
    let result = read::read_file(&file, covers);
    let stat = FileStat {
        path: file.path,
        size: file.size,
        mtime_ns: file.mtime_ns,
    };
    match result {
        Ok((fingerprint, track)) => FileChange::Imported {
            id,
            stat,
            fingerprint,
            track: Box::new(track),
        },
        Err(f) => FileChange::Failed {
            id,
            stat,
            fingerprint: f.fingerprint,
            kind: f.kind,
            message: f.message,
        },
    }
}
