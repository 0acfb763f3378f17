//! What the app's library views read: compact track rows, facets from analysis, history, and
//! the settings page.

use std::collections::BTreeMap;
use std::time::Duration;

use segue_analysis::AnalyzerConfig;
use segue_analysis::musicnn::facet_of;
use segue_core::{
    AnalysisEstimate, AppSettings, DeviceChoice, FacetKind, HistoryEntry, ListeningStats,
    ModelChoice, NormalizationChoice, PlayEnd, PlayOutcome, TagFacet, TrackRow,
};
use segue_store::Store;

use crate::{Result, Service};

/// A label joins a track's facets only when the model is at least this sure of it; below it,
/// the "most likely mood" of a track is mostly noise.
const FACET_MIN_PROBABILITY: f32 = 0.1;

const AUTOPLAY_KEY: &str = "playback.autoplay";
const NORMALIZATION_KEY: &str = "playback.normalization";
const CROSSFADE_KEY: &str = "playback.crossfade_ms";
const CROSSFADE_SMART_KEY: &str = "playback.crossfade_smart";
const RESUME_KEY: &str = "playback.resume_on_start";
const DEVICE_KEY: &str = "analysis.device";
const MODEL_KEY: &str = "analysis.model";
const WELCOMED_KEY: &str = "app.welcomed";

impl Service {
    /// Every playable track as a compact row, in library order.
    pub fn track_rows(&self) -> Result<Vec<TrackRow>> {
        self.with_store(Store::track_rows)
    }

    /// Analysed tracks grouped by their most likely genre, mood and instrument label, largest
    /// groups first. Empty until analysis with the models has run.
    pub fn tag_facets(&self) -> Result<Vec<TagFacet>> {
        let (msd, mtt) = self.tag_labels(&AnalyzerConfig::default())?;
        let labels: Vec<(String, Option<FacetKind>)> = msd
            .into_iter()
            .chain(mtt)
            .map(|l| {
                let kind = facet_of(&l);
                (l.to_lowercase(), kind)
            })
            .collect();
        let profiles = self.with_store(Store::profiles)?;
        let mut groups: BTreeMap<(FacetKind, String), Vec<segue_core::TrackId>> = BTreeMap::new();
        for profile in &profiles {
            // Analysis without the models stores no tags.
            if profile.tags.len() != labels.len() {
                continue;
            }
            for kind in [FacetKind::Genre, FacetKind::Mood, FacetKind::Instrument] {
                let best = labels
                    .iter()
                    .zip(&profile.tags)
                    .filter(|((_, k), p)| *k == Some(kind) && **p >= FACET_MIN_PROBABILITY)
                    .max_by(|a, b| a.1.total_cmp(b.1));
                if let Some(((label, _), _)) = best {
                    groups
                        .entry((kind, label.clone()))
                        .or_default()
                        .push(profile.id);
                }
            }
        }
        let mut facets: Vec<TagFacet> = groups
            .into_iter()
            .map(|((kind, label), track_ids)| TagFacet {
                kind,
                label,
                track_ids,
            })
            .collect();
        facets.sort_by(|a, b| {
            b.track_ids
                .len()
                .cmp(&a.track_ids.len())
                .then_with(|| a.label.cmp(&b.label))
        });
        Ok(facets)
    }

    /// The latest plays, newest first.
    pub fn history(&self, limit: u32) -> Result<Vec<HistoryEntry>> {
        let rows = self.with_store(|s| s.recent_plays(limit))?;
        let newest = rows.first().map(|r| r.id);
        Ok(rows
            .into_iter()
            .map(|r| HistoryEntry {
                play_id: r.id,
                track_id: r.track_id,
                started_at_ms: r.started_at_ms,
                listened_ms: r.ms_listened,
                // A play's row says "stopped" until it ends; the newest one may still run.
                outcome: match r.end {
                    PlayEnd::Completed => PlayOutcome::Completed,
                    PlayEnd::Skipped => PlayOutcome::Skipped,
                    PlayEnd::Error => PlayOutcome::Error,
                    PlayEnd::Stopped if Some(r.id) == newest => PlayOutcome::Playing,
                    PlayEnd::Stopped => PlayOutcome::Stopped,
                },
                full_listen: r.full_listen,
                imported: r.imported,
            })
            .collect())
    }

