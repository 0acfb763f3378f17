//! Sonic paths ("Segue from A to B"): tracks that travel evenly from a start track to an end
//! (a track, or a tag such as "ambient"), each joining the one before as well as the way allows.
//!
//! The way is drawn in the joint space of sound and style that suggestions compare tracks in
//! (each track a unit vector: its centred musicnn embedding and its tags, equally weighted).
//! 1. Targets: `n` points evenly spaced on the straight line from the start to the end.
//! 2. Candidates: every open track in a small library (up to `WHOLE_LIBRARY_UP_TO`, 600),
//!    else each target's [`LAYER_WIDTH`] nearest. Nearness to every target comes from two
//!    similarities per track (to the start and to the end): a large library costs one pass.
//!    A tag end may be any of the tag's tracks in a small library, else its `LAYER_WIDTH`
//!    nearest to the tag's centre.
//! 3. The least longest step (a bottleneck path with a step count): the search looks for the
//!    shortest step length `longest` at which a way of exactly `n` tracks exists whose steps
//!    all stay within it, among the step lengths between candidates. First the least at which
//!    an end is within `n - 1` such steps at all (a breadth-first search back from the ends;
//!    nothing can do better), then longer ones, doubling the stride until a way is found and
//!    halving back. At each, a beam search keeps only ways that can still reach an end in the
//!    steps left, cheapest first: per step, its length squared in even steps, how far the track
//!    lies from its target (the way keeps moving) and how badly it joins the track before (the
//!    suggestions' tempo, key and energy terms). Where the beam finds none, a way is grown from
//!    the fewest steps by putting in the track that costs least between two neighbours.
//!    The repetition rules hold inside the search: no track twice, and the artist and album
//!    gaps ([`rules::clashes`]); only where no way keeps the listener's gaps do they relax, as
//!    a suggestion's do ([`Settings::gap_steps`]): a longer step is taken before a gap relaxes.
//! 4. Reasons: each step says what it bridges and how it joins the track before, from the same
//!    facts the bench checks them against.
//!
//! Contract: pure and deterministic; the start is the first step and a track end the last;
//! the start's and end's own tracks are allowed even when the rules would block them (the
//! listener chose them); no other blocked track (disliked, turned down, played within the track
//! gap) is used.

use segue_core::{Detail, KeyJoin, PathStep, ReasonPart, SonicPath, TempoFeel, TrackId};

use crate::context::tag_members;
use crate::library::Library;
use crate::rules::{self, Settings};
use crate::terms::{energy_match, key_match, tempo_match_log};
use crate::vector::{dot, normalise};
use crate::{Context, Taste};

/// The most tracks a path may have.
pub const MAX_PATH_TRACKS: usize = 200;

/// How many candidates each target keeps.
pub const LAYER_WIDTH: usize = 16;

/// Libraries with at most this many open tracks are searched over all of them (a larger one
/// over its targets' nearest tracks).
const WHOLE_LIBRARY_UP_TO: usize = 600;

/// Two tracks this close (a chord in the joint space) are the same recording.
const SAME_RECORDING: f32 = 1e-3;

/// How many ways the search keeps at each step.
const BEAM: usize = 48;

// The search's costs, tuned on the bench's tuning set only (`segue-bench path --sets tuning`):
// within the least longest step, a poor join weighs most; evenness and the targets only keep
// the way moving (heavier, they cost coherence by the curator's labels and no figure gained).

/// Weight of a step's length (in even steps, squared).
const EVEN_WEIGHT: f32 = 0.2;

/// Weight of a track's distance from its target (in even steps, squared).
const TARGET_WEIGHT: f32 = 0.2;

/// Weight of a poor join (1 minus the mean of the tempo, key and energy matches).
const JOIN_WEIGHT: f32 = 1.0;

/// A tag counts as leaving or growing across a step when it changes by at least this.
const TAG_CHANGE: f32 = 0.05;

/// Where a path ends.
#[derive(Debug, Clone, PartialEq)]
pub enum PathGoal {
    Track(TrackId),
    /// A tag (any of [`Library::tag_names`]): the path ends on a track where it is strong.
    Tag(String),
}

/// Why no path could be drawn.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PathError {
    #[error("track {0} has not been analysed yet: a path needs its sound (run `segue analyze`)")]
    NotAnalysed(TrackId),
    #[error("no tag is called {tag:?}; tags include {examples}")]
    UnknownTag { tag: String, examples: String },
    #[error("the path starts and ends at the same track")]
    SameTrack,
    #[error("a path has at least 2 tracks (its start and its end), not {0}")]
    TooShort(usize),
    #[error("a path has at most {MAX_PATH_TRACKS} tracks, not {0}")]
    TooLong(usize),
    #[error(
        "a path of {asked} tracks needs more tracks than the library can give it: {open} \
         besides its ends may be used (the others are disliked, turned down or played lately)"
    )]
    NotEnoughTracks { asked: usize, open: usize },
    #[error("no way of {0} tracks keeps the rules here: ask for fewer tracks")]
    NoWay(usize),
}

/// A point in the joint space: a sound part and a style part, each unit length (or zero).
struct Point {
    sound: Vec<f32>,
    style: Vec<f32>,
}

impl Point {
    fn of(library: &Library, i: usize) -> Point {
        Point {
            sound: library.sound_row(i).to_vec(),
            style: library.style_row(i).to_vec(),
        }
    }

