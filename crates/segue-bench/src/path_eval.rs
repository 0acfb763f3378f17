//! `segue-bench path`: do sonic paths move evenly, hold together and keep the rules, against
//! the straight-line yardstick (points evenly spaced between the ends, each the nearest unused
//! track)? On the analysed real music (the curator's labels judge coherence: they are not
//! Segue's features), and `path` latency on the synthetic libraries the suggest figures use.
//!
//! Figures, per set, over start/end pairs drawn from different curator styles (and paths
//! towards a tag from a random start):
//! - steps: the largest and the median step of each way (chord in the joint sound and style
//!   space, where 2 is opposite); the target is the path's largest ≤ the yardstick's median;
//! - coherence: share of consecutive tracks in the same curator style (and the same soundtrack);
//! - breaches: a track twice, or two tracks within the gaps the path says it kept, and how many
//!   paths had to relax the listener's gaps (and to what);
//! - reasons: each step's reason checked against the tracks' own facts (neighbours' names, tags
//!   fading and growing, tempo, key, energy, a tag end among the tag's strongest tracks);
//! - what is possible: the least largest step of any way from the start to an end (of any
//!   length, and of `n` tracks), rules ignored, so the target is judged on the pairs where a
//!   way of `n` tracks could meet it at all;
//! - what the gaps cost: the same paths drawn with no artist or album gap (the yardstick keeps
//!   none).
//!
//! Which yardstick judges: a path must keep the listener's artist and album gaps, so the line
//! it is judged against is the one keeping the same gaps (`straight_line_path(.., true)`); the
//! line keeping none is printed beside it because the issue named it, and the oracle (the least
//! largest step of any way of `n` tracks, rules ignored) says where the step target can be met
//! at all: on this 345-track library, for most pairs no way can.

use std::time::Instant;

use anyhow::{Context as _, Result, bail};
use segue_core::{Detail, KeyJoin, SonicPath, TempoFeel, TrackId};
use segue_recommend::path::{PathGoal, sonic_path, step_distance, straight_line_path};
use segue_recommend::{Context, Library, Settings, Taste};
use segue_service::Service;

use crate::suggest_eval::{Rng, World, worlds};

/// What `segue-bench path` is asked for.
pub struct Options {
    pub db: std::path::PathBuf,
    pub sets: Vec<String>,
    /// Tracks per path, both ends included.
    pub lengths: Vec<usize>,
    /// Start/end pairs per set and length.
    pub pairs: usize,
    /// Synthetic library sizes for the latency figures.
    pub sizes: Vec<usize>,
    /// Timed calls per size.
    pub calls: usize,
}

/// The tags paths towards a tag aim at (each must be one of the library's tag names).
const GOAL_TAGS: [&str; 6] = [
    "ambient",
    "rock",
    "electronic",
    "classical",
    "piano",
    "guitar",
];

fn now() -> Context {
    Context {
        now_ms: 2_000_000_000_000,
        ..Context::default()
    }
}

/// One way's figures.
#[derive(Default, Clone)]
struct WayFigures {
    largest: f32,
    median: f32,
    same_style: usize,
    same_soundtrack: usize,
    joins: usize,
}

fn way_figures(world: &World, way: &[usize]) -> WayFigures {
    let library = &world.library;
    let mut steps: Vec<f32> = way
        .windows(2)
        .map(|w| step_distance(library, w[0], w[1]))
        .collect();
    steps.sort_by(f32::total_cmp);
    WayFigures {
        largest: steps.last().copied().unwrap_or(0.0),
        median: steps.get(steps.len() / 2).copied().unwrap_or(0.0),
        same_style: way
            .windows(2)
            .filter(|w| world.style[w[0]] == world.style[w[1]])
            .count(),
        same_soundtrack: way
            .windows(2)
            .filter(|w| world.soundtrack[w[0]] == world.soundtrack[w[1]])
            .count(),
        joins: way.len().saturating_sub(1),
    }
}

/// Repeats within the way: the same track twice, or two by one artist (from one album) within
/// the gaps.
fn breaches(library: &Library, way: &[usize], artist_gap: usize, album_gap: usize) -> usize {
    let tracks = library.tracks();
    let mut count = 0;
    for (k, &i) in way.iter().enumerate() {
        let before = &way[..k];
        let t = &tracks[i];
        let twice = before.contains(&i);
        let artist = t.artist.is_some()
            && before
                .iter()
                .rev()
                .take(artist_gap)
                .any(|&j| tracks[j].artist == t.artist);
        let album = t.album.is_some()
            && before
                .iter()
                .rev()
                .take(album_gap)
                .any(|&j| tracks[j].album == t.album && tracks[j].artist == t.artist);
        count += usize::from(twice || artist || album);
    }
    count
}

