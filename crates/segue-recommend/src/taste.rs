//! The user's feedback, per track: what they rated, liked, disliked, played through or
//! skipped, folded one signal at a time.
//!
//! Explicit feedback (stars, like, dislike, "not this", "more like this") says what the
//! listener thinks of a track; implicit feedback (full listens, skips) adds up until explicit
//! feedback exists. The latest explicit feedback wins, so un-disliking works. The listener
//! model ([`crate::listener`]) learns from this evidence what the listener enjoys elsewhere.

use std::collections::HashMap;

use segue_core::{Detail, TrackId};

/// Where a taste signal came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignalSource {
    Stars(u8),
    Like,
    Dislike,
    NotThis,
    MoreLikeThis,
    /// Played through (a full listen).
    FullListen,
    /// Skipped before 30 % (early) or after.
    Skip {
        early: bool,
    },
}

/// One piece of feedback on one track, in time order.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Signal {
    pub track: TrackId,
    pub source: SignalSource,
    pub at_ms: i64,
}

#[derive(Debug, Clone, Copy, Default)]
struct TrackTaste {
    /// Explicit feedback's weight, when there is some: it overrides the implicit sum.
    explicit: Option<(f32, SignalSource)>,
    implicit: f32,
    listens: u32,
    early_skips: u32,
    late_skips: u32,
    excluded: bool,
    played: bool,
    /// When the latest signal came, and the latest explicit one.
    last_at_ms: i64,
    explicit_at_ms: i64,
}

impl TrackTaste {
    fn weight(&self) -> f32 {
        match self.explicit {
            Some((w, _)) => w,
            None => self.implicit.clamp(-1.0, 0.75),
        }
    }
}

/// The taste model: built from signals, updated one signal at a time.
#[derive(Debug, Clone, Default)]
pub struct Taste {
    tracks: HashMap<TrackId, TrackTaste>,
    /// The user's offsets to the ranking terms' weights ([`segue_core::RANKED_TERMS`] order);
    /// zero until learned.
    pub term_offsets: [f32; segue_core::TERM_COUNT],
    /// Artists played more lately than their own usual rate, with how clear the rise is (0-1):
    /// `segue_core::rotation::momentum` over the play history; empty until filled in.
    pub artist_momentum: HashMap<String, f32>,
}

impl Taste {
    pub fn from_signals(signals: impl IntoIterator<Item = Signal>) -> Taste {
        let mut t = Taste::default();
        for s in signals {
            t.apply(s);
        }
        t
    }

    /// Folds in one signal (they must come in time order).
    pub fn apply(&mut self, signal: Signal) {
        let t = self.tracks.entry(signal.track).or_default();
        t.last_at_ms = t.last_at_ms.max(signal.at_ms);
        match signal.source {
            SignalSource::Stars(stars) => {
                t.explicit_at_ms = signal.at_ms;
                let w = (f32::from(stars.clamp(1, 5)) - 3.0) / 2.0;
                t.explicit = Some((w, signal.source));
                t.excluded = false;
            }
            SignalSource::Like => {
                t.explicit_at_ms = signal.at_ms;
                t.explicit = Some((1.0, signal.source));
                t.excluded = false;
            }
            SignalSource::MoreLikeThis => {
                t.explicit_at_ms = signal.at_ms;
                t.explicit = Some((0.8, signal.source));
                t.excluded = false;
            }
            SignalSource::Dislike => {
                t.explicit_at_ms = signal.at_ms;
                t.explicit = Some((-1.0, signal.source));
                t.excluded = true;
            }
            SignalSource::NotThis => {
                t.explicit_at_ms = signal.at_ms;
                t.explicit = Some((-0.6, signal.source));
                t.excluded = true;
            }
            SignalSource::FullListen => {
                t.implicit += 0.25;
                t.listens += 1;
                t.played = true;
            }
            SignalSource::Skip { early } => {
                t.implicit -= if early { 0.4 } else { 0.1 };
                if early {
                    t.early_skips += 1;
                } else {
                    t.late_skips += 1;
                }
                t.played = true;
            }
        }
    }

    /// When the listener asked for this track, if their latest explicit feedback on it asks
    /// for it: 4 or 5 stars, a like, or "more like this".
    pub fn asked_at(&self, track: TrackId) -> Option<i64> {
        let t = self.tracks.get(&track)?;
        matches!(
            t.explicit,
            Some((
                _,
                SignalSource::Stars(4..) | SignalSource::Like | SignalSource::MoreLikeThis
            ))
        )
        .then_some(t.explicit_at_ms)
    }

    /// Disliked or "not this": never suggested.
    pub fn is_excluded(&self, track: TrackId) -> bool {
        self.tracks.get(&track).is_some_and(|t| t.excluded)
    }

    /// Whether the track was ever played (for novelty).
    pub fn has_history(&self, track: TrackId) -> bool {
        self.tracks.get(&track).is_some_and(|t| t.played)
    }