    /// The direction of the members' mean.
    fn centre(library: &Library, members: &[usize]) -> Point {
        let mut sound = vec![0.0f32; library.sound_dim()];
        let mut style = vec![0.0f32; library.style_dim()];
        for &m in members {
            sound
                .iter_mut()
                .zip(library.sound_row(m))
                .for_each(|(x, y)| *x += y);
            style
                .iter_mut()
                .zip(library.style_row(m))
                .for_each(|(x, y)| *x += y);
        }
        normalise(&mut sound);
        normalise(&mut style);
        Point { sound, style }
    }

    /// Similarity of track `i` to this point, as [`Library::similarity_at`] measures two tracks.
    fn similarity(&self, library: &Library, i: usize) -> f32 {
        0.5 * (dot(library.sound_row(i), &self.sound) + dot(library.style_row(i), &self.style))
    }
}

/// The distance between two tracks in the joint space: the chord between their unit vectors,
/// 0 (the same) to 2 (opposite). Straight-line distances add up along a line, so `n` even steps
/// from A to B are each about a `n`-th of A to B.
pub fn step_distance(library: &Library, i: usize, j: usize) -> f32 {
    chord(library.similarity_at(i, j))
}

fn chord(similarity: f32) -> f32 {
    (2.0 - 2.0 * similarity).max(0.0).sqrt()
}

/// The start, the end and where each track lies between them.
struct Line {
    start: usize,
    /// The end's track, when it is one.
    end_track: Option<usize>,
    /// Similarity of every track to the start and to the end.
    to_start: Vec<f32>,
    to_end: Vec<f32>,
    /// Similarity of the start to the end.
    start_end: f32,
    /// For a tag end: the tracks where the tag is strong (the last step is one of them).
    end_members: Vec<usize>,
}

impl Line {
    /// Similarity of track `i` to the target a share `t` of the way from start to end.
    fn to_target(&self, i: usize, t: f32) -> f32 {
        let norm = ((1.0 - t).powi(2) + t * t + 2.0 * t * (1.0 - t) * self.start_end)
            .max(1e-9)
            .sqrt();
        ((1.0 - t) * self.to_start[i] + t * self.to_end[i]) / norm
    }
}

fn line(library: &Library, start: TrackId, goal: &PathGoal) -> Result<Line, PathError> {
    let a = library.index(start).ok_or(PathError::NotAnalysed(start))?;
    let (end, end_track, end_members) = match goal {
        PathGoal::Track(id) => {
            let b = library.index(*id).ok_or(PathError::NotAnalysed(*id))?;
            if b == a {
                return Err(PathError::SameTrack);
            }
            (Point::of(library, b), Some(b), Vec::new())
        }
        PathGoal::Tag(tag) => {
            let members: Vec<usize> = tag_members(library, tag)
                .ok_or_else(|| PathError::UnknownTag {
                    tag: tag.clone(),
                    examples: tag_examples(library),
                })?
                .into_iter()
                .filter(|&m| m != a)
                .collect();
            (Point::centre(library, &members), None, members)
        }
    };
    let start = Point::of(library, a);
    let similarities = |p: &Point| -> Vec<f32> {
        if library.len() >= crate::PARALLEL_FROM {
            use rayon::prelude::*;
            (0..library.len())
                .into_par_iter()
                .map(|i| p.similarity(library, i))
                .collect()
        } else {
            (0..library.len())
                .map(|i| p.similarity(library, i))
                .collect()
        }
    };
    let to_start = similarities(&start);
    let to_end = similarities(&end);
    Ok(Line {
        start: a,
        end_track,
        start_end: to_end[a],
        to_start,
        to_end,
        end_members,
    })
}

/// A few of the library's tag names, for an error message.
fn tag_examples(library: &Library) -> String {
    let mut names: Vec<&str> = Vec::new();
    for n in library.tag_names() {
        if !names.contains(&n.as_str()) {
            names.push(n);
        }
        if names.len() == 8 {
            break;
        }
    }
    names.join(", ")
}

/// Which tracks a path may pass through: not blocked by the rules, and not its ends.
fn open_tracks(
    library: &Library,
    taste: &Taste,
    context: &Context,
    settings: &Settings,
    line: &Line,
) -> Vec<bool> {
    let blocked = rules::blocked(library, taste, context, settings);
    let mut open: Vec<bool> = blocked.iter().map(|b| !b).collect();
    open[line.start] = false;
    if let Some(b) = line.end_track {
        open[b] = false;
    }
    open
}

fn check_length(n: usize, open: usize, goal: &PathGoal) -> Result<(), PathError> {
    if n < 2 {
        return Err(PathError::TooShort(n));
    }
    if n > MAX_PATH_TRACKS {
        return Err(PathError::TooLong(n));
    }
    // A track end is not among the open tracks; a tag end's last step is.
    let ends = if matches!(goal, PathGoal::Track(_)) {
        2
    } else {
        1
    };
    if n > open + ends {
        return Err(PathError::NotEnoughTracks { asked: n, open });
    }
    Ok(())
}

/// The `width` open tracks with the highest `score`, best first (library order on ties).
fn best(open: &[usize], width: usize, score: impl Fn(usize) -> f32) -> Vec<usize> {
    let mut scored: Vec<(f32, usize)> = open.iter().map(|&i| (score(i), i)).collect();
    let by = |a: &(f32, usize), b: &(f32, usize)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
    if scored.len() > width {
        scored.select_nth_unstable_by(width, by);
        scored.truncate(width);
    }
    scored.sort_by(by);
    scored.into_iter().map(|(_, i)| i).collect()
}

/// How well track `j` follows track `i`, 0-1: the mean of the suggestions' tempo, key and
/// energy matches.
fn join(library: &Library, i: usize, j: usize) -> f32 {
    let (from, to) = (&library.joins[i], &library.joins[j]);
    (tempo_match_log(from.tempo_log, to.tempo_log) + key_match(from, to).0 + energy_match(from, to))
        / 3.0
}

