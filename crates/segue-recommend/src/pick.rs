//! Choosing the list from scored candidates, and describing each pick.

use std::collections::HashMap;

use segue_core::{
    Daypart, Detail, KeyJoin, RANKED_TERMS, RankingModel, ScoreTerm, Suggestion, TERM_COUNT,
    TermKind,
};

use crate::context::{Anchor, Context};
use crate::library::JoinFacts;
use crate::rules::{Settings, gaps_ok};
use crate::vector::dot;
use crate::weights::Weights;
use crate::{Library, Scored, reason, taste};

/// Second stage: the model scores the short list from its term values. Returns each term's
/// mean contribution over the short list (what lifts are measured against).
pub(crate) fn rank_short_list(
    model: &mut dyn RankingModel,
    short: &mut [Scored],
    exploration: f32,
    offsets: &[f32; TERM_COUNT],
) -> Result<HashMap<TermKind, f32>, String> {
    let k = RANKED_TERMS.len();
    let input: Vec<f32> = short.iter().flat_map(|s| s.values[..k].to_vec()).collect();
    let contributions = model.rank(&input, exploration.clamp(0.0, 1.0), offsets)?;
    let mut sums: HashMap<TermKind, (f32, usize)> = HashMap::new();
    for (s, row) in short.iter_mut().zip(contributions.chunks_exact(k)) {
        let len = usize::from(s.len);
        for term in s.terms[..len].iter_mut() {
            if let Some(slot) = RANKED_TERMS.iter().position(|kind| *kind == term.0) {
                term.1 = row[slot];
            }
            let e = sums.entry(term.0).or_default();
            e.0 += term.1;
            e.1 += 1;
        }
        s.score = s.terms[..len].iter().map(|t| t.1).sum();
    }
    Ok(sums
        .into_iter()
        .map(|(kind, (sum, n))| (kind, sum / n.max(1) as f32))
        .collect())
}

/// Greedy selection: best adjusted score first, with the artist/album gaps over recent plays,
/// the queue and the picks so far, and a penalty for sounding like a pick.
pub(crate) fn pick(
    library: &Library,
    context: &Context,
    (settings, weights): (&Settings, &Weights),
    (anchor, taste, means, daypart): (
        &Anchor,
        &taste::ResolvedTaste<'_>,
        &HashMap<TermKind, f32>,
        Daypart,
    ),
    mut scored: Vec<Scored>,
    n: usize,
    rank: impl FnOnce(&mut Vec<Scored>) -> Option<HashMap<TermKind, f32>>,
) -> Vec<Suggestion> {
    let ranked_means = rank(&mut scored);
    let means = ranked_means.as_ref().unwrap_or(means);
    scored.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut sequence = crate::rules::sequence(library, context);
    let mut picked: Vec<Suggestion> = Vec::with_capacity(n);
    let mut picked_index: Vec<usize> = Vec::new();
    let mut taken = vec![false; scored.len()];
    while picked.len() < n {
        let mut choice = None;
        for (artist_gap, album_gap) in settings.gap_steps() {
            let mut best: Option<(usize, f32, f32)> = None;
            for (k, s) in scored.iter().enumerate() {
                if taken[k] || !gaps_ok(library, &sequence, s.index, artist_gap, album_gap) {
                    continue;
                }
                let similar = picked_index
                    .iter()
                    .map(|&p| dot(library.sound_row(s.index), library.sound_row(p)))
                    .fold(0.0f32, f32::max)
                    .max(0.0);
                let penalty = weights.variety * similar;
                let adjusted = s.score - penalty;
                if best.is_none_or(|(_, b, _)| adjusted > b) {
                    best = Some((k, adjusted, penalty));
                }
                // Sorted by raw score: nothing further can beat `best` once raw < best.
                if let Some((_, b, _)) = best
                    && s.score < b
                {
                    break;
                }
            }
            if best.is_some() {
                choice = best;
                break;
            }
        }
        let Some((k, adjusted, _)) = choice else {
            break;
        };
        taken[k] = true;
        let s = &scored[k];
        let terms = describe(library, (anchor, daypart), taste, means, s);
        let why = reason::write(&terms);
        picked.push(Suggestion {
            track_id: library.tracks[s.index].id,
            score: adjusted,
            reason: segue_core::english_reason(&why),
            why,
            terms,
        });
        sequence.push(s.index);
        picked_index.push(s.index);
    }
    picked
}

/// The picked candidate's terms in words, largest lift first.
fn describe(
    library: &Library,
    (anchor, daypart): (&Anchor, Daypart),
    taste: &taste::ResolvedTaste<'_>,
    means: &HashMap<TermKind, f32>,
    s: &Scored,
) -> Vec<ScoreTerm> {
    let i = s.index;
    let track = &library.tracks[i];
    let other_name = anchor.index.map(|a| library.name(a)).unwrap_or_default();
    let mut terms: Vec<ScoreTerm> = s
        .terms()
        .iter()
        .map(|&(kind, contribution)| {
            let lift = contribution - means.get(&kind).copied().unwrap_or(0.0);
            let about = match (kind, anchor.index) {
                (TermKind::Sound, Some(_)) => Detail::SoundsLike {
                    track: other_name.clone(),
                },
                (TermKind::Tags, Some(a)) => {
                    let shared = library.shared_tags(i, a, 2);
                    if shared.is_empty() {
                        Detail::StylesUnlike {
                            track: other_name.clone(),
                        }
                    } else {
                        Detail::CloseTo {
                            track: other_name.clone(),
                            tags: shared.into_iter().map(str::to_owned).collect(),
                        }
                    }
                }
                (TermKind::Tags, None) => anchor.label.clone(),
                (TermKind::Tempo, Some(a)) => Detail::Tempo {
                    from_bpm: library.tracks[a].bpm.round().max(0.0) as u32,
                    to_bpm: track.bpm.round().max(0.0) as u32,
                },
                (TermKind::Key, Some(a)) => Detail::Key {
                    join: key_match(&library.joins[a], &library.joins[i]).1,
                },
                (TermKind::Energy, _) => Detail::SimilarEnergy,
                (TermKind::Session, _) => Detail::FitsSession,
                (TermKind::Taste, _) => taste.describe(library, i, anchor.index),
                (TermKind::Novelty, _) => match s.novelty_days {
                    None if !s.heard_before => Detail::NotPlayedYet,
                    None => Detail::NotPlayedLately,
                    Some(days) => Detail::NotPlayedFor {
                        days: days.round().max(0.0) as u32,
                    },
                },
                (TermKind::TimeOfDay, _) => Detail::AtThisTime { daypart },
                (TermKind::Explore, _) => Detail::SomethingDifferent {
                    tags: library
                        .top_tags(track.id, 2)
                        .into_iter()
                        .map(str::to_owned)
                        .collect(),
                },
                _ => Detail::Nothing,
            };
            ScoreTerm {
                kind,
                value: RANKED_TERMS
                    .iter()
                    .position(|k| *k == kind)
                    .map_or(0.0, |slot| s.values[slot]),
                contribution,
                lift,
                detail: about.english(),
                about,
            }
        })
        .collect();
    terms.sort_by(|a, b| b.lift.total_cmp(&a.lift));
    terms
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
pub(crate) fn key_match(from: &JoinFacts, to: &JoinFacts) -> (f32, KeyJoin) {
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
