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

mod reason;
mod taste;

use std::collections::HashMap;

use segue_core::{
    Daypart, Detail, KeyJoin, KeyMode, RANKED_TERMS, RankingModel, ScoreTerm, Suggestion,
    TERM_COUNT, TermKind, TrackId,
};

pub use taste::{Signal, SignalSource, Taste};

/// What the recommender knows about one analysed track.
#[derive(Debug, Clone)]
pub struct TrackProfile {
    pub id: TrackId,
    pub title: String,
    /// None when unknown: tracks by unknown artists are not taken for one artist (they keep
    /// the album gap when they share an album).
    pub artist: Option<String>,
    pub album: Option<String>,
    /// musicnn embedding (any scale; [`Library::new`] centres and normalises it).
    pub embedding: Vec<f32>,
    /// Tag probabilities, MSD then MTT labels ([`Library::tag_names`] order).
    pub tags: Vec<f32>,
    pub bpm: f32,
    pub key: u8,
    pub mode: KeyMode,
    /// RMS energy of the analysed signal.
    pub energy: f32,
    pub loudness_lufs: Option<f64>,
}

/// The analysed library, prepared for ranking.
pub struct Library {
    tracks: Vec<TrackProfile>,
    /// Centred, unit-length embeddings, one row of `sound_dim` per track (contiguous: scoring
    /// streams through it once per call).
    sound: Vec<f32>,
    sound_dim: usize,
    /// Centred, unit-length tag vectors, `style_dim` per track.
    style: Vec<f32>,
    style_dim: usize,
    by_id: HashMap<TrackId, usize>,
    tag_names: Vec<String>,
    /// `sound` and `style` rows side by side in 8 bits (each half scaled to its largest value,
    /// `quantised_scale`): the first stage streams these, a quarter of the bytes.
    quantised: Vec<i8>,
    quantised_scale: Vec<(f32, f32)>,
    /// Column sums of `sound` and `style` over every track (term means start from them).
    sound_sum: Vec<f32>,
    style_sum: Vec<f32>,
    /// Titles (lower-cased) that more than one track has: reasons name those with their artist.
    shared_titles: std::collections::HashSet<String>,
    /// Per track, what the join terms and the exploration draw read: compact, since the first
    /// stage reads it for every track (the profiles are large and scattered).
    joins: Vec<JoinFacts>,
}

/// A track's tempo, key, energy and loudness, ready for the join terms.
#[derive(Debug, Clone, Copy)]
struct JoinFacts {
    id: TrackId,
    /// log2 of the tempo (NaN when unknown): no logarithms while scoring.
    tempo_log: f32,
    energy_db: f32,
    /// Integrated loudness in LUFS, NaN when unknown.
    loudness: f32,
    camelot: u8,
    mode: KeyMode,
}

impl JoinFacts {
    fn of(t: &TrackProfile) -> JoinFacts {
        JoinFacts {
            id: t.id,
            tempo_log: if t.bpm > 0.0 { t.bpm.log2() } else { f32::NAN },
            energy_db: 20.0 * t.energy.max(1e-6).log10(),
            loudness: t.loudness_lufs.map_or(f32::NAN, |l| l as f32),
            camelot: segue_core::camelot_number(t.key, t.mode),
            mode: t.mode,
        }
    }
}

