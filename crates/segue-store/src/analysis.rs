//! Analysis results: saved per track with the version that made them, read back for the CLI,
//! normalisation and recommendations.

use std::path::PathBuf;

use rusqlite::{OptionalExtension, params};
use segue_core::{DspFeatures, LoudnessMeasure, TrackAnalysis, TrackId};

use crate::{Result, Store, StoreError, bytes_to_path, unix_seconds};

/// A track whose analysis is missing or stale.
#[derive(Debug, Clone)]
pub struct AnalysisTodo {
    pub track_id: TrackId,
    pub path: PathBuf,
}

/// How far analysis has got for one version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AnalysisCounts {
    /// Playable tracks in the library.
    pub tracks: u64,
    /// Analysed by this version from their current content.
    pub done: u64,
    /// Failed with this version (not retried until the version or the file changes).
    pub failed: u64,
}

pub(crate) fn f32_blob(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

pub(crate) fn blob_f32(b: &[u8]) -> Vec<f32> {
    b.chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

impl Store {
    /// Playable tracks without a current analysis (none, another version, or made from
    /// different content) that have not already failed with this version, by id.
    pub fn analysis_todo(&self, version: &str) -> Result<Vec<AnalysisTodo>> {
        let mut stmt = self.conn.prepare(
            "SELECT f.id, f.path FROM files f JOIN tracks t ON t.id = f.id
             LEFT JOIN analysis a ON a.track_id = f.id
             LEFT JOIN analysis_failures x ON x.track_id = f.id
             WHERE f.status = 'ok'
               AND (a.track_id IS NULL OR a.version <> ?1 OR a.fingerprint IS NOT f.fingerprint)
               AND (x.track_id IS NULL OR x.version <> ?1 OR x.fingerprint IS NOT f.fingerprint)
             ORDER BY f.id",
        )?;
        let rows = stmt.query_map([version], |r| {
            Ok(AnalysisTodo {
                track_id: r.get(0)?,
                path: bytes_to_path(&r.get::<_, Vec<u8>>(1)?),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn analysis_counts(&self, version: &str) -> Result<AnalysisCounts> {
        Ok(self.conn.query_row(
            "SELECT
               (SELECT COUNT(*) FROM files f JOIN tracks t ON t.id = f.id WHERE f.status = 'ok'),
               (SELECT COUNT(*) FROM analysis a JOIN files f ON f.id = a.track_id
                 WHERE f.status = 'ok' AND a.version = ?1 AND a.fingerprint IS f.fingerprint),
               (SELECT COUNT(*) FROM analysis_failures x JOIN files f ON f.id = x.track_id
                 WHERE f.status = 'ok' AND x.version = ?1 AND x.fingerprint IS f.fingerprint)",
            [version],
            |r| {
                Ok(AnalysisCounts {
                    tracks: r.get::<_, i64>(0)? as u64,
                    done: r.get::<_, i64>(1)? as u64,
                    failed: r.get::<_, i64>(2)? as u64,
                })
            },
        )?)
    }

    /// Saves (replacing) a track's analysis, made by `version` from the file's current content.
    pub fn save_analysis(&self, a: &TrackAnalysis, version: &str) -> Result<()> {
        self.require_track(a.track_id)?;
        let features = serde_json::to_string(&a.dsp).map_err(|e| StoreError::CorruptAnalysis {
            track: a.track_id,
            reason: e.to_string(),
        })?;
        let tx = self.conn.unchecked_transaction()?;
        tx.execute(
            "INSERT OR REPLACE INTO analysis (track_id, version, fingerprint, analyzed_at,
               loudness_lufs, true_peak_dbtp, bpm, features, tags_msd, tags_mtt, embedding)
             SELECT ?1, ?2, fingerprint, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10 FROM files WHERE id = ?1",
            params![
                a.track_id,
                version,
                unix_seconds(),
                a.loudness.map(|l| l.integrated_lufs),
                a.loudness.map(|l| l.true_peak_dbtp),
                f64::from(a.dsp.bpm),
                features,
                f32_blob(&a.tags_msd),
                f32_blob(&a.tags_mtt),
                f32_blob(&a.embedding),
            ],
        )?;
        tx.execute(
            "DELETE FROM analysis_failures WHERE track_id = ?1",
            [a.track_id],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Records why `version` could not analyse a track.
    pub fn save_analysis_failure(
        &self,
        track: TrackId,
        version: &str,
        kind: &str,
        message: &str,
    ) -> Result<()> {
        self.conn.execute(
            "INSERT OR REPLACE INTO analysis_failures (track_id, version, fingerprint, kind, message, failed_at)
             SELECT ?1, ?2, fingerprint, ?3, ?4, ?5 FROM files WHERE id = ?1",
            params![track, version, kind, message, unix_seconds()],
        )?;
        Ok(())
    }

    /// Failures recorded for `version`: track id, kind, message.
    pub fn analysis_failures(&self, version: &str) -> Result<Vec<(TrackId, String, String)>> {
        let mut stmt = self.conn.prepare(
            "SELECT track_id, kind, message FROM analysis_failures WHERE version = ?1 ORDER BY track_id",
        )?;
        let rows = stmt.query_map([version], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// A track's stored analysis (of any version), if there is one.
    pub fn analysis(&self, track: TrackId) -> Result<Option<TrackAnalysis>> {
        let row = self
            .conn
            .query_row(
                "SELECT loudness_lufs, true_peak_dbtp, features, tags_msd, tags_mtt, embedding
                 FROM analysis WHERE track_id = ?1",
                [track],
                |r| {
                    Ok((
                        r.get::<_, Option<f64>>(0)?,
                        r.get::<_, Option<f64>>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, Vec<u8>>(3)?,
                        r.get::<_, Vec<u8>>(4)?,
                        r.get::<_, Vec<u8>>(5)?,
                    ))
                },
            )
            .optional()?;
        let Some((lufs, peak, features, msd, mtt, embedding)) = row else {
            return Ok(None);
        };
        let dsp: DspFeatures =
            serde_json::from_str(&features).map_err(|e| StoreError::CorruptAnalysis {
                track,
                reason: e.to_string(),
            })?;
        Ok(Some(TrackAnalysis {
            track_id: track,
            loudness: match (lufs, peak) {
                (Some(integrated_lufs), Some(true_peak_dbtp)) => Some(LoudnessMeasure {
                    integrated_lufs,
                    true_peak_dbtp,
                }),
                _ => None,
            },
            dsp,
            tags_msd: blob_f32(&msd),
            tags_mtt: blob_f32(&mtt),
            embedding: blob_f32(&embedding),
        }))
    }

    /// Measured loudness of a track, for normalisation when it has no ReplayGain tags.
    pub fn measured_loudness(&self, track: TrackId) -> Result<Option<LoudnessMeasure>> {
        Ok(self
            .conn
            .query_row(
                "SELECT loudness_lufs, true_peak_dbtp FROM analysis
                 WHERE track_id = ?1 AND loudness_lufs IS NOT NULL AND true_peak_dbtp IS NOT NULL",
                [track],
                |r| {
                    Ok(LoudnessMeasure {
                        integrated_lufs: r.get(0)?,
                        true_peak_dbtp: r.get(1)?,
                    })
                },
            )
            .optional()?)
    }

    /// Measured loudness of a track's whole album, from its analysed tracks: their energies
    /// averaged by length (as one measurement over the album would, gating aside) and the
    /// highest peak. `None` for a track without an album or an album with nothing analysed.
    pub fn album_measured_loudness(&self, track: TrackId) -> Result<Option<LoudnessMeasure>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT a.loudness_lufs, a.true_peak_dbtp, t.duration_ms
             FROM tracks t JOIN analysis a ON a.track_id = t.id
             WHERE t.album_id = (SELECT album_id FROM tracks WHERE id = ?1)
               AND a.loudness_lufs IS NOT NULL AND a.true_peak_dbtp IS NOT NULL",
        )?;
        let rows = stmt.query_map([track], |r| {
            Ok((
                r.get::<_, f64>(0)?,
                r.get::<_, f64>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })?;
        let (mut energy, mut weight, mut peak) = (0.0f64, 0.0f64, f64::NEG_INFINITY);
        for row in rows {
            let (lufs, peak_dbtp, duration_ms) = row?;
            let w = (duration_ms.max(1) as f64) / 1000.0;
            energy += w * 10f64.powf(lufs / 10.0);
            weight += w;
            peak = peak.max(peak_dbtp);
        }
        Ok((weight > 0.0 && energy > 0.0).then(|| LoudnessMeasure {
            integrated_lufs: 10.0 * (energy / weight).log10(),
            true_peak_dbtp: peak,
        }))
    }
}
