//! `segue-bench suggest`: how good and how fast suggestions are.
//!
//! On an analysed real library (imported and analysed through the service, into a cached
//! SQLite file), simulated listeners with a hidden taste listen, skip, rate and dislike through
//! `segue_recommend` exactly as the service feeds it, and the run reports:
//! - the share of suggestions the hidden taste likes after 0, 5, 10 and 20 interactions;
//! - coherence: how close consecutive tracks of an autoplay chain are, against random pairs;
//! - repetition-rule violations in those chains;
//! - `suggest` latency on synthetic libraries of 1k, 10k and 100k tracks;
//!
//! and the same for two baselines: random, and nearest neighbour on the embedding.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use anyhow::{Context as _, Result, bail};
use segue_core::{KeyMode, RANKED_TERMS, TrackId};
use segue_recommend::{
    Context, EarlierPlay, Library, Outcome, Play, Settings, Signal, SignalSource, Taste, TimeOfDay,
    TrackProfile, learn_offsets, rules, suggest,
};
use segue_service::Service;
use segue_service::analysis::AnalysisOptions;

/// A small deterministic random source (SplitMix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn unit(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 24) as f32
    }
    fn normal(&mut self) -> f32 {
        // Box-Muller.
        let (u, v) = (self.unit().max(1e-7), self.unit());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f32::consts::PI * v).cos()
    }
}

/// Who picks the next tracks.
#[derive(Clone, Copy, PartialEq)]
enum Method<'a> {
    Segue,
    Random,
    Nearest,
    /// Knows the hidden taste and keeps the same rules: the best any method could do here.
    Oracle,
    /// The nearest in sound that keeps the same rules: the closest chain the rules allow.
    NearestKeepingRules,
    /// Learns with everything known about how the listeners' tastes are made; same rules.
    Ideal(&'a IdealLearner),
}

impl Method<'_> {
    fn name(self) -> &'static str {
        match self {
            Method::Ideal(_) => "ideal learner",
            Method::Segue => "segue",
            Method::Random => "random",
            Method::Nearest => "nearest neighbour",
            Method::Oracle => "oracle (ceiling)",
            Method::NearestKeepingRules => "nearest, same rules",
        }
    }
}

/// A simulated listener's hidden taste: likes some styles, dislikes others, and leans towards
/// one sound.
struct Listener {
    likes: Vec<bool>,
}

/// Tags strong somewhere in the library (above 0.3 on some track): the styles a simulated
/// taste is made of, so they mean something here.
fn strong_tags(library: &Library) -> Vec<usize> {
    (0..library.tag_names().len())
        .filter(|&t| {
            library
                .tracks()
                .iter()
                .any(|tr| tr.tags.get(t).copied().unwrap_or(0.0) > 0.3)
        })
        .collect()
}

/// The tag part of a simulated taste for track `t`: two liked styles, one disliked.
fn tag_utility(t: &TrackProfile, (liked_a, liked_b, disliked): (usize, usize, usize)) -> f32 {
    let tag = |i: usize| t.tags.get(i).copied().unwrap_or(0.0);
    tag(liked_a) + tag(liked_b) - 1.5 * tag(disliked)
}

/// Which of `utility` are in its top 30 % (the base rate of every simulated taste).
fn top_share(utility: &[f32]) -> Vec<bool> {
    let mut sorted = utility.to_vec();
    sorted.sort_by(|a, b| b.total_cmp(a));
    let threshold = sorted[(sorted.len() * 3 / 10).min(sorted.len() - 1)];
    utility.iter().map(|u| *u > threshold).collect()
}

impl Listener {
    fn new(library: &Library, rng: &mut Rng) -> Listener {
        let strong = strong_tags(library);
        let pick = |rng: &mut Rng| strong[rng.below(strong.len())];
        let styles = (pick(rng), pick(rng), pick(rng));
        let anchor = library.tracks()[rng.below(library.len())].id;
        let utility: Vec<f32> = library
            .tracks()
            .iter()
            .map(|t| {
                tag_utility(t, styles) + 0.3 * library.sound_similarity(t.id, anchor).unwrap_or(0.0)
            })
            .collect();
        Listener {
            likes: top_share(&utility),
        }
    }
}

/// Not a product learner: a yardstick for how much a listener's reactions can tell at all.
/// It knows how the simulated tastes are made (two liked and one disliked of the strong tags,
/// the top 30 % liked) and keeps the posterior over every such taste given the reactions so far;
/// only the small pull towards one sound (which moves a few tracks across the line) is unknown
/// to it, and taken as label noise.
#[derive(PartialEq)]
struct IdealLearner {
    /// Per hypothesis: its prior, and its liked tracks as bits (`words` u64s each).
    prior: Vec<f32>,
    liked: Vec<u64>,
    words: usize,
}

/// How often a reaction disagrees with the right hypothesis (the unknown sound pull).
const IDEAL_NOISE: f32 = 0.1;

