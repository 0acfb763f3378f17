//! "Play next": ranks the library's analysed tracks for what should follow, and says why.
//!
//! [`suggest`] scores every eligible track as a sum of terms ([`TermKind`]): how it sounds
//! next to the track it follows (musicnn embedding and tags), how it joins it (tempo, key,
//! energy), how it fits the session and the user's [`Taste`], how new it is, and some
//! exploration. It then picks greedily with the repetition rules and a penalty for sounding
//! like what it already picked, so one list has variety. Each suggestion keeps its terms; its
//! reason is written from the terms that lifted it most above the other candidates (a term
//! that gives every track the same, such as "not played yet" in a new library, ranks nothing
//! and so explains nothing).
//!
//! Contract:
//! - Pure and deterministic: the same library, taste, context and settings give the same list
//!   (exploration draws from a seed in the context).
//! - A disliked or "not this" track is never suggested; neither is one played within
//!   [`Settings::track_gap_hours`]. Artist and album gaps ([`Settings::artist_gap`],
//!   [`Settings::album_gap`]) hold over this session's plays (see [`SESSION_BREAK_MS`]) plus
//!   the list itself, relaxed (album first) only when the library has too few other tracks.
//! - No I/O: the caller loads the library, plays and feedback (the service does, from SQLite).

mod context;
mod library;
mod pick;
mod reason;
pub mod rules;
mod taste;
mod vector;
mod weights;

use std::collections::HashMap;

use segue_core::{Daypart, RANKED_TERMS, RankingModel, Suggestion, TERM_COUNT, TermKind};

pub use context::{
    Context, EarlierPlay, Play, SESSION_BREAK_MS, Seed, TIME_OF_DAY_HOURS, TimeOfDay,
};
pub use library::{Library, TrackProfile};
pub use rules::Settings;
pub use taste::{Signal, SignalSource, Taste};
pub use weights::{Outcome, WEIGHT_BASE, WEIGHT_SLOPE, learn_offsets};

use context::{anchor, session_vector, time_of_day_lean};
use pick::{energy_match, key_match, pick, rank_short_list, tempo_match_log};
use vector::{add_scaled, dot, normalise, unit_hash};
use weights::Weights;

/// Libraries at least this large are scored in parallel.
const PARALLEL_FROM: usize = 20_000;

/// Terms a candidate can have (one of each kind at most).
const MAX_TERMS: usize = TERM_COUNT;

/// A candidate's first-stage score, and its scalar terms' contributions (tempo, key, energy,
/// own taste, novelty, explore), which the term means are summed from.
struct Quick {
    index: u32,
    score: f32,
    scalar: [f32; 6],
}

/// A candidate's terms that are not dot products with its rows, before weights.
struct Scalars {
    tempo: f32,
    key: f32,
    energy: f32,
    novelty: f32,
    novelty_days: Option<f32>,
    explore: f32,
}

/// A candidate's terms before the list is picked (values only: words are written for the
/// picked tracks alone, in [`describe`]).
struct Scored {
    index: usize,
    score: f32,
    /// (kind, contribution); the first `len` are set.
    terms: [(TermKind, f32); MAX_TERMS],
    /// Term values (before weights) in [`RANKED_TERMS`] order, 0 where absent.
    values: [f32; MAX_TERMS],
    len: u8,
    novelty_days: Option<f32>,
    heard_before: bool,
}

impl Scored {
    fn terms(&self) -> &[(TermKind, f32)] {
        &self.terms[..usize::from(self.len)]
    }
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
    let weights = Weights::at(settings.exploration, &taste.term_offsets);
    let anchor = anchor(library, context);
    let session = session_vector(library, context);
    let time_lean = time_of_day_lean(library, context);
    let taste_profile = taste.resolve(library);
    let blocked = rules::blocked(library, taste, context, settings);
    // When each track was last played (within the recent plays), and which were ever heard:
    // dense, so the first stage reads them without hashing.
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
    let mut own_taste = vec![0.0f32; library.len()];
    for (i, term) in taste_profile.own_terms(library, anchor.index) {
        own_taste[i] = term;
    }
    // Radio has no track to sound like: style carries the sound's weight too.
    let radio_style_weight =
        weights.tags * ((weights.sound + weights.tags) / weights.tags.max(1e-6));