impl Library {
    /// `tag_names` names the entries of every profile's `tags` (duplicates across the two
    /// label sets are fine).
    pub fn new(tracks: Vec<TrackProfile>, tag_names: Vec<String>) -> Library {
        let (sound, sound_dim) = centred_unit(tracks.iter().map(|t| t.embedding.as_slice()));
        let (style, style_dim) = centred_unit(tracks.iter().map(|t| t.tags.as_slice()));
        let by_id = tracks.iter().enumerate().map(|(i, t)| (t.id, i)).collect();
        let joins = tracks.iter().map(JoinFacts::of).collect();
        let column_sums = |rows: &[f32], dim: usize| -> Vec<f32> {
            let mut sum = vec![0.0f64; dim];
            for row in rows.chunks_exact(dim.max(1)) {
                sum.iter_mut()
                    .zip(row)
                    .for_each(|(s, x)| *s += f64::from(*x));
            }
            sum.into_iter().map(|x| x as f32).collect()
        };
        let mut title_count: HashMap<String, usize> = HashMap::new();
        for t in &tracks {
            *title_count.entry(t.title.to_lowercase()).or_default() += 1;
        }
        let shared_titles = title_count
            .into_iter()
            .filter(|(_, n)| *n > 1)
            .map(|(title, _)| title)
            .collect();
        let mut quantised = Vec::with_capacity(tracks.len() * (sound_dim + style_dim));
        let mut quantised_scale = Vec::with_capacity(tracks.len());
        for i in 0..tracks.len() {
            let sound_scale = quantise(&sound[i * sound_dim..(i + 1) * sound_dim], &mut quantised);
            let style_scale = quantise(&style[i * style_dim..(i + 1) * style_dim], &mut quantised);
            quantised_scale.push((sound_scale, style_scale));
        }
        Library {
            quantised,
            quantised_scale,
            shared_titles,
            sound_sum: column_sums(&sound, sound_dim),
            style_sum: column_sums(&style, style_dim),
            tracks,
            sound,
            sound_dim,
            style,
            style_dim,
            by_id,
            tag_names,
            joins,
        }
    }

    pub fn len(&self) -> usize {
        self.tracks.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tracks.is_empty()
    }

    pub fn get(&self, id: TrackId) -> Option<&TrackProfile> {
        self.by_id.get(&id).map(|&i| &self.tracks[i])
    }

    pub fn tracks(&self) -> &[TrackProfile] {
        &self.tracks
    }

    pub fn tag_names(&self) -> &[String] {
        &self.tag_names
    }

    /// How reasons name track `i`: its title, and its artist too when another track has the
    /// same title.
    fn name(&self, i: usize) -> String {
        let t = &self.tracks[i];
        match &t.artist {
            Some(artist) if self.shared_titles.contains(&t.title.to_lowercase()) => {
                format!("{} ({artist})", t.title)
            }
            _ => t.title.clone(),
        }
    }

    /// Track `i`'s sound and style rows dotted with `sound` and `style`, from the 8-bit rows
    /// (within about 1 % of the exact dot products of unit rows).
    fn quantised_dots(&self, i: usize, sound: &[f32], style: &[f32]) -> f32 {
        let width = self.sound_dim + self.style_dim;
        let row = &self.quantised[i * width..(i + 1) * width];
        let (sound_scale, style_scale) = self.quantised_scale[i];
        sound_scale * dot(&row[..self.sound_dim], sound)
            + style_scale * dot(&row[self.sound_dim..], style)
    }

    fn sound_row(&self, i: usize) -> &[f32] {
        &self.sound[i * self.sound_dim..(i + 1) * self.sound_dim]
    }

    fn style_row(&self, i: usize) -> &[f32] {
        &self.style[i * self.style_dim..(i + 1) * self.style_dim]
    }

    /// Similarity in sound and style together, -1..1 (what taste compares).
    fn joint_similarity(&self, i: usize, j: usize) -> f32 {
        0.5 * (dot(self.sound_row(i), self.sound_row(j))
            + dot(self.style_row(i), self.style_row(j)))
    }

    fn index(&self, id: TrackId) -> Option<usize> {
        self.by_id.get(&id).copied()
    }

    /// Cosine similarity of two tracks' sound (centred embeddings), -1..1.
    pub fn sound_similarity(&self, a: TrackId, b: TrackId) -> Option<f32> {
        Some(dot(
            self.sound_row(self.index(a)?),
            self.sound_row(self.index(b)?),
        ))
    }

