//! Suggestions and the feedback that shapes them: the service loads the analysed library
//! (cached until analysis changes), builds the taste from the feedback stored in SQLite on
//! every call (so the very next suggestion reflects a rating), and asks `segue-recommend`.

use std::sync::Arc;

use segue_core::{FeedbackKind, PlayEnd, RadioSeed, Suggestion, TrackId};
use segue_recommend::history::{self, Listen, Moment, Shown};
use segue_recommend::{Library, Settings, Signal, SignalSource, TrackProfile};
use segue_store::Store;

use crate::{Result, Service, ServiceError};

/// What to suggest for.
#[derive(Debug, Clone, Default)]
pub struct SuggestRequest {
    /// The track the suggestions follow; default: the last one played.
    pub after: Option<TrackId>,
    /// Radio: follow a track, artist, album or tag instead.
    pub seed: Option<RadioSeed>,
    /// Tracks already queued (not suggested again; they count for the repetition rules).
    pub queued: Vec<TrackId>,
    pub count: usize,
    /// Which exploration picks: `None` for Up Next's ([`up_next_draw`]), the same list every
    /// time for the same track followed; radio and autoplay pass their own varying draws
    /// ([`fresh_draw`]) so that they do not start the same way twice.
    pub draw: Option<u64>,
}

/// Up Next's exploration draw: fixed by the track followed, so the app's panel shows the same
/// list for the same track until feedback changes it (and autoplay then plays what was shown),
/// and `segue suggest` shows that list too.
pub fn up_next_draw(followed: Option<TrackId>) -> u64 {
    followed.map_or(0, |track| track as u64)
}

/// An exploration draw that differs from one call to the next (the clock): a radio started
/// twice, or autoplay's first top-up, explores differently each time.
pub fn fresh_draw() -> u64 {
    now_ms() as u64
}

/// The longest track gap a setting may ask for: a year. More (or `inf`) means "never again",
/// which "not this" already says.
pub const MAX_TRACK_GAP_HOURS: f32 = 24.0 * 365.0;
/// The longest artist or album gap, in tracks: about three days of listening.
pub const MAX_GAP: usize = 1000;

/// The one rule for suggestion settings, for the app and the command line: exploration 0-1,
/// the track gap 0 to [`MAX_TRACK_GAP_HOURS`], the artist and album gaps 0 to [`MAX_GAP`]
/// tracks. NaN and infinities are refused.
pub fn check_suggest_settings(settings: &Settings) -> Result<()> {
    let e = settings.exploration;
    if !(0.0..=1.0).contains(&e) {
        return Err(ServiceError::InvalidInput(format!(
            "exploration is 0 (close) to 1 (explore), not {e}"
        )));
    }
    let hours = settings.track_gap_hours;
    if !(0.0..=MAX_TRACK_GAP_HOURS).contains(&hours) {
        return Err(ServiceError::InvalidInput(format!(
            "the track gap is 0 to {MAX_TRACK_GAP_HOURS} hours (a year), not {hours}"
        )));
    }
    for (what, gap) in [
        ("artist", settings.artist_gap),
        ("album", settings.album_gap),
    ] {
        if gap > MAX_GAP {
            return Err(ServiceError::InvalidInput(format!(
                "the {what} gap is 0 to {MAX_GAP} tracks, not {gap}"
            )));
        }
    }
    Ok(())
}

pub(crate) const RESET_KEY: &str = "taste.reset_at_ms";
const SETTINGS_KEYS: [&str; 5] = [
    "suggest.exploration",
    "suggest.track_gap_hours",
    "suggest.artist_gap",
    "suggest.album_gap",
    "suggest.strict_gaps",
];

/// The ONNX ranker, once loaded (or why it could not be).
pub(crate) type RankerSlot =
    std::sync::Mutex<Option<std::result::Result<segue_analysis::ranker::OnnxRanker, String>>>;

/// The analysed library as last loaded, and what it was loaded from.
pub(crate) type LibraryCache = std::sync::Mutex<Option<((i64, i64), Arc<Library>)>>;

/// How many days back plays count for the time of day.
const TIME_OF_DAY_DAYS: i64 = 90;

pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