impl IdealLearner {
    fn new(library: &Library) -> IdealLearner {
        let strong = strong_tags(library);
        let words = library.len().div_ceil(64);
        let (mut prior, mut liked) = (Vec::new(), Vec::new());
        for (i, &a) in strong.iter().enumerate() {
            for &b in &strong[i..] {
                for &c in &strong {
                    let utility: Vec<f32> = library
                        .tracks()
                        .iter()
                        .map(|t| tag_utility(t, (a, b, c)))
                        .collect();
                    let mut bits = vec![0u64; words];
                    for (k, _) in top_share(&utility).iter().enumerate().filter(|x| *x.1) {
                        bits[k / 64] |= 1 << (k % 64);
                    }
                    liked.extend(bits);
                    // The two liked styles are drawn in either order.
                    prior.push(if a == b { 1.0 } else { 2.0 });
                }
            }
        }
        IdealLearner {
            prior,
            liked,
            words,
        }
    }

    /// Each library track's chance of being liked, given `labels` (library index, liked).
    fn chances(&self, library_len: usize, labels: &[(usize, bool)]) -> Vec<f32> {
        let (agree, disagree) = ((1.0 - IDEAL_NOISE).ln(), IDEAL_NOISE.ln());
        let log_posterior: Vec<f32> = self
            .liked
            .chunks_exact(self.words)
            .zip(&self.prior)
            .map(|(bits, prior)| {
                prior.ln()
                    + labels
                        .iter()
                        .map(|&(k, liked)| {
                            let predicted = bits[k / 64] >> (k % 64) & 1 == 1;
                            if predicted == liked { agree } else { disagree }
                        })
                        .sum::<f32>()
            })
            .collect();
        let best = log_posterior.iter().copied().fold(f32::MIN, f32::max);
        let mut chances = vec![0.0f32; library_len];
        let mut total = 0.0f32;
        for (bits, lp) in self.liked.chunks_exact(self.words).zip(&log_posterior) {
            // Hypotheses a million times less likely than the best add nothing visible.
            if *lp < best - 14.0 {
                continue;
            }
            let w = (lp - best).exp();
            total += w;
            for (k, c) in chances.iter_mut().enumerate() {
                if bits[k / 64] >> (k % 64) & 1 == 1 {
                    *c += w;
                }
            }
        }
        chances
            .iter_mut()
            .for_each(|c| *c /= total.max(f32::MIN_POSITIVE));
        chances
    }
}

/// The listener hears `next` now (`context.now_ms`) and reacts with `source`: the taste
/// learns it, and it becomes the session's newest play (played through unless skipped).
fn hear(taste: &mut Taste, context: &mut Context, next: TrackId, source: SignalSource) {
    let skipped = matches!(source, SignalSource::Skip { .. } | SignalSource::Dislike);
    taste.apply(Signal {
        track: next,
        source,
        at_ms: context.now_ms,
    });
    context.recent.push(Play {
        track: next,
        started_at_ms: context.now_ms,
        fraction: if skipped { 0.1 } else { 1.0 },
        skipped,
    });
    context.current = Some(next);
}

/// How many of `list` the hidden taste `likes`.
fn liked_in(library: &Library, likes: &[bool], list: &[TrackId]) -> usize {
    list.iter()
        .filter(|&&t| likes[index_of(library, t)])
        .count()
}

fn index_of(library: &Library, id: TrackId) -> usize {
    library
        .tracks()
        .iter()
        .position(|t| t.id == id)
        .unwrap_or(0)
}

/// `n` tracks by a method (`likes`: the hidden taste, which only the oracle reads).
#[allow(clippy::too_many_arguments)]
fn next_tracks(
    method: Method,
    library: &Library,
    taste: &Taste,
    context: &Context,
    settings: &Settings,
    n: usize,
    rng: &mut Rng,
    likes: Option<&[bool]>,
) -> Vec<TrackId> {
    // Not played within the track gap (the one rule the baselines keep too).
    let cutoff = context.now_ms - (settings.track_gap_hours * 3_600_000.0) as i64;
    let recent: Vec<TrackId> = context
        .recent
        .iter()
        .filter(|p| p.started_at_ms >= cutoff)
        .map(|p| p.track)
        .collect();
    let open = |t: &&TrackProfile| Some(t.id) != context.current && !recent.contains(&t.id);
    match method {
        Method::Segue => suggest(library, taste, context, settings, n)
            .into_iter()
            .map(|s| s.track_id)
            .collect(),
        Method::Random => {
            let pool: Vec<TrackId> = library.tracks().iter().filter(open).map(|t| t.id).collect();
            let mut out = Vec::new();
            while out.len() < n.min(pool.len()) {
                let t = pool[rng.below(pool.len())];
                if !out.contains(&t) {
                    out.push(t);
                }
            }
            out
        }
        Method::Nearest => {
            let Some(current) = context.current else {
                return Vec::new();
            };
            let mut pool: Vec<(f32, TrackId)> = library
                .tracks()
                .iter()
                .filter(open)
                .map(|t| (library.sound_similarity(t.id, current).unwrap_or(0.0), t.id))
                .collect();
            pool.sort_by(|a, b| b.0.total_cmp(&a.0));
            pool.into_iter().take(n).map(|p| p.1).collect()
        }
        Method::Oracle => {
            let likes = likes.unwrap_or(&[]);
            let liked = |i: usize| f32::from(u8::from(likes.get(i).copied().unwrap_or(false)));
            rules::pick_keeping_rules(library, taste, context, settings, n, liked, liked)
        }
        Method::Ideal(learner) => {
            // What it was told: every track with feedback, liked or not.
            let labels: Vec<(usize, bool)> = library
                .tracks()
                .iter()
                .enumerate()
                .filter_map(|(k, t)| {
                    let w = taste.weight(t.id);
                    (w != 0.0).then_some((k, w > 0.0))
                })
                .collect();
            let chances = learner.chances(library.len(), &labels);
            rules::pick_keeping_rules(
                library,
                taste,
                context,
                settings,
                n,
                |k| chances[k],
                |k| chances[k],
            )
        }
        Method::NearestKeepingRules => {
            let current = context.current;
            rules::pick_keeping_rules(
                library,
                taste,
                context,
                settings,
                n,
                |i| {
                    current
                        .and_then(|c| library.sound_similarity(library.tracks()[i].id, c))
                        .unwrap_or(0.0)
                },
                |_| 0.0,
            )
        }
    }
}

