//! From listening history to what [`crate::suggest`] reads: the one place that says what a
//! play means (a full listen, an early skip, or neither), how the taste is built from feedback,
//! what the listener did with the suggestions they were shown, and what the context is now.
//! The service calls it with what SQLite holds; `segue-bench` with what its simulated listeners
//! did, so a figure measures what the app would do.

use std::collections::HashMap;

use segue_core::{FeedbackKind, RadioSeed, TERM_COUNT, TrackId};

use crate::{Context, EarlierPlay, Outcome, Play, Signal, SignalSource, Taste, TimeOfDay};

/// A play as the listening history keeps it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Listen {
    pub track: TrackId,
    pub started_at_ms: i64,
    pub ms_listened: i64,
    pub duration_ms: i64,
    /// Ended by the listener moving on (not by the track ending, a stop or an error).
    pub skipped: bool,
}

impl Listen {
    /// Played through (true), skipped early (false), or neither (stopped, skipped late): what
    /// the play says about the listener enjoying the track (see [`segue_core::is_full_listen`],
    /// [`segue_core::is_early_skip`]).
    pub fn verdict(&self) -> Option<bool> {
        if segue_core::is_full_listen(self.ms_listened, self.duration_ms) {
            Some(true)
        } else if self.skipped && segue_core::is_early_skip(self.ms_listened, self.duration_ms) {
            Some(false)
        } else {
            None
        }
    }

    /// The taste signal the play gives, if any.
    fn signal(&self) -> Option<Signal> {
        let source = if segue_core::is_full_listen(self.ms_listened, self.duration_ms) {
            SignalSource::FullListen
        } else if self.skipped {
            SignalSource::Skip {
                early: segue_core::is_early_skip(self.ms_listened, self.duration_ms),
            }
        } else {
            return None;
        };
        Some(Signal {
            track: self.track,
            source,
            at_ms: self.started_at_ms,
        })
    }

    /// The play as the session and the repetition rules read it.
    pub fn play(&self) -> Play {
        Play {
            track: self.track,
            started_at_ms: self.started_at_ms,
            fraction: if self.duration_ms > 0 {
                (self.ms_listened as f32 / self.duration_ms as f32).clamp(0.0, 1.0)
            } else {
                0.0
            },
            skipped: self.skipped,
        }
    }
}

impl From<FeedbackKind> for SignalSource {
    fn from(kind: FeedbackKind) -> SignalSource {
        match kind {
            FeedbackKind::Like => SignalSource::Like,
            FeedbackKind::Dislike => SignalSource::Dislike,
            FeedbackKind::NotThis => SignalSource::NotThis,
            FeedbackKind::MoreLikeThis => SignalSource::MoreLikeThis,
        }
    }
}

/// The taste from explicit feedback (ratings as [`SignalSource::Stars`], likes, dislikes, "not
/// this", "more like this") and the plays' own signals, folded in time order.
pub fn taste_from(explicit: &[Signal], listens: &[Listen]) -> Taste {
    let mut signals: Vec<Signal> = explicit.to_vec();
    signals.extend(listens.iter().filter_map(Listen::signal));
    // Stable: a rating given with a play keeps its place after the play's own signal.
    signals.sort_by_key(|s| s.at_ms);
    Taste::from_signals(signals)
}

/// A suggestion that was shown: its track, when, and its term values (in
/// [`segue_core::RANKED_TERMS`] order; older logs may hold fewer).
#[derive(Debug, Clone, PartialEq)]
pub struct Shown {
    pub track: TrackId,
    pub at_ms: i64,
    pub values: Vec<f32>,
}

/// How long after being shown a play still answers a suggestion.
pub const ANSWER_WINDOW_MS: i64 = 6 * 3_600_000;

/// What the listener did with suggestions: each play that followed a suggestion of its track
/// within [`ANSWER_WINDOW_MS`], labelled played through or skipped early; other plays say
/// nothing. A play answers only the latest suggestion of its track before it. In a stable
/// order, so the fit does not depend on how the log was read.
pub fn outcomes(shown: &[Shown], listens: &[Listen]) -> Vec<Outcome> {
    let mut by_track: HashMap<TrackId, Vec<&Listen>> = HashMap::new();
    for l in listens {
        by_track.entry(l.track).or_default().push(l);
    }
    // Each play keeps the latest suggestion of its track before it (the log is oldest first).
    let mut answered: HashMap<(TrackId, i64), ([f32; TERM_COUNT], &Listen)> = HashMap::new();
    for s in shown {
        let Some(&listen) = by_track.get(&s.track).and_then(|ls| {
            ls.iter().find(|l| {
                l.started_at_ms >= s.at_ms && l.started_at_ms <= s.at_ms + ANSWER_WINDOW_MS
            })
        }) else {
            continue;
        };
        let mut values = [0.0f32; TERM_COUNT];
        for (d, v) in values.iter_mut().zip(&s.values) {
            *d = *v;
        }
        answered.insert((listen.track, listen.started_at_ms), (values, listen));
    }
    let mut out: Vec<Outcome> = answered
        .into_values()
        .filter_map(|(values, l)| {
            Some(Outcome {
                values,
                liked: l.verdict()?,
            })
        })
        .collect();
    out.sort_by(|a, b| {
        a.values
            .partial_cmp(&b.values)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(a.liked.cmp(&b.liked))
    });
    out
}

