//! Nearest neighbours in the reduced space: exact for small libraries, a random-projection
//! forest refined once through neighbours' neighbours (as NN-descent does) above that, since
//! comparing all pairs of 100,000 tracks would take minutes on two cores.

use rayon::prelude::*;

use crate::{Job, MapError, Rng, Rows};

/// Up to this many rows, every pair is compared.
const EXACT_UP_TO: usize = 6_000;
const TREES: usize = 6;
const LEAF_SIZE: usize = 48;

/// Each row's `k` nearest other rows, nearest first, with their Euclidean distances.
#[derive(Debug, Clone)]
pub struct Neighbours {
    pub k: usize,
    pub index: Vec<u32>,
    pub distance: Vec<f32>,
}

impl Neighbours {
    pub fn of(&self, i: usize) -> impl Iterator<Item = (usize, f32)> + '_ {
        let range = i * self.k..(i + 1) * self.k;
        self.index[range.clone()]
            .iter()
            .zip(&self.distance[range])
            .filter(|(j, _)| **j != u32::MAX)
            .map(|(j, d)| (*j as usize, *d))
    }
}

pub(crate) fn squared_distance(a: &[f32], b: &[f32]) -> f32 {
    // Eight running sums let the compiler use vector lanes (a single sum is sequential).
    let mut acc = [0.0f32; 8];
    let chunks = a.len() / 8 * 8;
    for (ca, cb) in a[..chunks].chunks_exact(8).zip(b[..chunks].chunks_exact(8)) {
        for l in 0..8 {
            let d = ca[l] - cb[l];
            acc[l] += d * d;
        }
    }
    let mut sum: f32 = acc.iter().sum();
    for (x, y) in a[chunks..].iter().zip(&b[chunks..]) {
        sum += (x - y) * (x - y);
    }
    sum
}

/// The nearest `k`, kept sorted (k is small: insertion is cheapest).
struct Best {
    items: Vec<(f32, u32)>,
    k: usize,
}

impl Best {
    fn new(k: usize) -> Best {
        Best {
            items: Vec::with_capacity(k + 1),
            k,
        }
    }

    fn worst(&self) -> f32 {
        if self.items.len() < self.k {
            f32::INFINITY
        } else {
            self.items.last().map_or(f32::INFINITY, |x| x.0)
        }
    }

    fn offer(&mut self, d: f32, j: u32) {
        if d >= self.worst() || self.items.iter().any(|x| x.1 == j) {
            return;
        }
        let at = self.items.partition_point(|x| x.0 <= d);
        self.items.insert(at, (d, j));
        self.items.truncate(self.k);
    }
}

/// The `k` rows nearest `query` among `rows`, nearest first, with distances.
pub fn nearest_among(query: &[f32], rows: &Rows, k: usize) -> Vec<(usize, f32)> {
    let mut best = Best::new(k);
    for j in 0..rows.len() {
        best.offer(squared_distance(query, rows.row(j)), j as u32);
    }
    best.items
        .into_iter()
        .map(|(d, j)| (j as usize, d.sqrt()))
        .collect()
}

/// Each row's `k` nearest other rows.
pub fn knn(rows: &Rows, k: usize, job: &Job) -> Result<Neighbours, MapError> {
    let n = rows.len();
    let k = k.min(n.saturating_sub(1));
    let lists: Vec<Best> = if n <= EXACT_UP_TO {
        (0..n)
            .into_par_iter()
            .map(|i| {
                let mut best = Best::new(k);
                let row = rows.row(i);
                for j in (0..n).filter(|&j| j != i) {
                    best.offer(squared_distance(row, rows.row(j)), j as u32);
                }
                best
            })
            .collect()
    } else {
        approximate(rows, k, job)?
    };
    let mut index = vec![u32::MAX; n * k];
    let mut distance = vec![f32::INFINITY; n * k];
    for (i, best) in lists.iter().enumerate() {
        for (slot, (d, j)) in best.items.iter().enumerate() {
            index[i * k + slot] = *j;
            distance[i * k + slot] = d.sqrt();
        }
    }
    Ok(Neighbours { k, index, distance })
}

fn approximate(rows: &Rows, k: usize, job: &Job) -> Result<Vec<Best>, MapError> {
    let n = rows.len();
    let mut leaves: Vec<Vec<u32>> = Vec::new();
    for tree in 0..TREES {
        let mut rng = Rng(0x5EED_0000 + tree as u64);
        split(rows, (0..n as u32).collect(), &mut rng, &mut leaves);
        job.check(0.05 * (tree + 1) as f32 / TREES as f32)?;
    }
    // Each row's leaves, then its best among the rows sharing a leaf with it.
    let mut leaves_of: Vec<Vec<u32>> = vec![Vec::with_capacity(TREES); n];
    for (l, leaf) in leaves.iter().enumerate() {
        for &i in leaf {
            leaves_of[i as usize].push(l as u32);
        }
    }
    let mut lists: Vec<Best> = (0..n)
        .into_par_iter()
        .map(|i| {
            let mut best = Best::new(k);
            let row = rows.row(i);
            for &l in &leaves_of[i] {
                for &j in &leaves[l as usize] {
                    if j as usize != i {
                        best.offer(squared_distance(row, rows.row(j as usize)), j);
                    }
                }
            }
            best
        })
        .collect();
    job.check(0.1)?;
    // One refinement: a neighbour's neighbours are likely neighbours too.
    let current: Vec<Vec<u32>> = lists
        .iter()
        .map(|b| b.items.iter().map(|x| x.1).collect())
        .collect();
    lists.par_iter_mut().enumerate().for_each(|(i, best)| {
        let row = rows.row(i);
        for &j in &current[i] {
            for &m in &current[j as usize] {
                if m as usize != i {
                    best.offer(squared_distance(row, rows.row(m as usize)), m);
                }
            }
        }
    });
    job.check(0.15)?;
    Ok(lists)
}

/// Splits rows at the median of their projection on the line between two random members,
/// until leaves are small.
fn split(rows: &Rows, members: Vec<u32>, rng: &mut Rng, leaves: &mut Vec<Vec<u32>>) {
    if members.len() <= LEAF_SIZE {
        leaves.push(members);
        return;
    }
    let a = rows.row(members[rng.below(members.len())] as usize);
    let b = rows.row(members[rng.below(members.len())] as usize);
    let direction: Vec<f32> = a.iter().zip(b).map(|(a, b)| a - b).collect();
    let mut projected: Vec<(f32, u32)> = members
        .iter()
        .map(|&i| (crate::pca::dot(rows.row(i as usize), &direction), i))
        .collect();
    let mid = projected.len() / 2;
    projected.select_nth_unstable_by(mid, |x, y| x.0.total_cmp(&y.0));
    let right = projected.split_off(mid);
    split(
        rows,
        projected.into_iter().map(|x| x.1).collect(),
        rng,
        leaves,
    );
    split(rows, right.into_iter().map(|x| x.1).collect(), rng, leaves);
}
