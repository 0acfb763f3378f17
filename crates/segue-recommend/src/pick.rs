//! Choosing the list from scored candidates, and describing each pick.

use std::collections::HashMap;

use segue_core::{
    Daypart, Detail, RANKED_TERMS, RankingModel, ScoreTerm, Suggestion, TERM_COUNT, TempoFeel,
    TermKind,
};

use crate::library::facet_name;
use crate::listener::{VIEWS, View};
use crate::rules::{Settings, gaps_for_pick, gaps_ok};
use crate::terms::{Recency, Situation, key_match};
use crate::vector::dot;
use crate::{Scored, reason};

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
    let ranked = model.rank(&input, exploration.clamp(0.0, 1.0), offsets)?;
    if ranked.contributions.len() != short.len() * k {
        return Err(format!(
            "the ranker gave {} contributions for {} candidates",
            ranked.contributions.len(),
            short.len()
        ));
    }
    if let Some(chances) = &ranked.chances {
        for (s, c) in short.iter_mut().zip(chances) {
            s.chance = *c;
        }
    }
    let mut sums: HashMap<TermKind, (f32, usize)> = HashMap::new();
    for (s, row) in short.iter_mut().zip(ranked.contributions.chunks_exact(k)) {
        for term in s.terms.iter_mut() {
            if let Some(slot) = RANKED_TERMS.iter().position(|kind| *kind == term.0) {
                term.1 = row[slot];
            }
            let e = sums.entry(term.0).or_default();
            e.0 += term.1;
            e.1 += 1;
        }
        s.score = s.terms.iter().map(|t| t.1).sum();
    }
    Ok(sums
        .into_iter()
        .map(|(kind, (sum, n))| (kind, sum / n.max(1) as f32))
        .collect())
}

