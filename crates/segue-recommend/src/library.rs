//! The analysed library as the recommender reads it: one profile per track; its rows in three
//! spaces (sound, style, timbre: centred, unit-length, also in 8 bits) that scoring streams
//! through; and its metadata facets (artist, album, composer, genre, folder, era) as ids.

use std::collections::HashMap;

use segue_core::{DspFeatures, Facet, KeyMode, TrackId};

use crate::vector::{centred_unit, dot, quantise};

/// What the recommender knows about one analysed track.
#[derive(Debug, Clone)]
pub struct TrackProfile {
    pub id: TrackId,
    pub title: String,
    /// None when unknown: tracks by unknown artists are not taken for one artist (they keep
    /// the album gap when they share an album).
    pub artist: Option<String>,
    pub album: Option<String>,
    pub album_artist: Option<String>,
    pub composer: Option<String>,
    pub genre: Option<String>,
    pub year: Option<i32>,
    /// The folder the file is in.
    pub folder: Option<String>,
    /// musicnn embedding (any scale; [`Library::new`] centres and normalises it).
    pub embedding: Vec<f32>,
    /// Tag probabilities, MSD then MTT labels ([`Library::tag_names`] order).
    pub tags: Vec<f32>,
    /// Timbre and rhythm from the DSP ([`timbre_of`]; any scale: [`Library::new`]
    /// standardises each column). Empty when unknown.
    pub timbre: Vec<f32>,
    pub bpm: f32,
    pub key: u8,
    pub mode: KeyMode,
    /// RMS energy of the analysed signal.
    pub energy: f32,
    pub loudness_lufs: Option<f64>,
}

impl Default for TrackProfile {
    fn default() -> Self {
        TrackProfile {
            id: 0,
            title: String::new(),
            artist: None,
            album: None,
            album_artist: None,
            composer: None,
            genre: None,
            year: None,
            folder: None,
            embedding: Vec::new(),
            tags: Vec::new(),
            timbre: Vec::new(),
            bpm: 0.0,
            key: 0,
            mode: KeyMode::Major,
            energy: 0.0,
            loudness_lufs: None,
        }
    }
}

/// A track's timbre and rhythm as DSP measured them, for the timbre space: tempo and its
/// confidence, energy, spectral shape, onsets, and the MFCCs' means and (log) variances.
/// Key and chroma are left out: two tracks in different keys can sound alike.
pub fn timbre_of(dsp: &DspFeatures) -> Vec<f32> {
    let log = |x: f32| x.max(1e-6).ln();
    let mut v = vec![
        log(dsp.bpm),
        dsp.bpm_confidence,
        20.0 * dsp.energy.max(1e-6).log10(),
        log(dsp.spectral_centroid_hz),
        log(dsp.spectral_rolloff_hz),
        dsp.spectral_flatness,
        dsp.zero_crossing_rate,
        log(dsp.onset_rate + 0.1),
    ];
    v.extend(dsp.mfcc_mean);
    v.extend(dsp.mfcc_var.iter().map(|&x| log(x)));
    v.iter()
        .map(|x| if x.is_finite() { *x } else { 0.0 })
        .collect()
}

/// The row spaces every track has a unit row in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Space {
    /// The musicnn embedding.
    Sound = 0,
    /// The musicnn tags (both label sets).
    Style = 1,
    /// The DSP's timbre and rhythm.
    Timbre = 2,
}

pub(crate) const SPACE_COUNT: usize = 3;

pub(crate) const SPACES: [Space; SPACE_COUNT] = [Space::Sound, Space::Style, Space::Timbre];

/// One row space: a centred, unit-length row of `dim` per track, contiguous (scoring streams
/// through it), and the column sums over every track (term means start from them).
pub(crate) struct Rows {
    pub(crate) data: Vec<f32>,
    pub(crate) dim: usize,
    pub(crate) sum: Vec<f32>,
}

