//! Principal components by orthogonal iteration on the covariance matrix: the matrix is
//! dim × dim (a few hundred), so one pass over the rows builds it and the rest is small.

use rayon::prelude::*;

use crate::{Point, Rng, Rows};

#[derive(Debug, Clone)]
pub struct Pca {
    pub mean: Vec<f32>,
    /// `k` unit components of length `dim`, strongest first.
    pub components: Vec<Vec<f32>>,
    /// Variance along each component.
    pub variance: Vec<f32>,
    /// Total variance of the rows (the share kept is `variance` summed over this).
    pub total_variance: f32,
}

impl Pca {
    pub fn fit(rows: &Rows, k: usize, seed: u64) -> Pca {
        let dim = rows.dim;
        let n = rows.len();
        let k = k.min(dim);
        let mut mean = vec![0.0f64; dim];
        for i in 0..n {
            mean.iter_mut()
                .zip(rows.row(i))
                .for_each(|(m, x)| *m += f64::from(*x));
        }
        let mean: Vec<f32> = mean.iter().map(|m| (m / n.max(1) as f64) as f32).collect();
        // Upper triangle of the covariance, summed over 16 fixed chunks of rows on every core
        // and then added in order: the same rows always give the same sums (a layout started
        // from these components then comes out the same).
        let chunk = n.div_ceil(16).max(1);
        let partials: Vec<Vec<f32>> = (0..n.div_ceil(chunk))
            .into_par_iter()
            .map(|c| {
                let mut cov = vec![0.0f32; dim * dim];
                let mut centred = vec![0.0f32; dim];
                for i in c * chunk..((c + 1) * chunk).min(n) {
                    centred
                        .iter_mut()
                        .zip(rows.row(i))
                        .zip(&mean)
                        .for_each(|((c, x), m)| *c = x - m);
                    for a in 0..dim {
                        let xa = centred[a];
                        if xa == 0.0 {
                            continue;
                        }
                        cov[a * dim + a..(a + 1) * dim]
                            .iter_mut()
                            .zip(&centred[a..])
                            .for_each(|(c, xb)| *c += xa * xb);
                    }
                }
                cov
            })
            .collect();
        let mut cov = vec![0.0f32; dim * dim];
        for p in &partials {
            cov.iter_mut().zip(p).for_each(|(a, b)| *a += b);
        }
        let scale = 1.0 / n.max(1) as f32;
        for a in 0..dim {
            for b in a..dim {
                let v = cov[a * dim + b] * scale;
                cov[a * dim + b] = v;
                cov[b * dim + a] = v;
            }
        }
        let total_variance = (0..dim).map(|a| cov[a * dim + a]).sum();
        // Orthogonal iteration: multiply a random basis by the covariance, re-orthonormalise.
        let mut rng = Rng(seed);
        let mut basis: Vec<Vec<f32>> = (0..k)
            .map(|_| (0..dim).map(|_| rng.normal()).collect())
            .collect();
        orthonormalise(&mut basis);
        for _ in 0..60 {
            basis = basis
                .iter()
                .map(|v| {
                    (0..dim)
                        .map(|a| dot(&cov[a * dim..(a + 1) * dim], v))
                        .collect()
                })
                .collect();
            orthonormalise(&mut basis);
        }
        let variance = basis
            .iter()
            .map(|v| {
                let cv: Vec<f32> = (0..dim)
                    .map(|a| dot(&cov[a * dim..(a + 1) * dim], v))
                    .collect();
                dot(v, &cv)
            })
            .collect();
        Pca {
            mean,
            components: basis,
            variance,
            total_variance,
        }
    }

    /// The share of the rows' variance the components keep, 0-1.
    pub fn kept(&self) -> f32 {
        self.variance.iter().sum::<f32>() / self.total_variance.max(1e-12)
    }

    pub fn project(&self, row: &[f32], out: &mut [f32]) {
        for (o, c) in out.iter_mut().zip(&self.components) {
            *o = row
                .iter()
                .zip(&self.mean)
                .zip(c)
                .map(|((x, m), c)| (x - m) * c)
                .sum();
        }
    }

    pub fn project_all(&self, rows: &Rows) -> Rows {
        let k = self.components.len();
        let mut data = vec![0.0f32; rows.len() * k];
        if k > 0 {
            data.par_chunks_mut(k)
                .enumerate()
                .for_each(|(i, out)| self.project(rows.row(i), out));
        }
        Rows::new(data, k)
    }
}

/// The first two principal components of `rows`, as points.
pub fn pca_layout(rows: &Rows) -> (Pca, Vec<Point>) {
    let pca = Pca::fit(rows, 2, 7);
    let reduced = pca.project_all(rows);
    let points = crate::pca_layout_of(&reduced);
    (pca, points)
}

pub(crate) fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(a, b)| a * b).sum()
}

/// Gram-Schmidt, in place; a vector that vanishes is replaced by a unit axis.
fn orthonormalise(basis: &mut [Vec<f32>]) {
    for i in 0..basis.len() {
        let (done, rest) = basis.split_at_mut(i);
        let v = &mut rest[0];
        for u in done.iter() {
            let d = dot(v, u);
            v.iter_mut().zip(u).for_each(|(x, u)| *x -= d * u);
        }
        let norm = dot(v, v).sqrt();
        if norm > 1e-20 {
            v.iter_mut().for_each(|x| *x /= norm);
        } else {
            v.iter_mut()
                .enumerate()
                .for_each(|(a, x)| *x = f32::from(u8::from(a == i)));
        }
    }
}