    // The terms that are not dot products with the candidate's rows, before weights.
    let scalars = |i: usize| -> Scalars {
        let here = &library.joins[i];
        let (tempo, key, energy) = match anchor.index.map(|a| &library.joins[a]) {
            Some(from) => (
                tempo_match_log(from.tempo_log, here.tempo_log),
                key_match(from, here).0,
                energy_match(from, here),
            ),
            None => (0.0, 0.0, 0.0),
        };
        let novelty_days = last_played[i].map(|at| (context.now_ms - at) as f32 / 86_400_000.0);
        let novelty = match novelty_days {
            None if !heard_before[i] => 1.0,
            None => 0.6,
            Some(days) => 1.0 - (-days / 14.0).exp(),
        };
        let id = here.id;
        Scalars {
            tempo,
            key,
            energy,
            novelty,
            novelty_days,
            explore: unit_hash(id as u64 ^ context.draw.wrapping_mul(0x9E37_79B9_7F4A_7C15)),
        }
    };

    // Every term, for the short list.
    let score_one = |i: usize| -> Scored {
        let (sound_row, style_row) = (library.sound_row(i), library.style_row(i));
        let mut terms = [(TermKind::Sound, 0.0f32); MAX_TERMS];
        let mut values = [0.0f32; MAX_TERMS];
        let mut len = 0;
        // A term: its weight and its value (the value is kept for the ranking model).
        let mut push = |kind: TermKind, weight: f32, value: f32| {
            terms[len] = (kind, weight * value);
            if let Some(slot) = RANKED_TERMS.iter().position(|k| *k == kind) {
                values[slot] = value;
            }
            len += 1;
        };
        let x = scalars(i);
        if let Some(a) = anchor.index {
            push(
                TermKind::Sound,
                weights.sound,
                dot(sound_row, library.sound_row(a)),
            );
            push(
                TermKind::Tags,
                weights.tags,
                dot(style_row, library.style_row(a)),
            );
            push(TermKind::Tempo, weights.tempo, x.tempo);
            push(TermKind::Key, weights.key, x.key);
            push(TermKind::Energy, weights.energy, x.energy);
        } else if let Some(target) = &anchor.style {
            push(
                TermKind::Tags,
                weights.tags,
                radio_style_weight / weights.tags * dot(style_row, target),
            );
        }
        if let Some(v) = &session {
            push(TermKind::Session, weights.session, dot(sound_row, v));
        }
        if let Some(lean) = &time_lean {
            push(
                TermKind::TimeOfDay,
                weights.time_of_day,
                dot(sound_row, &lean.sound) + dot(style_row, &lean.style),
            );
        }
        push(
            TermKind::Taste,
            weights.taste,
            taste_profile.score_rows(own_taste[i], sound_row, style_row),
        );
        push(TermKind::Novelty, weights.novelty, x.novelty);
        push(TermKind::Explore, weights.explore, x.explore);
        let score = terms[..len].iter().map(|t| t.1).sum();
        Scored {
            index: i,
            score,
            terms,
            values,
            len: len as u8,
            novelty_days: x.novelty_days,
            heard_before: heard_before[i],
        }
    };

