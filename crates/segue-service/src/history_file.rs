//! Listening history from and to other services' files: importing a ListenBrainz or Last.fm
//! export into the history, exporting the history as ListenBrainz JSON or CSV.
//!
//! An import reads the whole file first (`segue_library::history_file`: bad records are
//! listed and skipped), matches each listen to a library track
//! (`segue_library::history_match`), then adds the matched ones in batches, each one
//! transaction on a writer connection of its own, so the app keeps reading and playing while
//! it runs and a cancelled import keeps the batches written. A listen already in the history
//! (the same track in the same second) is counted, not added again, so importing a file twice
//! changes nothing. Nothing already in the history is changed or removed.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use segue_core::{
    HistoryExportFormat, HistoryExportReport, HistoryFormat, HistoryImportPhase,
    HistoryImportProgress, HistoryImportReport, ListenUnmatched, TrackId, UnmatchedListen,
};
use segue_library::history_file::{self, ExportListen};
use segue_library::history_match::ListenIndex;
use segue_store::{ImportedListen, Store};

use crate::{Result, Service};

/// Listens per transaction: large enough that 100k import in seconds, small enough that a
/// cancel or a reader waits little.
const BATCH: usize = 5_000;

fn now_s() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl Service {
    /// Imports the history file `file` (in `format`, or the format its content shows).
    ///
    /// `progress` is called on the calling thread as each phase starts and after each batch.
    /// Setting `cancel` stops the import at the next batch: what was added stays, and the
    /// report says it was cancelled.
    pub fn import_history(
        &self,
        file: &Path,
        format: Option<HistoryFormat>,
        cancel: &AtomicBool,
        progress: &mut dyn FnMut(&HistoryImportProgress),
    ) -> Result<HistoryImportReport> {
        progress(&HistoryImportProgress {
            phase: HistoryImportPhase::Reading,
            done: 0,
            total: 0,
        });
        let parsed = history_file::read_history(file, format, now_s())?;
        let total = count(parsed.listens.len());
        let mut report = HistoryImportReport {
            format: parsed.format,
            records: count(parsed.records()),
            imported: 0,
            duplicates: 0,
            unknown_artist: 0,
            unknown_title: 0,
            ambiguous: 0,
            unmatched: Vec::new(),
            bad_records: count(parsed.bad.len()),
            bad: parsed
                .bad
                .into_iter()
                .take(HistoryImportReport::LISTED)
                .collect(),
            read_as_windows_1252: parsed.read_as_windows_1252,
            cancelled: false,
        };

        // Matching: every listen to a track, or to why none.
        progress(&HistoryImportProgress {
            phase: HistoryImportPhase::Matching,
            done: 0,
            total,
        });
        let tracks = self.with_store(Store::track_identities)?;
        let duration_of: HashMap<TrackId, u64> =
            tracks.iter().map(|t| (t.id, t.duration_ms)).collect();
        let index = ListenIndex::new(&tracks);
        let mut matched = Vec::with_capacity(parsed.listens.len());
        // Unmatched listens grouped by what they name, in the file's order of first sight.
        let mut unmatched: HashMap<(String, String), usize> = HashMap::new();
        for listen in &parsed.listens {
            match index.find(
                &listen.artist,
                &listen.title,
                listen.album.as_deref(),
                listen.duration_ms,
            ) {
                Ok((track_id, _)) => matched.push(ImportedListen {
                    track_id,
                    started_at_ms: listen.listened_at_s.saturating_mul(1000),
                    // A scrobble is a listen of the track: the whole of it, as far as known.
                    ms_listened: duration_of.get(&track_id).copied().unwrap_or(0) as i64,
                }),
                Err(reason) => {
                    match reason {
                        ListenUnmatched::UnknownArtist => report.unknown_artist += 1,
                        ListenUnmatched::UnknownTitle => report.unknown_title += 1,
                        ListenUnmatched::Ambiguous { .. } => report.ambiguous += 1,
                    }
                    let key = (listen.artist.clone(), listen.title.clone());
                    let at = *unmatched.entry(key).or_insert_with(|| {
                        report.unmatched.push(UnmatchedListen {
                            artist: listen.artist.clone(),
                            title: listen.title.clone(),
                            album: listen.album.clone(),
                            listens: 0,
                            reason,
                        });
                        report.unmatched.len() - 1
                    });
                    report.unmatched[at].listens += 1;
                }
            }
        }
        report.unmatched.sort_by(|a, b| {
            b.listens
                .cmp(&a.listens)
                .then_with(|| a.artist.cmp(&b.artist))
        });
        report.unmatched.truncate(HistoryImportReport::LISTED);

        // Writing, batch by batch, on a connection of its own.
        let batches = count(matched.len());
        progress(&HistoryImportProgress {
            phase: HistoryImportPhase::Writing,
            done: 0,
            total: batches,
        });
        let mut writer = Store::open_existing(self.db_path())?;
        let mut done = 0;
        for batch in matched.chunks(BATCH) {
            if cancel.load(Ordering::Relaxed) {
                report.cancelled = true;
                break;
            }
            let counts = writer.import_listens(batch, parsed.format.name())?;
            report.imported += counts.added;
            report.duplicates += counts.duplicates;
            done += batch.len();
            progress(&HistoryImportProgress {
                phase: HistoryImportPhase::Writing,
                done: count(done),
                total: batches,
            });
        }
        tracing::info!(
            file = %file.display(),
            format = %parsed.format,
            imported = report.imported,
            duplicates = report.duplicates,
            unmatched = report.unmatched_listens(),
            bad = report.bad_records,
            "history imported"
        );
        Ok(report)
    }

    /// Every full listen of the history, oldest first, as an export writes them. Tracks by
    /// no known artist are left out: the formats need one, and a service could not use them.
    pub fn listens_for_export(&self) -> Result<Vec<ExportListen>> {
        let listens = self.with_store(Store::full_listens)?;
        Ok(listens
            .into_iter()
            .filter_map(|l| {
                Some(ExportListen {
                    listened_at_s: l.started_at_ms.div_euclid(1000),
                    artist: l.artist?,
                    title: l.title,
                    album: l.album,
                    duration_ms: l.duration_ms,
                })
            })
            .collect())
    }

    /// Writes the history's full listens to `out` (standard output) as `format`; returns how
    /// many.
    pub fn export_history_to(
        &self,
        out: &mut dyn std::io::Write,
        format: HistoryExportFormat,
    ) -> Result<u32> {
        let listens = self.listens_for_export()?;
        history_file::write_listens(out, &listens, format).map_err(|source| {
            history_file::HistoryFileError::Write {
                path: "standard output".into(),
                source,
            }
        })?;
        Ok(count(listens.len()))
    }

    /// Writes the history's full listens to `file` as `format` (an existing file only when
    /// `overwrite`).
    pub fn export_history(
        &self,
        file: &Path,
        format: HistoryExportFormat,
        overwrite: bool,
    ) -> Result<HistoryExportReport> {
        let listens = self.listens_for_export()?;
        history_file::write_history(file, &listens, format, overwrite)?;
        Ok(HistoryExportReport {
            path: file.display().to_string(),
            format,
            listens: count(listens.len()),
        })
    }
}
