//! One row per track from its analysis, so that distances between rows say how alike two
//! tracks are in sound (embedding), style (tags) and timbre and rhythm (DSP) at once.

/// What the map reads of one track's analysis. A block of the wrong length (a track analysed
/// by another model version, or not at all) counts as unknown: zeros, no pull either way.
#[derive(Debug, Clone, Copy)]
pub struct TrackInput<'a> {
    /// The musicnn embedding.
    pub embedding: &'a [f32],
    /// Tag probabilities (both musicnn label sets).
    pub tags: &'a [f32],
    /// DSP timbre and rhythm (`segue_recommend::timbre_of`), any scale.
    pub timbre: &'a [f32],
}

/// Rows of equal length, contiguous.
#[derive(Debug, Clone, Default)]
pub struct Rows {
    pub data: Vec<f32>,
    pub dim: usize,
}

impl Rows {
    pub fn new(data: Vec<f32>, dim: usize) -> Rows {
        Rows { data, dim }
    }

    pub fn len(&self) -> usize {
        self.data.len().checked_div(self.dim).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn row(&self, i: usize) -> &[f32] {
        &self.data[i * self.dim..(i + 1) * self.dim]
    }

    /// The rows at `picks`, in that order.
    pub fn select(&self, picks: &[usize]) -> Rows {
        let mut data = Vec::with_capacity(picks.len() * self.dim);
        for &i in picks {
            data.extend_from_slice(self.row(i));
        }
        Rows::new(data, self.dim)
    }
}

/// How one block of a track's analysis becomes part of its row.
#[derive(Debug, Clone)]
struct Block {
    mean: Vec<f32>,
    /// Per column, 1 / standard deviation for blocks whose columns have unlike units (DSP),
    /// 1 for blocks whose columns share one (embedding, probabilities).
    scale: Vec<f32>,
}

impl Block {
    fn fit(rows: &[&[f32]], standardise: bool) -> Block {
        let dim = common_length(rows);
        let full: Vec<&[f32]> = rows.iter().copied().filter(|r| r.len() == dim).collect();
        let n = full.len().max(1) as f64;
        let mut mean = vec![0.0f64; dim];
        for r in &full {
            mean.iter_mut()
                .zip(*r)
                .for_each(|(m, x)| *m += f64::from(finite(*x)) / n);
        }
        let mut var = vec![0.0f64; dim];
        for r in &full {
            var.iter_mut()
                .zip(*r)
                .zip(&mean)
                .for_each(|((v, x), m)| *v += (f64::from(finite(*x)) - m).powi(2) / n);
        }
        Block {
            mean: mean.iter().map(|m| *m as f32).collect(),
            scale: var
                .iter()
                .map(|v| {
                    if standardise {
                        1.0 / (v.sqrt() as f32).max(1e-6)
                    } else {
                        1.0
                    }
                })
                .collect(),
        }
    }

    /// Centred, scaled and of length `weight` (zeros when unknown).
    fn write(&self, input: &[f32], weight: f32, out: &mut [f32]) {
        if input.len() != self.mean.len() || input.is_empty() {
            out.fill(0.0);
            return;
        }
        for (((o, x), m), s) in out.iter_mut().zip(input).zip(&self.mean).zip(&self.scale) {
            *o = (finite(*x) - m) * s;
        }
        let norm = out.iter().map(|x| x * x).sum::<f32>().sqrt();
        if norm > 1e-9 {
            out.iter_mut().for_each(|x| *x *= weight / norm);
        }
    }
}

fn finite(x: f32) -> f32 {
    if x.is_finite() { x } else { 0.0 }
}

/// The length most rows have (ties: the longer).
fn common_length(rows: &[&[f32]]) -> usize {
    let mut counts: std::collections::HashMap<usize, usize> = Default::default();
    for r in rows.iter().filter(|r| !r.is_empty()) {
        *counts.entry(r.len()).or_default() += 1;
    }
    counts
        .into_iter()
        .max_by_key(|(len, count)| (*count, *len))
        .map_or(0, |(len, _)| len)
}

/// The three blocks' means and scales, fitted on a library. Each block of a row is centred,
/// scaled and set to length 1/√3, so the row has length 1 and the three count alike: the
/// 200-d embedding does not outweigh the 34 DSP measures by its size.
#[derive(Debug, Clone)]
pub struct FeatureSpace {
    blocks: [Block; 3],
}

impl FeatureSpace {
    pub fn fit(tracks: &[TrackInput]) -> FeatureSpace {
        let embedding: Vec<&[f32]> = tracks.iter().map(|t| t.embedding).collect();
        let tags: Vec<&[f32]> = tracks.iter().map(|t| t.tags).collect();
        let timbre: Vec<&[f32]> = tracks.iter().map(|t| t.timbre).collect();
        FeatureSpace {
            blocks: [
                Block::fit(&embedding, false),
                Block::fit(&tags, false),
                Block::fit(&timbre, true),
            ],
        }
    }

    pub fn dim(&self) -> usize {
        self.blocks.iter().map(|b| b.mean.len()).sum()
    }

    /// One track's row.
    pub fn row(&self, track: &TrackInput, out: &mut [f32]) {
        let weight = 1.0 / (self.blocks.len() as f32).sqrt();
        let inputs = [track.embedding, track.tags, track.timbre];
        let mut start = 0;
        for (block, input) in self.blocks.iter().zip(inputs) {
            let end = start + block.mean.len();
            block.write(input, weight, &mut out[start..end]);
            start = end;
        }
    }

    pub fn rows(&self, tracks: &[TrackInput]) -> Rows {
        let dim = self.dim();
        let mut data = vec![0.0f32; tracks.len() * dim];
        if dim > 0 {
            for (t, out) in tracks.iter().zip(data.chunks_exact_mut(dim)) {
                self.row(t, out);
            }
        }
        Rows::new(data, dim)
    }
}