    /// The track's own taste weight, -1..1 (0 when unknown).
    pub fn weight(&self, track: TrackId) -> f32 {
        self.tracks.get(&track).map_or(0.0, TrackTaste::weight)
    }

    /// Tracks ever played (listened through or skipped).
    pub fn heard(&self) -> impl Iterator<Item = TrackId> + '_ {
        self.tracks
            .iter()
            .filter(|(_, t)| t.played)
            .map(|(id, _)| *id)
    }

    /// Tracks with any feedback.
    pub fn len(&self) -> usize {
        self.tracks.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tracks.is_empty()
    }

    /// Tracks never to suggest (disliked, "not this").
    pub fn excluded(&self) -> impl Iterator<Item = TrackId> + '_ {
        self.tracks
            .iter()
            .filter(|(_, t)| t.excluded)
            .map(|(id, _)| *id)
    }

    /// What the listener model learns from: one piece of evidence per track with feedback,
    /// newest first. `now_ms` ages it: older evidence counts less (tastes drift).
    pub(crate) fn evidence(&self, now_ms: i64) -> Vec<Evidence> {
        let mut out: Vec<Evidence> = self
            .tracks
            .iter()
            .filter_map(|(&track, t)| {
                let (y, noise) = match t.explicit {
                    Some((w, _)) => (w, EXPLICIT_NOISE),
                    None => {
                        let heard = t.listens + t.early_skips + t.late_skips;
                        if heard == 0 {
                            return None;
                        }
                        let sum = LISTEN_VALUE * t.listens as f32
                            - LISTEN_VALUE * t.early_skips as f32
                            - LATE_SKIP_VALUE * t.late_skips as f32;
                        (sum / heard as f32, IMPLICIT_NOISE / heard as f32)
                    }
                };
                let age_days = (now_ms - t.last_at_ms).max(0) as f32 / 86_400_000.0;
                let drift_days = if t.explicit.is_some() {
                    EXPLICIT_DRIFT_DAYS
                } else {
                    IMPLICIT_DRIFT_DAYS
                };
                Some(Evidence {
                    track,
                    y,
                    explicit: t.explicit.is_some(),
                    noise: noise * (1.0 + age_days / drift_days),
                    at_ms: t.last_at_ms,
                })
            })
            .collect();
        // Newest first; ties by track, so the choice is deterministic.
        out.sort_by(|a, b| b.at_ms.cmp(&a.at_ms).then(a.track.cmp(&b.track)));
        out
    }

    /// What drove a taste about track `track` (its own feedback), as words.
    pub(crate) fn detail(&self, track: TrackId, about: Option<String>, value: f32) -> Detail {
        match self.tracks.get(&track) {
            Some(t) => describe(t, about, value),
            None => Detail::Nothing,
        }
    }
}

/// One track's feedback as the listener model reads it: how much the listener enjoyed it
/// (-1..1) and how sure that is (the variance of its noise).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Evidence {
    pub(crate) track: TrackId,
    pub(crate) y: f32,
    /// A rating or like (what the listener says), rather than plays (what they did).
    pub(crate) explicit: bool,
    pub(crate) noise: f32,
    pub(crate) at_ms: i64,
}

/// Explicit feedback says what the listener thinks: little noise.
const EXPLICIT_NOISE: f32 = 0.05;
/// One full listen or early skip says less; several say more.
const IMPLICIT_NOISE: f32 = 0.3;
/// What a full listen (and, negated, an early skip) says about enjoying a track.
const LISTEN_VALUE: f32 = 0.7;
/// A skip after the start says little: the listener heard some of it.
const LATE_SKIP_VALUE: f32 = 0.2;
/// Listening this many days old counts half as surely as today's: tastes drift.
const IMPLICIT_DRIFT_DAYS: f32 = 30.0;
/// A rating or a like is a deliberate statement: it keeps longer.
const EXPLICIT_DRIFT_DAYS: f32 = 365.0;

/// What a taste signal says: about the candidate itself (`other` None) or another track.
fn describe(t: &TrackTaste, track: Option<String>, contribution: f32) -> Detail {
    match t.explicit {
        Some((_, SignalSource::Stars(stars))) => Detail::Rated { track, stars },
        Some((_, SignalSource::Like)) => Detail::Liked { track },
        Some((_, SignalSource::MoreLikeThis)) => Detail::AskedMoreLike { track },
        Some((_, SignalSource::Dislike)) => Detail::UnlikeDisliked { track },
        Some((_, SignalSource::NotThis)) => Detail::UnlikeTurnedDown { track },
        _ if contribution >= 0.0 => match track {
            Some(track) => Detail::LikePlayedThrough { track },
            None => Detail::PlayedThrough { times: t.listens },
        },
        _ => match track {
            Some(track) => Detail::UnlikeSkipped { track },
            None => Detail::OftenSkipped,
        },
    }
}