/// Whether `name` is how a reason names library track `i` (its title, perhaps with its artist).
fn names(library: &Library, i: usize, name: &str) -> bool {
    name.starts_with(library.tracks()[i].title.as_str())
}

/// A tag's strength in track `i` (the strongest of its columns by that name).
fn tag_strength(library: &Library, i: usize, tag: &str) -> Option<f32> {
    let tags = &library.tracks()[i].tags;
    library
        .tag_names()
        .iter()
        .enumerate()
        .filter(|(_, n)| n.eq_ignore_ascii_case(tag))
        .map(|(c, _)| tags.get(c).copied().unwrap_or(0.0))
        .reduce(f32::max)
}

/// Camelot wheel position and letter, computed here from key and mode (independently of the
/// recommender's join terms).
fn camelot(library: &Library, i: usize) -> (i32, bool) {
    let t = &library.tracks()[i];
    (
        i32::from(segue_core::camelot_number(t.key, t.mode)),
        t.mode == segue_core::KeyMode::Major,
    )
}

/// Whether every part of every step's reason is true of the tracks.
fn reasons_true(library: &Library, way: &[usize], path: &SonicPath, goal: &PathGoal) -> usize {
    let tracks = library.tracks();
    let last = way.len() - 1;
    let mut false_steps = 0;
    for (k, step) in path.steps.iter().enumerate() {
        let i = way[k];
        let ok = step.why.iter().flat_map(|p| &p.details).all(|d| match d {
            Detail::PathStart { to } => k == 0 && names(library, way[last], to),
            Detail::PathStartTowardsTag { tag } => {
                k == 0 && matches!(goal, PathGoal::Tag(g) if g == tag)
            }
            Detail::Bridges {
                from,
                to,
                leaving,
                towards,
            } => {
                let (a, b) = (way[k - 1], way[k + 1]);
                let change = |tag: &str| {
                    Some(tag_strength(library, b, tag)? - tag_strength(library, a, tag)?)
                };
                k > 0
                    && k < last
                    && names(library, a, from)
                    && names(library, b, to)
                    && leaving
                        .as_deref()
                        .is_none_or(|l| change(l).is_some_and(|c| c <= -0.05))
                    && towards
                        .as_deref()
                        .is_none_or(|t| change(t).is_some_and(|c| c >= 0.05))
            }
            Detail::PathEnd { from } => {
                k == last
                    && matches!(goal, PathGoal::Track(id) if *id == tracks[i].id)
                    && names(library, way[k - 1], from)
            }
            Detail::PathEndAtTag { tag, from } => {
                // Among the top tenth of the library by the tag.
                let mine = tag_strength(library, i, tag).unwrap_or(0.0);
                let above = (0..library.len())
                    .filter(|&j| tag_strength(library, j, tag).unwrap_or(0.0) > mine)
                    .count();
                k == last && above < (library.len() / 10).max(3) && names(library, way[k - 1], from)
            }
            Detail::Tempo {
                from_bpm,
                to_bpm,
                feel,
            } => {
                let (from, to) = (tracks[way[k.max(1) - 1]].bpm, tracks[i].bpm);
                // "Double time" is true of tempos about twice apart, "half time" about half;
                // plain numbers claim nothing more.
                let feel_true = match feel {
                    TempoFeel::Plain => true,
                    TempoFeel::Double => (1.8..=2.25).contains(&(to / from)),
                    TempoFeel::Half => (1.8..=2.25).contains(&(from / to)),
                };
                k > 0
                    && *from_bpm == from.round() as u32
                    && *to_bpm == to.round() as u32
                    && feel_true
            }
            Detail::Key { join } => {
                let ((a, a_major), (b, b_major)) =
                    (camelot(library, way[k - 1]), camelot(library, i));
                let apart = (a - b).rem_euclid(12).min((b - a).rem_euclid(12));
                let said = match (apart, a_major == b_major) {
                    (0, true) => KeyJoin::Same,
                    (0, false) | (1, true) => KeyJoin::Neighbouring,
                    _ => KeyJoin::Other,
                };
                k > 0 && *join == said && said != KeyJoin::Other
            }
            Detail::SimilarEnergy => {
                let db = |j: usize| 20.0 * tracks[j].energy.max(1e-6).log10();
                let (a, b) = (way[k - 1], i);
                let energy = (db(a) - db(b)).abs();
                let loud = match (tracks[a].loudness_lufs, tracks[b].loudness_lufs) {
                    (Some(x), Some(y)) => (x - y).abs() as f32,
                    _ => energy,
                };
                k > 0 && energy + loud <= 6.0 + 1e-3
            }
            _ => false,
        });
        if !ok {
            eprintln!(
                "a false reason at step {k} of {}: {}",
                last + 1,
                step.reason
            );
        }
        false_steps += usize::from(!ok);
    }
    false_steps
}

