//! "Play next": ranks the library's analysed tracks for what should follow, and says why.
//!
//! [`suggest`] scores every eligible track as a sum of terms ([`TermKind`], defined once in
//! `terms`): how it sounds next to the track it follows (musicnn embedding and tags), how it
//! joins it (tempo, key, energy), how it fits the session and the time of day, how much the
//! listener is expected to enjoy it (the listener model, learned from their own feedback over
//! sound, style, timbre and metadata), how new it is, and exploration (a draw from what the
//! listener model does not know yet). It then picks greedily with the repetition rules and a
//! penalty for sounding like what it already picked, so one list has variety. Each suggestion
//! keeps its terms; its reason is written from the terms that lifted it most above the other
//! candidates (a term that gives every track the same, such as "not played yet" in a new
//! library, ranks nothing and so explains nothing).
//!
//! Contract:
//! - Pure and deterministic: the same library, taste, context and settings give the same list
//!   (exploration draws from a seed in the context).
//! - The repetition rules ([`rules`]) hold: a disliked or "not this" track is never suggested;
//!   neither is one played within [`Settings::track_gap_hours`]; the artist and album gaps
//!   hold over this session's plays (see [`SESSION_BREAK_MS`]) plus the list itself.
//! - No I/O: the caller loads the library, plays and feedback (the service does, from SQLite).

mod context;
pub mod history;
mod library;
mod listener;
pub mod path;
mod pick;
mod reason;
pub mod rules;
mod taste;
mod terms;
mod vector;
mod weights;

use std::collections::HashMap;

use segue_core::{RANKED_TERMS, RankingModel, Suggestion, TERM_COUNT, TermKind};

pub use context::{Context, EarlierPlay, Play, SESSION_BREAK_MS, TIME_OF_DAY_HOURS, TimeOfDay};
pub use library::{FACETS, Library, TrackProfile, timbre_of};
pub use path::{MAX_PATH_TRACKS, PathError, PathGoal, sonic_path};
pub use rules::Settings;
pub use taste::{Signal, SignalSource, Taste};
pub use weights::{Outcome, WEIGHT_BASE, WEIGHT_SLOPE, learn_offsets};

use context::anchor;
use listener::ListenerModel;
use pick::{pick, rank_short_list};
use terms::{Recency, Situation, Term};
use weights::Weights;

/// Libraries at least this large are scored in parallel.
const PARALLEL_FROM: usize = 20_000;

/// A candidate's first-stage score, and its terms' per-track parts (before weights, by term
/// index), which the term means are summed from.
struct Quick {
    index: u32,
    score: f32,
    per_track: [f32; terms::MOST_TERMS],
}

/// A short-listed candidate's terms (values only: words are written for the picked tracks
/// alone, in `pick::describe`).
pub(crate) struct Scored {
    pub(crate) index: usize,
    pub(crate) score: f32,
    /// (kind, contribution) of each term this situation has.
    pub(crate) terms: Vec<(TermKind, f32)>,
    /// Term values (before weights) in [`RANKED_TERMS`] order, 0 where absent.
    pub(crate) values: [f32; TERM_COUNT],
    /// The listener model's chance that the listener enjoys it, 0-1 (where the gaps yield).
    pub(crate) chance: f32,
    /// The listener asked for it in this session (rated it 4-5 stars, liked it, asked for more
    /// like it) and has not heard it since: it comes first ([`rules::asked_now`]).
    pub(crate) asked: bool,
}

/// Ranks what should play next: at most `n` suggestions, best first.
pub fn suggest(
    library: &Library,
    taste: &Taste,
    context: &Context,
    settings: &Settings,
    n: usize,
) -> Vec<Suggestion> {
    suggest_with(library, taste, context, settings, n, None).0
}

/// [`suggest`], with the short list scored by a ranking model (the ONNX ranker). If the model
/// fails, the list keeps its first-stage scores and the error comes back for the log.
pub fn suggest_with(
    library: &Library,
    taste: &Taste,
    context: &Context,
    settings: &Settings,
    n: usize,
    model: Option<&mut dyn RankingModel>,
) -> (Vec<Suggestion>, Option<String>) {
    // Only the best few hundred can be picked (the variety penalty and the gaps pass over a
    // few per pick): those are scored term by term.
    let short_list = (n * 40).max(400);
    suggest_in_two_stages(library, taste, context, settings, n, model, short_list)
}

