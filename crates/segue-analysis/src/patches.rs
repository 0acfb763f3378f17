//! Which 3 s patches of a track the models score, and how much each counts.
//!
//! Scoring every patch costs about 2.8 GFLOP per patch and model, so a long track is scored on
//! a few patches spread evenly over it (the centre of each of `max` equal parts), which is
//! systematic sampling of the all-patch mean. (Clustering the patches by sound and scoring one
//! representative per cluster, weighted by cluster size, was tried and measured worse on the
//! real-music study in `segue-bench patches`: a single patch carrying a large weight moves the
//! mean more than an even spread does.)
//!
//! Where the sample leaves the track-level tags uncertain (the patches disagree, so the
//! standard error of their mean is large), more patches are scored halfway between those
//! already scored ([`refine`]) until it is small enough ([`settled`]) or every patch is scored.

use crate::musicnn::PATCH_FRAMES;
use crate::spectrum::MEL_BANDS;

/// Patches of a `[frame][band]` mel power spectrogram to score first, as first frames: every
/// whole patch when there are at most `max`, else `max` spread evenly. A track shorter than
/// one patch gives one patch at frame 0 (the caller zero-pads it).
pub fn select(mel: &[f32], max: usize) -> Vec<usize> {
    let count = mel.len() / MEL_BANDS / PATCH_FRAMES;
    let max = max.max(1);
    let patches: Vec<usize> = if count <= max {
        (0..count.max(1)).collect()
    } else {
        (0..max).map(|i| (2 * i + 1) * count / (2 * max)).collect()
    };
    patches.into_iter().map(|p| p * PATCH_FRAMES).collect()
}

/// Whole patches in a `[frame][band]` mel spectrogram (at least 1: a short track is padded).
pub fn count(mel: &[f32]) -> usize {
    (mel.len() / MEL_BANDS / PATCH_FRAMES).max(1)
}

/// The next patches to score: the middle of each gap between the patches scored so far (and
/// before the first and after the last), as first frames, skipping gaps with no whole patch
/// left. Empty when every patch is scored.
pub fn refine(mel: &[f32], scored: &[usize]) -> Vec<usize> {
    let total = count(mel);
    let mut taken: Vec<usize> = scored.iter().map(|s| s / PATCH_FRAMES).collect();
    taken.sort_unstable();
    taken.dedup();
    let mut next = Vec::new();
    let mut from = 0;
    for end in taken.iter().copied().chain([total]) {
        if end > from {
            next.push((from + (end - from) / 2) * PATCH_FRAMES);
        }
        from = end + 1;
    }
    next
}

/// Two standard errors of a sample mean that count as settled. `segue-bench patches --tracks 0`
/// on the 141 real tracks of the test music, 24 patches first: at 0.04, every track has every
/// tag within 0.05 of scoring every patch (worst 0.033), scoring 63 % of the patches. Looser
/// settings leave some tracks out (16 first at 0.08: 137 of 141, at 35 %; 16 with no
/// refining: 133, at 29 %).
pub const SETTLED_WITHIN: f32 = 0.04;

