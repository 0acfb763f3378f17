//! The scoring terms, each defined once.
//!
//! A term's value for a candidate is a part linear in the candidate's rows (a [`Linear`]) plus
//! a part read per candidate (a closure over library positions). That one definition drives
//! all three uses:
//! - the first stage folds every term's linear part into one [`Linear`] and adds the per-track
//!   parts, so the whole library costs one pass over its 8-bit rows;
//! - the short list gets every term's exact value (what the ranking model and the reasons see);
//! - a term's mean over the candidates (what lifts are measured against) is its linear part
//!   dotted with the candidates' summed rows plus the mean of its per-track part.
//!
//! Terms that cost too much for every track ([`TermKind::Explore`]: a joint posterior draw)
//! are added for the short list only; their mean is over the short list.

use std::collections::HashMap;

use segue_core::{TERM_COUNT, TermKind};

use crate::RANKED_TERMS;
use crate::context::{Anchor, Context, session_vector, time_of_day_lean};
use crate::library::{JoinFacts, Library, Linear, Space};
use crate::listener::{Assessment, ListenerModel};
use crate::taste::Taste;
use crate::weights::Weights;

/// A term's part that is read per candidate (library position).
pub(crate) type PerTrack<'a> = Box<dyn Fn(usize) -> f32 + Send + Sync + 'a>;

/// One scoring term in this situation.
pub(crate) struct Term<'a> {
    pub(crate) kind: TermKind,
    pub(crate) weight: f32,
    pub(crate) linear: Option<Linear>,
    pub(crate) per_track: Option<PerTrack<'a>>,
    /// A per-track correction for the exact value only (the short list); the first stage
    /// ranks without it, so it may only lower a track (an upper bound is safe to shortlist by).
    pub(crate) refine: Option<PerTrack<'a>>,
}

impl Term<'_> {
    /// The term's exact value (before its weight) for library track `i`.
    pub(crate) fn value(&self, library: &Library, i: usize) -> f32 {
        self.linear
            .as_ref()
            .map_or(0.0, |f| library.exact_dot(i, f))
            + self.per_track.as_ref().map_or(0.0, |p| p(i))
            + self.refine.as_ref().map_or(0.0, |r| r(i))
    }

    /// Its slot in [`RANKED_TERMS`] (the ranking model's input order); `None` for a term the
    /// model does not read ([`TermKind::Momentum`]).
    pub(crate) fn slot(&self) -> Option<usize> {
        RANKED_TERMS.iter().position(|k| *k == self.kind)
    }
}

/// The most terms one situation has: the ranked ones and momentum.
pub(crate) const MOST_TERMS: usize = TERM_COUNT + 1;

/// What the terms of one call read besides the library.
pub(crate) struct Situation<'a> {
    pub(crate) library: &'a Library,
    pub(crate) taste: &'a Taste,
    pub(crate) context: &'a Context,
    pub(crate) weights: &'a Weights,
    pub(crate) anchor: &'a Anchor,
    pub(crate) listener: &'a ListenerModel,
}

/// When each track was last played within the recent plays, and whether it was ever heard:
/// dense, so the first stage reads them without hashing.
pub(crate) struct Recency {
    pub(crate) last_played: Vec<Option<i64>>,
    pub(crate) heard_before: Vec<bool>,
}

impl Recency {
    pub(crate) fn of(library: &Library, taste: &Taste, context: &Context) -> Recency {
        let mut last_played: Vec<Option<i64>> = vec![None; library.len()];
        for p in &context.recent {
            if let Some(i) = library.index(p.track) {
                let at = last_played[i].get_or_insert(p.started_at_ms);
                *at = (*at).max(p.started_at_ms);
            }
        }
        let mut heard_before = vec![false; library.len()];
        for id in taste.heard() {
            if let Some(i) = library.index(id) {
                heard_before[i] = true;
            }
        }
        Recency {
            last_played,
            heard_before,
        }
    }

    /// Days since track `i` was last played, if within the recent plays.
    pub(crate) fn days_since(&self, i: usize, now_ms: i64) -> Option<f32> {
        self.last_played[i].map(|at| (now_ms - at) as f32 / 86_400_000.0)
    }
}