impl Rows {
    fn new<'a>(rows: impl Iterator<Item = &'a [f32]> + Clone) -> Rows {
        let (data, dim) = centred_unit(rows);
        let mut sum = vec![0.0f64; dim];
        for row in data.chunks_exact(dim.max(1)) {
            sum.iter_mut()
                .zip(row)
                .for_each(|(s, x)| *s += f64::from(*x));
        }
        Rows {
            data,
            dim,
            sum: sum.into_iter().map(|x| x as f32).collect(),
        }
    }

    pub(crate) fn row(&self, i: usize) -> &[f32] {
        &self.data[i * self.dim..(i + 1) * self.dim]
    }
}

/// A linear function of a track's rows: one vector per space, dotted with the track's row in
/// that space. Terms that are linear fold into one of these, so the first stage costs one
/// pass over each candidate's rows however many terms there are.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Linear {
    pub(crate) parts: [Vec<f32>; SPACE_COUNT],
}

impl Linear {
    pub(crate) fn zero(library: &Library) -> Linear {
        Linear {
            parts: SPACES.map(|s| vec![0.0; library.rows[s as usize].dim]),
        }
    }

    /// Adds `k` times `v` to the part in `space`.
    pub(crate) fn add(&mut self, k: f32, space: Space, v: &[f32]) {
        let part = &mut self.parts[space as usize];
        if part.len() < v.len() {
            part.resize(v.len(), 0.0);
        }
        part.iter_mut().zip(v).for_each(|(x, y)| *x += k * y);
    }

    /// Adds `k` times every part of `other`.
    pub(crate) fn add_all(&mut self, k: f32, other: &Linear) {
        for s in SPACES {
            self.add(k, s, &other.parts[s as usize]);
        }
    }
}

/// The facets, in the order of a track's key ids.
pub const FACETS: [Facet; 6] = [
    Facet::Artist,
    Facet::Album,
    Facet::Composer,
    Facet::Genre,
    Facet::Folder,
    Facet::Era,
];

/// A facet's slot in a track's key ids.
pub(crate) fn slot(f: Facet) -> usize {
    match f {
        Facet::Artist => 0,
        Facet::Album => 1,
        Facet::Composer => 2,
        Facet::Genre => 3,
        Facet::Folder => 4,
        Facet::Era => 5,
    }
}

/// The slot of a track's key ids that holds the folder above its folder (in the folder facet's
/// id space): folders are compared as a bag of the two, so albums in one artist's folder, or
/// the tracks of one game, share something.
pub(crate) const FOLDER_ABOVE: usize = 6;

/// A facet value a track does not have.
pub(crate) const NO_KEY: u32 = u32::MAX;

/// The track's value in a facet, as it is compared (case-folded where people differ).
fn facet_value(facet: Facet, t: &TrackProfile) -> Option<String> {
    let fold = |s: &Option<String>| {
        s.as_deref()
            .map(|s| s.trim().to_lowercase())
            .filter(|s| !s.is_empty())
    };
    match facet {
        Facet::Artist => fold(&t.artist),
        Facet::Album => {
            let by = fold(&t.album_artist).or_else(|| fold(&t.artist));
            fold(&t.album).map(|a| format!("{a}\u{1f}{}", by.unwrap_or_default()))
        }
        Facet::Composer => fold(&t.composer),
        Facet::Genre => fold(&t.genre),
        Facet::Folder => t.folder.clone().filter(|f| !f.is_empty()),
        Facet::Era => t
            .year
            .filter(|y| *y > 0)
            .map(|y| (y.div_euclid(5) * 5).to_string()),
    }
}

/// How a reason names a track's value in a facet (as the track has it, not case-folded).
pub(crate) fn facet_name(facet: Facet, t: &TrackProfile) -> Option<String> {
    match facet {
        Facet::Artist => t.artist.clone(),
        Facet::Album => t.album.clone(),
        Facet::Composer => t.composer.clone(),
        Facet::Genre => t.genre.clone(),
        // The folder's own name: its path is long and says little.
        Facet::Folder => t
            .folder
            .as_deref()
            .map(|f| f.trim_end_matches(['/', '\\']))
            .and_then(|f| f.rsplit(['/', '\\']).next())
            .map(str::to_owned),
        Facet::Era => t
            .year
            .filter(|y| *y > 0)
            .map(|y| y.div_euclid(5) * 5)
            .map(|y| format!("{y}-{}", y + 4)),
    }
}