struct Figures {
    /// Share liked at 0, 5, 10, 20 interactions.
    liked: [f32; 4],
    /// Share of the tracks played next (the top suggestion) that are liked, at the same points.
    played: [f32; 4],
    /// Share liked of the 10 suggestions that open a new session the next day, after the same
    /// interactions: what was learned, without this session's plays holding artists back.
    next_day: [f32; 4],
    /// The share liked among those of them the listener had not heard, and the share heard.
    next_day_new: [f32; 4],
    next_day_heard: [f32; 4],
    /// Mean percentile (among random pairs) of the distance from the next day's opener to
    /// the first suggestion: whether what the user likes still follows what plays.
    next_day_join: f32,
    /// Mean percentile of consecutive-pair distance among random-pair distances, and the share
    /// of consecutive pairs closer than 90 % of random pairs.
    coherence: (f32, f32),
    /// The same mean percentile in the listeners' own sessions (with their taste).
    session_coherence: f32,
    /// Track, artist, album rule violations in the chains.
    violations: (usize, usize, usize),
}

fn evaluate(method: Method, library: &Library, listeners: usize, settings: &Settings) -> Figures {
    let settings = *settings;
    let mut rng = Rng(42);
    let checkpoints = [0usize, 5, 10, 20];
    let mut liked = [0.0f32; 4];
    let mut counted = [0usize; 4];
    let mut played = [0.0f32; 4];
    let (mut next_day, mut next_day_counted) = ([0.0f32; 4], [0usize; 4]);
    let (mut next_day_new, mut next_day_new_counted) = ([0.0f32; 4], [0usize; 4]);
    // Draws for the next-day sessions, apart from the main ones so those stay as they were.
    let mut next_day_rng = Rng(4242);
    let mut session_distances: Vec<f32> = Vec::new();
    // From each next-day opener to the first suggestion after it.
    let mut next_day_joins: Vec<f32> = Vec::new();
    for l in 0..listeners {
        let listener = Listener::new(library, &mut rng);
        let mut taste = Taste::default();
        let mut outcomes: Vec<Outcome> = Vec::new();
        let start = library.tracks()[rng.below(library.len())].id;
        let mut context = Context {
            current: Some(start),
            now_ms: 1_700_000_000_000,
            draw: l as u64,
            ..Context::default()
        };
        // The first track was played too, as the service's history would have it.
        context.recent.push(Play {
            track: start,
            started_at_ms: context.now_ms,
            fraction: 1.0,
            skipped: false,
        });
        for step in 0..=20 {
            if let Some(c) = checkpoints.iter().position(|&k| k == step) {
                let list = next_tracks(
                    method,
                    library,
                    &taste,
                    &context,
                    &settings,
                    10,
                    &mut rng,
                    Some(&listener.likes),
                );
                liked[c] += liked_in(library, &listener.likes, &list) as f32;
                counted[c] += list.len();
                // As the service gives it: today's plays after this session's (which the
                // track gap still covers, and which no longer count for the artist gaps).
                let opener = library.tracks()[next_day_rng.below(library.len())].id;
                let tomorrow_ms = context.now_ms + 24 * 3_600_000;
                let mut recent = context.recent.clone();
                recent.push(Play {
                    track: opener,
                    started_at_ms: tomorrow_ms,
                    fraction: 1.0,
                    skipped: false,
                });
                let tomorrow = Context {
                    current: Some(opener),
                    recent,
                    now_ms: tomorrow_ms,
                    draw: context.draw + 1_000_003,
                    ..Context::default()
                };
                let list = next_tracks(
                    method,
                    library,
                    &taste,
                    &tomorrow,
                    &settings,
                    10,
                    &mut next_day_rng,
                    Some(&listener.likes),
                );
                if let Some(&first) = list.first() {
                    next_day_joins
                        .push(1.0 - library.sound_similarity(opener, first).unwrap_or(0.0));
                }
                next_day[c] += liked_in(library, &listener.likes, &list) as f32;
                next_day_counted[c] += list.len();
                let new: Vec<TrackId> = list
                    .into_iter()
                    .filter(|t| !context.recent.iter().any(|p| p.track == *t))
                    .collect();
                next_day_new[c] += liked_in(library, &listener.likes, &new) as f32;
                next_day_new_counted[c] += new.len();
            }
            // The listener plays the first suggestion: listens through what it likes (and
            // sometimes rates it), skips the rest early (and sometimes dislikes it).
            // Segue's pick comes with its term values, which the service logs and learns the
            // ranker's per-user offsets from; the simulation does the same.
            let (next, values) = if method == Method::Segue {
                let Some(s) = suggest(library, &taste, &context, &settings, 1)
                    .into_iter()
                    .next()
                else {
                    break;
                };
                let values = RANKED_TERMS.map(|k| {
                    s.terms
                        .iter()
                        .find(|t| t.kind == k)
                        .map_or(0.0, |t| t.value)
                });
                (s.track_id, Some(values))
            } else {
                let Some(&next) = next_tracks(
                    method,
                    library,
                    &taste,
                    &context,
                    &settings,
                    1,
                    &mut rng,
                    Some(&listener.likes),
                )
                .first() else {
                    break;
                };
                (next, None)
            };
            context.now_ms += 240_000;
            if let Some(previous) = context.current {
                session_distances
                    .push(1.0 - library.sound_similarity(previous, next).unwrap_or(0.0));
            }
            let likes = listener.likes[index_of(library, next)];
            if let Some(c) = checkpoints.iter().position(|&k| k == step) {
                played[c] += f32::from(u8::from(likes));
            }
            if let Some(values) = values {
                outcomes.push(Outcome {
                    values,
                    liked: likes,
                });
                taste.term_offsets = learn_offsets(&outcomes);
            }
            let source = if likes {
                if rng.unit() < 0.3 {
                    SignalSource::Stars(5)
                } else {
                    SignalSource::FullListen
                }
            } else if rng.unit() < 0.2 {
                SignalSource::Dislike
            } else {
                SignalSource::Skip { early: true }
            };
            hear(&mut taste, &mut context, next, source);
        }
    }
    let mut next_day_heard = [0.0f32; 4];
    for c in 0..4 {
        liked[c] /= counted[c].max(1) as f32;
        played[c] /= listeners.max(1) as f32;
        next_day_heard[c] =
            1.0 - next_day_new_counted[c] as f32 / next_day_counted[c].max(1) as f32;
        next_day[c] /= next_day_counted[c].max(1) as f32;
        // None to judge: shown as "–".
        next_day_new[c] = if next_day_new_counted[c] == 0 {
            f32::NAN
        } else {
            next_day_new[c] / next_day_new_counted[c] as f32
        };
    }

    // Coherence and repetition: autoplay chains of 30 with no taste.
    let mut random_distances: Vec<f32> = (0..20_000)
        .map(|_| {
            let (a, b) = (
                library.tracks()[rng.below(library.len())].id,
                library.tracks()[rng.below(library.len())].id,
            );
            1.0 - library.sound_similarity(a, b).unwrap_or(0.0)
        })
        .collect();
    random_distances.sort_by(f32::total_cmp);
    let p10 = random_distances[random_distances.len() / 10];
    let (mut percentile_sum, mut close, mut pairs) = (0.0f32, 0usize, 0usize);
    let mut violations = (0, 0, 0);
    for chain in 0..20 {
        let mut context = Context {
            current: Some(library.tracks()[rng.below(library.len())].id),
            now_ms: 1_700_000_000_000,
            draw: chain,
            ..Context::default()
        };
        let mut sequence: Vec<TrackId> = context.current.into_iter().collect();
        context.recent.extend(context.current.map(|track| Play {
            track,
            started_at_ms: context.now_ms,
            fraction: 1.0,
            skipped: false,
        }));
        for _ in 0..30 {
            let Some(&next) = next_tracks(
                method,
                library,
                &Taste::default(),
                &context,
                &settings,
                1,
                &mut rng,
                None,
            )
            .first() else {
                break;
            };
            let prev = context.current.unwrap_or(next);
            let d = 1.0 - library.sound_similarity(prev, next).unwrap_or(0.0);
            percentile_sum +=
                random_distances.partition_point(|&r| r < d) as f32 / random_distances.len() as f32;
            close += usize::from(d < p10);
            pairs += 1;
            let prior = &sequence;
            if prior.contains(&next) {
                violations.0 += 1;
            }
            // An artist or album repeat counts only when the library offered a track that
            // kept the rule (one not played in this chain).
            let prior_index: Vec<usize> = prior.iter().map(|&id| index_of(library, id)).collect();
            let clashes = |i: usize| {
                rules::clashes(
                    library,
                    &prior_index,
                    i,
                    settings.artist_gap,
                    settings.album_gap,
                )
            };
            let (artist, album) = clashes(index_of(library, next));
            let open = || {
                (0..library.len()).filter(|&i| {
                    let id = library.tracks()[i].id;
                    !prior.contains(&id) && id != next
                })
            };
            if artist && open().any(|o| !clashes(o).0) {
                violations.1 += 1;
            }
            if album && open().any(|o| !clashes(o).1) {
                violations.2 += 1;
            }
            sequence.push(next);
            context.now_ms += 240_000;
            context.recent.push(Play {
                track: next,
                started_at_ms: context.now_ms,
                fraction: 1.0,
                skipped: false,
            });
            context.current = Some(next);
        }
    }
    let mean_percentile = |distances: &[f32]| {
        distances
            .iter()
            .map(|&d| {
                random_distances.partition_point(|&r| r < d) as f32 / random_distances.len() as f32
            })
            .sum::<f32>()
            / distances.len().max(1) as f32
    };
    let session_coherence = mean_percentile(&session_distances);
    let next_day_join = mean_percentile(&next_day_joins);
    Figures {
        liked,
        played,
        next_day,
        next_day_new,
        next_day_heard,
        next_day_join,
        session_coherence,
        coherence: (
            percentile_sum / pairs.max(1) as f32,
            close as f32 / pairs.max(1) as f32,
        ),
        violations,
    }
}