/// Every term of this situation except the short-list-only ones.
pub(crate) fn terms<'a>(s: &Situation<'a>, recency: &'a Recency) -> Vec<Term<'a>> {
    let (library, weights) = (s.library, s.weights);
    let mut terms: Vec<Term<'a>> = Vec::new();
    let linear = |space: Space, v: &[f32]| -> Linear {
        let mut f = Linear::zero(library);
        f.add(1.0, space, v);
        f
    };
    if let Some(a) = s.anchor.index {
        terms.push(Term {
            kind: TermKind::Sound,
            weight: weights.sound,
            linear: Some(linear(Space::Sound, library.sound_row(a))),
            per_track: None,
            refine: None,
        });
        terms.push(Term {
            kind: TermKind::Tags,
            weight: weights.tags,
            linear: Some(linear(Space::Style, library.style_row(a))),
            per_track: None,
            refine: None,
        });
        let from: JoinFacts = library.joins[a];
        let joins = &library.joins;
        terms.push(Term {
            kind: TermKind::Tempo,
            weight: weights.tempo,
            linear: None,
            per_track: Some(Box::new(move |i| {
                tempo_match_log(from.tempo_log, joins[i].tempo_log)
            })),
            refine: None,
        });
        terms.push(Term {
            kind: TermKind::Key,
            weight: weights.key,
            linear: None,
            per_track: Some(Box::new(move |i| key_match(&from, &joins[i]).0)),
            refine: None,
        });
        terms.push(Term {
            kind: TermKind::Energy,
            weight: weights.energy,
            linear: None,
            per_track: Some(Box::new(move |i| energy_match(&from, &joins[i]))),
            refine: None,
        });
    } else if let Some(target) = &s.anchor.style {
        // Radio has no track to sound like: style carries the sound's weight too.
        let scale = (weights.sound + weights.tags) / weights.tags.max(1e-6);
        let mut f = Linear::zero(library);
        f.add(scale, Space::Style, target);
        terms.push(Term {
            kind: TermKind::Tags,
            weight: weights.tags,
            linear: Some(f),
            per_track: None,
            refine: None,
        });
    }
    if let Some(v) = session_vector(library, s.context) {
        terms.push(Term {
            kind: TermKind::Session,
            weight: weights.session,
            linear: Some(linear(Space::Sound, &v)),
            per_track: None,
            refine: None,
        });
    }
    if let Some(lean) = time_of_day_lean(library, s.context) {
        terms.push(Term {
            kind: TermKind::TimeOfDay,
            weight: weights.time_of_day,
            linear: Some(lean),
            per_track: None,
            refine: None,
        });
    }
    // Taste: the listener model's posterior mean, linear in the rows plus a value per facet.
    let mut facets = vec![s.listener.baseline; library.len()];
    s.listener.facet_means(library, &mut facets);
    terms.push(Term {
        kind: TermKind::Taste,
        weight: weights.taste,
        linear: Some(s.listener.mean_rows.clone()),
        per_track: Some(Box::new(move |i| facets[i])),
        refine: None,
    });
    let now_ms = s.context.now_ms;
    terms.push(Term {
        kind: TermKind::Novelty,
        weight: weights.novelty,
        linear: None,
        per_track: Some(Box::new(move |i| match recency.days_since(i, now_ms) {
            None if !recency.heard_before[i] => 1.0,
            None => 0.6,
            Some(days) => 1.0 - (-days / 14.0).exp(),
        })),
        refine: None,
    });
    // Momentum: by an artist the listener has been playing more lately than usual.
    if !s.taste.artist_momentum.is_empty() {
        let rising: Vec<f32> = library
            .tracks
            .iter()
            .map(|t| {
                t.artist
                    .as_ref()
                    .or(t.album_artist.as_ref())
                    .and_then(|a| s.taste.artist_momentum.get(a))
                    .copied()
                    .unwrap_or(0.0)
            })
            .collect();
        terms.push(Term {
            kind: TermKind::Momentum,
            weight: weights.momentum,
            linear: None,
            per_track: Some(Box::new(move |i| rising[i])),
            refine: None,
        });
    }
    terms
}