/// A path from `start` to `goal` of `n` tracks (both ends included), under the repetition
/// rules of `settings` and what `taste` and `context` block, each step with its reason.
pub fn sonic_path(
    library: &Library,
    taste: &Taste,
    context: &Context,
    settings: &Settings,
    start: TrackId,
    goal: &PathGoal,
    n: usize,
) -> Result<SonicPath, PathError> {
    let line = line(library, start, goal)?;
    let open_mask = open_tracks(library, taste, context, settings, &line);
    let open: Vec<usize> = (0..library.len()).filter(|&i| open_mask[i]).collect();
    check_length(n, open.len(), goal)?;
    // 2. The candidates: each interior target's nearest tracks (every open track in a small
    // library), and a tag end's strongest.
    let whole_library = open.len() <= WHOLE_LIBRARY_UP_TO;
    let mut pool: Vec<usize> = if whole_library {
        open.clone()
    } else {
        let mut pool = Vec::new();
        for k in 1..n - 1 {
            let t = k as f32 / (n - 1) as f32;
            pool.extend(best(&open, LAYER_WIDTH, |i| line.to_target(i, t)));
        }
        pool.sort_unstable();
        pool.dedup();
        pool
    };
    let ends: Vec<usize> = match line.end_track {
        Some(b) => vec![b],
        None => {
            let members: Vec<usize> = line
                .end_members
                .iter()
                .copied()
                .filter(|&m| open_mask[m])
                .collect();
            if whole_library {
                members
            } else {
                best(&members, LAYER_WIDTH, |i| line.to_end[i])
            }
        }
    };
    // A tag end's tracks may pass as steps too; a track end may not.
    if line.end_track.is_none() {
        pool.extend(&ends);
        pool.sort_unstable();
        pool.dedup();
    }
    let way = Way::between(library, &line, pool, ends, n);
    // 3. The search, keeping the listener's gaps if any way does, else relaxing them in turn;
    // within them, the least longest step any way of `n` tracks reaches.
    for (artist_gap, album_gap) in settings.gap_steps() {
        if let Some(found) = way.least_longest_step((artist_gap, album_gap)) {
            return Ok(SonicPath {
                steps: describe(library, &found, goal),
                artist_gap: artist_gap as u32,
                album_gap: album_gap as u32,
            });
        }
    }
    Err(PathError::NoWay(n))
}

/// The search's world: the candidates, their distances to each other, and the targets.
struct Way<'a> {
    library: &'a Library,
    line: &'a Line,
    /// Candidates (library positions): the start first, then every other.
    pool: Vec<usize>,
    /// Which of `pool` (by place in it) may end the way.
    ends: Vec<usize>,
    /// Which of `pool` may be a step between the ends: neither end, and not the same recording
    /// as a candidate before it or as an end (one recording under two names would be a repeat).
    interior: Vec<usize>,
    /// Step lengths between candidates (by place in `pool`), row by row.
    distance: Vec<f32>,
    /// What a step costs apart from its target (row by row): its length in even steps, and
    /// squared, and a poor join.
    step_cost: Vec<f32>,
    /// Each candidate's distance from each interior target, target by target.
    off: Vec<f32>,
    /// The length of an even step.
    even: f32,
    n: usize,
}

/// A way being searched: its candidates so far (places in the pool) and its cost.
#[derive(Clone)]
struct Partial {
    places: Vec<usize>,
    /// The same as library positions (what the rules read).
    tracks: Vec<usize>,
    cost: f32,
}