    /// The `n` strongest tags of a track, by name, without repeats.
    pub fn top_tags(&self, id: TrackId, n: usize) -> Vec<&str> {
        let Some(t) = self.get(id) else {
            return Vec::new();
        };
        self.strongest_names(|i| t.tags.get(i).copied().unwrap_or(0.0), 0.0, n)
    }

    /// Tags strong in both tracks (the product of their probabilities), strongest first.
    fn shared_tags(&self, a: usize, b: usize, n: usize) -> Vec<&str> {
        let (ta, tb) = (&self.tracks[a].tags, &self.tracks[b].tags);
        let both = |i: usize| {
            let (x, y) = (
                ta.get(i).copied().unwrap_or(0.0),
                tb.get(i).copied().unwrap_or(0.0),
            );
            // Both at least 0.1, else it is not shared.
            if x.min(y) < 0.1 {
                f32::NEG_INFINITY
            } else {
                x * y
            }
        };
        self.strongest_names(both, f32::NEG_INFINITY, n)
    }

    /// Up to `n` distinct tag names by decreasing `strength`, stopping at `floor` (the two
    /// label sets share some names).
    fn strongest_names(&self, strength: impl Fn(usize) -> f32, floor: f32, n: usize) -> Vec<&str> {
        let mut order: Vec<usize> = (0..self.tag_names.len()).collect();
        order.sort_by(|&a, &b| strength(b).total_cmp(&strength(a)));
        let mut out: Vec<&str> = Vec::new();
        for i in order {
            if out.len() == n || strength(i) <= floor {
                break;
            }
            let name = self.tag_names[i].as_str();
            if !out.contains(&name) {
                out.push(name);
            }
        }
        out
    }
}

/// How a play ended, for the session and novelty terms.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Play {
    pub track: TrackId,
    pub started_at_ms: i64,
    /// Share of the track heard, 0-1.
    pub fraction: f32,
    pub skipped: bool,
}

/// A pause this long between two plays (start to start, or from the last start to now) ends a
/// listening session: the next one keeps no artist and album gaps from it and does not steer
/// by its sound. One hour: longer than nearly any track, shorter than a night.
pub const SESSION_BREAK_MS: i64 = 3_600_000;

impl Context {
    /// This session's plays, oldest first: the recent plays since the last break of
    /// [`SESSION_BREAK_MS`] (none if the newest is that long ago).
    pub fn session(&self) -> &[Play] {
        let mut start = self.recent.len();
        let mut later = self.now_ms;
        while start > 0 && later - self.recent[start - 1].started_at_ms < SESSION_BREAK_MS {
            start -= 1;
            later = self.recent[start].started_at_ms;
        }
        &self.recent[start..]
    }
}

/// Where the list starts from, besides the playing track.
#[derive(Debug, Clone, PartialEq)]
pub enum Seed {
    Track(TrackId),
    Artist(String),
    Album(String),
    /// A tag name (any of [`Library::tag_names`]).
    Tag(String),
}

/// What is happening now.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// The playing (or last played) track: the one suggestions follow.
    pub current: Option<TrackId>,
    /// Recent plays, oldest first: every play within the track gap, and the last few (about
    /// 20) besides. Those since the last break of [`SESSION_BREAK_MS`] make the session.
    pub recent: Vec<Play>,
    /// Tracks already queued after `current`: not suggested, and they count for the gaps.
    pub queued: Vec<TrackId>,
    pub now_ms: i64,
    /// Radio: the list follows this instead of the playing track.
    pub seed: Option<Seed>,
    /// Varies the exploration draws between calls.
    pub draw: u64,
    /// The time of day, and what the user played around it on earlier days.
    pub time_of_day: Option<TimeOfDay>,
}

/// The local time of day now, and plays on earlier days at about this time.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TimeOfDay {
    /// The local clock hour now, 0-23.
    pub local_hour: u8,
    pub earlier: Vec<EarlierPlay>,
}