#[derive(Default)]
struct Tally {
    /// Tracks per path.
    n: usize,
    ways: usize,
    path: Vec<WayFigures>,
    line: Vec<WayFigures>,
    /// The yardstick keeping the same gaps.
    kept: Vec<WayFigures>,
    /// Paths whose largest step is at most the yardstick's median step.
    largest_within_median: usize,
    /// The same against the yardstick keeping the same gaps.
    largest_within_kept_median: usize,
    /// Paths whose largest step is below the gap-keeping yardstick's largest.
    largest_below_kept_largest: usize,
    path_breaches: usize,
    line_breaches: usize,
    relaxed: Vec<(u32, u32)>,
    steps: usize,
    false_steps: usize,
    refused: Vec<String>,
    /// The least largest step of any way from the start to an end the path may have: of any
    /// length, and of at most the path's tracks (see [`bounds`]).
    bottleneck: Vec<(f32, f32)>,
    /// The path drawn with no artist or album gap (one per way, in order).
    free: Vec<WayFigures>,
}

impl Tally {
    fn print(&self, label: &str) {
        if self.ways == 0 {
            println!("  {label}: no paths ({})", self.refused.join("; "));
            return;
        }
        let mean = |f: &[WayFigures], g: fn(&WayFigures) -> f32| {
            f.iter().map(g).sum::<f32>() / f.len().max(1) as f32
        };
        let share = |f: &[WayFigures], g: fn(&WayFigures) -> usize| {
            f.iter().map(g).sum::<usize>() as f32
                / f.iter().map(|w| w.joins).sum::<usize>().max(1) as f32
        };
        println!(
            "  {label}: {} paths\n    steps (mean over paths)   path: largest {:.3}, median {:.3}   straight line: largest {:.3}, median {:.3}\n    path's largest ≤ the line's median step in {} of {} paths ({:.0} %)\n    same curator style next to each other   path {:.1} %, line {:.1} %;  same soundtrack: path {:.1} %, line {:.1} %\n    repetition breaches (a track twice, or within the gaps kept)   path {}, line {} (the line keeps no gaps);  paths that relaxed the gaps: {}{}\n    reasons: {} of {} steps true",
            self.ways,
            mean(&self.path, |w| w.largest),
            mean(&self.path, |w| w.median),
            mean(&self.line, |w| w.largest),
            mean(&self.line, |w| w.median),
            self.largest_within_median,
            self.ways,
            100.0 * self.largest_within_median as f32 / self.ways as f32,
            100.0 * share(&self.path, |w| w.same_style),
            100.0 * share(&self.line, |w| w.same_style),
            100.0 * share(&self.path, |w| w.same_soundtrack),
            100.0 * share(&self.line, |w| w.same_soundtrack),
            self.path_breaches,
            self.line_breaches,
            self.relaxed.len(),
            if self.relaxed.is_empty() {
                String::new()
            } else {
                let mut kinds = self.relaxed.clone();
                kinds.sort_unstable();
                kinds.dedup();
                format!(
                    " (kept artist/album gaps {})",
                    kinds
                        .iter()
                        .map(|(a, b)| format!("{a}/{b}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            },
            self.steps - self.false_steps,
            self.steps,
        );
        println!(
            "    straight line keeping the same gaps: largest {:.3}, median {:.3}; same style {:.1} %, same soundtrack {:.1} %\n      against it: the path's largest ≤ its median step in {} of {} paths ({:.0} %), below its largest step in {} ({:.0} %)",
            mean(&self.kept, |w| w.largest),
            mean(&self.kept, |w| w.median),
            100.0 * share(&self.kept, |w| w.same_style),
            100.0 * share(&self.kept, |w| w.same_soundtrack),
            self.largest_within_kept_median,
            self.ways,
            100.0 * self.largest_within_kept_median as f32 / self.ways as f32,
            self.largest_below_kept_largest,
            100.0 * self.largest_below_kept_largest as f32 / self.ways as f32,
        );
        let mean_of = |f: fn(&(f32, f32)) -> f32| {
            self.bottleneck.iter().map(f).sum::<f32>() / self.bottleneck.len().max(1) as f32
        };
        let within = |f: fn(&(f32, f32)) -> f32| {
            self.bottleneck
                .iter()
                .zip(&self.line)
                .filter(|(b, l)| f(b) <= l.median)
                .count()
        };
        println!(
            "    least possible largest step, any number of steps: mean {:.3}, ≤ the line's median in {} paths;  in {} tracks: mean {:.3}, ≤ the line's median in {} paths",
            mean_of(|b| b.0),
            within(|b| b.0),
            self.n,
            mean_of(|b| b.1),
            within(|b| b.1),
        );
        // (pairs where a way of n tracks can keep its largest step within a yardstick's median,
        // and of those, where `ways` do)
        let where_possible = |ways: &[WayFigures], yardstick: &[WayFigures]| {
            let possible: Vec<bool> = self
                .bottleneck
                .iter()
                .zip(yardstick)
                .map(|(b, y)| b.1 <= y.median)
                .collect();
            let met = possible
                .iter()
                .zip(ways.iter().zip(yardstick))
                .filter(|(p, (w, y))| **p && w.largest <= y.median)
                .count();
            (possible.iter().filter(|p| **p).count(), met)
        };
        let (possible, met) = where_possible(&self.path, &self.line);
        let (_, free_met) = where_possible(&self.free, &self.line);
        println!(
            "    where a way of {} tracks can keep its largest step ≤ the line's median ({} paths): the path does in {} ({:.0} %)",
            self.n,
            possible,
            met,
            100.0 * met as f32 / possible.max(1) as f32,
        );
        println!(
            "    the same paths with no artist or album gap: largest ≤ the line's median in {} of those {} ({:.0} %); same curator style next to each other {:.1} %, same soundtrack {:.1} %",
            free_met,
            possible,
            100.0 * free_met as f32 / possible.max(1) as f32,
            100.0 * share(&self.free, |w| w.same_style),
            100.0 * share(&self.free, |w| w.same_soundtrack),
        );
        // The oracle: the least largest step any way of n tracks has (rules ignored, so a
        // bound the path can only meet or exceed), and the gap-keeping line judged by it.
        let ratios: Vec<f32> = self
            .path
            .iter()
            .zip(&self.bottleneck)
            .map(|(p, b)| p.largest / b.1.max(f32::EPSILON))
            .collect();
        let (kept_possible, kept_met) = where_possible(&self.path, &self.kept);
        println!(
            "    the path's largest step against the least any way of {} tracks has (rules ignored): {:.3}x on average, within 5 % in {} of {} paths\n    where a way of {} tracks can keep its largest step ≤ the gap-keeping line's median ({} paths): the path does in {} ({:.0} %)",
            self.n,
            ratios.iter().sum::<f32>() / ratios.len().max(1) as f32,
            ratios.iter().filter(|r| **r <= 1.05).count(),
            ratios.len(),
            self.n,
            kept_possible,
            kept_met,
            100.0 * kept_met as f32 / kept_possible.max(1) as f32,
        );
        if !self.refused.is_empty() {
            println!("    refused: {}", self.refused.join("; "));
        }
    }
}

fn evaluate(world: &World, n: usize, pairs: usize, settings: &Settings) -> (Tally, Tally) {
    let library = &world.library;
    let position = |id: TrackId| library.position(id).unwrap_or(0);
    let mut rng = Rng(0x5A7 ^ n as u64);
    let (mut to_track, mut to_tag) = (Tally::default(), Tally::default());
    (to_track.n, to_tag.n) = (n, n);
    let steps = Steps::of(library);
    for p in 0..pairs {
        let a = rng.below(library.len());
        // An end in another curator style: a path worth drawing.
        let mut b = rng.below(library.len());
        for _ in 0..100 {
            if world.style[b] != world.style[a] {
                break;
            }
            b = rng.below(library.len());
        }
        let start = library.tracks()[a].id;
        let tag = GOAL_TAGS[p % GOAL_TAGS.len()];
        let goals = [
            (PathGoal::Track(library.tracks()[b].id), &mut to_track),
            (PathGoal::Tag(tag.to_owned()), &mut to_tag),
        ];
        for (goal, tally) in goals {
            let drawn = sonic_path(
                library,
                &Taste::default(),
                &now(),
                settings,
                start,
                &goal,
                n,
            );
            let yardstick = |keep_gaps: bool| {
                straight_line_path(
                    library,
                    &Taste::default(),
                    &now(),
                    settings,
                    (start, &goal, n),
                    keep_gaps,
                )
            };
            let (path, line, kept) = match (drawn, yardstick(false), yardstick(true)) {
                (Ok(path), Ok(line), Ok(kept)) => (path, line, kept),
                (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => {
                    let said = e.to_string();
                    if !tally.refused.contains(&said) {
                        tally.refused.push(said);
                    }
                    continue;
                }
            };
            let way: Vec<usize> = path.steps.iter().map(|s| position(s.track_id)).collect();
            let line: Vec<usize> = line.into_iter().map(position).collect();
            let kept: Vec<usize> = kept.into_iter().map(position).collect();
            let (pf, lf) = (way_figures(world, &way), way_figures(world, &line));
            let kf = way_figures(world, &kept);
            tally.largest_within_kept_median += usize::from(pf.largest <= kf.median);
            tally.largest_below_kept_largest += usize::from(pf.largest < kf.largest);
            tally.kept.push(kf);
            let ends = match &goal {
                PathGoal::Track(_) => vec![b],
                PathGoal::Tag(tag) => tag_ends(library, tag, a),
            };
            tally.bottleneck.push(bounds(&steps, a, &ends, n));
            // The same path with the artist and album gaps off: what they cost.
            let free = Settings {
                artist_gap: 0,
                album_gap: 0,
                ..*settings
            };
            // (Never refused where the gaps were kept; counted as failing if it were.)
            let free = sonic_path(library, &Taste::default(), &now(), &free, start, &goal, n)
                .map_or(
                    WayFigures {
                        largest: f32::INFINITY,
                        ..WayFigures::default()
                    },
                    |free| {
                        let way: Vec<usize> =
                            free.steps.iter().map(|s| position(s.track_id)).collect();
                        way_figures(world, &way)
                    },
                );
            tally.free.push(free);
            tally.ways += 1;
            tally.largest_within_median += usize::from(pf.largest <= lf.median);
            tally.path_breaches += breaches(
                library,
                &way,
                path.artist_gap as usize,
                path.album_gap as usize,
            );
            tally.line_breaches += breaches(library, &line, 0, 0);
            if (path.artist_gap as usize, path.album_gap as usize)
                != (settings.artist_gap, settings.album_gap)
            {
                tally.relaxed.push((path.artist_gap, path.album_gap));
            }
            tally.steps += way.len();
            tally.false_steps += reasons_true(library, &way, &path, &goal);
            tally.path.push(pf);
            tally.line.push(lf);
        }
    }
    (to_track, to_tag)
}

pub fn run(options: Options) -> Result<()> {
    let Options {
        db,
        sets,
        lengths,
        pairs,
        sizes,
        calls,
    } = options;
    if !db.is_file() {
        bail!(
            "{} is missing: `segue-bench suggest` imports and analyses the test music into it",
            db.display()
        );
    }
    let service =
        Service::open_existing(&db).with_context(|| format!("opening {}", db.display()))?;
    let settings = Settings::default();
    println!(
        "rules: artist gap {}, album gap {} (relaxed in turn only where no way keeps them); no feedback, nothing played",
        settings.artist_gap, settings.album_gap
    );
    for world in &worlds(&service, &sets)? {
        println!(
            "\n{} ({} analysed tracks), {pairs} start/end pairs in different curator styles per length; paths towards a tag cycle through {}",
            world.name,
            world.library.len(),
            GOAL_TAGS.join(", ")
        );
        for &n in &lengths {
            let (to_track, to_tag) = evaluate(world, n, pairs, &settings);
            println!(" n = {n}");
            to_track.print("to a track");
            to_tag.print("to a tag");
        }
    }
    if sizes.iter().any(|s| *s > 0) {
        println!(
            "\npath latency, synthetic libraries (the suggest figures' own), n = 12, to a random track or one of 100 tags:"
        );
        for &size in sizes.iter().filter(|s| **s > 0) {
            let (p50, p99, max) = latency(size, calls);
            println!(
                "  {size:>7} tracks: p50 {p50:.1} ms, p99 {p99:.1} ms, max {max:.1} ms ({calls} calls)"
            );
        }
    }
    Ok(())
}

/// p50, p99 and the slowest of `calls` paths of 12 tracks, in milliseconds; every other call
/// ends at a tag.
fn latency(size: usize, calls: usize) -> (f64, f64, f64) {
    let mut rng = Rng(11);
    let library = crate::latency::synthetic(size, &mut rng);
    let mut times = Vec::with_capacity(calls);
    for c in 0..calls + 3 {
        let start = rng.below(size) as TrackId;
        let goal = if c % 2 == 0 {
            let mut end = rng.below(size) as TrackId;
            if end == start {
                end = (end + 1) % size as TrackId;
            }
            PathGoal::Track(end)
        } else {
            PathGoal::Tag(format!("tag {}", rng.below(100)))
        };
        let t = Instant::now();
        let path = sonic_path(
            &library,
            &Taste::default(),
            &now(),
            &Settings::default(),
            start,
            &goal,
            12,
        );
        // The first calls start the thread pool and fault the rows in: not timed.
        if c >= 3 {
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        assert!(path.is_ok(), "{path:?}");
    }
    times.sort_by(f64::total_cmp);
    let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
    (at(0.5), at(0.99), times[times.len() - 1])
}

/// What no path from `start` to one of `ends` can beat: the least largest step of any way
/// through the library, whatever its length and rules (minimax, grown like Prim's tree), and
/// the least largest step of a way of at most `n` tracks (the least step length at which a
/// breadth-first search reaches an end within `n - 1` steps), rules again ignored.
fn bounds(steps: &Steps, start: usize, ends: &[usize], n: usize) -> (f32, f32) {
    let size = steps.size;
    let d = |a: usize, b: usize| steps.distance[a * size + b];
    // Any length: a minimax tree from the start.
    let mut best = vec![f32::INFINITY; size];
    let mut done = vec![false; size];
    best[start] = 0.0;
    let mut any_length = f32::INFINITY;
    for _ in 0..size {
        let Some(u) = (0..size)
            .filter(|&i| !done[i])
            .min_by(|&x, &y| best[x].total_cmp(&best[y]))
        else {
            break;
        };
        if ends.contains(&u) {
            any_length = best[u];
            break;
        }
        done[u] = true;
        for v in 0..size {
            if !done[v] {
                best[v] = best[v].min(best[u].max(d(u, v)));
            }
        }
    }
    // `n` tracks: the least threshold whose steps reach an end in at most `n - 1` steps, among
    // at least `n` tracks that such steps join (a way of `n` tracks needs both).
    let within = |longest: f32| {
        let mut seen = vec![false; size];
        seen[start] = true;
        let (mut frontier, mut joined, mut reached) = (vec![start], 1, false);
        let mut depth = 0;
        while !frontier.is_empty() {
            depth += 1;
            let mut next = Vec::new();
            for &u in &frontier {
                // An end is where a way stops, not a track to pass through.
                if u != start && ends.contains(&u) {
                    continue;
                }
                for (v, seen) in seen.iter_mut().enumerate() {
                    if !*seen && d(u, v) <= longest {
                        reached |= depth < n && ends.contains(&v);
                        *seen = true;
                        joined += 1;
                        next.push(v);
                    }
                }
            }
            frontier = next;
        }
        reached && joined >= n
    };
    let first = steps.sorted.partition_point(|&t| !within(t));
    (
        any_length,
        steps.sorted.get(first).copied().unwrap_or(f32::INFINITY),
    )
}

/// Every step length between two tracks of a library, row by row, and each length once,
/// shortest first.
struct Steps {
    size: usize,
    distance: Vec<f32>,
    sorted: Vec<f32>,
}

impl Steps {
    fn of(library: &Library) -> Steps {
        let size = library.len();
        let distance: Vec<f32> = (0..size * size)
            .map(|k| step_distance(library, k / size, k % size))
            .collect();
        let mut sorted = distance.clone();
        sorted.sort_unstable_by(f32::total_cmp);
        sorted.dedup();
        Steps {
            size,
            distance,
            sorted,
        }
    }
}

/// Where a path towards `tag` may end, as the reasons are checked: the top tenth of the
/// library by the tag (at least 3), not the start.
fn tag_ends(library: &Library, tag: &str, start: usize) -> Vec<usize> {
    let strength = |i: usize| tag_strength(library, i, tag).unwrap_or(0.0);
    let mut order: Vec<usize> = (0..library.len()).collect();
    order.sort_by(|&a, &b| strength(b).total_cmp(&strength(a)).then(a.cmp(&b)));
    order.truncate((library.len() / 10).max(3));
    order.retain(|&i| i != start);
    order
}
