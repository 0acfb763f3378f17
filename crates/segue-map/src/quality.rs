//! How well a 2-D layout keeps what the full space says: exact, all pairs (meant for
//! benchmark-sized libraries of a few thousand tracks).

use crate::knn::squared_distance;
use crate::{Point, Rows};

/// Per row, every other row in order of distance (nearest first).
fn ranked(n: usize, distance: impl Fn(usize, usize) -> f32) -> Vec<Vec<usize>> {
    (0..n)
        .map(|i| {
            let mut others: Vec<(f32, usize)> = (0..n)
                .filter(|&j| j != i)
                .map(|j| (distance(i, j), j))
                .collect();
            others.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            others.into_iter().map(|x| x.1).collect()
        })
        .collect()
}

fn point_distance(a: &Point, b: &Point) -> f32 {
    (a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)
}

/// Per row, its `k` nearest rows in the full space.
pub fn full_neighbours(rows: &Rows, k: usize) -> Vec<Vec<usize>> {
    ranked(rows.len(), |i, j| {
        squared_distance(rows.row(i), rows.row(j))
    })
    .into_iter()
    .map(|mut r| {
        r.truncate(k);
        r
    })
    .collect()
}

/// Per point, its `k` nearest points on the map.
pub fn map_neighbours(points: &[Point], k: usize) -> Vec<Vec<usize>> {
    ranked(points.len(), |i, j| point_distance(&points[i], &points[j]))
        .into_iter()
        .map(|mut r| {
            r.truncate(k);
            r
        })
        .collect()
}

/// The share of each track's `k` nearest in the full space that are among its `k` nearest on
/// the map, averaged over tracks (over `only` when given: e.g. just the newly placed).
pub fn neighbour_recall(rows: &Rows, points: &[Point], k: usize, only: Option<&[usize]>) -> f32 {
    let full = full_neighbours(rows, k);
    let map = map_neighbours(points, k);
    let all: Vec<usize> = (0..points.len()).collect();
    let picks = only.unwrap_or(&all);
    let sum: f32 = picks
        .iter()
        .map(|&i| full[i].iter().filter(|j| map[i].contains(j)).count() as f32 / k as f32)
        .sum();
    sum / picks.len().max(1) as f32
}

/// Trustworthiness (Venna & Kaski): 1 when every map neighbour is also a neighbour in the
/// full space; each intruder costs by how far down the full space's ranking it sits.
pub fn trustworthiness(rows: &Rows, points: &[Point], k: usize) -> f32 {
    let n = points.len();
    if n < 2 * k + 2 {
        return f32::NAN;
    }
    let full = ranked(n, |i, j| squared_distance(rows.row(i), rows.row(j)));
    let map = map_neighbours(points, k);
    let mut penalty = 0.0f64;
    for i in 0..n {
        let mut rank = vec![0usize; n];
        for (r, &j) in full[i].iter().enumerate() {
            rank[j] = r + 1;
        }
        for &j in &map[i] {
            if rank[j] > k {
                penalty += (rank[j] - k) as f64;
            }
        }
    }
    let (n, k) = (n as f64, k as f64);
    (1.0 - 2.0 / (n * k * (2.0 * n - 3.0 * k - 1.0)) * penalty) as f32
}

/// The share of neighbours that share the track's group (album, artist), over tracks that
/// have one and at least one other member: how often a map neighbour is "the same record".
pub fn same_group_rate(neighbours: &[Vec<usize>], groups: &[Option<u32>]) -> f32 {
    let mut size: std::collections::HashMap<u32, usize> = Default::default();
    for g in groups.iter().flatten() {
        *size.entry(*g).or_default() += 1;
    }
    let (mut same, mut total) = (0usize, 0usize);
    for (i, list) in neighbours.iter().enumerate() {
        let Some(g) = groups[i] else { continue };
        if size.get(&g).copied().unwrap_or(0) < 2 {
            continue;
        }
        same += list.iter().filter(|&&j| groups[j] == Some(g)).count();
        total += list.len();
    }
    same as f32 / total.max(1) as f32
}

/// How far `after`'s points moved from `before`'s, once `after` is rotated (or reflected),
/// scaled and shifted to fit `before` best (a refit may turn the whole map: that is not a
/// move). Root-mean-square distance, in units of `before`'s root-mean-square radius.
pub fn displacement(before: &[Point], after: &[Point]) -> f32 {
    let n = before.len().min(after.len());
    if n == 0 {
        return 0.0;
    }
    let centre = |p: &[Point]| {
        let c = p[..n].iter().fold([0.0f64; 2], |c, q| {
            [c[0] + f64::from(q[0]), c[1] + f64::from(q[1])]
        });
        [c[0] / n as f64, c[1] / n as f64]
    };
    let (ca, cb) = (centre(before), centre(after));
    let a: Vec<[f64; 2]> = before[..n]
        .iter()
        .map(|p| [f64::from(p[0]) - ca[0], f64::from(p[1]) - ca[1]])
        .collect();
    let radius = (a.iter().map(|p| p[0] * p[0] + p[1] * p[1]).sum::<f64>() / n as f64).sqrt();
    let mut best = f64::INFINITY;
    for flip in [1.0f64, -1.0] {
        let b: Vec<[f64; 2]> = after[..n]
            .iter()
            .map(|p| [f64::from(p[0]) - cb[0], flip * (f64::from(p[1]) - cb[1])])
            .collect();
        // The best rotation in 2-D is closed-form: the angle of Σ conj(b)·a.
        let (mut re, mut im, mut bb) = (0.0, 0.0, 0.0);
        for (p, q) in a.iter().zip(&b) {
            re += q[0] * p[0] + q[1] * p[1];
            im += q[0] * p[1] - q[1] * p[0];
            bb += q[0] * q[0] + q[1] * q[1];
        }
        let scale = (re * re + im * im).sqrt() / bb.max(1e-30);
        let (cos, sin) = {
            let norm = (re * re + im * im).sqrt().max(1e-30);
            (re / norm, im / norm)
        };
        let err: f64 = a
            .iter()
            .zip(&b)
            .map(|(p, q)| {
                let x = scale * (cos * q[0] - sin * q[1]);
                let y = scale * (sin * q[0] + cos * q[1]);
                (p[0] - x).powi(2) + (p[1] - y).powi(2)
            })
            .sum();
        best = best.min((err / n as f64).sqrt());
    }
    (best / radius.max(1e-30)) as f32
}