/// A play on an earlier day, at about this time of day.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EarlierPlay {
    pub track: TrackId,
    /// How far its clock time was from now's (0-12 hours, either way round the clock).
    pub hours_apart: f32,
    /// Played through (true) or skipped early (false).
    pub played_through: bool,
}

/// The user's settings for suggestions.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// 0: stay close to the current sound; 1: explore.
    pub exploration: f32,
    /// A track is not suggested again within this many hours of being played.
    pub track_gap_hours: f32,
    /// Tracks between two by the same artist.
    pub artist_gap: usize,
    /// Tracks between two from the same album.
    pub album_gap: usize,
}

impl Settings {
    /// The (artist, album) gaps a pick tries in turn: strict first, then without the album
    /// gap, then a third of the artist gap, then none (only when nothing qualifies).
    pub fn gap_steps(&self) -> [(usize, usize); 4] {
        [
            (self.artist_gap, self.album_gap),
            (self.artist_gap, 0),
            (self.artist_gap / 3, 0),
            (0, 0),
        ]
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            exploration: 0.3,
            track_gap_hours: 24.0,
            artist_gap: 15,
            album_gap: 25,
        }
    }
}

/// Term weights at a given exploration setting.
struct Weights {
    sound: f32,
    tags: f32,
    session: f32,
    tempo: f32,
    key: f32,
    energy: f32,
    taste: f32,
    novelty: f32,
    explore: f32,
    time_of_day: f32,
    /// Penalty per unit of similarity to a track already picked for this list.
    variety: f32,
}

/// Term weights as `base + slope * exploration`, in [`RANKED_TERMS`] order: the same numbers
/// as `models/ranker/weights.json`, which the ONNX ranker is built from (a test in the
/// service checks that the two agree).
pub const WEIGHT_BASE: [f32; TERM_COUNT] = [1.6, 0.7, 0.3, 0.2, 0.2, 0.5, 5.0, 0.3, 0.0, 5.0];
pub const WEIGHT_SLOPE: [f32; TERM_COUNT] = [-1.2, -0.5, -0.3, -0.2, -0.2, 0.0, 0.0, 0.3, 1.2, 0.0];

impl Weights {
    /// At an exploration setting (0..1), with the user's learned offsets added.
    fn at(exploration: f32, offsets: &[f32; TERM_COUNT]) -> Weights {
        let x = exploration.clamp(0.0, 1.0);
        let w: Vec<f32> = (0..TERM_COUNT)
            .map(|k| WEIGHT_BASE[k] + WEIGHT_SLOPE[k] * x + offsets[k])
            .collect();
        Weights {
            sound: w[0],
            tags: w[1],
            tempo: w[2],
            key: w[3],
            energy: w[4],
            session: w[5],
            taste: w[6],
            novelty: w[7],
            explore: w[8],
            time_of_day: w[9],
            variety: 0.4 + 0.4 * x,
        }
    }
}

/// One suggestion the user acted on: its term values (in [`RANKED_TERMS`] order) and whether
/// they played it through (true) or skipped it early (false).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Outcome {
    pub values: [f32; TERM_COUNT],
    pub liked: bool,
}