/// How far a Thompson draw may lift a track above what the model expects: one unit of
/// enjoyment (half the way from an early skip to a full listen). Before anything is known the
/// draws spread as wide as the prior, and an uncapped draw put death metal first after an
/// ambient track in a new library; once the model knows something the cap rarely binds.
pub(crate) const EXPLORE_CAP: f32 = 1.0;

/// The short list's own parts of the terms, from the listener model's assessment of it:
/// - taste: what the listener liked before this session comes back when it fits what plays:
///   that part of the lift is scaled by the candidate's closeness in sound to the track
///   followed, instead of breaking into any mood (dislikes and skips count whatever plays).
///   Only ever lowers a track, so the first stage, which counts it whole, shortlists safely;
/// - explore: how far a joint draw from the posterior (Thompson sampling) lies above the mean.
///   Before any evidence every track is as uncertain as the next, and the draw is a seeded
///   spread of the library.
pub(crate) fn refine_for_short_list<'a>(
    s: &Situation<'a>,
    terms: &mut Vec<Term<'a>>,
    short_list: &[usize],
    assessed: &[Assessment],
) {
    let library = s.library;
    if let Some(a) = s.anchor.index {
        let fit: HashMap<usize, f32> = short_list
            .iter()
            .zip(assessed)
            .map(|(&i, x)| {
                let lowered = if x.before > 0.0 {
                    -x.before * (1.0 - library.sound_similarity_at(a, i).max(0.0))
                } else {
                    0.0
                };
                (i, lowered)
            })
            .collect();
        if let Some(taste) = terms.iter_mut().find(|t| t.kind == TermKind::Taste) {
            taste.refine = Some(Box::new(move |i| fit.get(&i).copied().unwrap_or(0.0)));
        }
    }
    let deviation: HashMap<usize, f32> = short_list
        .iter()
        .zip(assessed)
        .map(|(&i, x)| (i, (x.sample - x.mean).clamp(-EXPLORE_CAP, EXPLORE_CAP)))
        .collect();
    terms.push(Term {
        kind: TermKind::Explore,
        weight: s.weights.explore,
        linear: None,
        per_track: Some(Box::new(move |i| deviation.get(&i).copied().unwrap_or(0.0))),
        refine: None,
    });
}

/// 1 for the same tempo (or half / double), falling to 0 about 8 % away.
#[cfg(test)]
pub(crate) fn tempo_match(from: f32, to: f32) -> f32 {
    let log = |b: f32| if b > 0.0 { b.log2() } else { f32::NAN };
    tempo_match_log(log(from), log(to))
}

/// [`tempo_match`] from log2 tempos (NaN: unknown, no match).
pub(crate) fn tempo_match_log(from: f32, to: f32) -> f32 {
    let mut octaves = to - from;
    if !octaves.is_finite() {
        return 0.0;
    }
    octaves -= octaves.round();
    if octaves.abs() > 0.25 {
        return 0.0; // exp(-17) and below
    }
    (-(octaves / 0.06).powi(2)).exp()
}

/// Camelot compatibility: 1 for the same key, 0.7 for a neighbour or the relative key.
pub(crate) fn key_match(from: &JoinFacts, to: &JoinFacts) -> (f32, segue_core::KeyJoin) {
    use segue_core::KeyJoin;
    let (a, b) = ((from.camelot, from.mode), (to.camelot, to.mode));
    let step = (i32::from(a.0) - i32::from(b.0)).rem_euclid(12);
    let step = step.min(12 - step);
    if a == b {
        (1.0, KeyJoin::Same)
    } else if (step == 0 && a.1 != b.1) || (step == 1 && a.1 == b.1) {
        (0.7, KeyJoin::Neighbouring)
    } else {
        (0.0, KeyJoin::Other)
    }
}

/// 1 for equal energy and loudness, down to 0 at 12 dB apart.
pub(crate) fn energy_match(from: &JoinFacts, to: &JoinFacts) -> f32 {
    let energy_gap = (from.energy_db - to.energy_db).abs();
    let loud_gap = (from.loudness - to.loudness).abs();
    // Unknown loudness (NaN) counts as far as the energy.
    let loud_gap = if loud_gap.is_nan() {
        energy_gap
    } else {
        loud_gap
    };
    (1.0 - (energy_gap + loud_gap) / 24.0).max(0.0)
}