impl Service {
    /// Up to `request.count` tracks to play next, best first, each with its reason.
    pub fn suggest(&self, request: &SuggestRequest) -> Result<Vec<Suggestion>> {
        let library = self.recommend_library()?;
        if library.is_empty() {
            return Err(ServiceError::InvalidInput(
                "no analysed tracks yet: run `segue analyze` (or wait for the import's analysis)"
                    .into(),
            ));
        }
        if let Some(after) = request.after {
            self.track(after)?;
            if library.get(after).is_none() {
                return Err(ServiceError::InvalidInput(format!(
                    "track {after} has not been analysed yet"
                )));
            }
        }
        let settings = self.suggest_settings()?;
        let now = now_ms();
        let (taste, recent, time_of_day) = self.with_store(|s| {
            let reset_at = s
                .setting(RESET_KEY)?
                .and_then(|v| v.parse::<i64>().ok())
                .unwrap_or(0);
            let feedback = s.feedback_since(reset_at, 20_000)?;
            let listens: Vec<Listen> = feedback.plays.iter().map(listen).collect();
            let mut explicit: Vec<Signal> = feedback
                .ratings
                .iter()
                .map(|&(track, stars, at_ms)| Signal {
                    track,
                    source: SignalSource::Stars(stars),
                    at_ms,
                })
                .collect();
            explicit.extend(
                feedback
                    .feedback
                    .iter()
                    .map(|&(track, kind, at_ms)| Signal {
                        track,
                        source: kind.into(),
                        at_ms,
                    }),
            );
            let mut taste = history::taste_from(&explicit, &listens);
            // The ranker's per-user offsets, relearned from what the user did with what was
            // suggested since the last reset, and kept in the database.
            let shown: Vec<Shown> = s
                .suggestion_log(reset_at, 2_000)?
                .into_iter()
                .map(|(track, at_ms, values)| Shown {
                    track,
                    at_ms,
                    values,
                })
                .collect();
            taste.term_offsets =
                segue_recommend::learn_offsets(&history::outcomes(&shown, &listens));
            let named: Vec<(&str, f32)> = segue_core::RANKED_TERMS
                .iter()
                .zip(taste.term_offsets)
                .map(|(k, o)| (term_name(*k), o))
                .collect();
            // Written only when they changed: most calls learn nothing new.
            let stored = s.ranker_offsets()?;
            let unchanged = stored.len() == named.len()
                && named
                    .iter()
                    .all(|(k, o)| stored.iter().any(|(sk, so)| sk == k && so == o));
            if !unchanged {
                s.set_ranker_offsets(&named)?;
            }
            let gap_ms = (f64::from(settings.track_gap_hours) * 3_600_000.0) as i64;
            // The session (last 20) and everything inside the repetition window.
            let mut plays = s.plays_since(now - gap_ms, 5_000)?;
            let last = s.plays_since(0, 50)?;
            plays.retain(|p| {
                last.first()
                    .is_none_or(|f| p.started_at_ms < f.started_at_ms)
            });
            plays.extend(last);
            // Momentum: the artists the rotation calls rising.
            taste.artist_momentum = self.rotation.momentum(s, now)?;
            // Earlier days at about this time of day (not today: the session covers that), since
            // the last taste reset.
            let (local_hour, near) = s.plays_near_time_of_day(
                now,
                (now - TIME_OF_DAY_DAYS * 86_400_000).max(reset_at),
                now - 6 * 3_600_000,
                segue_recommend::TIME_OF_DAY_HOURS,
                2_000,
            )?;
            let near: Vec<(Listen, f32)> = near.iter().map(|(p, h)| (listen(p), *h)).collect();
            Ok((
                taste,
                plays.iter().map(listen).collect::<Vec<_>>(),
                (local_hour, near),
            ))
        })?;
        let after = request.after.or_else(|| recent.last().map(|l| l.track));
        let context = history::context(
            &recent,
            Moment {
                now_ms: now,
                after,
                queued: request.queued.clone(),
                seed: request.seed.clone(),
                draw: request
                    .draw
                    .unwrap_or_else(|| up_next_draw(after.filter(|_| request.seed.is_none()))),
                time_of_day: Some(time_of_day),
            },
        );
        let mut ranker = self.ranker.lock().unwrap_or_else(|p| p.into_inner());
        if ranker.is_none() {
            let config = segue_analysis::AnalyzerConfig::default();
            *ranker = Some(
                segue_analysis::Runtime::get(&config.runtime_library)
                    .and_then(|rt| segue_analysis::ranker::OnnxRanker::load(rt, &config.models_dir))
                    .map_err(|e| {
                        tracing::warn!("suggestions without the ONNX ranker: {e}");
                        e.to_string()
                    }),
            );
        }
        let model = match ranker.as_mut() {
            Some(Ok(r)) => Some(r as &mut dyn segue_core::RankingModel),
            _ => None,
        };
        let (list, error) = segue_recommend::suggest_with(
            &library,
            &taste,
            &context,
            &settings,
            request.count,
            model,
        );
        if let Some(e) = error {
            tracing::warn!("the ONNX ranker failed, first-stage scores used: {e}");
        }
        let shown: Vec<(TrackId, Vec<f32>)> = list
            .iter()
            .map(|s| (s.track_id, s.term_values().to_vec()))
            .collect();
        self.with_store(|s| s.log_suggestions(&shown, now))?;
        Ok(list)
    }

    /// The ranker's learned per-user offsets to its term weights, by term.
    pub fn ranker_offsets(&self) -> Result<Vec<(String, f32)>> {
        self.with_store(Store::ranker_offsets)
    }

    /// Whether suggestions are ranked by the ONNX ranker, or why not.
    pub fn ranker_status(&self) -> std::result::Result<(), String> {
        match self
            .ranker
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
        {
            Some(Ok(_)) => Ok(()),
            Some(Err(e)) => Err(e.clone()),
            None => Err("not loaded yet (it loads with the first suggestion)".into()),
        }
    }

