//! The library map: every analysed track placed on a plane so that tracks which sound alike
//! lie close together.
//!
//! - [`FeatureSpace`] turns a track's analysis (musicnn embedding, musicnn tags, DSP timbre)
//!   into one row; each of the three blocks weighs the same whatever its length.
//! - [`Pca`] reduces rows to a few components; [`pca_layout`] is its first two.
//! - [`neighbour_embedding`] is the default layout: a UMAP-style embedding of the k-nearest
//!   neighbour graph, started from the PCA layout (so the same library gives the same map).
//! - [`Autoencoder`] is a small MLP with a 2-D code, kept for comparison (see the model card,
//!   `models/segue-map.md`).
//! - [`place`] puts a new track among placed ones without moving any of them, from its
//!   nearest neighbours in the reduced space.
//! - [`quality`] holds the measures that compare layouts.
//!
//! Long work takes a [`Job`]: it reports progress (0-1) and stops with [`MapError::Cancelled`]
//! soon after its flag is raised. Nothing here reads files or a database.

mod autoencoder;
mod embed;
mod features;
mod knn;
mod labels;
mod pca;
pub mod quality;
mod rng;

use std::sync::atomic::{AtomicBool, Ordering};

pub use autoencoder::{Autoencoder, AutoencoderParams};
pub use embed::{EmbedParams, neighbour_embedding, row_distance};
pub use features::{FeatureSpace, Rows, TrackInput};
pub use knn::{Neighbours, knn, nearest_among};
pub use labels::{RegionLabel, region_labels};
pub use pca::{Pca, pca_layout};
pub use rng::Rng;

/// A point on the map.
pub type Point = [f32; 2];

/// Components the neighbour embedding, the autoencoder and placement work in: enough to keep
/// most of the features' variance, few enough that 100,000 tracks' neighbours are found in
/// seconds.
pub const REDUCED_DIM: usize = 32;

/// Neighbours a new track is placed among.
pub const PLACE_NEIGHBOURS: usize = 10;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MapError {
    #[error("the layout was cancelled")]
    Cancelled,
}

/// How a long computation reports progress and learns it should stop.
pub struct Job<'a> {
    pub cancel: &'a AtomicBool,
    /// Called with the share done, 0-1, now and then (not from the hot loop).
    pub progress: &'a (dyn Fn(f32) + Sync),
}

impl Job<'_> {
    pub(crate) fn check(&self, done: f32) -> Result<(), MapError> {
        if self.cancel.load(Ordering::Relaxed) {
            return Err(MapError::Cancelled);
        }
        (self.progress)(done.clamp(0.0, 1.0));
        Ok(())
    }
}

/// A job nobody cancels or watches (tests, benchmarks).
pub fn quiet_job(cancel: &AtomicBool) -> Job<'_> {
    Job {
        cancel,
        progress: &|_| {},
    }
}

/// The default layout of a whole library: feature rows reduced by PCA, then the neighbour
/// embedding started from the first two components. Returns one point per row, centred, with
/// unit root-mean-square distance from the centre.
pub fn layout(rows: &Rows, job: &Job) -> Result<Vec<Point>, MapError> {
    let pca = Pca::fit(rows, REDUCED_DIM.min(rows.dim), 7);
    job.check(0.05)?;
    let reduced = pca.project_all(rows);
    let init = pca_layout_of(&reduced);
    let sub = Job {
        cancel: job.cancel,
        progress: &|p| (job.progress)(0.05 + 0.95 * p),
    };
    let points = neighbour_embedding(&reduced, &init, &EmbedParams::for_tracks(rows.len()), &sub)?;
    Ok(normalised(points))
}

/// The first two components of already reduced rows, as points.
pub fn pca_layout_of(reduced: &Rows) -> Vec<Point> {
    (0..reduced.len())
        .map(|i| {
            let r = reduced.row(i);
            [
                r.first().copied().unwrap_or(0.0),
                r.get(1).copied().unwrap_or(0.0),
            ]
        })
        .collect()
}

/// A new track's point: the distance-weighted mean of its [`PLACE_NEIGHBOURS`] nearest placed
/// tracks' points (nearest in `placed_rows`, the reduced space). Nothing placed moves.
pub fn place(row: &[f32], placed_rows: &Rows, placed_points: &[Point]) -> Point {
    let near = nearest_among(row, placed_rows, PLACE_NEIGHBOURS);
    let mut sum = [0.0f32; 2];
    let mut weight = 0.0f32;
    for (j, d) in near {
        let Some(p) = placed_points.get(j) else {
            continue;
        };
        // Closer neighbours count more; the small floor keeps a duplicate from dividing by 0.
        let w = 1.0 / (d + 1e-3);
        sum[0] += w * p[0];
        sum[1] += w * p[1];
        weight += w;
    }
    if weight == 0.0 {
        return [0.0, 0.0];
    }
    [sum[0] / weight, sum[1] / weight]
}

/// Points centred with unit root-mean-square radius (layouts of any method compare alike).
pub fn normalised(mut points: Vec<Point>) -> Vec<Point> {
    if points.is_empty() {
        return points;
    }
    let n = points.len() as f32;
    let cx = points.iter().map(|p| p[0]).sum::<f32>() / n;
    let cy = points.iter().map(|p| p[1]).sum::<f32>() / n;
    let rms = (points
        .iter()
        .map(|p| (p[0] - cx).powi(2) + (p[1] - cy).powi(2))
        .sum::<f32>()
        / n)
        .sqrt()
        .max(1e-12);
    for p in &mut points {
        p[0] = (p[0] - cx) / rms;
        p[1] = (p[1] - cy) / rms;
    }
    points
}

#[cfg(test)]
mod tests;