/// [`suggest_with`], keeping `short_list` candidates from the first stage.
fn suggest_in_two_stages(
    library: &Library,
    taste: &Taste,
    context: &Context,
    settings: &Settings,
    n: usize,
    model: Option<&mut dyn RankingModel>,
    short_list: usize,
) -> (Vec<Suggestion>, Option<String>) {
    if library.is_empty() || n == 0 {
        return (Vec::new(), None);
    }
    // 1. What may not be suggested: the repetition rules' hard part.
    let blocked = rules::blocked(library, taste, context, settings);
    // 2. What this listener enjoys, as far as their feedback tells.
    let clock = context.time_of_day.as_ref().map(|t| {
        let utc = (context.now_ms as f64 / 3_600_000.0).rem_euclid(24.0) as f32;
        let minutes = utc.fract();
        let offset = (f32::from(t.local_hour) - utc.floor()).rem_euclid(24.0);
        (f32::from(t.local_hour) + minutes, offset)
    });
    let listener = ListenerModel::fit(library, taste, context.now_ms, clock);
    // 3. The terms of this situation, each defined once.
    let weights = Weights::at(settings.exploration, &taste.term_offsets);
    let anchor = anchor(library, context);
    let recency = Recency::of(library, taste, context);
    let situation = Situation {
        library,
        taste,
        context,
        weights: &weights,
        anchor: &anchor,
        listener: &listener,
    };
    let mut terms = terms::terms(&situation, &recency);

    // 4. First stage, over the whole library: every linear part folds into one function of
    // the rows, so a candidate costs one pass over its 8-bit rows plus its per-track parts.
    let mut fold = library::Linear::zero(library);
    for t in &terms {
        if let Some(f) = &t.linear {
            fold.add_all(t.weight, f);
        }
    }
    let first_stage = |i: usize| -> Option<Quick> {
        if blocked[i] {
            return None;
        }
        let mut per_track = [0.0f32; terms::MOST_TERMS];
        let mut score = library.quantised_dot(i, &fold);
        for (k, t) in terms.iter().enumerate() {
            if let Some(p) = &t.per_track {
                per_track[k] = p(i);
                score += t.weight * per_track[k];
            }
        }
        Some(Quick {
            index: i as u32,
            score,
            per_track,
        })
    };
    // Scoring streams through the whole library's 8-bit rows (30 MB at 100k tracks), which
    // one core cannot read fast enough: large libraries are scored on every core.
    let mut quick: Vec<Quick> = if library.len() >= PARALLEL_FROM {
        use rayon::prelude::*;
        (0..library.len())
            .into_par_iter()
            .filter_map(first_stage)
            .collect()
    } else {
        (0..library.len()).filter_map(first_stage).collect()
    };
    if quick.is_empty() {
        return (Vec::new(), None);
    }

    // 5. Each term's mean contribution over every candidate, which lifts are measured
    // against: its linear part on the candidates' summed rows, plus its per-track part's mean.
    let candidates = quick.len() as f32;
    let mut means: HashMap<TermKind, f32> = HashMap::new();
    for (k, t) in terms.iter().enumerate() {
        let linear = t
            .linear
            .as_ref()
            .map_or(0.0, |f| library.sum_dot(f, &blocked));
        let per_track: f32 = quick.iter().map(|q| q.per_track[k]).sum();
        means.insert(t.kind, t.weight * (linear + per_track) / candidates);
    }

    // 6. The short list, its exploration drawn jointly, and every term's exact value.
    if quick.len() > short_list {
        quick.select_nth_unstable_by(short_list, |a, b| b.score.total_cmp(&a.score));
        quick.truncate(short_list);
    }
    let short: Vec<usize> = quick.iter().map(|q| q.index as usize).collect();
    let assessed = listener.assess(library, &short, context.draw, context.session_start());
    terms::refine_for_short_list(&situation, &mut terms, &short, &assessed);
    // What is known only for the short list counts in the means over it.
    let short_mean = |f: &dyn Fn(usize) -> f32| {
        short.iter().map(|&i| f(i)).sum::<f32>() / short.len().max(1) as f32
    };
    for t in &terms {
        if let Some(r) = &t.refine {
            *means.entry(t.kind).or_default() += t.weight * short_mean(r);
        }
        if t.kind == TermKind::Explore {
            means.insert(
                TermKind::Explore,
                t.weight * short_mean(&|i| t.value(library, i)),
            );
        }
    }
    let scored: Vec<Scored> = short
        .iter()
        .zip(&assessed)
        .map(|(&i, a)| {
            let mut s = score_exactly(&terms, library, i);
            s.chance = a.chance;
            s.asked = rules::asked_now(taste, context, &recency, library, i);
            s
        })
        .collect();

    // 7. The ranking model rescores the short list; 8. the list is picked under the rules.
    let mut ranking_error = None;
    let list = pick(
        &situation,
        (settings, &recency),
        &means,
        scored,
        n,
        |short: &mut Vec<Scored>| -> Option<HashMap<TermKind, f32>> {
            let model = model?;
            match rank_short_list(model, short, settings.exploration, &taste.term_offsets) {
                Ok(means) => Some(means),
                Err(e) => {
                    ranking_error = Some(e);
                    None
                }
            }
        },
    );
    (list, ranking_error)
}

/// Every term's exact value for library track `i`, and the score they add up to.
fn score_exactly(terms: &[Term<'_>], library: &Library, i: usize) -> Scored {
    let mut values = [0.0f32; TERM_COUNT];
    let mut contributions = Vec::with_capacity(terms.len());
    for t in terms {
        let value = t.value(library, i);
        if let Some(slot) = t.slot() {
            values[slot] = value;
        }
        contributions.push((t.kind, t.weight * value));
    }
    Scored {
        index: i,
        score: contributions.iter().map(|c| c.1).sum(),
        terms: contributions,
        values,
        chance: 0.5,
        asked: false,
    }
}

#[cfg(test)]
mod tests;