/// Who picks in the time-of-day evaluation.
#[derive(Clone, Copy, PartialEq)]
enum DaypartMethod {
    /// Segue, given the plays at this time on earlier days.
    Segue,
    /// Segue without them (the same taste from every earlier play).
    SegueBlind,
    Random,
    /// Knows what the listener likes at this hour, keeps the rules.
    Oracle,
}

impl DaypartMethod {
    fn name(self) -> &'static str {
        match self {
            DaypartMethod::Segue => "segue",
            DaypartMethod::SegueBlind => "segue, blind to time",
            DaypartMethod::Random => "random",
            DaypartMethod::Oracle => "oracle (ceiling)",
        }
    }
}

struct DaypartFigures {
    /// Share liked at this hour of the 10 suggestions at 0 and 5 interactions.
    liked: [f32; 2],
    /// Share of listeners who like the track played next, at 0 and 5 interactions.
    played: [f32; 2],
    /// Share of Segue's suggestions whose reason is the time of day.
    said_time_of_day: f32,
}

/// Listeners whose taste depends on the time of day (`habits_differ`): one taste in the
/// morning, another in the evening (drawn as in the main evaluation); or the same all day, the
/// control. On each of the 7 earlier days they played 6
/// tracks of their own choice at about 08:00 and 6 at about 20:00 (mostly what they like at
/// that hour, listened through; now and then something else, skipped early), and every play
/// taught the taste model. Now, at 08:00 or 20:00, they start a session with a track they like
/// at this hour and go on through the suggestions, as in the main evaluation.
fn evaluate_dayparts(
    method: DaypartMethod,
    library: &Library,
    listeners: usize,
    settings: &Settings,
    habits_differ: bool,
) -> DaypartFigures {
    const HOUR_MS: i64 = 3_600_000;
    let mut rng = Rng(1234);
    let (mut liked, mut counted, mut played) = ([0.0f32; 2], [0usize; 2], [0.0f32; 2]);
    let (mut reasons, mut shown) = (0usize, 0usize);
    // Midnight, local time, on the day of the session.
    let today = 1_700_006_400_000i64;
    for l in 0..listeners {
        let morning = Listener::new(library, &mut rng);
        let other = Listener::new(library, &mut rng);
        let evening = if habits_differ { &other } else { &morning };
        let now_hour: i64 = if l % 2 == 0 { 8 } else { 20 };
        let now_likes = if now_hour == 8 {
            &morning.likes
        } else {
            &evening.likes
        };
        let mut signals = Vec::new();
        let mut earlier = Vec::new();
        for day in (1..=7i64).rev() {
            for (hour, likes) in [(8i64, &morning.likes), (20, &evening.likes)] {
                let liked_now: Vec<usize> = (0..library.len()).filter(|&i| likes[i]).collect();
                // Sessions start within an hour either side of the habit's hour.
                let jitter = ((rng.unit() * 2.0 - 1.0) * HOUR_MS as f32) as i64;
                let start = today - day * 24 * HOUR_MS + hour * HOUR_MS + jitter;
                for k in 0..6 {
                    let i = if rng.unit() < 0.8 && !liked_now.is_empty() {
                        liked_now[rng.below(liked_now.len())]
                    } else {
                        rng.below(library.len())
                    };
                    let at_ms = start + k * 240_000;
                    let through = likes[i];
                    signals.push(Signal {
                        track: library.tracks()[i].id,
                        source: if through {
                            SignalSource::FullListen
                        } else {
                            SignalSource::Skip { early: true }
                        },
                        at_ms,
                    });
                    let clock = (at_ms - today).rem_euclid(24 * HOUR_MS) as f32 / HOUR_MS as f32;
                    let apart = (clock - now_hour as f32).abs();
                    let hours_apart = apart.min(24.0 - apart);
                    if hours_apart <= segue_recommend::TIME_OF_DAY_HOURS {
                        earlier.push(EarlierPlay {
                            track: library.tracks()[i].id,
                            hours_apart,
                            played_through: through,
                        });
                    }
                }
            }
        }
        signals.sort_by_key(|s| s.at_ms);
        // The earlier days' plays, as the service passes them: the track gap still covers
        // yesterday's around this hour; they are not this session.
        let history: Vec<Play> = signals
            .iter()
            .map(|s| {
                let skipped = matches!(s.source, SignalSource::Skip { .. });
                Play {
                    track: s.track,
                    started_at_ms: s.at_ms,
                    fraction: if skipped { 0.1 } else { 1.0 },
                    skipped,
                }
            })
            .collect();
        let mut taste = Taste::from_signals(signals);
        let liked_now: Vec<usize> = (0..library.len()).filter(|&i| now_likes[i]).collect();
        let start = library.tracks()[liked_now[rng.below(liked_now.len())]].id;
        let now_ms = today + now_hour * HOUR_MS;
        let mut context = Context {
            current: Some(start),
            now_ms,
            draw: l as u64,
            time_of_day: (method != DaypartMethod::SegueBlind).then(|| TimeOfDay {
                local_hour: now_hour as u8,
                earlier: earlier.clone(),
            }),
            recent: history,
            ..Context::default()
        };
        context.recent.push(Play {
            track: start,
            started_at_ms: now_ms,
            fraction: 1.0,
            skipped: false,
        });
        for step in 0..=5 {
            let checkpoint = [0usize, 5].iter().position(|&k| k == step);
            let list: Vec<TrackId> = match method {
                DaypartMethod::Segue | DaypartMethod::SegueBlind => {
                    let list = suggest(library, &taste, &context, settings, 10);
                    if checkpoint.is_some() && method == DaypartMethod::Segue {
                        shown += list.len();
                        reasons += list
                            .iter()
                            .filter(|s| {
                                s.terms
                                    .first()
                                    .is_some_and(|t| t.kind == segue_core::TermKind::TimeOfDay)
                            })
                            .count();
                    }
                    list.into_iter().map(|s| s.track_id).collect()
                }
                DaypartMethod::Random | DaypartMethod::Oracle => {
                    let (picker, knows) = if method == DaypartMethod::Oracle {
                        (Method::Oracle, Some(now_likes.as_slice()))
                    } else {
                        (Method::Random, None)
                    };
                    next_tracks(
                        picker, library, &taste, &context, settings, 10, &mut rng, knows,
                    )
                }
            };
            let Some(&next) = list.first() else { break };
            let likes = now_likes[index_of(library, next)];
            if let Some(c) = checkpoint {
                liked[c] += liked_in(library, now_likes, &list) as f32;
                counted[c] += list.len();
                played[c] += f32::from(u8::from(likes));
            }
            context.now_ms += 240_000;
            let source = if likes {
                SignalSource::FullListen
            } else {
                SignalSource::Skip { early: true }
            };
            hear(&mut taste, &mut context, next, source);
        }
    }
    DaypartFigures {
        liked: [0, 1].map(|c| liked[c] / counted[c].max(1) as f32),
        played: [0, 1].map(|c| played[c] / listeners.max(1) as f32),
        said_time_of_day: reasons as f32 / shown.max(1) as f32,
    }
}

