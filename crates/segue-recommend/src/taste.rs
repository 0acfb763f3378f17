//! The user's taste: a signed weight per track the user rated, liked, disliked, played through
//! or skipped, and through the similarity of sound, on every other track.
//!
//! Explicit feedback (stars, like, dislike, "not this", "more like this") sets a track's
//! weight; implicit feedback (full listens, skips) adds up until explicit feedback exists.
//! The latest explicit feedback wins, so un-disliking works. A candidate's taste term is its
//! own weight (a liked track's scaled by how well it fits what plays) plus how far it lies
//! towards what the user likes and away from what they dislike: it changes with the very next
//! feedback, and names the track it came from.

use std::collections::HashMap;

use segue_core::{Detail, TrackId};

use crate::{Library, dot};

/// Signals that vote on every candidate (the strongest ones).
pub const MAX_VOTERS: usize = 64;

/// How much a track's own feedback counts in its taste term, beside the votes of the rest.
const OWN_WEIGHT: f32 = 0.7;

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
    skips: u32,
    excluded: bool,
    played: bool,
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
        match signal.source {
            SignalSource::Stars(stars) => {
                let w = (f32::from(stars.clamp(1, 5)) - 3.0) / 2.0;
                t.explicit = Some((w, signal.source));
                t.excluded = false;
            }
            SignalSource::Like => {
                t.explicit = Some((1.0, signal.source));
                t.excluded = false;
            }
            SignalSource::MoreLikeThis => {
                t.explicit = Some((0.8, signal.source));
                t.excluded = false;
            }
            SignalSource::Dislike => {
                t.explicit = Some((-1.0, signal.source));
                t.excluded = true;
            }
            SignalSource::NotThis => {
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
                t.skips += 1;
                t.played = true;
            }
        }
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

    /// The taste against one library, ready to score candidates: the weighted directions of
    /// what the user likes and dislikes in sound and style, from the [`MAX_VOTERS`] strongest
    /// signals. Scoring a candidate is then a few dot products, whatever the library's size.
    pub(crate) fn resolve<'a>(&'a self, library: &Library) -> ResolvedTaste<'a> {
        let mut voters: Vec<(usize, f32, &TrackTaste)> = self
            .tracks
            .iter()
            .filter_map(|(id, t)| {
                let w = t.weight();
                (w.abs() > 1e-3).then_some((library.index(*id)?, w, t))
            })
            .collect();
        // Strongest first; ties by library position, so the choice is deterministic.
        voters.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()).then(a.0.cmp(&b.0)));
        voters.truncate(MAX_VOTERS);
        let direction = |positive: bool| -> Direction {
            let mut sound = vec![0.0f32; library.sound_dim];
            let mut style = vec![0.0f32; library.style_dim];
            let mut mass = 0.0f32;
            for &(j, w, _) in voters.iter().filter(|v| (v.1 > 0.0) == positive) {
                let w = w.abs();
                mass += w;
                for (x, y) in sound.iter_mut().zip(library.sound_row(j)) {
                    *x += w * y;
                }
                for (x, y) in style.iter_mut().zip(library.style_row(j)) {
                    *x += w * y;
                }
            }
            let usable = crate::normalise(&mut sound) | crate::normalise(&mut style);
            // Evidence: one strong signal counts half; two or more count fully.
            let confidence = if usable { (mass / 2.0).min(1.0) } else { 0.0 };
            Direction {
                sound,
                style,
                confidence,
            }
        };
        ResolvedTaste {
            likes: direction(true),
            dislikes: direction(false),
            voters,
            taste: self,
        }
    }
}

/// Where the user's likes (or dislikes) lie, as unit directions in sound and style.
struct Direction {
    sound: Vec<f32>,
    style: Vec<f32>,
    confidence: f32,
}

pub(crate) struct ResolvedTaste<'a> {
    likes: Direction,
    dislikes: Direction,
    voters: Vec<(usize, f32, &'a TrackTaste)>,
    taste: &'a Taste,
}