impl<'a> Way<'a> {
    fn between(
        library: &'a Library,
        line: &'a Line,
        mut pool: Vec<usize>,
        ends: Vec<usize>,
        n: usize,
    ) -> Way<'a> {
        pool.retain(|&i| i != line.start && line.end_track != Some(i));
        pool.insert(0, line.start);
        if let Some(b) = line.end_track {
            pool.push(b);
        }
        let ends: Vec<usize> = ends
            .iter()
            .filter_map(|e| pool.iter().position(|p| p == e))
            .collect();
        let size = pool.len();
        let even = (chord(line.start_end) / (n - 1) as f32).max(1e-3);
        // Distances and the cost of each step, row by row (the rows are independent).
        let row = |r: usize| -> Vec<(f32, f32)> {
            (0..size)
                .map(|c| {
                    let d = step_distance(library, pool[r], pool[c]);
                    let length = d / even;
                    let cost = EVEN_WEIGHT * length * length
                        + JOIN_WEIGHT * (1.0 - join(library, pool[r], pool[c]));
                    (d, cost)
                })
                .collect()
        };
        let rows: Vec<(f32, f32)> = if size >= 300 {
            use rayon::prelude::*;
            (0..size).into_par_iter().flat_map_iter(row).collect()
        } else {
            (0..size).flat_map(row).collect()
        };
        let (distance, step_cost): (Vec<f32>, Vec<f32>) = rows.into_iter().unzip();
        let off = (1..n - 1)
            .flat_map(|k| {
                let t = k as f32 / (n - 1) as f32;
                pool.iter()
                    .map(move |&i| chord(line.to_target(i, t)))
                    .collect::<Vec<_>>()
            })
            .collect();
        let same = |a: usize, b: usize| distance[a * size + b] <= SAME_RECORDING;
        let interior = (1..size)
            .filter(|c| !ends.contains(c))
            .filter(|&c| (0..c).all(|p| !same(p, c)))
            .filter(|&c| ends.iter().all(|&e| !same(e, c)))
            .collect();
        Way {
            library,
            line,
            even,
            pool,
            ends,
            interior,
            distance,
            step_cost,
            off,
            n,
        }
    }

    fn step(&self, a: usize, b: usize) -> f32 {
        self.distance[a * self.pool.len() + b]
    }

    /// Every step length between candidates, shortest first, each once: the longest steps the
    /// search may try.
    fn thresholds(&self) -> Vec<f32> {
        let size = self.pool.len();
        let mut all: Vec<f32> = (0..size)
            .flat_map(|a| (a + 1..size).map(move |b| (a, b)))
            .map(|(a, b)| self.step(a, b))
            .collect();
        all.sort_unstable_by(f32::total_cmp);
        all.dedup();
        all
    }

    /// How few steps no longer than `longest` lead from each candidate to an end, through
    /// interior candidates (`usize::MAX`: none within the way's length). A breadth-first search
    /// back from the ends; the start is never passed through.
    fn hops_to_end(&self, longest: f32) -> Vec<usize> {
        let mut hops = vec![usize::MAX; self.pool.len()];
        let mut frontier = self.ends.clone();
        for &e in &frontier {
            hops[e] = 0;
        }
        let mut depth = 0;
        while !frontier.is_empty() && depth + 2 < self.n {
            depth += 1;
            let mut next = Vec::new();
            for &v in &self.interior {
                if hops[v] == usize::MAX && frontier.iter().any(|&u| self.step(u, v) <= longest) {
                    hops[v] = depth;
                    next.push(v);
                }
            }
            frontier = next;
        }
        hops[0] = (0..self.pool.len())
            .filter(|&v| hops[v] != usize::MAX && self.step(0, v) <= longest)
            .map(|v| hops[v] + 1)
            .min()
            .unwrap_or(usize::MAX);
        hops
    }

    /// The cheapest way of `n` tracks keeping the gaps whose longest step is as short as the
    /// search finds one: the least threshold at which a way of `n` tracks can reach an end at
    /// all (steps needed, by [`Way::hops_to_end`]), then longer ones in turn, doubling the
    /// stride until a way is found and halving it back to the least that finds one.
    fn least_longest_step(&self, gaps: (usize, usize)) -> Option<Vec<usize>> {
        let thresholds = self.thresholds();
        if thresholds.is_empty() {
            return None;
        }
        // The least threshold at which the end is within `n - 1` steps (ignoring the rules):
        // no way can do better.
        let reachable = |t: f32| self.hops_to_end(t)[0] < self.n;
        let first = thresholds.partition_point(|&t| !reachable(t));
        let first = first.min(thresholds.len() - 1);
        let try_at = |i: usize| self.search(gaps, thresholds[i]);
        let (mut failed, mut stride) = (first, 1);
        let (mut found_at, mut found) = match try_at(first) {
            Some(way) => return Some(way),
            None => (None, None),
        };
        while found_at.is_none() {
            let i = (first + stride).min(thresholds.len() - 1);
            match try_at(i) {
                Some(way) => (found_at, found) = (Some(i), Some(way)),
                None if i == thresholds.len() - 1 => return None,
                None => failed = i,
            }
            stride *= 2;
        }
        let mut found_at = found_at?;
        while found_at - failed > 1 {
            let mid = failed + (found_at - failed) / 2;
            match try_at(mid) {
                Some(way) => (found_at, found) = (mid, Some(way)),
                None => failed = mid,
            }
        }
        found
    }

    /// A way of `n` tracks with no step longer than `longest` that keeps the gaps, if one is
    /// found: the cheapest the beam search finds, else one grown from the fewest steps.
    fn search(&self, (artist_gap, album_gap): (usize, usize), longest: f32) -> Option<Vec<usize>> {
        let n = self.n;
        let hops = self.hops_to_end(longest);
        if hops[0] >= n {
            return None;
        }
        self.beam((artist_gap, album_gap), longest, &hops)
            .or_else(|| self.grow((artist_gap, album_gap), longest, &hops))
    }

    /// Whether every track of `tracks` (library positions) keeps the gaps with those before it.
    fn keeps_gaps(&self, tracks: &[usize], (artist_gap, album_gap): (usize, usize)) -> bool {
        (1..tracks.len())
            .all(|k| rules::gaps_ok(self.library, &tracks[..k], tracks[k], artist_gap, album_gap))
    }

    /// A way of `n` tracks with no step longer than `longest`, grown from the fewest steps
    /// (each the cheapest one hop nearer an end) by putting in, one at a time, the track that
    /// adds least cost between two neighbours it is within `longest` of, keeping the gaps.
    fn grow(&self, gaps: (usize, usize), longest: f32, hops: &[usize]) -> Option<Vec<usize>> {
        let (pool, n, size) = (&self.pool, self.n, self.pool.len());
        let cost = |a: usize, b: usize| self.step_cost[a * size + b];
        let mut places = vec![0];
        let mut used = vec![false; size];
        used[0] = true;
        for h in (0..hops[0]).rev() {
            let at = *places.last()?;
            let next = (0..size)
                .filter(|&v| !used[v] && hops[v] == h && self.step(at, v) <= longest)
                .filter(|&v| {
                    if h == 0 {
                        self.ends.contains(&v)
                    } else {
                        self.interior.contains(&v)
                    }
                })
                .min_by(|&x, &y| cost(at, x).total_cmp(&cost(at, y)).then(x.cmp(&y)))?;
            used[next] = true;
            places.push(next);
        }
        let tracks = |places: &[usize]| places.iter().map(|&p| pool[p]).collect::<Vec<_>>();
        if !self.keeps_gaps(&tracks(&places), gaps) {
            return None;
        }
        while places.len() < n {
            // Every (added cost, after which place, candidate), cheapest first.
            let mut options: Vec<(f32, usize, usize)> = Vec::new();
            for k in 0..places.len() - 1 {
                let (a, b) = (places[k], places[k + 1]);
                for &c in &self.interior {
                    if !used[c] && self.step(a, c) <= longest && self.step(c, b) <= longest {
                        options.push((cost(a, c) + cost(c, b) - cost(a, b), k, c));
                    }
                }
            }
            options.sort_by(|x, y| x.0.total_cmp(&y.0).then(x.1.cmp(&y.1)).then(x.2.cmp(&y.2)));
            let (_, k, c) = options.into_iter().find(|&(_, k, c)| {
                let mut tried = places.clone();
                tried.insert(k + 1, c);
                self.keeps_gaps(&tracks(&tried), gaps)
            })?;
            places.insert(k + 1, c);
            used[c] = true;
        }
        Some(tracks(&places))
    }

    /// Beam search: the cheapest way of `n` tracks with no step longer than `longest` that keeps
    /// the gaps, if any. Each track must leave an end within reach of the steps left (`hops`,
    /// from [`Way::hops_to_end`]), so that no way is kept that cannot finish. A way's cost adds,
    /// per step, its length in even steps squared, how far the track lies from its target, and
    /// a poor join.
    fn beam(
        &self,
        (artist_gap, album_gap): (usize, usize),
        longest: f32,
        hops: &[usize],
    ) -> Option<Vec<usize>> {
        let (library, line, pool, n) = (self.library, self.line, &self.pool, self.n);
        // A track end comes last whatever is chosen: a step within the gaps of it keeps them.
        let keeps_end_gaps = |c: usize, position: usize| match line.end_track {
            Some(b) => {
                let apart = n - 1 - position;
                rules::gaps_ok(
                    library,
                    &[pool[c]],
                    b,
                    usize::from(apart <= artist_gap),
                    usize::from(apart <= album_gap),
                )
            }
            None => true,
        };
        let mut beam = vec![Partial {
            places: vec![0],
            tracks: vec![line.start],
            cost: 0.0,
        }];
        for k in 1..n {
            let last_step = k == n - 1;
            let choices: Vec<usize> = if last_step {
                self.ends.clone()
            } else {
                self.interior
                    .iter()
                    .copied()
                    .filter(|&c| hops[c] < n - k && keeps_end_gaps(c, k))
                    .collect()
            };
            // Extensions as (cost, way, candidate): only the survivors are copied.
            let mut next: Vec<(f32, usize, usize)> = Vec::new();
            for (w, way) in beam.iter().enumerate() {
                let last = *way.places.last().unwrap_or(&0);
                for &c in &choices {
                    if self.step(last, c) > longest || way.places.contains(&c) {
                        continue;
                    }
                    // A track end is a fixed point: its step has no target to miss; a tag
                    // end's is measured against the tag's centre.
                    let off = if !last_step {
                        self.off[(k - 1) * pool.len() + c] / self.even
                    } else if line.end_track.is_none() {
                        chord(line.to_end[pool[c]]) / self.even
                    } else {
                        0.0
                    };
                    let cost = self.step_cost[last * pool.len() + c] + TARGET_WEIGHT * off * off;
                    next.push((way.cost + cost, w, c));
                }
            }
            // The rules are read for the cheapest first, until the beam is full: the cheapest
            // few are sorted first, the rest only where too few of them keep the gaps (the
            // search runs at many step lengths, and a full sort was most of its time).
            let order = |a: &(f32, usize, usize), b: &(f32, usize, usize)| {
                a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2))
            };
            let head = (4 * BEAM).min(next.len());
            if head < next.len() {
                next.select_nth_unstable_by(head, order);
            }
            next[..head].sort_by(order);
            let mut kept = Vec::with_capacity(BEAM);
            for (k, &e) in next.iter().enumerate() {
                if kept.len() == BEAM {
                    break;
                }
                if k == head {
                    let rest = &mut next[head..];
                    rest.sort_by(order);
                    kept.extend(
                        rest.iter()
                            .filter(|e| {
                                rules::gaps_ok(
                                    library,
                                    &beam[e.1].tracks,
                                    pool[e.2],
                                    artist_gap,
                                    album_gap,
                                )
                            })
                            .take(BEAM - kept.len()),
                    );
                    break;
                }
                if rules::gaps_ok(library, &beam[e.1].tracks, pool[e.2], artist_gap, album_gap) {
                    kept.push(e);
                }
            }
            if kept.is_empty() {
                return None;
            }
            beam = kept
                .into_iter()
                .map(|(cost, w, c)| {
                    let mut way = beam[w].clone();
                    way.places.push(c);
                    way.tracks.push(pool[c]);
                    way.cost = cost;
                    way
                })
                .collect();
        }
        beam.into_iter().next().map(|w| w.tracks)
    }
}

