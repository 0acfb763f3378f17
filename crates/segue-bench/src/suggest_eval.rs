//! `segue-bench taste`: does Segue learn a listener's taste when the taste is not made of its
//! own features?
//!
//! Simulated listeners like what a curator's labels say they like ([`crate::curation`]): two
//! or three styles, two or three soundtracks, some composers, or a mix of soundtracks and a
//! region of sound; neither the musicnn tags nor the embedding Segue scores with define them.
//! Each listener starts from a track they like, plays the first suggestion, listens through
//! what they like (sometimes rating it 5 stars or liking it), skips the rest early (sometimes
//! disliking it), and now and then does the opposite (a mood). Every method is judged on the
//! same listeners, against yardsticks in the same run that keep the same repetition rules:
//! random, nearest in sound, an outcome-only learner over Segue's features, and an oracle that
//! knows the taste. Figures are means over listeners with 95 % confidence intervals, on the
//! tuning set and on the set held aside (never tuned on).

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use anyhow::{Context as _, Result, bail};
use segue_analysis::ranker::OnnxRanker;
use segue_core::{Detail, Suggestion, TrackId};
use segue_recommend::history::{self, Listen, Moment, Shown};
use segue_recommend::{
    Context, Library, Settings, Signal, SignalSource, Taste, learn_offsets, rules, suggest_with,
};
use segue_service::Service;
use segue_service::analysis::AnalysisOptions;

use crate::curation::{self, Soundtrack};

/// A small deterministic random source (SplitMix64), the one the map lays out with.
pub use segue_map::Rng;

/// One evaluation library and what the curator knows about each of its tracks (by position).
pub struct World {
    pub name: &'static str,
    pub library: Library,
    pub style: Vec<&'static str>,
    pub soundtrack: Vec<&'static str>,
    pub composer: Vec<Option<String>>,
}

impl World {
    fn len(&self) -> usize {
        self.library.len()
    }

    fn at(&self, id: TrackId) -> usize {
        self.library.position(id).unwrap_or(0)
    }
}

/// How a simulated taste is made.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TasteKind {
    /// Two or three curator styles.
    Styles,
    /// Two or three soundtracks.
    Soundtracks,
    /// Composers, added until a fifth of the library.
    Composers,
    /// One or two soundtracks, and the tracks nearest in sound to one track (a region).
    Mixed,
}

impl TasteKind {
    pub const ALL: [TasteKind; 4] = [
        TasteKind::Styles,
        TasteKind::Soundtracks,
        TasteKind::Composers,
        TasteKind::Mixed,
    ];

    fn name(self) -> &'static str {
        match self {
            TasteKind::Styles => "styles",
            TasteKind::Soundtracks => "soundtracks",
            TasteKind::Composers => "composers",
            TasteKind::Mixed => "mixed",
        }
    }
}

/// A simulated listener's hidden taste.
pub struct Listener {
    pub kind: TasteKind,
    pub likes: Vec<bool>,
    /// What they dislike outright (a style or soundtrack they avoid): disliked more often.
    pub avoids: Vec<bool>,
}

/// How often a jump to another style puts a listener off a track they like.
const JAR: f32 = 0.2;

/// Liked shares a taste must fall in.
const SHARE: (f32, f32) = (0.2, 0.4);