    /// Sets (or clears) a track's star rating.
    pub fn rate(&self, track: TrackId, stars: Option<u8>) -> Result<()> {
        self.with_store(|s| s.set_rating(track, stars))
    }

    /// Like, dislike, "not this" or "more like this".
    pub fn feedback(&self, track: TrackId, kind: FeedbackKind) -> Result<()> {
        self.with_store(|s| s.add_feedback(track, kind, now_ms()))
    }

    /// Forgets the taste learned so far (ratings stay as the user set them, but only count
    /// for suggestions again when changed).
    pub fn reset_taste(&self) -> Result<()> {
        self.with_store(|s| {
            s.set_setting(RESET_KEY, &now_ms().to_string())?;
            s.set_ranker_offsets(&[])
        })
    }

    pub fn suggest_settings(&self) -> Result<Settings> {
        let mut settings = Settings::default();
        let values = self.with_store(|s| {
            SETTINGS_KEYS
                .iter()
                .map(|k| s.setting(k))
                .collect::<Result<Vec<_>, _>>()
        })?;
        // What an older Segue stored unchecked (inf, NaN, 1e30) reads as the nearest value
        // allowed, so saving another setting is not refused for it.
        let num = |i: usize| {
            values[i]
                .as_deref()
                .and_then(|v| v.parse::<f32>().ok())
                .filter(|v| v.is_finite())
        };
        if let Some(v) = num(0) {
            settings.exploration = v.clamp(0.0, 1.0);
        }
        if let Some(v) = num(1) {
            settings.track_gap_hours = v.clamp(0.0, MAX_TRACK_GAP_HOURS);
        }
        if let Some(v) = num(2) {
            settings.artist_gap = v.clamp(0.0, MAX_GAP as f32) as usize;
        }
        if let Some(v) = num(3) {
            settings.album_gap = v.clamp(0.0, MAX_GAP as f32) as usize;
        }
        settings.strict_gaps = values[4].as_deref() == Some("true");
        Ok(settings)
    }

    /// Stores the suggestion settings, refusing values outside [`check_suggest_settings`].
    pub fn set_suggest_settings(&self, settings: &Settings) -> Result<()> {
        check_suggest_settings(settings)?;
        let values = [
            settings.exploration.to_string(),
            settings.track_gap_hours.to_string(),
            settings.artist_gap.to_string(),
            settings.album_gap.to_string(),
            settings.strict_gaps.to_string(),
        ];
        self.with_store(|s| {
            for (k, v) in SETTINGS_KEYS.iter().zip(&values) {
                s.set_setting(k, v)?;
            }
            Ok(())
        })
    }

    /// The analysed library, reloaded only when analysis results changed.
    pub fn recommend_library(&self) -> Result<Arc<Library>> {
        let stamp = self.with_store(Store::analysis_stamp)?;
        let mut cache = self.library_cache.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((s, lib)) = cache.as_ref()
            && *s == stamp
        {
            return Ok(lib.clone());
        }
        let rows = self.with_store(Store::profiles)?;
        let tags = self
            .tag_labels(&segue_analysis::AnalyzerConfig::default())
            .map(|(msd, mtt)| msd.into_iter().chain(mtt).collect::<Vec<_>>())
            .unwrap_or_else(|_| (0..100).map(|i| format!("tag {i}")).collect());
        let profiles = rows
            .into_iter()
            .map(|r| TrackProfile {
                id: r.id,
                title: r.title,
                artist: r.artist,
                album: r.album,
                album_artist: r.album_artist,
                composer: r.composer,
                genre: r.genre,
                year: r.year,
                folder: r.folder,
                embedding: r.embedding,
                tags: r.tags,
                timbre: segue_recommend::timbre_of(&r.features),
                bpm: r.features.bpm,
                key: r.features.key,
                mode: r.features.mode,
                energy: r.features.energy,
                loudness_lufs: r.loudness_lufs,
            })
            .collect();
        let lib = Arc::new(Library::new(profiles, tags));
        *cache = Some((stamp, lib.clone()));
        Ok(lib)
    }
}

/// A term's name as stored (its serde name).
fn term_name(kind: segue_core::TermKind) -> &'static str {
    use segue_core::TermKind::*;
    match kind {
        Sound => "sound",
        Tags => "tags",
        Session => "session",
        Tempo => "tempo",
        Key => "key",
        Energy => "energy",
        Taste => "taste",
        Novelty => "novelty",
        Explore => "explore",
        TimeOfDay => "time_of_day",
        Momentum => "momentum",
    }
}

/// A stored play as the recommender reads it.
pub(crate) fn listen(p: &segue_store::PlayFact) -> Listen {
    Listen {
        track: p.track_id,
        started_at_ms: p.started_at_ms,
        ms_listened: p.ms_listened,
        duration_ms: p.duration_ms,
        skipped: p.end == PlayEnd::Skipped,
    }
}