/// Greedy selection: best adjusted score first, with the artist/album gaps over recent plays,
/// the queue and the picks so far, and a penalty for sounding like a pick.
pub(crate) fn pick(
    situation: &Situation<'_>,
    (settings, recency): (&Settings, &Recency),
    means: &HashMap<TermKind, f32>,
    mut scored: Vec<Scored>,
    n: usize,
    rank: impl FnOnce(&mut Vec<Scored>) -> Option<HashMap<TermKind, f32>>,
) -> Vec<Suggestion> {
    let library = situation.library;
    let ranked_means = rank(&mut scored);
    let means = ranked_means.as_ref().unwrap_or(means);
    scored.sort_by(|a, b| b.asked.cmp(&a.asked).then(b.score.total_cmp(&a.score)));
    let mut sequence = crate::rules::sequence(library, situation.context);
    let mut picked: Vec<Suggestion> = Vec::with_capacity(n);
    let mut picked_index: Vec<usize> = Vec::new();
    let mut taken = vec![false; scored.len()];
    while picked.len() < n {
        let open: Vec<(usize, f32)> = scored
            .iter()
            .zip(&taken)
            .filter(|(_, taken)| !**taken)
            .map(|(s, _)| (s.index, s.chance))
            .collect();
        let Some((artist_gap, album_gap)) = gaps_for_pick(library, settings, &sequence, &open)
        else {
            break;
        };
        let mut choice: Option<(usize, f32)> = None;
        for (k, s) in scored.iter().enumerate() {
            if taken[k]
                || !gaps_ok(library, &sequence, s.index, artist_gap, album_gap)
                || crate::rules::twin_of_any(library, s.index, &picked_index)
            {
                continue;
            }
            let similar = picked_index
                .iter()
                .map(|&p| dot(library.sound_row(s.index), library.sound_row(p)))
                .fold(0.0f32, f32::max)
                .max(0.0);
            let adjusted = s.score - situation.weights.variety * similar;
            let better = choice
                .is_none_or(|(c, b): (usize, f32)| (s.asked, adjusted) > (scored[c].asked, b));
            if better {
                choice = Some((k, adjusted));
            }
            // Sorted asked first, then by raw score: nothing further can beat the choice once
            // raw < it.
            if let Some((c, b)) = choice
                && s.score < b
                && scored[c].asked >= s.asked
            {
                break;
            }
        }
        let Some((k, adjusted)) = choice else {
            break;
        };
        taken[k] = true;
        let s = &scored[k];
        let terms = describe(situation, recency, means, s);
        let why = reason::write(&terms);
        picked.push(Suggestion {
            track_id: library.tracks[s.index].id,
            score: adjusted,
            chance: s.chance,
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
    situation: &Situation<'_>,
    recency: &Recency,
    means: &HashMap<TermKind, f32>,
    s: &Scored,
) -> Vec<ScoreTerm> {
    let (library, anchor) = (situation.library, situation.anchor);
    let i = s.index;
    let track = &library.tracks[i];
    let other_name = anchor.index.map(|a| library.name(a)).unwrap_or_default();
    let daypart = Daypart::of_hour(
        situation
            .context
            .time_of_day
            .as_ref()
            .map_or(0, |t| t.local_hour),
    );
    let mut terms: Vec<ScoreTerm> = s
        .terms
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
                    feel: TempoFeel::between(library.tracks[a].bpm, track.bpm),
                },
                (TermKind::Key, Some(a)) => Detail::Key {
                    join: key_match(&library.joins[a], &library.joins[i]).1,
                },
                (TermKind::Energy, _) => Detail::SimilarEnergy,
                (TermKind::Session, _) => Detail::FitsSession,
                (TermKind::Taste, _) => taste_detail(situation, i, contribution),
                (TermKind::Novelty, _) => match recency.days_since(i, situation.context.now_ms) {
                    None if !recency.heard_before[i] => Detail::NotPlayedYet,
                    None => Detail::NotPlayedLately,
                    Some(days) => Detail::NotPlayedFor {
                        days: days.round().max(0.0) as u32,
                    },
                },
                (TermKind::TimeOfDay, _) => Detail::AtThisTime { daypart },
                (TermKind::Momentum, _) if contribution > 0.0 => Detail::PlayingMore {
                    artist: track
                        .artist
                        .clone()
                        .or_else(|| track.album_artist.clone())
                        .unwrap_or_default(),
                },
                (TermKind::Explore, _) => Detail::Exploring {
                    tags: library
                        .top_tags(track.id, 2)
                        .into_iter()
                        .map(str::to_owned)
                        .collect(),
                },
                _ => Detail::Nothing,
            };
            // A term outside the ranker keeps weight × value as its contribution.
            let unranked = || match kind {
                TermKind::Momentum => contribution / situation.weights.momentum,
                _ => 0.0,
            };
            ScoreTerm {
                kind,
                value: RANKED_TERMS
                    .iter()
                    .position(|k| *k == kind)
                    .map_or_else(unranked, |slot| s.values[slot]),
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

/// What the listener model's mean for track `i` is mostly made of: the view that adds most in
/// the direction of the term (a positive term: the view adding most; a negative one: the view
/// taking most away), said as the piece of evidence behind it (a row space: the track most
/// like it that the listener rated, liked, played through or skipped) or the shared facet
/// ("you like Doug Kaufman"). A track's own feedback is said as such when it counts most.
fn taste_detail(situation: &Situation<'_>, i: usize, contribution: f32) -> Detail {
    let (library, listener) = (situation.library, situation.listener);
    let sign = if contribution >= 0.0 { 1.0 } else { -1.0 };
    let views = listener.view_means(library, i);
    let Some((view, _)) = views
        .iter()
        .enumerate()
        .map(|(v, m)| (v, sign * m))
        .filter(|(_, m)| *m > 0.0)
        .max_by(|a, b| a.1.total_cmp(&b.1))
    else {
        return Detail::Nothing;
    };
    let own = listener.own_part(library, i);
    let evidence = listener.strongest_evidence(library, view, i, sign);
    let id = library.tracks[i].id;
    // Its own feedback, when that counts more than any other track's.
    if let Some(own) = own
        && sign * own > 0.0
        && evidence.is_none_or(|(_, c)| own.abs() >= c.abs())
    {
        return situation.taste.detail(id, None, own);
    }
    match VIEWS[view] {
        View::Facet(facet) => {
            let Some((j, c)) = evidence else {
                return Detail::Nothing;
            };
            if sign > 0.0 {
                match facet_name(facet, &library.tracks[i]) {
                    Some(name) => Detail::YouLike { facet, name },
                    None => situation
                        .taste
                        .detail(library.tracks[j].id, Some(library.name(j)), c),
                }
            } else {
                situation
                    .taste
                    .detail(library.tracks[j].id, Some(library.name(j)), c)
            }
        }
        View::Space(_) => match evidence {
            Some((j, c)) => situation
                .taste
                .detail(library.tracks[j].id, Some(library.name(j)), c),
            None => Detail::Nothing,
        },
    }
}