    /// Stats and trends of the last `days` days of listening.
    pub fn listening_stats(&self, days: u32) -> Result<ListeningStats> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64);
        let since = now - i64::from(days) * 86_400_000;
        self.with_store(|s| s.listening_stats(since, 5))
    }

    /// What the app does on opening a library. An empty one starts on the bundled `demo`
    /// (the first-run welcome then asks whether to keep it). One that has folders but not the
    /// demo was set up by the user (with `segue scan`, or by removing the demo): there is no
    /// demo to welcome them to, so the welcome counts as answered.
    pub fn open_with_demo(&self, demo: Option<&std::path::Path>) -> Result<()> {
        let folders = self.folders()?;
        if folders.is_empty() {
            if let Some(demo) = demo {
                self.add_folders(&[demo.to_path_buf()])?;
            }
        } else if !demo.is_some_and(|d| folders.contains(&crate::normalize_folder(d))) {
            self.with_store(|s| s.set_setting(WELCOMED_KEY, "true"))?;
        }
        Ok(())
    }

    /// The settings page, from what was saved (defaults where nothing was).
    pub fn app_settings(&self) -> Result<AppSettings> {
        let suggest = self.suggest_settings()?;
        let get = |key: &str| self.with_store(|s| s.setting(key));
        Ok(AppSettings {
            autoplay: get(AUTOPLAY_KEY)?.is_none_or(|v| v != "false"),
            normalization: match get(NORMALIZATION_KEY)?.as_deref() {
                Some("off") => NormalizationChoice::Off,
                Some("album") => NormalizationChoice::Album,
                Some("track") => NormalizationChoice::Track,
                _ => NormalizationChoice::Auto,
            },
            crossfade_ms: self.crossfade()?.as_millis() as u32,
            crossfade_smart: self.crossfade_smart()?,
            resume_on_start: get(RESUME_KEY)?.is_some_and(|v| v == "true"),
            analysis_device: match get(DEVICE_KEY)?.as_deref() {
                Some("cpu") => DeviceChoice::Cpu,
                Some("cuda") => DeviceChoice::Cuda,
                _ => DeviceChoice::Auto,
            },
            analysis_model: self.analysis_model_choice()?,
            exploration: suggest.exploration,
            track_gap_hours: suggest.track_gap_hours,
            artist_gap: suggest.artist_gap as u32,
            album_gap: suggest.album_gap as u32,
            strict_gaps: suggest.strict_gaps,
            welcomed: get(WELCOMED_KEY)?.is_some_and(|v| v == "true"),
        })
    }

    /// Saves the settings page, all but the analysis model (see [`Self::set_analysis_model`]).
    /// The caller applies playback settings to a running player.
    pub fn set_app_settings(&self, settings: &AppSettings) -> Result<()> {
        let crossfade = check_crossfade(Duration::from_millis(u64::from(settings.crossfade_ms)))?;
        let mut suggest = self.suggest_settings()?;
        suggest.exploration = settings.exploration;
        suggest.track_gap_hours = settings.track_gap_hours.max(0.0);
        suggest.artist_gap = settings.artist_gap as usize;
        suggest.album_gap = settings.album_gap as usize;
        suggest.strict_gaps = settings.strict_gaps;
        self.set_suggest_settings(&suggest)?;
        let normalization = match settings.normalization {
            NormalizationChoice::Off => "off",
            NormalizationChoice::Track => "track",
            NormalizationChoice::Album => "album",
            NormalizationChoice::Auto => "auto",
        };
        let device = match settings.analysis_device {
            DeviceChoice::Auto => "auto",
            DeviceChoice::Cpu => "cpu",
            DeviceChoice::Cuda => "cuda",
        };
        let autoplay = if settings.autoplay { "true" } else { "false" };
        self.set_crossfade(crossfade)?;
        self.set_crossfade_smart(settings.crossfade_smart)?;
        self.with_store(|s| {
            s.set_setting(AUTOPLAY_KEY, autoplay)?;
            s.set_setting(
                RESUME_KEY,
                if settings.resume_on_start {
                    "true"
                } else {
                    "false"
                },
            )?;
            s.set_setting(NORMALIZATION_KEY, normalization)?;
            s.set_setting(
                WELCOMED_KEY,
                if settings.welcomed { "true" } else { "false" },
            )?;
            s.set_setting(DEVICE_KEY, device)
        })
    }
}

impl Service {
    /// The tagger this library's analysis runs (`analysis.model`; the reference until
    /// changed). A value this version does not know (written by a newer one) counts as the
    /// reference, said in the log, so the settings page still opens.
    pub fn analysis_model_choice(&self) -> Result<ModelChoice> {
        let saved = self.with_store(|s| s.setting(MODEL_KEY))?;
        Ok(match saved.as_deref().map(parse_model_choice) {
            None => ModelChoice::default(),
            Some(Ok(choice)) => choice,
            Some(Err(e)) => {
                tracing::warn!("{e}; analysing with the reference");
                ModelChoice::default()
            }
        })
    }

    /// Saves the tagger for this library and says whether it changed. A change makes every
    /// track's analysis stale (the analysis version names the model), so the caller starts
    /// analysis again: the app restarts its background pass.
    pub fn set_analysis_model(&self, choice: ModelChoice) -> Result<bool> {
        let changed = self.analysis_model_choice()? != choice;
        self.with_store(|s| s.set_setting(MODEL_KEY, model_choice_name(choice)))?;
        Ok(changed)
    }

