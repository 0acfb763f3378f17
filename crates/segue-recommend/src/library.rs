//! The analysed library as the recommender reads it: one profile per track, and the rows
//! (centred, unit-length, also in 8 bits) that scoring streams through.

use std::collections::HashMap;

use segue_core::{KeyMode, TrackId};

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
    pub(crate) tracks: Vec<TrackProfile>,
    /// Centred, unit-length embeddings, one row of `sound_dim` per track (contiguous: scoring
    /// streams through it once per call).
    pub(crate) sound: Vec<f32>,
    pub(crate) sound_dim: usize,
    /// Centred, unit-length tag vectors, `style_dim` per track.
    pub(crate) style: Vec<f32>,
    pub(crate) style_dim: usize,
    pub(crate) by_id: HashMap<TrackId, usize>,
    pub(crate) tag_names: Vec<String>,
    /// `sound` and `style` rows side by side in 8 bits (each half scaled to its largest value,
    /// `quantised_scale`): the first stage streams these, a quarter of the bytes.
    pub(crate) quantised: Vec<i8>,
    pub(crate) quantised_scale: Vec<(f32, f32)>,
    /// Column sums of `sound` and `style` over every track (term means start from them).
    pub(crate) sound_sum: Vec<f32>,
    pub(crate) style_sum: Vec<f32>,
    /// Titles (lower-cased) that more than one track has: reasons name those with their artist.
    pub(crate) shared_titles: std::collections::HashSet<String>,
    /// Per track, what the join terms and the exploration draw read: compact, since the first
    /// stage reads it for every track (the profiles are large and scattered).
    pub(crate) joins: Vec<JoinFacts>,
}

/// A track's tempo, key, energy and loudness, ready for the join terms.
#[derive(Debug, Clone, Copy)]
pub(crate) struct JoinFacts {
    pub(crate) id: TrackId,
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
    pub(crate) fn name(&self, i: usize) -> String {
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
    pub(crate) fn quantised_dots(&self, i: usize, sound: &[f32], style: &[f32]) -> f32 {
        let width = self.sound_dim + self.style_dim;
        let row = &self.quantised[i * width..(i + 1) * width];
        let (sound_scale, style_scale) = self.quantised_scale[i];
        sound_scale * dot(&row[..self.sound_dim], sound)
            + style_scale * dot(&row[self.sound_dim..], style)
    }

    pub(crate) fn sound_row(&self, i: usize) -> &[f32] {
        &self.sound[i * self.sound_dim..(i + 1) * self.sound_dim]
    }

    pub(crate) fn style_row(&self, i: usize) -> &[f32] {
        &self.style[i * self.style_dim..(i + 1) * self.style_dim]
    }

    /// Similarity in sound and style together, -1..1 (what taste compares).
    pub(crate) fn joint_similarity(&self, i: usize, j: usize) -> f32 {
        0.5 * (dot(self.sound_row(i), self.sound_row(j))
            + dot(self.style_row(i), self.style_row(j)))
    }

    pub(crate) fn index(&self, id: TrackId) -> Option<usize> {
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
