//! A UMAP-style neighbour embedding, written here rather than taken from a crate: the Rust
//! UMAP/t-SNE crates found (annembed and its kind) pull in ndarray, BLAS bindings and an HNSW
//! index, far more than this needs and slow to build on two cores.
//!
//! As UMAP does: each track's k nearest neighbours become weighted edges (the nearest at
//! weight 1, the rest fading with a per-track scale so every track has the same total
//! weight), edges are made symmetric, and points are moved by stochastic gradient steps that
//! pull along edges and push away from randomly drawn tracks. The low-dimensional kernel is
//! 1 / (1 + d²) (UMAP's with a = b = 1: no powers in the inner loop).

use crate::knn::{knn, squared_distance};
use crate::{Job, MapError, Point, Rng, Rows};

#[derive(Debug, Clone)]
pub struct EmbedParams {
    pub neighbours: usize,
    pub epochs: usize,
    /// Tracks drawn to push away from per pull.
    pub negatives: usize,
    pub seed: u64,
}

impl EmbedParams {
    /// UMAP's defaults (15 neighbours, 5 negatives); fewer epochs for large libraries, whose
    /// many edges already give each point many steps.
    pub fn for_tracks(n: usize) -> EmbedParams {
        EmbedParams {
            neighbours: 15,
            epochs: if n <= 10_000 { 300 } else { 120 },
            negatives: 5,
            seed: 42,
        }
    }
}

/// The weighted, symmetric neighbour graph, one adjacency list per row.
fn graph(rows: &Rows, k: usize, job: &Job) -> Result<Vec<Vec<(u32, f32)>>, MapError> {
    let neighbours = knn(rows, k, job)?;
    let n = rows.len();
    let target = (k.max(2) as f32).log2();
    let mut directed: Vec<Vec<(u32, f32)>> = Vec::with_capacity(n);
    for i in 0..n {
        let list: Vec<(usize, f32)> = neighbours.of(i).collect();
        let rho = list.first().map_or(0.0, |x| x.1);
        // Binary search for the scale that gives every track the same total edge weight.
        let (mut lo, mut hi, mut sigma) = (0.0f32, f32::INFINITY, 1.0f32);
        for _ in 0..64 {
            let sum: f32 = list
                .iter()
                .map(|(_, d)| (-(d - rho).max(0.0) / sigma).exp())
                .sum();
            if (sum - target).abs() < 1e-4 {
                break;
            }
            if sum > target {
                hi = sigma;
                sigma = (lo + hi) / 2.0;
            } else {
                lo = sigma;
                sigma = if hi.is_finite() {
                    (lo + hi) / 2.0
                } else {
                    sigma * 2.0
                };
            }
        }
        directed.push(
            list.iter()
                .map(|(j, d)| (*j as u32, (-(d - rho).max(0.0) / sigma.max(1e-6)).exp()))
                .collect(),
        );
    }
    // Symmetric: a + b - ab (the fuzzy union of the two directions).
    let mut adjacency: Vec<Vec<(u32, f32)>> = vec![Vec::new(); n];
    for (i, list) in directed.iter().enumerate() {
        for &(j, w) in list {
            let back = directed[j as usize]
                .iter()
                .find(|x| x.0 as usize == i)
                .map_or(0.0, |x| x.1);
            let both = w + back - w * back;
            adjacency[i].push((j, both));
            if back == 0.0 {
                adjacency[j as usize].push((i as u32, both));
            }
        }
    }
    Ok(adjacency)
}

/// Lays out `rows` (best already reduced, e.g. by [`crate::Pca`]) starting from `init` (one
/// point per row, e.g. the PCA layout: a deterministic start keeps the map's large shape).
pub fn neighbour_embedding(
    rows: &Rows,
    init: &[Point],
    params: &EmbedParams,
    job: &Job,
) -> Result<Vec<Point>, MapError> {
    let n = rows.len();
    if n < 3 {
        return Ok(init.to_vec());
    }
    let adjacency = graph(rows, params.neighbours, job)?;
    job.check(0.3)?;
    let mut points = scaled_start(init, n);
    let mut rng = Rng(params.seed);
    let epochs = params.epochs.max(1);
    for epoch in 0..epochs {
        let rate = 1.0 - epoch as f32 / epochs as f32;
        for i in 0..n {
            for &(j, w) in &adjacency[i] {
                // Each edge is taken with its weight as probability (UMAP's sampling).
                if rng.unit() >= w {
                    continue;
                }
                let j = j as usize;
                let [dx, dy] = [points[i][0] - points[j][0], points[i][1] - points[j][1]];
                let d2 = dx * dx + dy * dy;
                let pull = -2.0 / (1.0 + d2);
                step(&mut points[i], pull, dx, dy, rate);
                step(&mut points[j], pull, -dx, -dy, rate);
                for _ in 0..params.negatives {
                    let r = rng.below(n);
                    if r == i {
                        continue;
                    }
                    let [dx, dy] = [points[i][0] - points[r][0], points[i][1] - points[r][1]];
                    let d2 = dx * dx + dy * dy;
                    let push = 2.0 / ((0.001 + d2) * (1.0 + d2));
                    step(&mut points[i], push, dx, dy, rate);
                }
            }
        }
        if epoch % 10 == 0 {
            job.check(0.3 + 0.7 * epoch as f32 / epochs as f32)?;
        }
    }
    job.check(1.0)?;
    Ok(points)
}

/// One clipped gradient step (UMAP clips at 4 so a near-duplicate cannot fling a point away).
fn step(p: &mut Point, coefficient: f32, dx: f32, dy: f32, rate: f32) {
    p[0] += (coefficient * dx).clamp(-4.0, 4.0) * rate;
    p[1] += (coefficient * dy).clamp(-4.0, 4.0) * rate;
}

/// The start scaled to UMAP's usual spread (about 10 across) whatever the input's units.
fn scaled_start(init: &[Point], n: usize) -> Vec<Point> {
    let mut points: Vec<Point> = (0..n)
        .map(|i| init.get(i).copied().unwrap_or([0.0, 0.0]))
        .collect();
    let largest = points
        .iter()
        .flat_map(|p| p.iter().map(|x| x.abs()))
        .fold(0.0f32, f32::max)
        .max(1e-9);
    let mut jitter = Rng(7);
    for p in &mut points {
        // A little noise parts tracks with identical rows.
        p[0] = p[0] / largest * 10.0 + 1e-3 * jitter.normal();
        p[1] = p[1] / largest * 10.0 + 1e-3 * jitter.normal();
    }
    points
}

/// How far apart two rows are (for callers that compare in the reduced space).
pub fn row_distance(a: &[f32], b: &[f32]) -> f32 {
    squared_distance(a, b).sqrt()
}