    /// About how long analysing the whole library takes with each tagger here (see
    /// [`AnalysisEstimate`]).
    pub fn analysis_estimate(&self) -> Result<AnalysisEstimate> {
        let rows = self.track_rows()?;
        let audio_seconds = rows
            .iter()
            .map(|r| r.duration_ms as f64 / 1000.0)
            .sum::<f64>();
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
        let minutes = |speed: f64| (audio_seconds / (speed * cores) / 60.0) as f32;
        Ok(AnalysisEstimate {
            tracks: rows.len() as u32,
            student_minutes: minutes(crate::analysis::STUDENT_SPEED),
            reference_minutes: minutes(crate::analysis::REFERENCE_SPEED),
            student_speed: crate::analysis::STUDENT_SPEED as f32,
            reference_speed: crate::analysis::REFERENCE_SPEED as f32,
        })
    }

    /// The crossfade chosen for this library (zero: off, the default). The app and
    /// `segue play` start the player with it.
    pub fn crossfade(&self) -> Result<Duration> {
        let saved = self.with_store(|s| s.setting(CROSSFADE_KEY))?;
        // A value this version cannot read (or no longer allows) counts as off.
        Ok(saved
            .and_then(|v| v.parse::<u64>().ok())
            .map(Duration::from_millis)
            .and_then(|d| check_crossfade(d).ok())
            .unwrap_or(Duration::ZERO))
    }

    /// Whether the crossfade is smart (off by default): see
    /// [`segue_playback::Player::set_smart_crossfade`].
    pub fn crossfade_smart(&self) -> Result<bool> {
        Ok(self
            .with_store(|s| s.setting(CROSSFADE_SMART_KEY))?
            .is_some_and(|v| v == "true"))
    }

    /// Saves whether the crossfade is smart for the next start; a running player takes it with
    /// [`crate::Playback::set_crossfade_smart`].
    pub fn set_crossfade_smart(&self, smart: bool) -> Result<()> {
        self.with_store(|s| {
            s.set_setting(CROSSFADE_SMART_KEY, if smart { "true" } else { "false" })
        })
    }

    /// Saves the crossfade for the next start (see [`check_crossfade`]); a running player
    /// takes it with [`crate::Playback::set_crossfade`].
    pub fn set_crossfade(&self, length: Duration) -> Result<()> {
        let length = check_crossfade(length)?;
        self.with_store(|s| s.set_setting(CROSSFADE_KEY, &length.as_millis().to_string()))
    }
}

/// A crossfade a person may choose: zero (off) up to the engine's longest,
/// [`segue_playback::MAX_CROSSFADE`].
pub fn check_crossfade(length: Duration) -> Result<Duration> {
    let max = segue_playback::MAX_CROSSFADE;
    if length > max {
        return Err(crate::ServiceError::InvalidInput(format!(
            "a crossfade of {:.1} s is longer than the longest there is, {} s",
            length.as_secs_f64(),
            max.as_secs()
        )));
    }
    Ok(length)
}

/// The engine's normalisation for a choice on the settings page.
pub fn normalization_for(choice: NormalizationChoice) -> segue_playback::Normalization {
    segue_playback::Normalization {
        mode: choice,
        ..Default::default()
    }
}

/// A tagger by the name the settings keep (`student`, `reference`); any other name is refused
/// with the names there are.
pub fn parse_model_choice(name: &str) -> Result<ModelChoice> {
    match name {
        "student" => Ok(ModelChoice::Student),
        "reference" => Ok(ModelChoice::Reference),
        other => Err(crate::ServiceError::InvalidInput(format!(
            "unknown analysis model {other:?} (student, reference)"
        ))),
    }
}

/// The name [`parse_model_choice`] reads.
pub fn model_choice_name(choice: ModelChoice) -> &'static str {
    match choice {
        ModelChoice::Student => "student",
        ModelChoice::Reference => "reference",
    }
}

/// The tagger for a choice on the settings page.
pub fn model_for(choice: ModelChoice) -> segue_analysis::Model {
    match choice {
        ModelChoice::Student => segue_analysis::Model::Student,
        ModelChoice::Reference => segue_analysis::Model::Reference,
    }
}

/// The analysis device for a choice on the settings page.
pub fn device_for(choice: DeviceChoice) -> segue_analysis::Device {
    match choice {
        DeviceChoice::Auto => segue_analysis::Device::Auto,
        DeviceChoice::Cpu => segue_analysis::Device::Cpu,
        DeviceChoice::Cuda => segue_analysis::Device::Cuda,
    }
}