/// The user's offsets to the term weights, learned from what they did with suggestions: a
/// logistic regression of "played through" on the term values, strongly regularised towards
/// zero (a handful of outcomes nudges the weights; many can move each by at most 1).
pub fn learn_offsets(outcomes: &[Outcome]) -> [f32; TERM_COUNT] {
    const STEPS: usize = 200;
    const RATE: f32 = 0.5;
    const L2: f32 = 0.05;
    let mut w = [0.0f32; TERM_COUNT];
    let mut bias = 0.0f32;
    if outcomes.is_empty() {
        return w;
    }
    let n = outcomes.len() as f32;
    for _ in 0..STEPS {
        let mut grad = [0.0f32; TERM_COUNT];
        let mut grad_bias = 0.0f32;
        for o in outcomes {
            let z: f32 = o.values.iter().zip(&w).map(|(v, w)| v * w).sum::<f32>() + bias;
            let p = 1.0 / (1.0 + (-z).exp());
            let e = p - if o.liked { 1.0 } else { 0.0 };
            for (g, v) in grad.iter_mut().zip(&o.values) {
                *g += e * v / n;
            }
            grad_bias += e / n;
        }
        for (w, g) in w.iter_mut().zip(&grad) {
            *w -= RATE * (g + L2 * *w);
        }
        bias -= RATE * grad_bias;
    }
    w.map(|x| x.clamp(-1.0, 1.0))
}

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
    let recent_cutoff = context.now_ms - (settings.track_gap_hours * 3_600_000.0) as i64;
    let mut blocked = vec![false; library.len()];
    let block = |blocked: &mut Vec<bool>, id: TrackId| {
        if let Some(i) = library.index(id) {
            blocked[i] = true;
        }
    };
    for p in context
        .recent
        .iter()
        .filter(|p| p.started_at_ms >= recent_cutoff)
    {
        block(&mut blocked, p.track);
    }
    for &id in context.current.iter().chain(&context.queued) {
        block(&mut blocked, id);
    }
    for id in taste.excluded() {
        block(&mut blocked, id);
    }
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

