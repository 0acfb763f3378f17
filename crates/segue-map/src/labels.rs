//! Names for the map's regions: the tag that stands out most in each well-filled cell of a
//! coarse grid over the map.

use crate::Point;

/// A region's name and where to write it (the mean point of its tracks).
#[derive(Debug, Clone, PartialEq)]
pub struct RegionLabel {
    pub x: f32,
    pub y: f32,
    /// Index into the tag names.
    pub tag: usize,
    pub tracks: usize,
}

/// One label per cell of a `grid` × `grid` division of the map holding at least `min_tracks`
/// tracks: the tag whose mean probability there most exceeds its mean over the library
/// (so "rock" does not name every cell of a rock library), each tag used once, the fullest
/// cells choosing first.
pub fn region_labels(
    points: &[Point],
    tags: &[&[f32]],
    grid: usize,
    min_tracks: usize,
) -> Vec<RegionLabel> {
    let n = points.len().min(tags.len());
    let width = tags.iter().map(|t| t.len()).max().unwrap_or(0);
    if n == 0 || width == 0 || grid == 0 {
        return Vec::new();
    }
    let (mut lo, mut hi) = ([f32::INFINITY; 2], [f32::NEG_INFINITY; 2]);
    for p in &points[..n] {
        for a in 0..2 {
            lo[a] = lo[a].min(p[a]);
            hi[a] = hi[a].max(p[a]);
        }
    }
    let cell_of = |p: &Point| {
        let c = |a: usize| {
            let t = (p[a] - lo[a]) / (hi[a] - lo[a]).max(1e-9);
            ((t * grid as f32) as usize).min(grid - 1)
        };
        c(1) * grid + c(0)
    };
    let mut overall = vec![0.0f32; width];
    let mut sums = vec![vec![0.0f32; width]; grid * grid];
    let mut centres = vec![[0.0f32; 2]; grid * grid];
    let mut counts = vec![0usize; grid * grid];
    for (p, t) in points[..n].iter().zip(&tags[..n]) {
        if t.len() != width {
            continue;
        }
        let c = cell_of(p);
        counts[c] += 1;
        centres[c][0] += p[0];
        centres[c][1] += p[1];
        for (a, x) in t.iter().enumerate() {
            sums[c][a] += x;
            overall[a] += x;
        }
    }
    let total: usize = counts.iter().sum();
    overall.iter_mut().for_each(|x| *x /= total.max(1) as f32);
    let mut cells: Vec<usize> = (0..grid * grid)
        .filter(|&c| counts[c] >= min_tracks.max(1))
        .collect();
    cells.sort_by_key(|&c| std::cmp::Reverse(counts[c]));
    let mut used = vec![false; width];
    let mut labels = Vec::new();
    for c in cells {
        let m = counts[c] as f32;
        let best = (0..width)
            .filter(|&a| !used[a])
            .map(|a| (a, sums[c][a] / m - overall[a]))
            .max_by(|x, y| x.1.total_cmp(&y.1));
        if let Some((tag, lift)) = best
            && lift > 0.0
        {
            used[tag] = true;
            labels.push(RegionLabel {
                x: centres[c][0] / m,
                y: centres[c][1] / m,
                tag,
                tracks: counts[c],
            });
        }
    }
    labels
}