/// The tag that falls most and the tag that grows most from track `i` to track `j` (each when
/// it changes by at least `TAG_CHANGE`, 0.05). A tag's strength in a track is its strongest column
/// of that name (the two label sets share some names), as for tag radio.
pub fn tag_movement(library: &Library, i: usize, j: usize) -> (Option<String>, Option<String>) {
    let (a, b) = (&library.tracks[i].tags, &library.tracks[j].tags);
    let mut names: Vec<&str> = Vec::new();
    for n in library.tag_names() {
        if !names.contains(&n.as_str()) {
            names.push(n);
        }
    }
    let strength = |tags: &[f32], name: &str| {
        library
            .tag_names()
            .iter()
            .enumerate()
            .filter(|(_, n)| n.as_str() == name)
            .map(|(c, _)| tags.get(c).copied().unwrap_or(0.0))
            .fold(0.0f32, f32::max)
    };
    let changes: Vec<(f32, &str)> = names
        .iter()
        .map(|&n| (strength(b, n) - strength(a, n), n))
        .collect();
    let most = |sign: f32| {
        changes
            .iter()
            .filter(|(c, _)| sign * c >= TAG_CHANGE)
            .max_by(|x, y| (sign * x.0).total_cmp(&(sign * y.0)))
            .map(|(_, n)| (*n).to_owned())
    };
    (most(-1.0), most(1.0))
}