/// Whether the mean of `rows` (`n × width`, one row per scored patch starting at `starts`,
/// out of `total` patches) is known well enough: for every column, two standard errors of the
/// mean are at most `within` ([`SETTLED_WITHIN`] in analysis).
///
/// The error is estimated as for a systematic sample, from the differences between patches
/// next to each other in time (music changes by sections, so neighbours mostly agree and an
/// even spread errs far less than a random draw of as many patches), with the
/// finite-population correction (scoring every patch leaves no error).
pub fn settled(rows: &[f32], starts: &[usize], width: usize, total: usize, within: f32) -> bool {
    let n = rows.len() / width.max(1);
    if n >= total {
        return true;
    }
    if n < 2 || starts.len() != n {
        return false;
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&k| starts[k]);
    let correction = 1.0 - n as f32 / total as f32;
    (0..width).all(|c| {
        let value = |k: usize| rows[k * width + c];
        let squares: f32 = order
            .windows(2)
            .map(|w| (value(w[1]) - value(w[0])).powi(2))
            .sum();
        let variance_of_mean = squares / (2.0 * n as f32 * (n - 1) as f32) * correction;
        2.0 * variance_of_mean.sqrt() <= within
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_tracks_score_every_patch() {
        let mel = vec![0.1; (3 * PATCH_FRAMES + 10) * MEL_BANDS];
        assert_eq!(select(&mel, 8), [0, 187, 374]);
        assert_eq!(select(&vec![0.1; 10 * MEL_BANDS], 8), [0]);
    }

    #[test]
    fn refining_scores_the_middle_of_each_gap_until_none_is_left() {
        let mel = vec![0.1; 10 * PATCH_FRAMES * MEL_BANDS];
        let first = select(&mel, 2);
        assert_eq!(first, [2 * PATCH_FRAMES, 7 * PATCH_FRAMES]);
        let mut scored = first;
        let mut rounds = 0;
        loop {
            let next = refine(&mel, &scored);
            if next.is_empty() {
                break;
            }
            assert!(next.iter().all(|s| !scored.contains(s)), "{next:?}");
            if rounds == 0 {
                assert_eq!(next, [PATCH_FRAMES, 5 * PATCH_FRAMES, 9 * PATCH_FRAMES]);
            }
            scored.extend(next);
            rounds += 1;
        }
        scored.sort_unstable();
        assert_eq!(
            scored,
            (0..10).map(|p| p * PATCH_FRAMES).collect::<Vec<_>>()
        );
        assert!(rounds <= 4, "{rounds}");
    }

    #[test]
    fn agreeing_patches_settle_and_disagreeing_ones_do_not() {
        let starts = |n: usize| -> Vec<usize> { (0..n).map(|k| k * PATCH_FRAMES).collect() };
        // Two columns, the second constant; `first(k)` gives the first column of patch k.
        let rows = |n: usize, first: &dyn Fn(usize) -> f32| -> Vec<f32> {
            (0..n).flat_map(|k| [first(k), 0.2]).collect()
        };
        let within = SETTLED_WITHIN;
        assert!(settled(
            &rows(8, &|k| 0.5 + 0.001 * k as f32),
            &starts(8),
            2,
            50,
            within
        ));
        let alternating = |k: usize| (k % 2) as f32;
        assert!(!settled(&rows(8, &alternating), &starts(8), 2, 50, within));
        // Two sections (0, then 1): neighbours in time differ once, so a closer spread of
        // patches settles, while as many alternating patches still do not.
        let sections = |n: usize| move |k: usize| f32::from(u8::from(k >= n / 2));
        assert!(!settled(&rows(8, &sections(8)), &starts(8), 2, 50, within));
        assert!(settled(
            &rows(32, &sections(32)),
            &starts(32),
            2,
            50,
            within
        ));
        assert!(!settled(
            &rows(32, &alternating),
            &starts(32),
            2,
            50,
            within
        ));
        // Time order counts, not the order the patches were scored in.
        let mut shuffled_starts = starts(32);
        let mut shuffled_rows = rows(32, &sections(32));
        shuffled_starts.swap(0, 31);
        shuffled_rows.swap(0, 62);
        assert!(settled(&shuffled_rows, &shuffled_starts, 2, 50, within));
        // Every patch scored: nothing left to know; one patch says nothing about the spread.
        assert!(settled(&rows(8, &alternating), &starts(8), 2, 8, within));
        assert!(!settled(&[0.5, 0.2], &starts(1), 2, 50, within));
    }

    #[test]
    fn long_tracks_are_sampled_evenly() {
        let p = select(&vec![0.1; 100 * PATCH_FRAMES * MEL_BANDS], 4);
        assert_eq!(
            p.iter().map(|p| p / PATCH_FRAMES).collect::<Vec<_>>(),
            [12, 37, 62, 87]
        );
    }
}