fn distinct<T: PartialEq + Copy>(values: impl Iterator<Item = T>) -> Vec<T> {
    let mut out: Vec<T> = Vec::new();
    for v in values {
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

impl Listener {
    pub fn draw(world: &World, kind: TasteKind, rng: &mut Rng) -> Listener {
        let n = world.len();
        let styles = distinct(world.style.iter().copied());
        let soundtracks = distinct(world.soundtrack.iter().copied());
        let composers: Vec<&str> = distinct(world.composer.iter().filter_map(|c| c.as_deref()));
        let choose = |rng: &mut Rng, from: &[&'static str], k: usize| -> Vec<&'static str> {
            let mut chosen: Vec<&'static str> = Vec::new();
            while chosen.len() < k.min(from.len()) {
                let c = from[rng.below(from.len())];
                if !chosen.contains(&c) {
                    chosen.push(c);
                }
            }
            chosen
        };
        for _ in 0..10_000 {
            let k = 2 + rng.below(2);
            let (likes, avoids): (Vec<bool>, Vec<bool>) = match kind {
                TasteKind::Styles => {
                    let chosen = choose(rng, &styles, k + 1);
                    let (liked, avoided) = chosen.split_at(chosen.len() - 1);
                    (
                        world.style.iter().map(|s| liked.contains(s)).collect(),
                        world.style.iter().map(|s| avoided.contains(s)).collect(),
                    )
                }
                TasteKind::Soundtracks => {
                    let chosen = choose(rng, &soundtracks, k + 1);
                    let (liked, avoided) = chosen.split_at(chosen.len() - 1);
                    (
                        world.soundtrack.iter().map(|s| liked.contains(s)).collect(),
                        world
                            .soundtrack
                            .iter()
                            .map(|s| avoided.contains(s))
                            .collect(),
                    )
                }
                TasteKind::Composers => {
                    let mut liked: Vec<&str> = Vec::new();
                    let mut likes = vec![false; n];
                    while (likes.iter().filter(|l| **l).count() as f32) < SHARE.0 * n as f32
                        && liked.len() < composers.len()
                    {
                        let c = composers[rng.below(composers.len())];
                        if liked.contains(&c) {
                            continue;
                        }
                        liked.push(c);
                        for (l, tc) in likes.iter_mut().zip(&world.composer) {
                            *l |= tc.as_deref() == Some(c);
                        }
                    }
                    (likes, vec![false; n])
                }
                TasteKind::Mixed => {
                    let count = 1 + rng.below(2);
                    let chosen = choose(rng, &soundtracks, count);
                    let anchor = rng.below(n);
                    let mut by_sound: Vec<usize> = (0..n).collect();
                    by_sound.sort_by(|&a, &b| {
                        world
                            .library
                            .sound_similarity_at(anchor, b)
                            .total_cmp(&world.library.sound_similarity_at(anchor, a))
                    });
                    let mut likes: Vec<bool> = world
                        .soundtrack
                        .iter()
                        .map(|s| chosen.contains(s))
                        .collect();
                    for &i in by_sound.iter().take(n * 15 / 100) {
                        likes[i] = true;
                    }
                    (likes, vec![false; n])
                }
            };
            let share = likes.iter().filter(|l| **l).count() as f32 / n as f32;
            if (SHARE.0..=SHARE.1).contains(&share) {
                return Listener {
                    kind,
                    likes,
                    avoids,
                };
            }
        }
        // No taste of this kind fits the share in this library: a random third.
        Listener {
            kind,
            likes: (0..n).map(|_| rng.unit() < 0.3).collect(),
            avoids: vec![false; n],
        }
    }

    /// How the listener reacts to hearing track `i` after track `previous`: the play itself,
    /// and explicit feedback now and then. A mood (5 %) turns a reaction round, and a jump to
    /// another curator style than the one playing puts them off a track they like one time in
    /// five (without explicit feedback: they like it, just not now).
    fn react(
        &self,
        world: &World,
        i: usize,
        previous: usize,
        rng: &mut Rng,
    ) -> (bool, Option<SignalSource>) {
        let mood = rng.unit() < 0.05;
        let jarred = rng.unit() < JAR && world.style[i] != world.style[previous];
        if self.likes[i] && jarred && !mood {
            return (false, None);
        }
        let enjoys = self.likes[i] != mood;
        let explicit = if enjoys {
            let r = rng.unit();
            if r < 0.25 {
                Some(SignalSource::Stars(5))
            } else if r < 0.35 {
                Some(SignalSource::Like)
            } else {
                None
            }
        } else {
            let p = if self.avoids[i] { 0.5 } else { 0.1 };
            (rng.unit() < p).then_some(SignalSource::Dislike)
        };
        (enjoys, explicit)
    }
}

/// What every method is run under: the repetition rules, and the ranking model Segue's short
/// list is scored by (the ONNX ranker, as in the app; none: the first stage's weights).
pub struct Setup {
    pub settings: Settings,
    pub ranker: RefCell<Option<OnnxRanker>>,
    /// Also measure where Segue loses what it believes (`--diagnose`).
    pub diagnose: bool,
}

/// Who picks.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Method {
    Segue,
    /// A random track that keeps the rules.
    Random,
    /// The nearest in sound to the playing track that keeps the rules.
    Nearest,
    /// Learns from outcomes only (played through +1, skipped -1), by a similarity-weighted
    /// vote over Segue's own sound and style rows; keeps the rules.
    OutcomeOnly,
    /// Knows how tastes of its kind are made (two or three liked styles or soundtracks, a
    /// fifth to two fifths of the library) and the labels, not which: ranks by the posterior
    /// chance of liking given the reactions so far; keeps the rules. A yardstick for what the
    /// reactions can tell at all (styles and soundtracks only).
    Ideal,
    /// The ideal learner without the share rule (`--diagnose`): how much of its lead comes
    /// from knowing how large the simulated tastes are, which no real listener tells.
    IdealShareUnknown,
    /// Knows the hidden taste (nearest in sound among liked tracks); keeps the rules.
    Oracle,
}

impl Method {
    pub const ALL: [Method; 6] = [
        Method::Segue,
        Method::OutcomeOnly,
        Method::Nearest,
        Method::Random,
        Method::Ideal,
        Method::Oracle,
    ];

    fn name(self) -> &'static str {
        match self {
            Method::Segue => "segue",
            Method::Random => "random",
            Method::Nearest => "nearest in sound",
            Method::OutcomeOnly => "outcome-only learner",
            Method::Ideal => "ideal learner",
            Method::IdealShareUnknown => "ideal, share unknown",
            Method::Oracle => "oracle (knows the taste)",
        }
    }
}

/// One listener's history, kept as the service keeps it (plays, explicit feedback, what
/// Segue showed), and the taste and context `segue_recommend::history` builds from it, as the
/// service does before every suggestion.
#[derive(Clone)]
struct Session {
    listens: Vec<Listen>,
    explicit: Vec<Signal>,
    shown: Vec<Shown>,
    now_ms: i64,
    draw: u64,
    taste: Taste,
    context: Context,
    /// (position, played through) of every play, for the outcome-only learner.
    heard: Vec<(usize, bool)>,
    /// Whether the service's time-of-day lookup is made (it always is in the app; the
    /// time-of-day evaluation compares with Segue blind to it).
    clock: bool,
}

const START_MS: i64 = 1_700_000_000_000;

/// How long every simulated track is (a full listen is all of it, an early skip a tenth).
const TRACK_MS: i64 = 240_000;

impl Session {
    fn new(world: &World, start: usize, draw: u64) -> Session {
        let id = world.library.tracks()[start].id;
        let mut s = Session {
            listens: Vec::new(),
            explicit: Vec::new(),
            shown: Vec::new(),
            now_ms: START_MS,
            draw,
            taste: Taste::default(),
            context: Context::default(),
            heard: Vec::new(),
            clock: false,
        };
        // The listener chose the first track and heard it through.
        s.hear(world, id, true, None);
        s
    }

    /// Rebuilds the taste (with the ranker's per-user offsets) and the context from the
    /// history, as the service does.
    fn refresh(&mut self) {
        self.taste = history::taste_from(&self.explicit, &self.listens);
        self.taste.term_offsets = learn_offsets(&history::outcomes(&self.shown, &self.listens));
        self.context = history::context(
            &self.listens,
            Moment {
                now_ms: self.now_ms,
                draw: self.draw,
                time_of_day: self.clock.then(|| self.time_of_day()),
                ..Moment::default()
            },
        );
    }

    /// What the service asks SQLite for: the local clock hour now, and plays before today
    /// (more than 6 hours ago) within [`segue_recommend::TIME_OF_DAY_HOURS`] of this clock
    /// time, each with how far its clock time was (the simulation's local time is UTC).
    fn time_of_day(&self) -> (u8, Vec<(Listen, f32)>) {
        const DAY_MS: i64 = 86_400_000;
        let clock = |ms: i64| ms.rem_euclid(DAY_MS) as f32 / 3_600_000.0;
        let now = clock(self.now_ms);
        let near = self
            .listens
            .iter()
            .filter(|l| l.started_at_ms < self.now_ms - 6 * 3_600_000)
            .filter_map(|l| {
                let apart = (clock(l.started_at_ms) - now).abs();
                let apart = apart.min(24.0 - apart);
                (apart <= segue_recommend::TIME_OF_DAY_HOURS).then_some((*l, apart))
            })
            .collect();
        (now as u8, near)
    }

    /// Starts a new session `gap_ms` later, from `track`, heard through.
    fn later(&mut self, world: &World, gap_ms: i64, track: TrackId) {
        self.now_ms += gap_ms;
        self.hear(world, track, true, None);
    }

    /// Segue showed `list` now (the service logs every list it shows).
    fn show(&mut self, list: &[Suggestion]) {
        for s in list {
            self.shown.push(Shown {
                track: s.track_id,
                at_ms: self.now_ms,
                values: s.term_values().to_vec(),
            });
        }
    }

    /// Explicit feedback given now.
    fn say(&mut self, track: TrackId, source: SignalSource) {
        self.explicit.push(Signal {
            track,
            source,
            at_ms: self.now_ms,
        });
        self.refresh();
    }

    /// The listener hears `track` now: a full listen or an early skip, and maybe explicit
    /// feedback, as the service would store them.
    fn hear(
        &mut self,
        world: &World,
        track: TrackId,
        through: bool,
        explicit: Option<SignalSource>,
    ) {
        let at_ms = self.now_ms;
        self.listens.push(Listen {
            track,
            started_at_ms: at_ms,
            ms_listened: if through { TRACK_MS } else { TRACK_MS / 10 },
            duration_ms: TRACK_MS,
            skipped: !through,
        });
        if let Some(source) = explicit {
            self.explicit.push(Signal {
                track,
                source,
                at_ms,
            });
        }
        self.heard.push((world.at(track), through));
        // A full listen takes the track's length, a skip a few seconds.
        self.now_ms += if through { TRACK_MS } else { TRACK_MS / 10 };
        self.refresh();
    }
}

/// `n` tracks by `method` for the listener now.
fn pick(
    method: Method,
    world: &World,
    listener: &Listener,
    session: &Session,
    setup: &Setup,
    n: usize,
    rng: &mut Rng,
) -> Vec<Suggestion> {
    let library = &world.library;
    let settings = &setup.settings;
    // Yardsticks keep the same rules; where the gaps yield follows each one's own belief
    // that the listener enjoys a track (none: the gaps yield only when nothing keeps them).
    let keeping = |prefer: &dyn Fn(usize) -> f32, chance: &dyn Fn(usize) -> f32| {
        rules::pick_keeping_rules(
            library,
            &session.taste,
            &session.context,
            settings,
            n,
            prefer,
            chance,
        )
        .into_iter()
        .map(plain)
        .collect::<Vec<Suggestion>>()
    };
    let no_belief = |_: usize| 0.0;
    let current = session.context.current.and_then(|c| library.position(c));
    let closeness = |i: usize| current.map_or(0.0, |c| library.sound_similarity_at(c, i));
    match method {
        Method::Segue => {
            let mut ranker = setup.ranker.borrow_mut();
            let model = ranker
                .as_mut()
                .map(|r| r as &mut dyn segue_core::RankingModel);
            let (list, error) = suggest_with(
                library,
                &session.taste,
                &session.context,
                settings,
                n,
                model,
            );
            if let Some(e) = error {
                panic!("the ranker failed: {e}");
            }
            list
        }
        Method::Random => {
            let draws: Vec<f32> = (0..library.len()).map(|_| rng.unit()).collect();
            keeping(&|i| draws[i], &no_belief)
        }
        Method::Nearest => keeping(&closeness, &no_belief),
        Method::OutcomeOnly => {
            let vote: Vec<f32> = (0..library.len())
                .map(|i| {
                    session
                        .heard
                        .iter()
                        .map(|&(j, through)| {
                            let w = library.similarity_at(i, j).max(0.0).powi(2);
                            if through { w } else { -w }
                        })
                        .sum::<f32>()
                })
                .collect();
            // Its belief: the vote scaled to 0-1 over the library.
            let (low, high) = vote
                .iter()
                .fold((f32::MAX, f32::MIN), |(l, h), v| (l.min(*v), h.max(*v)));
            let chance = |i: usize| (vote[i] - low) / (high - low).max(1e-6);
            // Ties (nothing heard yet) go to the nearest in sound.
            keeping(&|i| vote[i] + 1e-3 * closeness(i), &chance)
        }
        Method::Ideal | Method::IdealShareUnknown => {
            let know_share = method == Method::Ideal;
            let Some(chance) = ideal_chances(world, listener.kind, &session.heard, know_share)
            else {
                return Vec::new();
            };
            keeping(&|i| chance[i] + 1e-3 * closeness(i), &|i| chance[i])
        }
        Method::Oracle => {
            let liked = |i: usize| f32::from(u8::from(listener.likes[i]));
            keeping(&|i| liked(i) + 1e-3 * closeness(i), &liked)
        }
    }
}

/// The ideal learner's chance that each track is liked: the posterior over every taste of the
/// listener's kind that [`Listener::draw`] could have made (uniform over liked sets of two and
/// of three labels, each size half the prior), given each reaction with the 5 % mood noise.
/// Without `know_share`, it does not know that a taste covers a fifth to two fifths of the
/// library: every set of two or three labels is a hypothesis.
fn ideal_chances(
    world: &World,
    kind: TasteKind,
    heard: &[(usize, bool)],
    know_share: bool,
) -> Option<Vec<f32>> {
    let labels: &[&str] = match kind {
        TasteKind::Styles => &world.style,
        TasteKind::Soundtracks => &world.soundtrack,
        _ => return None,
    };
    let values = distinct(labels.iter().copied());
    let n = world.len();
    let mut hypotheses: Vec<(usize, Vec<bool>)> = Vec::new();
    let v = values.len();
    for a in 0..v {
        for b in a + 1..v {
            for c in (b + 1..=v).map(|c| (c < v).then_some(c)) {
                let set: Vec<&str> = [Some(a), Some(b), c]
                    .into_iter()
                    .flatten()
                    .map(|k| values[k])
                    .collect();
                let likes: Vec<bool> = labels.iter().map(|l| set.contains(l)).collect();
                let share = likes.iter().filter(|l| **l).count() as f32 / n as f32;
                if !know_share || (SHARE.0..=SHARE.1).contains(&share) {
                    hypotheses.push((set.len(), likes));
                }
            }
        }
    }
    let per_size = |k: usize| hypotheses.iter().filter(|h| h.0 == k).count().max(1) as f32;
    let log_post: Vec<f32> = hypotheses
        .iter()
        .map(|(k, likes)| {
            -per_size(*k).ln()
                + heard
                    .iter()
                    .map(|&(j, through)| {
                        if likes[j] == through {
                            0.95f32.ln()
                        } else {
                            0.05f32.ln()
                        }
                    })
                    .sum::<f32>()
        })
        .collect();
    let best = log_post.iter().copied().fold(f32::MIN, f32::max);
    let mut chance = vec![0.0f32; n];
    let mut total = 0.0f32;
    for ((_, likes), lp) in hypotheses.iter().zip(&log_post) {
        let w = (lp - best).exp();
        total += w;
        for (c, l) in chance.iter_mut().zip(likes) {
            if *l {
                *c += w;
            }
        }
    }
    chance
        .iter_mut()
        .for_each(|c| *c /= total.max(f32::MIN_POSITIVE));
    Some(chance)
}

fn plain(track_id: TrackId) -> Suggestion {
    Suggestion {
        track_id,
        score: 0.0,
        chance: 0.0,
        reason: String::new(),
        why: Vec::new(),
        terms: Vec::new(),
    }
}

/// Interactions after which the list and the next track are judged.
const CHECKPOINTS: [usize; 4] = [0, 5, 10, 20];

/// One listener's figures under one method.
#[derive(Default, Clone)]
struct ListenerFigures {
    /// Share of the 10-track list liked, at each checkpoint.
    list: [f32; 4],
    /// Whether the track played next is liked (0 or 1), at each checkpoint.
    next: [f32; 4],
    /// Consecutive plays of the same curator style, and pairs.
    same_style: (usize, usize),
    /// Track, artist and album rule breaches in what was played.
    breaches: (usize, usize, usize),
    /// Suggestions shown whose reason names something untrue, and suggestions shown.
    untrue: (usize, usize),
    /// Cold start (nothing heard): distinct reason lines in the first list.
    cold_reasons: usize,
    /// `--diagnose`, per checkpoint: [`Diagnosis`].
    diagnosis: [Diagnosis; 4],
}

/// Where Segue's list loses what its model believes, at one checkpoint: everything open (not
/// blocked) is ranked without the artist and album gaps, so the model's belief is seen apart
/// from the rules that shape the list.
#[derive(Default, Clone, Copy)]
struct Diagnosis {
    /// Liked share of the ten best by score with no artist or album gap.
    top10_no_gaps: f32,
    /// Liked share of the ten best by the chance Segue reports (where the gaps yield).
    top10_by_chance: f32,
    /// How well the score and the chance order open tracks liked above the rest (AUC, 0.5:
    /// no better than chance).
    auc_score: f32,
    auc_chance: f32,
    /// The same for the taste term alone (the listener model's mean, as the list sees it) and
    /// the ten best by it.
    auc_taste: f32,
    top10_by_taste: f32,
    /// Mean chance of open liked and open other tracks.
    chance_liked: f32,
    chance_other: f32,
    /// Liked tracks the listener has not heard yet, as a share of the open tracks: the best
    /// any list can do is roughly this once it falls under one.
    liked_left: f32,
}

/// Area under the ROC curve of `scores` for `positive` (ties count half).
fn auc(scores: &[f32], positive: &[bool]) -> f32 {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    let (mut rank_sum, mut k) = (0.0f64, 0usize);
    while k < order.len() {
        let mut end = k;
        while end + 1 < order.len() && scores[order[end + 1]] == scores[order[k]] {
            end += 1;
        }
        let mid = (k + end) as f64 / 2.0 + 1.0;
        for &o in &order[k..=end] {
            if positive[o] {
                rank_sum += mid;
            }
        }
        k = end + 1;
    }
    let p = positive.iter().filter(|x| **x).count() as f64;
    let q = positive.len() as f64 - p;
    if p == 0.0 || q == 0.0 {
        return 0.5;
    }
    ((rank_sum - p * (p + 1.0) / 2.0) / (p * q)) as f32
}

/// [`Diagnosis`] of Segue for this listener now.
fn diagnose(world: &World, listener: &Listener, session: &Session, setup: &Setup) -> Diagnosis {
    let settings = Settings {
        artist_gap: 0,
        album_gap: 0,
        ..setup.settings
    };
    let mut ranker = setup.ranker.borrow_mut();
    let model = ranker
        .as_mut()
        .map(|r| r as &mut dyn segue_core::RankingModel);
    let (all, _) = suggest_with(
        &world.library,
        &session.taste,
        &session.context,
        &settings,
        world.len(),
        model,
    );
    let liked: Vec<bool> = all
        .iter()
        .map(|s| listener.likes[world.at(s.track_id)])
        .collect();
    let score: Vec<f32> = all.iter().map(|s| s.score).collect();
    let chance: Vec<f32> = all.iter().map(|s| s.chance).collect();
    let taste_slot = segue_core::RANKED_TERMS
        .iter()
        .position(|k| *k == segue_core::TermKind::Taste)
        .unwrap_or(0);
    let taste: Vec<f32> = all.iter().map(|s| s.term_values()[taste_slot]).collect();
    let share = |order: &[usize]| {
        order.iter().take(10).filter(|&&k| liked[k]).count() as f32
            / order.len().clamp(1, 10) as f32
    };
    let by = |v: &[f32]| {
        let mut o: Vec<usize> = (0..v.len()).collect();
        o.sort_by(|&a, &b| v[b].total_cmp(&v[a]));
        o
    };
    let mean_where = |want: bool| {
        let v: Vec<f32> = (0..all.len())
            .filter(|&k| liked[k] == want)
            .map(|k| chance[k])
            .collect();
        v.iter().sum::<f32>() / v.len().max(1) as f32
    };
    let unheard_liked = all
        .iter()
        .zip(&liked)
        .filter(|(s, l)| **l && !session.taste.has_history(s.track_id))
        .count();
    Diagnosis {
        top10_no_gaps: share(&(0..all.len()).collect::<Vec<_>>()),
        top10_by_chance: share(&by(&chance)),
        auc_score: auc(&score, &liked),
        auc_chance: auc(&chance, &liked),
        auc_taste: auc(&taste, &liked),
        top10_by_taste: share(&by(&taste)),
        chance_liked: mean_where(true),
        chance_other: mean_where(false),
        liked_left: unheard_liked as f32 / all.len().max(1) as f32,
    }
}

/// Whether each taste-related part of a suggestion's reason is true of what the listener did.
fn reason_is_true(world: &World, taste: &Taste, s: &Suggestion) -> bool {
    let library = &world.library;
    let named = |title: &Option<String>| -> Vec<TrackId> {
        match title {
            None => vec![s.track_id],
            Some(t) => library
                .tracks()
                .iter()
                .filter(|p| t.starts_with(p.title.as_str()))
                .map(|p| p.id)
                .collect(),
        }
    };
    s.why.iter().flat_map(|p| &p.details).all(|d| match d {
        Detail::Rated { track, stars } => named(track).iter().any(|&t| {
            let w = taste.weight(t);
            (w - (f32::from(*stars) - 3.0) / 2.0).abs() < 1e-3
        }),
        Detail::Liked { track } | Detail::AskedMoreLike { track } => {
            named(track).iter().any(|&t| taste.weight(t) > 0.0)
        }
        Detail::UnlikeDisliked { track } | Detail::UnlikeTurnedDown { track } => {
            named(track).iter().any(|&t| taste.is_excluded(t))
        }
        Detail::LikePlayedThrough { track } => named(&Some(track.clone()))
            .iter()
            .any(|&t| taste.weight(t) > 0.0),
        Detail::UnlikeSkipped { track } => named(&Some(track.clone()))
            .iter()
            .any(|&t| taste.weight(t) < 0.0),
        Detail::PlayedThrough { .. } => taste.has_history(s.track_id),
        Detail::NotPlayedYet => !taste.has_history(s.track_id),
        _ => true,
    })
}

fn run_listener(
    method: Method,
    world: &World,
    listener: &Listener,
    setup: &Setup,
    seed: u64,
) -> ListenerFigures {
    let settings = &setup.settings;
    let mut rng = Rng(seed);
    let liked_starts: Vec<usize> = (0..world.len()).filter(|&i| listener.likes[i]).collect();
    let start = liked_starts[rng.below(liked_starts.len())];
    let mut session = Session::new(world, start, seed);
    let mut f = ListenerFigures::default();
    let mut played: Vec<usize> = vec![start];
    // The listener's reactions come from their own draws, the same whatever the method picks.
    let mut reactions = Rng(seed ^ 0x5EED);
    for step in 0..=CHECKPOINTS[CHECKPOINTS.len() - 1] {
        let checkpoint = CHECKPOINTS.iter().position(|&k| k == step);
        let list = pick(
            method,
            world,
            listener,
            &session,
            setup,
            if checkpoint.is_some() { 10 } else { 1 },
            &mut rng,
        );
        if method == Method::Segue {
            for s in &list {
                f.untrue.0 += usize::from(!reason_is_true(world, &session.taste, s));
                f.untrue.1 += 1;
            }
            if step == 0 {
                f.cold_reasons = distinct(list.iter().map(|s| s.reason.as_str())).len();
            }
            session.show(&list);
        }
        let Some(first) = list.first() else { break };
        let next = world.at(first.track_id);
        if let Some(c) = checkpoint {
            let liked = list
                .iter()
                .filter(|s| listener.likes[world.at(s.track_id)])
                .count();
            f.list[c] = liked as f32 / list.len() as f32;
            f.next[c] = f32::from(u8::from(listener.likes[next]));
            if method == Method::Segue && setup.diagnose {
                f.diagnosis[c] = diagnose(world, listener, &session, setup);
            }
        }
        // Breaches: a track again within the gap, or an artist or album repeated where the
        // library had a track that kept the rule.
        let sequence = rules::sequence(&world.library, &session.context);
        if played.contains(&next) {
            f.breaches.0 += 1;
        }
        let (artist, album) = rules::clashes(
            &world.library,
            &sequence,
            next,
            settings.artist_gap,
            settings.album_gap,
        );
        let open = || (0..world.len()).filter(|i| !played.contains(i) && *i != next);
        let clash = |i| {
            rules::clashes(
                &world.library,
                &sequence,
                i,
                settings.artist_gap,
                settings.album_gap,
            )
        };
        if artist && open().any(|i| !clash(i).0) {
            f.breaches.1 += 1;
        }
        if album && open().any(|i| !clash(i).1) {
            f.breaches.2 += 1;
        }
        if let Some(&previous) = played.last() {
            f.same_style.0 += usize::from(world.style[previous] == world.style[next]);
            f.same_style.1 += 1;
        }
        let previous = played.last().copied().unwrap_or(next);
        let (through, explicit) = listener.react(world, next, previous, &mut reactions);
        session.hear(world, first.track_id, through, explicit);
        played.push(next);
    }
    f
}

/// Mean and 95 % confidence half-width over listeners.
fn mean_ci(values: &[f32]) -> (f32, f32) {
    let n = values.len().max(1) as f32;
    let mean = values.iter().sum::<f32>() / n;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f32>() / (n - 1.0).max(1.0);
    (mean, 1.96 * (var / n).sqrt())
}

fn pct((mean, ci): (f32, f32)) -> String {
    format!("{:>3.0}±{:<2.0}", 100.0 * mean, 100.0 * ci)
}

/// Two counts for each of two checks.
type PairCounts = [(usize, usize); 2];

/// After 5 plays the listener rates the playing track 5 stars; from then on, whenever the gaps
/// allow one of its unheard artist or album mates (by Segue's own rules), is one in the list?
/// Against the same session without the rating. Returns (listed, chances) with and without.
fn mates_check(
    world: &World,
    listener: &Listener,
    setup: &Setup,
    seed: u64,
) -> [(usize, usize); 2] {
    let settings = &setup.settings;
    let library = &world.library;
    let mut out = [(0usize, 0usize); 2];
    for (slot, rate) in [(0, true), (1, false)] {
        let mut rng = Rng(seed);
        let liked: Vec<usize> = (0..world.len()).filter(|&i| listener.likes[i]).collect();
        let start = liked[rng.below(liked.len())];
        let mut session = Session::new(world, start, seed);
        let mut reactions = Rng(seed ^ 0x5EED);
        let mut rated: Option<usize> = None;
        for step in 0..=20 {
            if step == 5 && rate {
                let playing = session.context.current.map(|c| world.at(c));
                if let Some(p) = playing {
                    session.say(library.tracks()[p].id, SignalSource::Stars(5));
                    rated = Some(p);
                }
            } else if step == 5 {
                rated = session.context.current.map(|c| world.at(c));
            }
            let list = pick(
                Method::Segue,
                world,
                listener,
                &session,
                setup,
                10,
                &mut rng,
            );
            session.show(&list);
            if let Some(r) = rated.filter(|_| step > 5) {
                let t = &library.tracks()[r];
                let mates: Vec<usize> = (0..world.len())
                    .filter(|&i| {
                        let o = &library.tracks()[i];
                        i != r
                            && !session.taste.has_history(o.id)
                            && ((t.artist.is_some() && o.artist == t.artist)
                                || (t.album.is_some() && o.album == t.album))
                    })
                    .collect();
                let sequence = rules::sequence(library, &session.context);
                let allowed = mates.iter().any(|&m| {
                    rules::clashes(
                        library,
                        &sequence,
                        m,
                        settings.artist_gap,
                        settings.album_gap,
                    ) == (false, false)
                });
                if allowed {
                    out[slot].1 += 1;
                    out[slot].0 +=
                        usize::from(list.iter().any(|s| mates.contains(&world.at(s.track_id))));
                }
            }
            let Some(first) = list.first() else { break };
            let i = world.at(first.track_id);
            let previous = session.context.current.map_or(i, |c| world.at(c));
            let (through, explicit) = listener.react(world, i, previous, &mut reactions);
            session.hear(world, first.track_id, through, explicit);
        }
    }
    out
}

/// The 5-star checks, on Segue: after 5 and 10 interactions the listener rates a track they
/// have not heard, outside the list, 5 stars; does the next list hold it, or one of its 5
/// nearest in sound?
fn star_checks(
    world: &World,
    listener: &Listener,
    setup: &Setup,
    seed: u64,
) -> [(usize, usize); 2] {
    let settings = &setup.settings;
    let mut rng = Rng(seed);
    let liked_starts: Vec<usize> = (0..world.len()).filter(|&i| listener.likes[i]).collect();
    let start = liked_starts[rng.below(liked_starts.len())];
    let mut session = Session::new(world, start, seed);
    let mut reactions = Rng(seed ^ 0x5EED);
    // (itself, itself or a close neighbour) counts.
    let mut hits = [(0usize, 0usize); 2];
    for step in 0..=10 {
        let list = pick(
            Method::Segue,
            world,
            listener,
            &session,
            setup,
            10,
            &mut rng,
        );
        if step == 5 || step == 10 {
            let shown: Vec<usize> = list.iter().map(|s| world.at(s.track_id)).collect();
            let blocked =
                rules::blocked(&world.library, &session.taste, &session.context, settings);
            let open: Vec<usize> = (0..world.len())
                .filter(|&i| {
                    !blocked[i]
                        && !shown.contains(&i)
                        && !session.taste.has_history(world.library.tracks()[i].id)
                })
                .collect();
            if let Some(&rated) = open.get(rng.below(open.len())) {
                let mut trial = session.clone();
                trial.say(world.library.tracks()[rated].id, SignalSource::Stars(5));
                let after = pick(Method::Segue, world, listener, &trial, setup, 10, &mut rng);
                let after: Vec<usize> = after.iter().map(|s| world.at(s.track_id)).collect();
                let mut near: Vec<usize> = (0..world.len()).filter(|&i| i != rated).collect();
                near.sort_by(|&a, &b| {
                    world
                        .library
                        .sound_similarity_at(rated, b)
                        .total_cmp(&world.library.sound_similarity_at(rated, a))
                });
                near.truncate(5);
                let slot = usize::from(step == 10);
                hits[slot].0 += usize::from(after.contains(&rated));
                hits[slot].1 +=
                    usize::from(after.contains(&rated) || after.iter().any(|i| near.contains(i)));
            }
        }
        let Some(first) = list.first() else { break };
        let previous = session
            .context
            .current
            .map_or(world.at(first.track_id), |c| world.at(c));
        let (through, explicit) =
            listener.react(world, world.at(first.track_id), previous, &mut reactions);
        session.hear(world, first.track_id, through, explicit);
    }
    hits
}

fn evaluate_world(world: &World, listeners: usize, setup: &Setup) {
    let tracks = world.len();
    let styles = distinct(world.style.iter().copied());
    let soundtracks = distinct(world.soundtrack.iter().copied());
    println!(
        "\n== {}: {tracks} tracks, {} soundtracks, {} curator styles; {listeners} listeners per taste kind",
        world.name,
        soundtracks.len(),
        styles.len()
    );
    println!(
        "{:<14} {:<26} {:>7} {:>7} {:>7} {:>7}   {:>7} {:>7} {:>7} {:>7}   {:>6} {:>9}",
        "taste",
        "method",
        "list@0",
        "@5",
        "@10",
        "@20",
        "next@0",
        "@5",
        "@10",
        "@20",
        "style",
        "breaches"
    );
    let mut all: HashMap<&str, Vec<ListenerFigures>> = HashMap::new();
    for kind in TasteKind::ALL {
        let mut rng = Rng(0xC0FFEE ^ kind as u64);
        let people: Vec<Listener> = (0..listeners)
            .map(|_| Listener::draw(world, kind, &mut rng))
            .collect();
        // `--diagnose` adds the ideal learner that does not know the share rule.
        let extra = setup.diagnose.then_some(Method::IdealShareUnknown);
        for method in Method::ALL.into_iter().chain(extra) {
            if matches!(method, Method::Ideal | Method::IdealShareUnknown)
                && !matches!(kind, TasteKind::Styles | TasteKind::Soundtracks)
            {
                continue;
            }
            let figures: Vec<ListenerFigures> = people
                .iter()
                .enumerate()
                .map(|(k, l)| run_listener(method, world, l, setup, 1000 + k as u64))
                .collect();
            print_row(kind.name(), method.name(), &figures);
            if method == Method::Segue && setup.diagnose {
                print_diagnosis(kind.name(), &figures);
            }
            all.entry(method.name()).or_default().extend(figures);
        }
    }
    let extra = setup.diagnose.then_some(Method::IdealShareUnknown);
    for method in Method::ALL.into_iter().chain(extra) {
        let name = match method {
            Method::Ideal => "ideal (styles, soundtracks)",
            Method::IdealShareUnknown => "ideal, share unknown",
            _ => method.name(),
        };
        print_row("all", name, &all[method.name()]);
    }
    let segue = &all[Method::Segue.name()];
    let untrue: usize = segue.iter().map(|f| f.untrue.0).sum();
    let shown: usize = segue.iter().map(|f| f.untrue.1).sum();
    let cold = segue.iter().map(|f| f.cold_reasons as f32).sum::<f32>() / segue.len().max(1) as f32;
    println!(
        "segue reasons: {untrue} of {shown} shown name something untrue; cold start: {cold:.1} distinct reasons in the first list of 10"
    );
    // A check over every listener of every kind, its pairs summed.
    let over_listeners = |check: &dyn Fn(&Listener, u64) -> PairCounts| {
        let mut sum = [(0usize, 0usize); 2];
        for kind in TasteKind::ALL {
            let mut rng = Rng(0xC0FFEE ^ kind as u64);
            for k in 0..listeners {
                let l = Listener::draw(world, kind, &mut rng);
                for (s, (a, b)) in sum.iter_mut().zip(check(&l, k as u64)) {
                    *s = (s.0 + a, s.1 + b);
                }
            }
        }
        sum
    };
    let trials = listeners * TasteKind::ALL.len();
    // (the rated track itself in the next list, it or a close neighbour) after 5 and 10.
    let stars = over_listeners(&|l, k| star_checks(world, l, setup, 5000 + k));
    for (s, at) in [5, 10].iter().enumerate() {
        println!(
            "5 stars on an unheard track outside the list, after {at} interactions: the next list holds it {:.0} %, it or one of its 5 nearest in sound {:.0} % ({trials} listeners)",
            100.0 * stars[s].0 as f32 / trials as f32,
            100.0 * stars[s].1 as f32 / trials as f32
        );
    }
    let mates = over_listeners(&|l, k| mates_check(world, l, setup, 6000 + k));
    println!(
        "5 stars on the playing track after 5 plays: once the gaps allow one of its unheard artist or album mates, the list holds one {:.0} % of the time ({} chances), against {:.0} % without the rating ({} chances)",
        100.0 * mates[0].0 as f32 / mates[0].1.max(1) as f32,
        mates[0].1,
        100.0 * mates[1].0 as f32 / mates[1].1.max(1) as f32,
        mates[1].1
    );
}

/// `--diagnose` rows for Segue: per checkpoint, what its model believes, apart from the gaps.
fn print_diagnosis(kind: &str, figures: &[ListenerFigures]) {
    let mean = |get: &dyn Fn(&Diagnosis) -> f32, c: usize| {
        100.0 * figures.iter().map(|f| get(&f.diagnosis[c])).sum::<f32>()
            / figures.len().max(1) as f32
    };
    type Get = fn(&Diagnosis) -> f32;
    let rows: [(&str, Get); 9] = [
        ("  top 10 without gaps", |d| d.top10_no_gaps),
        ("  top 10 by chance", |d| d.top10_by_chance),
        ("  top 10 by taste term", |d| d.top10_by_taste),
        ("  AUC of the taste term", |d| d.auc_taste),
        ("  AUC of the score", |d| d.auc_score),
        ("  AUC of the chance", |d| d.auc_chance),
        ("  chance, liked", |d| d.chance_liked),
        ("  chance, not liked", |d| d.chance_other),
        ("  liked left / open", |d| d.liked_left),
    ];
    for (name, get) in rows {
        let cells: Vec<String> = (0..CHECKPOINTS.len())
            .map(|c| format!("{:>7.0}", mean(&get, c)))
            .collect();
        println!("{kind:<14} {name:<26} {}", cells.join(" "));
    }
}

fn print_row(kind: &str, method: &str, figures: &[ListenerFigures]) {
    let col = |get: &dyn Fn(&ListenerFigures) -> f32| {
        pct(mean_ci(&figures.iter().map(get).collect::<Vec<_>>()))
    };
    let same: usize = figures.iter().map(|f| f.same_style.0).sum();
    let pairs: usize = figures.iter().map(|f| f.same_style.1).sum();
    let b = figures.iter().fold((0, 0, 0), |a, f| {
        (a.0 + f.breaches.0, a.1 + f.breaches.1, a.2 + f.breaches.2)
    });
    println!(
        "{kind:<14} {method:<26} {} {} {} {}   {} {} {} {}   {:>5.0}% {:>9}",
        col(&|f| f.list[0]),
        col(&|f| f.list[1]),
        col(&|f| f.list[2]),
        col(&|f| f.list[3]),
        col(&|f| f.next[0]),
        col(&|f| f.next[1]),
        col(&|f| f.next[2]),
        col(&|f| f.next[3]),
        100.0 * same as f32 / pairs.max(1) as f32,
        format!("{}/{}/{}", b.0, b.1, b.2)
    );
}

/// A listener's taste after it drifted: one liked style swapped for one they neither liked
/// nor avoided.
fn drifted(world: &World, listener: &Listener, rng: &mut Rng) -> Listener {
    let styles = distinct(world.style.iter().copied());
    let liked: Vec<&str> = styles
        .iter()
        .copied()
        .filter(|s| (0..world.len()).any(|i| world.style[i] == *s && listener.likes[i]))
        .collect();
    let free: Vec<&str> = styles
        .iter()
        .copied()
        .filter(|s| {
            !liked.contains(s)
                && !(0..world.len()).any(|i| world.style[i] == *s && listener.avoids[i])
        })
        .collect();
    if liked.is_empty() || free.is_empty() {
        return Listener {
            kind: listener.kind,
            likes: listener.likes.clone(),
            avoids: listener.avoids.clone(),
        };
    }
    let (gone, new) = (liked[rng.below(liked.len())], free[rng.below(free.len())]);
    Listener {
        kind: listener.kind,
        likes: (0..world.len())
            .map(|i| (listener.likes[i] && world.style[i] != gone) || world.style[i] == new)
            .collect(),
        avoids: listener.avoids.clone(),
    }
}

/// Tastes over days, with style listeners: a first day of 20 plays, then a second day (24
/// hours later) with the same taste (the next day) or one where a liked style gave way to
/// another (drift). Figures on the second day after 0, 5 and 10 plays.
fn evaluate_days(world: &World, listeners: usize, setup: &Setup) {
    println!(
        "\n-- the next day (a new session 24 h later), and a drifted taste (one liked style swapped),\n   style listeners; list@k / next@k on day 2 after k plays that day"
    );
    println!(
        "{:<14} {:<26} {:>7} {:>7} {:>7}   {:>7} {:>7} {:>7}",
        "day 2", "method", "list@0", "@5", "@10", "next@0", "@5", "@10"
    );
    for drift in [false, true] {
        let mut rng = Rng(0xDA75 ^ u64::from(drift));
        let people: Vec<(Listener, Listener)> = (0..listeners)
            .map(|_| {
                let first = Listener::draw(world, TasteKind::Styles, &mut rng);
                let second = if drift {
                    drifted(world, &first, &mut rng)
                } else {
                    Listener {
                        kind: first.kind,
                        likes: first.likes.clone(),
                        avoids: first.avoids.clone(),
                    }
                };
                (first, second)
            })
            .collect();
        for method in [
            Method::Segue,
            Method::OutcomeOnly,
            Method::Random,
            Method::Oracle,
        ] {
            let mut list_share = vec![[0.0f32; 3]; people.len()];
            let mut next_liked = vec![[0.0f32; 3]; people.len()];
            for (p, (day1, day2)) in people.iter().enumerate() {
                let seed = 70_000 + p as u64;
                let mut rng = Rng(seed);
                let mut reactions = Rng(seed ^ 0x5EED);
                let start = |l: &Listener, rng: &mut Rng| {
                    let liked: Vec<usize> = (0..world.len()).filter(|&i| l.likes[i]).collect();
                    liked[rng.below(liked.len())]
                };
                let first = start(day1, &mut rng);
                let mut session = Session::new(world, first, seed);
                let play = |session: &mut Session,
                            listener: &Listener,
                            rng: &mut Rng,
                            reactions: &mut Rng,
                            n: usize|
                 -> Option<Vec<usize>> {
                    let list = pick(method, world, listener, session, setup, n, rng);
                    if method == Method::Segue {
                        session.show(&list);
                    }
                    let first = list.first()?;
                    let i = world.at(first.track_id);
                    let previous = session.context.current.map_or(i, |c| world.at(c));
                    let (through, explicit) = listener.react(world, i, previous, reactions);
                    session.hear(world, first.track_id, through, explicit);
                    Some(list.iter().map(|s| world.at(s.track_id)).collect())
                };
                for _ in 0..20 {
                    if play(&mut session, day1, &mut rng, &mut reactions, 1).is_none() {
                        break;
                    }
                }
                // Day 2: a new session from a track they like now.
                let opener = start(day2, &mut rng);
                let opener_id = world.library.tracks()[opener].id;
                session.later(world, 24 * 3_600_000, opener_id);
                for step in 0..=10 {
                    let slot = match step {
                        0 => Some(0),
                        5 => Some(1),
                        10 => Some(2),
                        _ => None,
                    };
                    let n = if slot.is_some() { 10 } else { 1 };
                    let Some(list) = play(&mut session, day2, &mut rng, &mut reactions, n) else {
                        break;
                    };
                    if let Some(c) = slot {
                        let liked = list.iter().filter(|&&i| day2.likes[i]).count();
                        list_share[p][c] = liked as f32 / list.len().max(1) as f32;
                        next_liked[p][c] = f32::from(u8::from(day2.likes[list[0]]));
                    }
                }
            }
            let col = |v: &[[f32; 3]], c: usize| {
                pct(mean_ci(&v.iter().map(|x| x[c]).collect::<Vec<_>>()))
            };
            println!(
                "{:<14} {:<26} {} {} {}   {} {} {}",
                if drift { "drifted" } else { "same taste" },
                method.name(),
                col(&list_share, 0),
                col(&list_share, 1),
                col(&list_share, 2),
                col(&next_liked, 0),
                col(&next_liked, 1),
                col(&next_liked, 2),
            );
        }
    }
}

/// Listeners whose taste depends on the time of day: one style taste in the morning, another in
/// the evening (or the same all day: the control). On each of 7 earlier days they played 6
/// tracks at about 08:00 and 6 at about 20:00, mostly ones they like at that hour; now, at 08:00
/// or 20:00, they start from a track they like at this hour and go on through the suggestions.
/// Segue is compared with Segue blind to the time (no time-of-day lookup).
fn evaluate_time_of_day(world: &World, listeners: usize, setup: &Setup) {
    const HOUR_MS: i64 = 3_600_000;
    println!(
        "\n-- time of day: style listeners with 7 earlier days of 6 plays at about 08:00 and 6 at about\n   20:00; now at 08:00 or 20:00, liked = liked at this hour"
    );
    println!(
        "{:<22} {:<22} {:>7} {:>7}   {:>7} {:>7}   {:>14}",
        "listeners", "method", "list@0", "@5", "next@0", "@5", "says the time"
    );
    for habits_differ in [true, false] {
        for (name, clock) in [("segue", true), ("segue, blind to time", false)] {
            let mut rng = Rng(0x7140 ^ u64::from(habits_differ));
            let (mut lists, mut nexts) = (Vec::new(), Vec::new());
            let (mut said, mut shown) = (0usize, 0usize);
            for p in 0..listeners {
                let morning = Listener::draw(world, TasteKind::Styles, &mut rng);
                let other = Listener::draw(world, TasteKind::Styles, &mut rng);
                let evening = if habits_differ { &other } else { &morning };
                let seed = 80_000 + p as u64;
                let mut draws = Rng(seed);
                let mut reactions = Rng(seed ^ 0x5EED);
                // Midnight of the day the evaluation session is on.
                let today = START_MS - START_MS.rem_euclid(24 * HOUR_MS) + 8 * 24 * HOUR_MS;
                let hour: i64 = if p % 2 == 0 { 8 } else { 20 };
                let now_likes = if hour == 8 { &morning } else { evening };
                let liked_by = |l: &Listener| -> Vec<usize> {
                    (0..world.len()).filter(|&i| l.likes[i]).collect()
                };
                let first = liked_by(&morning)[draws.below(liked_by(&morning).len())];
                let mut session = Session::new(world, first, seed);
                session.clock = clock;
                session.now_ms = today - 7 * 24 * HOUR_MS + 8 * HOUR_MS;
                for day in (1..=7i64).rev() {
                    for (at, l) in [(8i64, &morning), (20, evening)] {
                        let jitter = ((draws.unit() * 2.0 - 1.0) * HOUR_MS as f32) as i64;
                        session.now_ms = today - day * 24 * HOUR_MS + at * HOUR_MS + jitter;
                        let liked = liked_by(l);
                        for _ in 0..6 {
                            // Mostly what they like at this hour, now and then something else.
                            let i = if draws.unit() < 0.85 {
                                liked[draws.below(liked.len())]
                            } else {
                                draws.below(world.len())
                            };
                            let id = world.library.tracks()[i].id;
                            session.hear(world, id, l.likes[i], None);
                        }
                    }
                }
                session.now_ms = today + hour * HOUR_MS;
                let liked_now = liked_by(now_likes);
                let opener = liked_now[draws.below(liked_now.len())];
                session.hear(world, world.library.tracks()[opener].id, true, None);
                let (mut list_at, mut next_at) = ([0.0f32; 2], [0.0f32; 2]);
                for step in 0..=5 {
                    let slot = match step {
                        0 => Some(0),
                        5 => Some(1),
                        _ => None,
                    };
                    let n = if slot.is_some() { 10 } else { 1 };
                    let list = pick(
                        Method::Segue,
                        world,
                        now_likes,
                        &session,
                        setup,
                        n,
                        &mut draws,
                    );
                    session.show(&list);
                    let Some(first) = list.first() else { break };
                    if let Some(c) = slot {
                        let liked = list
                            .iter()
                            .filter(|s| now_likes.likes[world.at(s.track_id)])
                            .count();
                        list_at[c] = liked as f32 / list.len() as f32;
                        next_at[c] = f32::from(u8::from(now_likes.likes[world.at(first.track_id)]));
                        shown += list.len();
                        said += list
                            .iter()
                            .filter(|s| {
                                s.why
                                    .iter()
                                    .flat_map(|p| &p.details)
                                    .any(|d| matches!(d, Detail::AtThisTime { .. }))
                            })
                            .count();
                    }
                    let i = world.at(first.track_id);
                    let previous = session.context.current.map_or(i, |c| world.at(c));
                    let (through, explicit) = now_likes.react(world, i, previous, &mut reactions);
                    session.hear(world, first.track_id, through, explicit);
                }
                lists.push(list_at);
                nexts.push(next_at);
            }
            let col = |v: &[[f32; 2]], c: usize| {
                pct(mean_ci(&v.iter().map(|x| x[c]).collect::<Vec<_>>()))
            };
            println!(
                "{:<22} {:<22} {} {}   {} {}   {:>13.0}%",
                if habits_differ {
                    "morning ≠ evening"
                } else {
                    "one taste (control)"
                },
                name,
                col(&lists, 0),
                col(&lists, 1),
                col(&nexts, 0),
                col(&nexts, 1),
                100.0 * said as f32 / shown.max(1) as f32
            );
        }
    }
}

/// The evaluation sets: `--sets` names and the library each is.
pub const SETS: [(&str, &str); 4] = [
    ("tuning", "tuning set"),
    ("held", "held aside"),
    ("tuning-a", "tuning set, half A"),
    ("tuning-b", "tuning set, half B"),
];

/// Whether soundtrack `s` is in the set `--sets` calls `set`.
fn in_set(s: &Soundtrack, set: &str) -> bool {
    match set {
        "held" => s.held_aside,
        "tuning" => !s.held_aside,
        "tuning-a" => curation::tuning_half(s) == Some(0),
        "tuning-b" => curation::tuning_half(s) == Some(1),
        _ => false,
    }
}

/// The evaluation libraries named in `sets` (`SETS`), from the analysed music.
pub fn worlds(service: &Service, sets: &[String]) -> Result<Vec<World>> {
    if let Some(unknown) = sets.iter().find(|s| !SETS.iter().any(|(k, _)| k == s)) {
        bail!(
            "unknown set {unknown:?}: the sets are {}",
            SETS.map(|(k, _)| k).join(", ")
        );
    }
    let full = service.recommend_library()?;
    let tracks: HashMap<TrackId, segue_core::Track> = service
        .tracks(None, None)?
        .into_iter()
        .map(|t| (t.id, t))
        .collect();
    let mut out = Vec::new();
    for (key, name) in SETS {
        if !sets.iter().any(|s| s == key) {
            continue;
        }
        let mut profiles = Vec::new();
        let (mut style, mut soundtrack, mut composer) = (Vec::new(), Vec::new(), Vec::new());
        for p in full.tracks() {
            let Some(t) = tracks.get(&p.id) else { continue };
            let Some(s): Option<&Soundtrack> = curation::soundtrack_of(&t.path) else {
                continue;
            };
            if !in_set(s, key) {
                continue;
            }
            profiles.push(p.clone());
            style.push(s.style);
            soundtrack.push(s.package);
            composer.push(
                t.tags
                    .composer
                    .clone()
                    .or_else(|| t.tags.artist.clone())
                    .or_else(|| s.credited_composer.map(str::to_owned)),
            );
        }
        out.push(World {
            name,
            library: Library::new(profiles, full.tag_names().to_vec()),
            style,
            soundtrack,
            composer,
        });
    }
    Ok(out)
}

/// What `segue-bench suggest` is asked for.
pub struct Options {
    /// Music folders to import and analyse (once; cached in `db`).
    pub music: Vec<PathBuf>,
    pub db: PathBuf,
    /// Listeners per taste kind.
    pub listeners: usize,
    /// Which sets to report: "tuning", "held".
    pub sets: Vec<String>,
    pub strict_gaps: bool,
    /// The ranking model (none: the first stage's weights alone).
    pub ranker: Option<PathBuf>,
    /// Log simulated outcomes here instead of printing figures.
    pub log_outcomes: Option<PathBuf>,
    /// Synthetic library sizes for the latency figures.
    pub sizes: Vec<usize>,
    /// Print where Segue's list loses what its model believes.
    pub diagnose: bool,
    /// The tagger the music is analysed with.
    pub model: segue_analysis::musicnn::Model,
}

pub fn run(options: Options) -> Result<()> {
    let Options {
        music,
        db,
        listeners,
        sets,
        strict_gaps,
        ranker,
        log_outcomes,
        sizes,
        diagnose,
        model: tagger,
    } = options;
    let (music, db, sets, sizes) = (&music[..], db.as_path(), &sets[..], &sizes[..]);
    let log_outcomes = log_outcomes.as_deref();
    if let Some(missing) = music.iter().find(|m| !m.is_dir()) {
        bail!(
            "{} is missing: run scripts/fetch-test-music.sh, then with --evaluation and with --more",
            missing.display()
        );
    }
    let service = Service::open(db).with_context(|| format!("opening {}", db.display()))?;
    service.add_folders(music)?;
    let never = AtomicBool::new(false);
    eprintln!(
        "importing and analysing with the {} tagger (cached in {})...",
        tagger.name(),
        db.display()
    );
    service.scan(&[], &never, &mut |_| {})?;
    let mut analysis = AnalysisOptions::default();
    analysis.analyzer.model = tagger;
    let report = service.analyze(&analysis, &never, &never, &mut |_| {})?;
    if !report.failed.is_empty() {
        eprintln!("{} track(s) could not be analysed", report.failed.len());
    }
    let settings = Settings {
        strict_gaps,
        ..Settings::default()
    };
    let model = match &ranker {
        None => None,
        Some(path) => {
            let config = segue_analysis::AnalyzerConfig::default();
            let runtime = segue_analysis::Runtime::get(&config.runtime_library)?;
            Some(OnnxRanker::load_file(runtime, path)?)
        }
    };
    let setup = Setup {
        settings,
        ranker: RefCell::new(model),
        diagnose,
    };
    if let Some(path) = log_outcomes {
        let worlds = worlds(&service, &["tuning".to_owned()])?;
        let tuning = worlds.first().context("no tuning set")?;
        let rows = log_sessions(tuning, listeners, &setup, path)?;
        println!(
            "logged {rows} outcomes from the tuning set to {}",
            path.display()
        );
        return Ok(());
    }
    println!(
        "rules: artist gap {}, album gap {}, track gap {} h, {}; exploration {}; ranker: {}; tagger: {}",
        settings.artist_gap,
        settings.album_gap,
        settings.track_gap_hours,
        if strict_gaps {
            "the gaps yield only when no track keeps them"
        } else {
            "the gaps yield to the picker's belief"
        },
        settings.exploration,
        ranker
            .as_deref()
            .map_or("none (first-stage weights)".into(), |p| p
                .display()
                .to_string()),
        tagger.name()
    );
    for world in &worlds(&service, sets)? {
        evaluate_world(world, listeners, &setup);
        evaluate_days(world, listeners, &setup);
        evaluate_time_of_day(world, listeners, &setup);
    }
    if sizes.iter().any(|n| *n > 0) {
        println!(
            "\nsuggest(n = 10) latency, synthetic libraries (200 feedback signals, a 20-play session,\n200 plays at this time on earlier days), with the ranker above:"
        );
        for &n in sizes.iter().filter(|n| **n > 0) {
            let mut ranker = setup.ranker.borrow_mut();
            let (p50, p99, max) = crate::latency::latency(n, 300, ranker.as_mut());
            println!("  {n:>7} tracks: p50 {p50:.2} ms, p99 {p99:.2} ms, max {max:.2} ms");
        }
    }
    println!(
        "\nlist@k: share of the 10 suggestions shown after k interactions that the listener likes;\n\
         next@k: share of listeners who like the track played next. ± : 95 % confidence interval\n\
         over listeners. style: consecutive plays in one curator style. breaches: track / artist /\n\
         album repeats within the gaps where the library had a track that kept them (with the\n\
         gaps yielding to taste these are the yields, not faults; the track gap never yields)."
    );
    Ok(())
}

/// What a ranker is trained on: simulated sessions on the tuning set, where the listener plays
/// the first suggestion, or now and then (3 in 10) another of the ten shown, so the log covers
/// more than the ranker's own favourites. One JSON line per play: the played track's term
/// values ([`segue_core::RANKED_TERMS`] order), whether the listener enjoyed it (listened
/// through), the listener, the taste kind and the step.
fn log_sessions(world: &World, listeners: usize, setup: &Setup, path: &Path) -> Result<usize> {
    use std::io::Write;
    let mut out = std::io::BufWriter::new(
        std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
    );
    let mut rows = 0;
    for kind in TasteKind::ALL {
        // Other listeners than the evaluation's (its seeds are 0xC0FFEE and 1000+).
        let mut rng = Rng(0x10_6600 ^ kind as u64);
        for l in 0..listeners {
            let listener = Listener::draw(world, kind, &mut rng);
            let seed = 900_000 + l as u64;
            let mut picks = Rng(seed ^ 0xABCD);
            let liked_starts: Vec<usize> =
                (0..world.len()).filter(|&i| listener.likes[i]).collect();
            let start = liked_starts[picks.below(liked_starts.len())];
            let mut session = Session::new(world, start, seed);
            let mut reactions = Rng(seed ^ 0x5EED);
            for step in 0..=CHECKPOINTS[CHECKPOINTS.len() - 1] {
                let list = pick(
                    Method::Segue,
                    world,
                    &listener,
                    &session,
                    setup,
                    10,
                    &mut picks,
                );
                if list.is_empty() {
                    break;
                }
                let k = if list.len() > 1 && picks.unit() < 0.3 {
                    1 + picks.below(list.len() - 1)
                } else {
                    0
                };
                let played = &list[k];
                let values = played.term_values();
                let i = world.at(played.track_id);
                let previous = session.context.current.map_or(i, |c| world.at(c));
                let (through, explicit) = listener.react(world, i, previous, &mut reactions);
                writeln!(
                    out,
                    "{}",
                    serde_json::json!({
                        "listener": format!("{}-{l}", kind.name()),
                        "kind": kind.name(),
                        "step": step,
                        "values": values,
                        "enjoyed": through,
                        "liked": listener.likes[i],
                    })
                )?;
                rows += 1;
                session.show(&list);
                session.hear(world, played.track_id, through, explicit);
            }
        }
    }
    out.flush()?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_counts_liked_tracks_ranked_above_the_rest() {
        let liked = [true, false, true, false];
        // Both liked above both others: 1; both below: 0; all tied: a half.
        assert_eq!(auc(&[0.9, 0.1, 0.8, 0.2], &liked), 1.0);
        assert_eq!(auc(&[0.1, 0.9, 0.2, 0.8], &liked), 0.0);
        assert_eq!(auc(&[0.5; 4], &liked), 0.5);
        // One of the four liked/other pairs in the wrong order.
        assert_eq!(auc(&[0.9, 0.5, 0.4, 0.1], &liked), 0.75);
    }

    #[test]
    fn every_set_name_picks_its_packages_and_the_halves_make_the_tuning_set() {
        for s in curation::SOUNDTRACKS {
            let halves = in_set(s, "tuning-a") as u8 + in_set(s, "tuning-b") as u8;
            assert_eq!(halves, in_set(s, "tuning") as u8, "{}", s.package);
            assert_ne!(in_set(s, "tuning"), in_set(s, "held"), "{}", s.package);
            assert!(!in_set(s, "tuning-c"));
        }
    }
}