/// The analysed library, prepared for ranking.
pub struct Library {
    pub(crate) tracks: Vec<TrackProfile>,
    /// The rows in each [`Space`], indexed by `Space as usize`.
    pub(crate) rows: [Rows; SPACE_COUNT],
    pub(crate) by_id: HashMap<TrackId, usize>,
    pub(crate) tag_names: Vec<String>,
    /// Every space's row side by side in 8 bits (each scaled to its largest value,
    /// `quantised_scale`): the first stage streams these, a quarter of the bytes.
    pub(crate) quantised: Vec<i8>,
    pub(crate) quantised_scale: Vec<[f32; SPACE_COUNT]>,
    /// Per track, its value id in each facet ([`NO_KEY`] when unknown).
    pub(crate) keys: Vec<[u32; 7]>,
    /// Per facet, per value id, the tracks (positions) that have it.
    pub(crate) members: [Vec<Vec<u32>>; 6],
    /// Per folder id, the tracks whose parent or grandparent folder it is.
    pub(crate) folder_members: Vec<Vec<u32>>,
    /// Titles (lower-cased) that more than one track has: reasons name those with their artist.
    pub(crate) shared_titles: std::collections::HashSet<String>,
    /// Per track, what the join terms and the exploration draw read: compact, since the first
    /// stage reads it for every track (the profiles are large and scattered).
    pub(crate) joins: Vec<JoinFacts>,
    /// Per track that has them, the other tracks that are the same recording (the same file in
    /// two folders, or one recording in two packages or encodings): the repetition rules hold
    /// for the recording, not the file.
    pub(crate) twins: HashMap<usize, Vec<usize>>,
}

/// Two tracks whose sound rows (centred, unit length) have at least this dot product, and the
/// same tempo, key and energy, are one recording: different pieces never come this close.
const SAME_RECORDING: f32 = 0.999;

/// The twins of every track that has some (see [`Library::twins`]). Only tracks with the same
/// tempo, key and energy (to a hair) are compared, so this stays linear in practice.
fn twins(tracks: &[TrackProfile], sound: &Rows) -> HashMap<usize, Vec<usize>> {
    let mut alike: HashMap<(i64, u8, bool, i64), Vec<usize>> = HashMap::new();
    for (i, t) in tracks.iter().enumerate() {
        let key = (
            (t.bpm * 4.0).round() as i64,
            t.key,
            t.mode == KeyMode::Major,
            (t.energy * 1000.0).round() as i64,
        );
        alike.entry(key).or_default().push(i);
    }
    let mut twins: HashMap<usize, Vec<usize>> = HashMap::new();
    for group in alike.values().filter(|g| g.len() > 1) {
        for (n, &a) in group.iter().enumerate() {
            for &b in &group[n + 1..] {
                if dot(sound.row(a), sound.row(b)) >= SAME_RECORDING {
                    twins.entry(a).or_default().push(b);
                    twins.entry(b).or_default().push(a);
                }
            }
        }
    }
    twins
}

/// A track's tempo, key, energy and loudness, ready for the join terms.
#[derive(Debug, Clone, Copy)]
pub(crate) struct JoinFacts {
    /// log2 of the tempo (NaN when unknown): no logarithms while scoring.
    pub(crate) tempo_log: f32,
    pub(crate) energy_db: f32,
    /// Integrated loudness in LUFS, NaN when unknown.
    pub(crate) loudness: f32,
    pub(crate) camelot: u8,
    pub(crate) mode: KeyMode,
}

impl JoinFacts {
    pub(crate) fn of(t: &TrackProfile) -> JoinFacts {
        JoinFacts {
            tempo_log: if t.bpm > 0.0 { t.bpm.log2() } else { f32::NAN },
            energy_db: 20.0 * t.energy.max(1e-6).log10(),
            loudness: t.loudness_lufs.map_or(f32::NAN, |l| l as f32),
            camelot: segue_core::camelot_number(t.key, t.mode),
            mode: t.mode,
        }
    }
}