/// A synthetic library of `n` tracks: random embeddings around 50 styles, 1000 artists.
fn synthetic(n: usize, rng: &mut Rng) -> Library {
    let centres: Vec<Vec<f32>> = (0..50)
        .map(|_| (0..200).map(|_| rng.normal()).collect())
        .collect();
    let tracks = (0..n)
        .map(|i| {
            let c = &centres[i % 50];
            TrackProfile {
                id: i as TrackId,
                title: format!("track {i}"),
                artist: Some(format!("artist {}", i % 1000)),
                album: Some(format!("album {}", i % 5000)),
                embedding: c.iter().map(|x| x + 0.7 * rng.normal()).collect(),
                tags: (0..100).map(|_| rng.unit()).collect(),
                bpm: 60.0 + 120.0 * rng.unit(),
                key: rng.below(12) as u8,
                mode: if rng.unit() < 0.5 {
                    KeyMode::Major
                } else {
                    KeyMode::Minor
                },
                energy: 0.05 + 0.2 * rng.unit(),
                loudness_lufs: Some(-20.0 + 12.0 * f64::from(rng.unit())),
                ..Default::default()
            }
        })
        .collect();
    Library::new(tracks, (0..100).map(|i| format!("tag {i}")).collect())
}

fn latency(n: usize, calls: usize) -> (f64, f64, f64) {
    let mut rng = Rng(7);
    let library = synthetic(n, &mut rng);
    // A user with 200 pieces of feedback and a 20-play session.
    let taste = Taste::from_signals((0..200).map(|k| Signal {
        track: rng.below(n) as TrackId,
        source: if k % 3 == 0 {
            SignalSource::Skip { early: true }
        } else {
            SignalSource::Stars(4)
        },
        at_ms: k,
    }));
    let mut times = Vec::with_capacity(calls);
    // The first calls start the thread pool and fault the library's pages in: not timed.
    for c in 0..calls + 5 {
        let context = Context {
            current: Some(rng.below(n) as TrackId),
            recent: (0..20)
                .map(|k| Play {
                    track: rng.below(n) as TrackId,
                    started_at_ms: 1_000_000 + k,
                    fraction: 1.0,
                    skipped: false,
                })
                .collect(),
            now_ms: 2_000_000,
            draw: c as u64,
            // 200 plays on earlier days around this time.
            time_of_day: Some(TimeOfDay {
                local_hour: 21,
                earlier: (0..200)
                    .map(|k| EarlierPlay {
                        track: rng.below(n) as TrackId,
                        hours_apart: 0.015 * k as f32,
                        played_through: k % 4 != 0,
                    })
                    .collect(),
            }),
            ..Context::default()
        };
        let t = Instant::now();
        let list = suggest(&library, &taste, &context, &Settings::default(), 10);
        if c >= 5 {
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        assert!(!list.is_empty());
    }
    times.sort_by(f64::total_cmp);
    let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
    (at(0.5), at(0.99), times[times.len() - 1])
}

pub fn run(music: &[PathBuf], db: &Path, listeners: usize, sizes: &[usize]) -> Result<()> {
    if let Some(missing) = music.iter().find(|m| !m.is_dir()) {
        bail!(
            "{} is missing: run scripts/fetch-test-music.sh (and with --evaluation for .cache/eval-music)",
            missing.display()
        );
    }
    let service = Service::open(db).with_context(|| format!("opening {}", db.display()))?;
    service.add_folders(music)?;
    let never = AtomicBool::new(false);
    eprintln!(
        "importing and analysing {} (cached in {})...",
        music
            .iter()
            .map(|m| m.display().to_string())
            .collect::<Vec<_>>()
            .join(", "),
        db.display()
    );
    service.scan(&[], &never, &mut |_| {})?;
    let report = service.analyze(&AnalysisOptions::default(), &never, &never, &mut |_| {})?;
    if report.analysed > 0 {
        eprintln!("analysed {} tracks", report.analysed);
    }
    let library = service.recommend_library()?;
    if library.len() < 100 {
        bail!(
            "{} analysed tracks; the evaluation needs at least 100",
            library.len()
        );
    }
    let artists: std::collections::HashSet<&str> = library
        .tracks()
        .iter()
        .filter_map(|t| t.artist.as_deref())
        .collect();
    println!(
        "library: {} analysed real tracks, {} artists; {listeners} simulated listeners, each liking 30 % of it",
        library.len(),
        artists.len()
    );
    let relaxed = Settings {
        artist_gap: 0,
        album_gap: 0,
        exploration: std::env::var("EXPL")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.3),
        ..Settings::default()
    };
    let ideal = IdealLearner::new(&library);
    let runs: Vec<(String, Figures)> = [
        (Method::Segue, Settings::default()),
        (Method::Segue, relaxed),
        (Method::Random, Settings::default()),
        (Method::Nearest, Settings::default()),
        (Method::NearestKeepingRules, Settings::default()),
        (Method::Ideal(&ideal), Settings::default()),
        (Method::Ideal(&ideal), relaxed),
        (Method::Oracle, Settings::default()),
        (Method::Oracle, relaxed),
    ]
    .into_iter()
    .map(|(method, settings)| {
        let name = match (method, settings.artist_gap) {
            (Method::Segue, 0) => "segue, no gaps",
            (Method::Oracle, 0) => "oracle, no gaps",
            (Method::Ideal(_), 0) => "ideal learner, no gaps",
            _ => method.name(),
        };
        (
            name.to_owned(),
            evaluate(method, &library, listeners, &settings),
        )
    })
    .collect();
    let percent = |v: &[f32; 4]| {
        v.map(|x| {
            if x.is_nan() {
                "–".to_owned()
            } else {
                format!("{:.0}%", 100.0 * x)
            }
        })
    };
    println!(
        "{:<20} {:>7} {:>5} {:>5} {:>5}   {:>7} {:>5} {:>5} {:>5}   {:>9} {:>7} {:>8}   {:>12}",
        "method",
        "list@0",
        "@5",
        "@10",
        "@20",
        "next@0",
        "@5",
        "@10",
        "@20",
        "coherence",
        "close90",
        "w/ taste",
        "repeats t/ar/al"
    );
    for (name, f) in &runs {
        let (l, p) = (percent(&f.liked), percent(&f.played));
        println!(
            "{name:<20} {:>7} {:>5} {:>5} {:>5}   {:>7} {:>5} {:>5} {:>5}   {:>8.0}% {:>6.0}% {:>7.0}%   {:>12}",
            l[0],
            l[1],
            l[2],
            l[3],
            p[0],
            p[1],
            p[2],
            p[3],
            100.0 * f.coherence.0,
            100.0 * f.coherence.1,
            100.0 * f.session_coherence,
            format!("{}/{}/{}", f.violations.0, f.violations.1, f.violations.2)
        );
    }
    println!(
        "list@k: share of the 10 suggestions shown after k interactions that the hidden taste likes\n\
         (base rate 30 %); next@k: share of listeners who like the track played next after k interactions.\n\
         oracle: knows the hidden taste and keeps the same rules (the ceiling in this library);\n\
         nearest, same rules: the nearest in sound that keeps them (the closest chain they allow).\n\
         ideal learner: knows how the hidden tastes are made (two liked styles and one disliked of the\n\
         library's strong tags; not the small pull towards one sound) and ranks by the posterior given\n\
         the reactions so far, same rules: what the reactions can tell at all. It ignores sound, so its\n\
         coherence means nothing.\n\
         coherence: mean percentile of consecutive-track distance among random pairs (lower is closer);\n\
         close90: share of consecutive pairs closer than 90 % of random pairs. Autoplay chains of 30, no taste.\n\
         w/ taste: the mean percentile in the listeners' own sessions above, with what they taught.\n\
         repeats: a track again within the chain / an artist within 15 / an album within 25, counted\n\
         only where the library had an unplayed track that kept the rule."
    );
    println!(
        "\nthe next day: after k interactions, a new session opens (a random track, 24 h later; the\n\
         day before's artists no longer held back, its tracks just outside the 24 h track gap)."
    );
    println!(
        "{:<20} {:>7} {:>5} {:>5} {:>5}   {:>7} {:>5} {:>5} {:>5}   {:>7} {:>5} {:>5} {:>5}   {:>5}",
        "method",
        "day2@0",
        "@5",
        "@10",
        "@20",
        "new@0",
        "@5",
        "@10",
        "@20",
        "heard@0",
        "@5",
        "@10",
        "@20",
        "join"
    );
    for (name, f) in &runs {
        let (d, n, h) = (
            percent(&f.next_day),
            percent(&f.next_day_new),
            percent(&f.next_day_heard),
        );
        println!(
            "{name:<20} {:>7} {:>5} {:>5} {:>5}   {:>7} {:>5} {:>5} {:>5}   {:>7} {:>5} {:>5} {:>5}   {:>4.0}%",
            d[0],
            d[1],
            d[2],
            d[3],
            n[0],
            n[1],
            n[2],
            n[3],
            h[0],
            h[1],
            h[2],
            h[3],
            100.0 * f.next_day_join
        );
    }
    println!(
        "day2@k: share liked of its first 10 suggestions; new@k: the share liked among those the\n\
         listener had not heard; heard@k: the share they had heard the day before; join: the mean\n\
         percentile, among random pairs, of the distance from the opener to the first suggestion."
    );
    for habits_differ in [true, false] {
        println!(
            "\ntime of day: {listeners} listeners who like {}, each 30 % of the library;\n\
             on 7 earlier days, 6 plays at about 08:00 and 6 at about 20:00 taught the taste;\n\
             now, at 08:00 or 20:00, liked = liked at this hour.",
            if habits_differ {
                "one thing in the morning and another in the evening"
            } else {
                "the same all day (the control)"
            }
        );
        println!(
            "{:<22} {:>7} {:>5}   {:>7} {:>5}   {:>20}",
            "method", "list@0", "@5", "next@0", "@5", "reason: time of day"
        );
        for method in [
            DaypartMethod::Segue,
            DaypartMethod::SegueBlind,
            DaypartMethod::Random,
            DaypartMethod::Oracle,
        ] {
            let f = evaluate_dayparts(
                method,
                &library,
                listeners,
                &Settings::default(),
                habits_differ,
            );
            println!(
                "{:<22} {:>6.0}% {:>4.0}%   {:>6.0}% {:>4.0}%   {:>20}",
                method.name(),
                100.0 * f.liked[0],
                100.0 * f.liked[1],
                100.0 * f.played[0],
                100.0 * f.played[1],
                if method == DaypartMethod::Segue {
                    format!("{:.0}%", 100.0 * f.said_time_of_day)
                } else {
                    String::new()
                }
            );
        }
    }
    println!(
        "\nsuggest(n = 10) latency, synthetic libraries (200 feedback signals, 20-play session, 200 plays\n\
         at this time on earlier days):"
    );
    for &n in sizes {
        let (p50, p99, max) = latency(n, 300);
        println!("  {n:>7} tracks: p50 {p50:.2} ms, p99 {p99:.2} ms, max {max:.2} ms");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 60 tracks with 6 random tags each (all strong somewhere), no two alike.
    fn small_library() -> Library {
        let mut rng = Rng(3);
        let tracks = (0..60)
            .map(|i| TrackProfile {
                id: i,
                title: format!("t{i}"),
                artist: Some(format!("a{i}")),
                album: None,
                embedding: (0..8).map(|_| rng.normal()).collect(),
                tags: (0..6).map(|_| rng.unit()).collect(),
                bpm: 100.0,
                key: 0,
                mode: KeyMode::Major,
                energy: 0.1,
                loudness_lufs: None,
                ..Default::default()
            })
            .collect();
        Library::new(tracks, (0..6).map(|i| format!("tag {i}")).collect())
    }

    #[test]
    fn the_ideal_learner_finds_a_taste_it_can_express_from_its_reactions() {
        let library = small_library();
        let learner = IdealLearner::new(&library);
        // 6 tags: 21 pairs of liked styles times 6 disliked.
        assert_eq!(learner.prior.len(), 21 * 6);
        let truth = top_share(
            &library
                .tracks()
                .iter()
                .map(|t| tag_utility(t, (1, 4, 2)))
                .collect::<Vec<_>>(),
        );
        // Told nothing: every track is about as likely as the base rate says.
        let blind = learner.chances(library.len(), &[]);
        let mean = blind.iter().sum::<f32>() / blind.len() as f32;
        assert!((mean - 0.3).abs() < 0.05, "{mean}");
        // Told 20 reactions: the other 40 tracks are called right.
        let labels: Vec<(usize, bool)> = (0..20).map(|k| (k, truth[k])).collect();
        let chances = learner.chances(library.len(), &labels);
        let right = (20..60).filter(|&k| (chances[k] > 0.5) == truth[k]).count();
        assert!(right >= 36, "{right} of 40 right");
    }
}