/// Second stage: the model scores the short list from its term values. Returns each term's
/// mean contribution over the short list (what lifts are measured against).
fn rank_short_list(
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
fn pick(
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
    // The sequence so far, newest last: this session's plays, the current track, the queue.
    let session = context.session();
    let mut sequence: Vec<usize> = session
        .iter()
        .filter_map(|p| library.index(p.track))
        .collect();
    // The playing track is usually the last play of the session already; count it once.
    if session.last().map(|p| p.track) != context.current {
        sequence.extend(context.current.and_then(|c| library.index(c)));
    }
    sequence.extend(context.queued.iter().filter_map(|&q| library.index(q)));
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

fn gaps_ok(
    library: &Library,
    sequence: &[usize],
    candidate: usize,
    artist_gap: usize,
    album_gap: usize,
) -> bool {
    let c = &library.tracks[candidate];
    let artist_clash = sequence
        .iter()
        .rev()
        .take(artist_gap)
        .any(|&i| c.artist.is_some() && library.tracks[i].artist == c.artist);
    let album_clash =
        c.album.is_some()
            && sequence.iter().rev().take(album_gap).any(|&i| {
                library.tracks[i].album == c.album && library.tracks[i].artist == c.artist
            });
    !artist_clash && !album_clash
}

/// What the list follows.
struct Anchor {
    index: Option<usize>,
    /// For artist, album and tag radio: a target in tag space, and its label.
    style: Option<Vec<f32>>,
    label: Detail,
}

fn anchor(library: &Library, context: &Context) -> Anchor {
    let none = Anchor {
        index: None,
        style: None,
        label: Detail::Nothing,
    };
    let centroid = |members: Vec<usize>, label: Detail| -> Anchor {
        if members.is_empty() {
            return Anchor {
                index: None,
                style: None,
                label,
            };
        }
        let mut v = vec![0.0f32; library.style_dim];
        for m in &members {
            for (x, y) in v.iter_mut().zip(library.style_row(*m)) {
                *x += y;
            }
        }
        normalise(&mut v);
        Anchor {
            index: None,
            style: Some(v),
            label,
        }
    };
    match &context.seed {
        Some(Seed::Track(id)) => Anchor {
            index: library.index(*id),
            ..none
        },
        Some(Seed::Artist(name)) => centroid(
            (0..library.len())
                .filter(|&i| {
                    library.tracks[i]
                        .artist
                        .as_deref()
                        .is_some_and(|a| a.eq_ignore_ascii_case(name))
                })
                .collect(),
            Detail::InTheVeinOf { name: name.clone() },
        ),
        Some(Seed::Album(name)) => centroid(
            (0..library.len())
                .filter(|&i| {
                    library.tracks[i]
                        .album
                        .as_deref()
                        .is_some_and(|a| a.eq_ignore_ascii_case(name))
                })
                .collect(),
            Detail::InTheVeinOf { name: name.clone() },
        ),
        Some(Seed::Tag(tag)) => {
            let columns: Vec<usize> = library
                .tag_names
                .iter()
                .enumerate()
                .filter(|(_, n)| n.eq_ignore_ascii_case(tag))
                .map(|(i, _)| i)
                .collect();
            if columns.is_empty() {
                return none;
            }
            // Tracks where the tag is strong: the top tenth of the library by that tag.
            let strength = |i: usize| -> f32 {
                columns
                    .iter()
                    .map(|&c| library.tracks[i].tags.get(c).copied().unwrap_or(0.0))
                    .fold(0.0, f32::max)
            };
            let mut order: Vec<usize> = (0..library.len()).collect();
            order.sort_by(|&a, &b| strength(b).total_cmp(&strength(a)));
            order.truncate((library.len() / 10).max(3));
            centroid(order, Detail::TagRadio { tag: tag.clone() })
        }
        None => {
            // After an early skip, follow the last track the user listened to instead: the
            // skipped one is what they did not want more of. If they skipped everything
            // lately, nothing is followed (taste and novelty lead).
            let skipped_now = context
                .recent
                .last()
                .is_some_and(|p| Some(p.track) == context.current && p.skipped && p.fraction < 0.5);
            let index = if skipped_now {
                context
                    .session()
                    .iter()
                    .rev()
                    .take(20)
                    .find(|p| !p.skipped || p.fraction >= 0.5)
                    .and_then(|p| library.index(p.track))
            } else {
                context.current.and_then(|c| library.index(c))
            };
            Anchor { index, ..none }
        }
    }
}

/// The session's direction in sound: its full listens pull, skips push, newest count most.
fn session_vector(library: &Library, context: &Context) -> Option<Vec<f32>> {
    let plays: Vec<&Play> = context.session().iter().rev().take(20).collect();
    if plays.len() < 2 {
        return None;
    }
    let dim = library.sound_dim;
    if library.is_empty() {
        return None;
    }
    let mut v = vec![0.0f32; dim];
    for (age, p) in plays.iter().enumerate() {
        let Some(i) = library.index(p.track) else {
            continue;
        };
        let recency = 0.85f32.powi(age as i32);
        let sign = if p.skipped && p.fraction < 0.5 {
            -1.0
        } else {
            1.0
        };
        for (x, y) in v.iter_mut().zip(library.sound_row(i)) {
            *x += sign * recency * y;
        }
    }
    normalise(&mut v).then_some(v)
}

/// How far from now's clock time an earlier play counts for the time of day.
pub const TIME_OF_DAY_HOURS: f32 = 3.0;

/// What the user plays at this time of day, as directions in sound and style scaled by how
/// sure it is: a track's term value is its rows dotted with them (linear, so the first stage
/// folds it in).
struct TimeLean {
    sound: Vec<f32>,
    style: Vec<f32>,
}

/// Plays within [`TIME_OF_DAY_HOURS`] of now's clock time on earlier days pull towards their
/// sound (played through) or push away from it (skipped early); the closer in time, the more.
fn time_of_day_lean(library: &Library, context: &Context) -> Option<TimeLean> {
    let time = context.time_of_day.as_ref()?;
    let mut sound = vec![0.0f32; library.sound_dim];
    let mut style = vec![0.0f32; library.style_dim];
    let mut evidence = 0.0f32;
    for p in &time.earlier {
        let Some(i) = library.index(p.track) else {
            continue;
        };
        if p.hours_apart > TIME_OF_DAY_HOURS {
            continue;
        }
        let closeness = (-(p.hours_apart / 1.5).powi(2)).exp();
        let weight = if p.played_through {
            evidence += closeness;
            closeness
        } else {
            -0.5 * closeness
        };
        add_scaled(&mut sound, weight, library.sound_row(i));
        add_scaled(&mut style, weight, library.style_row(i));
    }
    // A habit needs a few listens: three close ones count fully.
    let confidence = (evidence / 3.0).min(1.0);
    if confidence == 0.0 || !(normalise(&mut sound) | normalise(&mut style)) {
        return None;
    }
    let scale = 0.5 * confidence;
    sound
        .iter_mut()
        .chain(style.iter_mut())
        .for_each(|x| *x *= scale);
    Some(TimeLean { sound, style })
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
fn tempo_match(from: f32, to: f32) -> f32 {
    let log = |b: f32| if b > 0.0 { b.log2() } else { f32::NAN };
    tempo_match_log(log(from), log(to))
}

/// [`tempo_match`] from log2 tempos (NaN: unknown, no match).
fn tempo_match_log(from: f32, to: f32) -> f32 {
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
fn key_match(from: &JoinFacts, to: &JoinFacts) -> (f32, KeyJoin) {
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
fn energy_match(from: &JoinFacts, to: &JoinFacts) -> f32 {
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

/// Dot product in eight independent lanes, which the compiler turns into SIMD (a plain
/// sum is sequential in floating point and stays scalar). `a` may be floats or the 8-bit rows.
fn dot<T: Copy + Into<f32>>(a: &[T], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut lanes = [0.0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| (*x).into() * y)
        .sum();
    for (x, y) in ca.zip(cb) {
        for k in 0..8 {
            lanes[k] += x[k].into() * y[k];
        }
    }
    lanes.iter().sum::<f32>() + tail
}

/// Appends `row` in 8 bits (largest magnitude to ±127) and returns the scale back to floats.
fn quantise(row: &[f32], out: &mut Vec<i8>) -> f32 {
    let largest = row.iter().fold(0.0f32, |m, x| m.max(x.abs()));
    let scale = if largest > 0.0 { largest / 127.0 } else { 1.0 };
    out.extend(
        row.iter()
            .map(|x| (x / scale).round().clamp(-127.0, 127.0) as i8),
    );
    scale
}

/// `y += k * x`.
fn add_scaled(y: &mut [f32], k: f32, x: &[f32]) {
    y.iter_mut().zip(x).for_each(|(y, x)| *y += k * x);
}

/// Normalises in place; false when the vector is (almost) zero.
fn normalise(v: &mut [f32]) -> bool {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm < 1e-9 {
        return false;
    }
    v.iter_mut().for_each(|x| *x /= norm);
    true
}

/// Rows minus their mean, each scaled to unit length: cosine similarity then measures how two
/// tracks differ from the library's average in the same direction (musicnn's embeddings and
/// tags are all positive, so raw cosines are close to 1 for everything).
fn centred_unit<'a>(rows: impl Iterator<Item = &'a [f32]> + Clone) -> (Vec<f32>, usize) {
    let count = rows.clone().count().max(1) as f32;
    let dim = rows.clone().map(<[f32]>::len).max().unwrap_or(0);
    let mut mean = vec![0.0f32; dim];
    for r in rows.clone() {
        for (m, x) in mean.iter_mut().zip(r) {
            *m += x / count;
        }
    }
    let mut flat = Vec::with_capacity(dim * count as usize);
    for r in rows {
        let start = flat.len();
        flat.extend(
            mean.iter()
                .enumerate()
                .map(|(i, m)| r.get(i).copied().unwrap_or(*m) - m),
        );
        normalise(&mut flat[start..]);
    }
    (flat, dim)
}

/// A stable pseudo-random number in [0, 1) from `x` (SplitMix64).
fn unit_hash(x: u64) -> f32 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 40) as f32 / (1u64 << 24) as f32
}

#[cfg(test)]
mod tests;