/// How track `j` joins track `i`: its tempo (when both are known), its key when it mixes (the
/// same or a neighbour on the Camelot wheel), and similar energy when the energy match is at
/// least 0.75.
pub fn join_details(library: &Library, i: usize, j: usize) -> Vec<Detail> {
    let (from, to) = (&library.tracks[i], &library.tracks[j]);
    let mut details = Vec::new();
    if from.bpm > 0.0 && to.bpm > 0.0 {
        details.push(Detail::Tempo {
            from_bpm: from.bpm.round() as u32,
            to_bpm: to.bpm.round() as u32,
            feel: TempoFeel::between(from.bpm, to.bpm),
        });
    }
    let key = key_match(&library.joins[i], &library.joins[j]).1;
    if key != KeyJoin::Other {
        details.push(Detail::Key { join: key });
    }
    if energy_match(&library.joins[i], &library.joins[j]) >= 0.75 {
        details.push(Detail::SimilarEnergy);
    }
    details
}

/// 4. Each step of `way` with its distance and reason.
fn describe(library: &Library, way: &[usize], goal: &PathGoal) -> Vec<PathStep> {
    let last = way.len() - 1;
    way.iter()
        .enumerate()
        .map(|(k, &i)| {
            let place = if k == 0 {
                match goal {
                    PathGoal::Track(_) => Detail::PathStart {
                        to: library.name(way[last]),
                    },
                    PathGoal::Tag(tag) => Detail::PathStartTowardsTag { tag: tag.clone() },
                }
            } else if k == last {
                match goal {
                    PathGoal::Track(_) => Detail::PathEnd {
                        from: library.name(way[k - 1]),
                    },
                    PathGoal::Tag(tag) => Detail::PathEndAtTag {
                        tag: tag.clone(),
                        from: library.name(way[k - 1]),
                    },
                }
            } else {
                let (leaving, towards) = tag_movement(library, way[k - 1], way[k + 1]);
                Detail::Bridges {
                    from: library.name(way[k - 1]),
                    to: library.name(way[k + 1]),
                    leaving,
                    towards,
                }
            };
            let mut why = vec![ReasonPart {
                smooth_join: false,
                details: vec![place],
            }];
            if k > 0 {
                let joins = join_details(library, way[k - 1], i);
                if !joins.is_empty() {
                    why.push(ReasonPart {
                        smooth_join: false,
                        details: joins,
                    });
                }
            }
            PathStep {
                track_id: library.tracks[i].id,
                distance: if k == 0 {
                    0.0
                } else {
                    step_distance(library, way[k - 1], i)
                },
                reason: segue_core::english_reason(&why),
                why,
            }
        })
        .collect()
}

/// The yardstick a path is measured against: `n` points evenly spaced on the straight line
/// from the start to the end, and for each the nearest track not used yet (a tag end's last
/// track is the nearest of the tag's tracks to its centre). With `keep_gaps`, the nearest that
/// keeps the artist and album gaps (relaxed in [`Settings::gap_steps`] order where none does);
/// without, no rules beyond "not used yet".
pub fn straight_line_path(
    library: &Library,
    taste: &Taste,
    context: &Context,
    settings: &Settings,
    (start, goal, n): (TrackId, &PathGoal, usize),
    keep_gaps: bool,
) -> Result<Vec<TrackId>, PathError> {
    let line = line(library, start, goal)?;
    let open_mask = open_tracks(library, taste, context, settings, &line);
    let mut open_mask = open_mask;
    let mut open: Vec<usize> = (0..library.len()).filter(|&i| open_mask[i]).collect();
    check_length(n, open.len(), goal)?;
    let mut way = vec![line.start];
    let keeps = |way: &[usize], i: usize, (artist_gap, album_gap): (usize, usize)| {
        !keep_gaps || rules::gaps_ok(library, way, i, artist_gap, album_gap)
    };
    for k in 1..n - 1 {
        let t = k as f32 / (n - 1) as f32;
        let Some(c) = settings.gap_steps().into_iter().find_map(|gaps| {
            let keeping: Vec<usize> = open
                .iter()
                .copied()
                .filter(|&i| keeps(&way, i, gaps))
                .collect();
            best(&keeping, 1, |i| line.to_target(i, t)).first().copied()
        }) else {
            break;
        };
        way.push(c);
        open_mask[c] = false;
        open.retain(|&i| i != c);
    }
    let end = match line.end_track {
        Some(b) => Some(b),
        None => {
            let members: Vec<usize> = line
                .end_members
                .iter()
                .copied()
                .filter(|&m| open_mask[m])
                .collect();
            settings.gap_steps().into_iter().find_map(|gaps| {
                let keeping: Vec<usize> = members
                    .iter()
                    .copied()
                    .filter(|&i| keeps(&way, i, gaps))
                    .collect();
                best(&keeping, 1, |i| line.to_end[i]).first().copied()
            })
        }
    };
    way.extend(end);
    Ok(way.into_iter().map(|i| library.tracks[i].id).collect())
}

#[cfg(test)]
mod tests {
    use segue_core::KeyMode;