/// What is asked for now, besides the history.
#[derive(Debug, Clone, Default)]
pub struct Moment {
    pub now_ms: i64,
    /// The track the list follows; default: the last one played.
    pub after: Option<TrackId>,
    pub queued: Vec<TrackId>,
    /// Radio: follow this instead of a track.
    pub seed: Option<RadioSeed>,
    pub draw: u64,
    /// The local clock hour now, and plays on earlier days near this time of day with how
    /// far their clock time was from now's (hours).
    pub time_of_day: Option<(u8, Vec<(Listen, f32)>)>,
}

/// The context for suggestions now from the recent plays (oldest first: every play within
/// the track gap and the last few besides).
pub fn context(recent: &[Listen], moment: Moment) -> Context {
    let recent: Vec<Play> = recent.iter().map(Listen::play).collect();
    let current = moment
        .after
        .or_else(|| recent.last().map(|p| p.track))
        .filter(|_| moment.seed.is_none());
    Context {
        current,
        recent,
        queued: moment.queued,
        now_ms: moment.now_ms,
        seed: moment.seed,
        draw: moment.draw,
        time_of_day: moment.time_of_day.map(|(local_hour, near)| TimeOfDay {
            local_hour,
            earlier: near
                .iter()
                .filter_map(|(l, hours_apart)| {
                    Some(EarlierPlay {
                        track: l.track,
                        hours_apart: *hours_apart,
                        played_through: l.verdict()?,
                    })
                })
                .collect(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listen(track: TrackId, at: i64, heard_ms: i64, skipped: bool) -> Listen {
        Listen {
            track,
            started_at_ms: at,
            ms_listened: heard_ms,
            duration_ms: 200_000,
            skipped,
        }
    }

    #[test]
    fn a_play_says_enjoyed_skipped_early_or_nothing() {
        assert_eq!(listen(1, 0, 150_000, false).verdict(), Some(true));
        assert_eq!(listen(1, 0, 20_000, true).verdict(), Some(false));
        // Skipped after 30 %, or stopped early: neither.
        assert_eq!(listen(1, 0, 80_000, true).verdict(), None);
        assert_eq!(listen(1, 0, 20_000, false).verdict(), None);
        let p = listen(1, 5, 50_000, true).play();
        assert!((p.fraction - 0.25).abs() < 1e-6 && p.skipped && p.skipped_early());
    }

    #[test]
    fn only_plays_soon_after_a_suggestion_answer_it() {
        let shown = [
            Shown {
                track: 1,
                at_ms: 1_000,
                values: vec![0.5; TERM_COUNT],
            },
            Shown {
                track: 2,
                at_ms: 1_000,
                values: vec![0.1; 3],
            },
        ];
        let listens = [
            listen(1, 2_000, 190_000, false),
            // Long after it was shown: a play of its own.
            listen(2, 1_000 + ANSWER_WINDOW_MS + 1, 10_000, true),
        ];
        let out = outcomes(&shown, &listens);
        assert_eq!(out.len(), 1);
        assert!(out[0].liked && out[0].values[0] == 0.5);
    }

    #[test]
    fn the_context_follows_the_last_play_unless_told_otherwise() {
        let recent = [
            listen(1, 0, 190_000, false),
            listen(2, 300_000, 10_000, true),
        ];
        let now = Moment {
            now_ms: 400_000,
            ..Moment::default()
        };
        assert_eq!(context(&recent, now.clone()).current, Some(2));
        let radio = Moment {
            seed: Some(RadioSeed::Tag("ambient".into())),
            ..now
        };
        assert_eq!(context(&recent, radio).current, None);
        let taste = taste_from(
            &[Signal {
                track: 3,
                source: FeedbackKind::Like.into(),
                at_ms: 5,
            }],
            &recent,
        );
        assert!(taste.weight(1) > 0.0 && taste.weight(2) < 0.0 && taste.weight(3) == 1.0);
    }
}
