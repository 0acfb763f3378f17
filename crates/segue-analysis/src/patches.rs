//! Which 3 s patches of a track the models score, and how much each counts.
//!
//! Scoring every patch costs about 2.8 GFLOP per patch and model, so a long track is scored on
//! a few patches spread evenly over it (the centre of each of `max` equal parts), which is
//! systematic sampling of the all-patch mean. (Clustering the patches by sound and scoring one
//! representative per cluster, weighted by cluster size, was tried and measured worse on the
//! real-music study in `segue-bench patches`: a single patch carrying a large weight moves the
//! mean more than an even spread does.)

use crate::musicnn::PATCH_FRAMES;
use crate::spectrum::MEL_BANDS;

/// One patch to score: its first frame and its weight in the track-level mean.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Patch {
    pub start: usize,
    pub weight: f32,
}

/// Patches of a `[frame][band]` mel power spectrogram: every whole patch when there are at most
/// `max`, else `max` spread evenly. Weights sum to 1. A track shorter than one patch gives one
/// patch at frame 0 (the caller zero-pads it).
pub fn select(mel: &[f32], max: usize) -> Vec<Patch> {
    let count = mel.len() / MEL_BANDS / PATCH_FRAMES;
    let max = max.max(1);
    let starts: Vec<usize> = if count <= max {
        (0..count.max(1)).collect()
    } else {
        (0..max).map(|i| (2 * i + 1) * count / (2 * max)).collect()
    };
    let weight = 1.0 / starts.len() as f32;
    starts
        .into_iter()
        .map(|p| Patch {
            start: p * PATCH_FRAMES,
            weight,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_tracks_score_every_patch() {
        let mel = vec![0.1; (3 * PATCH_FRAMES + 10) * MEL_BANDS];
        let p = select(&mel, 8);
        assert_eq!(p.iter().map(|p| p.start).collect::<Vec<_>>(), [0, 187, 374]);
        assert!(p.iter().all(|p| (p.weight - 1.0 / 3.0).abs() < 1e-6));
        assert_eq!(
            select(&vec![0.1; 10 * MEL_BANDS], 8),
            vec![Patch {
                start: 0,
                weight: 1.0
            }]
        );
    }

    #[test]
    fn long_tracks_are_sampled_evenly() {
        let p = select(&vec![0.1; 100 * PATCH_FRAMES * MEL_BANDS], 4);
        assert_eq!(
            p.iter().map(|p| p.start / PATCH_FRAMES).collect::<Vec<_>>(),
            [12, 37, 62, 87]
        );
        assert!(p.iter().all(|p| (p.weight - 0.25).abs() < 1e-6));
    }
}