    use super::*;
    use crate::TrackProfile;
    use crate::vector::unit_hash;

    /// 80 tracks round a circle of sound, every 4.5 degrees: track 1000 is "ambient", track 1020
    /// (a quarter of the way round) "orchestral"; the tags mix the two by the angle, with a
    /// little noise of each track's own; ten artists in turn.
    fn continuum() -> Library {
        let tracks = (0..80)
            .map(|i| {
                let angle = std::f32::consts::TAU * i as f32 / 80.0;
                let noise = |k: u64| 0.05 * (unit_hash(i as u64 * 31 + k) - 0.5);
                let mut embedding = vec![angle.cos(), angle.sin()];
                embedding.extend((0..5).map(noise));
                TrackProfile {
                    id: 1000 + i as TrackId,
                    title: format!("track {i}"),
                    artist: Some(format!("artist {}", i % 10)),
                    album: Some(format!("album {}", i % 20)),
                    embedding,
                    tags: vec![angle.cos().max(0.0), angle.sin().max(0.0), 0.3 + noise(9)],
                    bpm: 80.0 + i as f32,
                    key: (i % 12) as u8,
                    mode: KeyMode::Major,
                    energy: 0.1 + 0.001 * i as f32,
                    ..Default::default()
                }
            })
            .collect();
        Library::new(
            tracks,
            vec!["ambient".into(), "orchestral".into(), "guitar".into()],
        )
    }

    fn now() -> Context {
        Context {
            now_ms: 1_000_000_000_000,
            ..Context::default()
        }
    }

    fn path_of(library: &Library, goal: &PathGoal, n: usize) -> SonicPath {
        sonic_path(
            library,
            &Taste::default(),
            &now(),
            &Settings::default(),
            1000,
            goal,
            n,
        )
        .expect("a path")
    }