    // First stage, over the whole library: the terms that are dot products with a
    // candidate's rows (sound, tags, session, and taste's directions) are linear, so they fold
    // into one vector per row space, and a candidate costs two dot products plus its scalar
    // terms. The same sum as `score_one`, three times fewer multiplications.
    let mut fold_sound = vec![0.0f32; library.sound_dim];
    let mut fold_style = vec![0.0f32; library.style_dim];
    if let Some(a) = anchor.index {
        add_scaled(&mut fold_sound, weights.sound, library.sound_row(a));
        add_scaled(&mut fold_style, weights.tags, library.style_row(a));
    } else if let Some(target) = &anchor.style {
        add_scaled(&mut fold_style, radio_style_weight, target);
    }
    if let Some(v) = &session {
        add_scaled(&mut fold_sound, weights.session, v);
    }
    if let Some(lean) = &time_lean {
        add_scaled(&mut fold_sound, weights.time_of_day, &lean.sound);
        add_scaled(&mut fold_style, weights.time_of_day, &lean.style);
    }
    taste_profile.fold_linear(weights.taste, &mut fold_sound, &mut fold_style);
    let first_stage = |i: usize| -> Option<Quick> {
        if blocked[i] {
            return None;
        }
        let x = scalars(i);
        let scalar = [
            weights.tempo * x.tempo,
            weights.key * x.key,
            weights.energy * x.energy,
            weights.taste * own_taste[i],
            weights.novelty * x.novelty,
            weights.explore * x.explore,
        ];
        Some(Quick {
            index: i as u32,
            score: library.quantised_dots(i, &fold_sound, &fold_style) + scalar.iter().sum::<f32>(),
            scalar,
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

    // Each term's mean over every candidate, which lifts are measured against. The linear
    // terms' means come from the candidates' summed rows: the library's column sums less
    // the blocked tracks' rows.
    let candidates = quick.len() as f32;
    let mut sound_sum = library.sound_sum.clone();
    let mut style_sum = library.style_sum.clone();
    for i in (0..library.len()).filter(|&i| blocked[i]) {
        add_scaled(&mut sound_sum, -1.0, library.sound_row(i));
        add_scaled(&mut style_sum, -1.0, library.style_row(i));
    }
    let mut scalar_sums = [0.0f32; 6];
    for q in &quick {
        scalar_sums
            .iter_mut()
            .zip(&q.scalar)
            .for_each(|(s, x)| *s += x);
    }
    let scalar_mean = |k: usize| scalar_sums[k] / candidates;
    let mut means: HashMap<TermKind, f32> = HashMap::new();
    if let Some(a) = anchor.index {
        means.insert(
            TermKind::Sound,
            weights.sound * dot(&sound_sum, library.sound_row(a)) / candidates,
        );
        means.insert(
            TermKind::Tags,
            weights.tags * dot(&style_sum, library.style_row(a)) / candidates,
        );
        means.insert(TermKind::Tempo, scalar_mean(0));
        means.insert(TermKind::Key, scalar_mean(1));
        means.insert(TermKind::Energy, scalar_mean(2));
    } else if let Some(target) = &anchor.style {
        means.insert(
            TermKind::Tags,
            radio_style_weight * dot(&style_sum, target) / candidates,
        );
    }
    if let Some(v) = &session {
        means.insert(
            TermKind::Session,
            weights.session * dot(&sound_sum, v) / candidates,
        );
    }
    if let Some(lean) = &time_lean {
        means.insert(
            TermKind::TimeOfDay,
            weights.time_of_day * (dot(&sound_sum, &lean.sound) + dot(&style_sum, &lean.style))
                / candidates,
        );
    }
    means.insert(
        TermKind::Taste,
        scalar_mean(3)
            + weights.taste * taste_profile.score_rows(0.0, &sound_sum, &style_sum) / candidates,
    );
    means.insert(TermKind::Novelty, scalar_mean(4));
    means.insert(TermKind::Explore, scalar_mean(5));

    if quick.len() > short_list {
        quick.select_nth_unstable_by(short_list, |a, b| b.score.total_cmp(&a.score));
        quick.truncate(short_list);
    }
    let scored: Vec<Scored> = quick.iter().map(|q| score_one(q.index as usize)).collect();
    let daypart = Daypart::of_hour(context.time_of_day.as_ref().map_or(0, |t| t.local_hour));
    let mut ranking_error = None;
    let list = pick(
        library,
        context,
        (settings, &weights),
        (&anchor, &taste_profile, &means, daypart),
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

#[cfg(test)]
mod tests;