impl ResolvedTaste<'_> {
    /// The taste term's value for library track `i`, about -1..1: its own feedback, plus how
    /// far it lies towards what the user likes and away from what they dislike (Rocchio).
    /// A per-user logistic model, kernel ridge regression, sparse tag weights, raw tag vectors
    /// and a nearest-neighbour vote on the same features were tried and measured no better
    /// with the few signals a session gives (`segue-bench suggest`).
    ///
    /// Computed from the track's own term (as [`Self::own_terms`] gives it) and its rows. The
    /// rest is linear in the rows, so summed rows give the summed score (what term means use).
    pub(crate) fn score_rows(&self, own_term: f32, sound: &[f32], style: &[f32]) -> f32 {
        let toward = |d: &Direction| -> f32 {
            if d.confidence == 0.0 {
                return 0.0;
            }
            0.5 * d.confidence * (dot(sound, &d.sound) + dot(style, &d.style))
        };
        own_term + toward(&self.likes) - toward(&self.dislikes)
    }

    /// Adds `weight` times the linear part of [`Self::score`] to vectors that are dotted with
    /// a candidate's sound and style rows (first-stage scoring folds every linear term into
    /// one dot product per row).
    pub(crate) fn fold_linear(&self, weight: f32, sound: &mut [f32], style: &mut [f32]) {
        for (d, sign) in [(&self.likes, 1.0f32), (&self.dislikes, -1.0)] {
            if d.confidence == 0.0 {
                continue;
            }
            let k = weight * sign * 0.5 * d.confidence;
            sound
                .iter_mut()
                .zip(&d.sound)
                .for_each(|(x, y)| *x += k * y);
            style
                .iter_mut()
                .zip(&d.style)
                .for_each(|(x, y)| *x += k * y);
        }
    }

    /// Every library track with feedback of its own, and its own term when `followed` (a
    /// library index) plays: see [`own_term`].
    pub(crate) fn own_terms(
        &self,
        library: &Library,
        followed: Option<usize>,
    ) -> Vec<(usize, f32)> {
        self.taste
            .tracks
            .iter()
            .filter_map(|(id, t)| {
                let i = library.index(*id)?;
                Some((i, own_term(library, t, i, followed)))
            })
            .collect()
    }

    /// What drove a candidate's taste term: its own feedback, or the signal whose track is
    /// most like it, weighted by the signal's strength.
    pub(crate) fn describe(&self, library: &Library, i: usize, followed: Option<usize>) -> Detail {
        let own = self.taste.tracks.get(&library.tracks[i].id);
        let own_part = own.map_or(0.0, |t| own_term(library, t, i, followed));
        let strongest = self
            .voters
            .iter()
            .filter(|v| v.0 != i)
            .map(|&(j, w, t)| (w * library.joint_similarity(i, j).max(0.0), j, w, t))
            .max_by(|a, b| a.0.total_cmp(&b.0));
        match (own, strongest) {
            (Some(t), Some((c, ..))) if own_part.abs() >= c.abs() => describe(t, None, own_part),
            (Some(t), None) => describe(t, None, own_part),
            (_, Some((_, j, w, t))) => describe(t, Some(library.name(j)), w),
            (None, None) => Detail::Nothing,
        }
    }
}

/// Track `i`'s own feedback as a term: its weight times [`OWN_WEIGHT`], and, when it is
/// positive and a track `followed` plays, times how close in sound the two are (0 for a track
/// unlike it). A favourite comes back when it fits what plays, instead of breaking into any
/// mood; what the user disliked or skipped counts whatever plays.
fn own_term(library: &Library, t: &TrackTaste, i: usize, followed: Option<usize>) -> f32 {
    let weight = t.weight();
    let fit = match followed {
        Some(a) if weight > 0.0 => dot(library.sound_row(a), library.sound_row(i)).max(0.0),
        _ => 1.0,
    };
    OWN_WEIGHT * weight * fit
}

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