/// Each column scaled to unit variance (its mean stays: the rows are centred later), so no
/// single DSP measure outweighs the rest.
fn standardised(rows: &[&[f32]]) -> Vec<Vec<f32>> {
    let dim = rows.iter().map(|r| r.len()).max().unwrap_or(0);
    let n = rows.iter().filter(|r| r.len() == dim).count().max(1) as f32;
    let mut mean = vec![0.0f32; dim];
    for r in rows.iter().filter(|r| r.len() == dim) {
        mean.iter_mut().zip(*r).for_each(|(m, x)| *m += x / n);
    }
    let mut var = vec![0.0f32; dim];
    for r in rows.iter().filter(|r| r.len() == dim) {
        var.iter_mut()
            .zip(*r)
            .zip(&mean)
            .for_each(|((v, x), m)| *v += (x - m).powi(2) / n);
    }
    rows.iter()
        .map(|r| {
            if r.len() != dim {
                return Vec::new();
            }
            r.iter()
                .zip(&var)
                .map(|(x, v)| x / v.sqrt().max(1e-6))
                .collect()
        })
        .collect()
}

impl Library {
    /// `tag_names` names the entries of every profile's `tags` (duplicates across the two
    /// label sets are fine).
    pub fn new(tracks: Vec<TrackProfile>, tag_names: Vec<String>) -> Library {
        let timbre = standardised(
            &tracks
                .iter()
                .map(|t| t.timbre.as_slice())
                .collect::<Vec<_>>(),
        );
        let rows = [
            Rows::new(tracks.iter().map(|t| t.embedding.as_slice())),
            Rows::new(tracks.iter().map(|t| t.tags.as_slice())),
            Rows::new(timbre.iter().map(Vec::as_slice)),
        ];
        let by_id = tracks.iter().enumerate().map(|(i, t)| (t.id, i)).collect();
        let joins = tracks.iter().map(JoinFacts::of).collect();
        let mut title_count: HashMap<String, usize> = HashMap::new();
        for t in &tracks {
            *title_count.entry(t.title.to_lowercase()).or_default() += 1;
        }
        let shared_titles = title_count
            .into_iter()
            .filter(|(_, n)| *n > 1)
            .map(|(title, _)| title)
            .collect();
        let width: usize = rows.iter().map(|r| r.dim).sum();
        let mut quantised = Vec::with_capacity(tracks.len() * width);
        let mut quantised_scale = Vec::with_capacity(tracks.len());
        for i in 0..tracks.len() {
            quantised_scale.push(SPACES.map(|s| quantise(rows[s as usize].row(i), &mut quantised)));
        }
        let mut ids: [HashMap<String, u32>; 6] = Default::default();
        let keys: Vec<[u32; 7]> = tracks
            .iter()
            .map(|t| {
                let mut intern = |f: usize, v: Option<String>| match v {
                    Some(v) => {
                        let ids = &mut ids[f];
                        let next = ids.len() as u32;
                        *ids.entry(v).or_insert(next)
                    }
                    None => NO_KEY,
                };
                let mut k = [NO_KEY; 7];
                for f in FACETS {
                    k[slot(f)] = intern(slot(f), facet_value(f, t));
                }
                let above = t
                    .folder
                    .as_deref()
                    .and_then(|f| std::path::Path::new(f).parent())
                    .map(|p| p.to_string_lossy().into_owned())
                    .filter(|p| !p.is_empty());
                k[FOLDER_ABOVE] = intern(slot(Facet::Folder), above);
                k
            })
            .collect();
        let mut members: [Vec<Vec<u32>>; 6] = FACETS.map(|f| vec![Vec::new(); ids[slot(f)].len()]);
        let mut folder_members = vec![Vec::new(); ids[slot(Facet::Folder)].len()];
        for (i, k) in keys.iter().enumerate() {
            for (f, &key) in k.iter().enumerate().take(FOLDER_ABOVE) {
                if key != NO_KEY {
                    members[f][key as usize].push(i as u32);
                }
            }
            for key in [k[slot(Facet::Folder)], k[FOLDER_ABOVE]] {
                if key != NO_KEY {
                    folder_members[key as usize].push(i as u32);
                }
            }
        }
        let twins = twins(&tracks, &rows[Space::Sound as usize]);
        Library {
            twins,
            quantised,
            quantised_scale,
            keys,
            members,
            folder_members,
            shared_titles,
            tracks,
            rows,
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
    pub(crate) fn name(&self, i: usize) -> String {
        let t = &self.tracks[i];
        match &t.artist {
            Some(artist) if self.shared_titles.contains(&t.title.to_lowercase()) => {
                format!("{} ({artist})", t.title)
            }
            _ => t.title.clone(),
        }
    }

    /// Track `i`'s rows dotted with `f`, from the 8-bit rows (within about 1 % of the exact
    /// dot products of unit rows).
    pub(crate) fn quantised_dot(&self, i: usize, f: &Linear) -> f32 {
        let width: usize = self.rows.iter().map(|r| r.dim).sum();
        let mut row = &self.quantised[i * width..(i + 1) * width];
        let mut total = 0.0;
        for s in SPACES {
            let (part, rest) = row.split_at(self.rows[s as usize].dim);
            row = rest;
            let v = &f.parts[s as usize];
            if !v.is_empty() {
                total += self.quantised_scale[i][s as usize] * dot(part, v);
            }
        }
        total
    }

    /// Track `i`'s rows dotted with `f`, exactly.
    pub(crate) fn exact_dot(&self, i: usize, f: &Linear) -> f32 {
        SPACES
            .iter()
            .map(|&s| dot(self.rows[s as usize].row(i), &f.parts[s as usize]))
            .sum()
    }

    /// `f` dotted with the sum of every track's rows less the `blocked` ones' (what a
    /// linear term's mean over the candidates starts from).
    pub(crate) fn sum_dot(&self, f: &Linear, blocked: &[bool]) -> f32 {
        SPACES
            .iter()
            .map(|&s| {
                let rows = &self.rows[s as usize];
                let v = &f.parts[s as usize];
                if v.is_empty() {
                    return 0.0;
                }
                let mut total = dot(&rows.sum, v);
                for (i, _) in blocked.iter().enumerate().filter(|(_, b)| **b) {
                    total -= dot(rows.row(i), v);
                }
                total
            })
            .sum()
    }

    pub(crate) fn sound_row(&self, i: usize) -> &[f32] {
        self.rows[Space::Sound as usize].row(i)
    }

    pub(crate) fn style_row(&self, i: usize) -> &[f32] {
        self.rows[Space::Style as usize].row(i)
    }

    pub(crate) fn sound_dim(&self) -> usize {
        self.rows[Space::Sound as usize].dim
    }

    pub(crate) fn style_dim(&self) -> usize {
        self.rows[Space::Style as usize].dim
    }

    /// Similarity in sound and style together, -1..1 (what taste compares).
    pub(crate) fn joint_similarity(&self, i: usize, j: usize) -> f32 {
        0.5 * (dot(self.sound_row(i), self.sound_row(j))
            + dot(self.style_row(i), self.style_row(j)))
    }

    pub(crate) fn index(&self, id: TrackId) -> Option<usize> {
        self.by_id.get(&id).copied()
    }

    /// Where a track sits in [`Self::tracks`].
    pub fn position(&self, id: TrackId) -> Option<usize> {
        self.index(id)
    }

    /// Cosine similarity of the sound of tracks at positions `i` and `j`, -1..1.
    pub fn sound_similarity_at(&self, i: usize, j: usize) -> f32 {
        dot(self.sound_row(i), self.sound_row(j))
    }

    /// Similarity in sound and style together of tracks at positions `i` and `j`, -1..1.
    pub fn similarity_at(&self, i: usize, j: usize) -> f32 {
        self.joint_similarity(i, j)
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
    pub(crate) fn shared_tags(&self, a: usize, b: usize, n: usize) -> Vec<&str> {
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
    pub(crate) fn strongest_names(
        &self,
        strength: impl Fn(usize) -> f32,
        floor: f32,
        n: usize,
    ) -> Vec<&str> {
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