    #[test]
    fn a_path_runs_from_its_start_to_its_end_without_repeating_itself() {
        let lib = continuum();
        let path = path_of(&lib, &PathGoal::Track(1020), 12);
        let ids: Vec<TrackId> = path.steps.iter().map(|s| s.track_id).collect();
        assert_eq!(ids.len(), 12);
        assert_eq!((ids[0], ids[11]), (1000, 1020));
        let mut unique = ids.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), 12, "{ids:?}");
        // The artist gap (15) is more than the ten artists allow: it relaxed, and what it
        // kept holds.
        assert!(path.artist_gap < 15);
        let positions: Vec<usize> = ids
            .iter()
            .map(|&id| lib.index(id).expect("on the way"))
            .collect();
        for k in 1..positions.len() {
            assert!(
                rules::gaps_ok(
                    &lib,
                    &positions[..k],
                    positions[k],
                    path.artist_gap as usize,
                    path.album_gap as usize
                ),
                "step {k} of {ids:?}"
            );
        }
    }

    #[test]
    fn a_path_moves_evenly_where_the_straight_line_jumps() {
        let lib = continuum();
        let path = path_of(&lib, &PathGoal::Track(1020), 12);
        // Along the continuum the way keeps moving forward: each step closer to the end.
        let places: Vec<i64> = path.steps.iter().map(|s| s.track_id - 1000).collect();
        assert!(places.windows(2).all(|w| w[1] > w[0]), "{places:?}");
        let largest = path.steps.iter().map(|s| s.distance).fold(0.0, f32::max);
        let whole = step_distance(&lib, 0, 20);
        assert!(largest < 0.3 * whole, "{largest} of {whole}");
    }

    #[test]
    fn a_path_to_a_tag_ends_where_the_tag_is_strong() {
        let lib = continuum();
        let path = path_of(&lib, &PathGoal::Tag("Orchestral".into()), 8);
        let last = path.steps.last().expect("a last step");
        // Among the top tenth by the tag.
        let strength = lib.get(last.track_id).expect("in the library").tags[1];
        assert!(strength > 0.9, "{:?}: {strength}", last.track_id);
        assert_eq!(
            last.why[0].details[0],
            Detail::PathEndAtTag {
                tag: "Orchestral".into(),
                from: lib.name(lib.index(path.steps[6].track_id).expect("on the way")),
            }
        );
        assert!(
            path.steps[0]
                .reason
                .starts_with("Sets out towards Orchestral")
        );
    }

    #[test]
    fn each_step_says_what_it_bridges_and_how_it_joins() {
        let lib = continuum();
        let path = path_of(&lib, &PathGoal::Track(1020), 6);
        let at = |k: usize| lib.index(path.steps[k].track_id).expect("on the way");
        let Detail::Bridges {
            from,
            to,
            leaving,
            towards,
        } = &path.steps[2].why[0].details[0]
        else {
            panic!("{:?}", path.steps[2].why);
        };
        assert_eq!((from, to), (&lib.name(at(1)), &lib.name(at(3))));
        assert_eq!(
            (leaving.as_deref(), towards.as_deref()),
            (Some("ambient"), Some("orchestral"))
        );
        let (a, b) = (&lib.tracks[at(1)], &lib.tracks[at(2)]);
        assert!(path.steps[2].why[1].details.contains(&Detail::Tempo {
            from_bpm: a.bpm.round() as u32,
            to_bpm: b.bpm.round() as u32,
            feel: TempoFeel::between(a.bpm, b.bpm),
        }));
        assert!(
            path.steps[2].reason.starts_with(&format!(
                "Bridges {} → {}: ambient towards orchestral; ",
                lib.name(at(1)),
                lib.name(at(3))
            )),
            "{}",
            path.steps[2].reason
        );
        assert_eq!(path.steps[0].distance, 0.0);
        assert!(path.steps[5].reason.starts_with("Arrives from"));
    }

    #[test]
    fn disliked_tracks_stay_off_the_way_and_bad_requests_say_why() {
        let lib = continuum();
        let taste = Taste::from_signals((1040..1060).map(|track| crate::Signal {
            track,
            source: crate::SignalSource::Dislike,
            at_ms: 0,
        }));
        let path = sonic_path(
            &lib,
            &taste,
            &now(),
            &Settings::default(),
            1000,
            &PathGoal::Track(1020),
            10,
        )
        .expect("a path around them");
        assert!(
            path.steps
                .iter()
                .all(|s| !(1040..1060).contains(&s.track_id))
        );
        let ask = |goal: PathGoal, n: usize| {
            sonic_path(&lib, &taste, &now(), &Settings::default(), 1000, &goal, n)
        };
        assert_eq!(
            ask(PathGoal::Track(7), 5).err(),
            Some(PathError::NotAnalysed(7))
        );
        assert_eq!(
            ask(PathGoal::Track(1000), 5).err(),
            Some(PathError::SameTrack)
        );
        assert!(matches!(
            ask(PathGoal::Tag("polka".into()), 5).err(),
            Some(PathError::UnknownTag { .. })
        ));
        assert_eq!(
            ask(PathGoal::Track(1020), 1).err(),
            Some(PathError::TooShort(1))
        );
        assert_eq!(
            ask(PathGoal::Track(1020), 61).err(),
            Some(PathError::NotEnoughTracks {
                asked: 61,
                open: 58
            })
        );
        assert_eq!(
            ask(PathGoal::Track(1020), 60).map(|p| p.steps.len()),
            Ok(60)
        );
        assert_eq!(
            ask(PathGoal::Track(1020), MAX_PATH_TRACKS + 1).err(),
            Some(PathError::TooLong(MAX_PATH_TRACKS + 1))
        );
    }

    #[test]
    fn one_recording_under_two_names_is_never_two_steps() {
        let lib = continuum();
        // Every track of the way again, as a copy with its own id, title and artist: the
        // same analysis, as when one file sits in two packages.
        let mut tracks = lib.tracks().to_vec();
        for i in 1..20 {
            let mut twin = tracks[i].clone();
            twin.id = 2000 + i as TrackId;
            twin.title = format!("copy of track {i}");
            twin.artist = Some(format!("someone else {i}"));
            tracks.push(twin);
        }
        let lib = Library::new(tracks, lib.tag_names().to_vec());
        // More steps than the arc has tracks: the twins would fill the way.
        let path = path_of(&lib, &PathGoal::Track(1020), 30);
        let originals: Vec<TrackId> = path
            .steps
            .iter()
            .map(|s| {
                if s.track_id >= 2000 {
                    s.track_id - 1000
                } else {
                    s.track_id
                }
            })
            .collect();
        let mut unique = originals.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), 30, "{originals:?}");
        assert!(
            path.steps
                .iter()
                .skip(1)
                .all(|s| s.distance > SAME_RECORDING)
        );
    }

    /// Ten tracks scattered at random in sound and style (seeded), with no artist or album:
    /// no gap limits the way.
    fn scatter(seed: u64) -> Library {
        let tracks = (0..10)
            .map(|i| {
                let at = |k: u64| unit_hash(seed * 1000 + i * 17 + k) - 0.5;
                TrackProfile {
                    id: 1000 + i as TrackId,
                    title: format!("track {i}"),
                    embedding: (0..6).map(at).collect(),
                    tags: (0..3).map(|k| at(10 + k) + 0.5).collect(),
                    bpm: 100.0,
                    ..Default::default()
                }
            })
            .collect();
        Library::new(tracks, vec!["a".into(), "b".into(), "c".into()])
    }

    #[test]
    fn the_longest_step_is_the_least_any_way_of_that_many_tracks_allows() {
        for seed in 1..=6 {
            let lib = scatter(seed);
            let d = |i: usize, j: usize| step_distance(&lib, i, j);
            for n in [4, 5] {
                // Every way of `n` tracks from track 0 to track 9, tried one by one.
                let mut least = f32::INFINITY;
                let mut way = vec![0usize];
                fn each(
                    way: &mut Vec<usize>,
                    n: usize,
                    d: &dyn Fn(usize, usize) -> f32,
                    least: &mut f32,
                ) {
                    if way.len() == n - 1 {
                        let mut steps: Vec<f32> = way.windows(2).map(|w| d(w[0], w[1])).collect();
                        steps.push(d(way[n - 2], 9));
                        *least = least.min(steps.into_iter().fold(0.0, f32::max));
                        return;
                    }
                    for next in 1..9 {
                        if !way.contains(&next) {
                            way.push(next);
                            each(way, n, d, least);
                            way.pop();
                        }
                    }
                }
                each(&mut way, n, &d, &mut least);
                let path = path_of(&lib, &PathGoal::Track(1009), n);
                let largest = path.steps.iter().map(|s| s.distance).fold(0.0, f32::max);
                assert!(
                    (largest - least).abs() < 1e-5,
                    "seed {seed}, {n} tracks: the path's longest step {largest}, the least {least}"
                );
            }
        }
    }

    #[test]
    fn the_straight_line_yardstick_takes_the_nearest_unused_track_per_point() {
        let lib = continuum();
        for keep_gaps in [false, true] {
            let way = straight_line_path(
                &lib,
                &Taste::default(),
                &now(),
                &Settings::default(),
                (1000, &PathGoal::Track(1020), 12),
                keep_gaps,
            )
            .expect("a way");
            assert_eq!(way.len(), 12);
            assert_eq!((way[0], way[11]), (1000, 1020));
        }
    }
}
