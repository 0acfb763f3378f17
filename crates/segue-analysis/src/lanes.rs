//! Reductions over long signals, written over fixed lanes so that the compiler turns them into
//! vector instructions: a plain `fold` keeps one running value, and each step waits on the last.

const LANES: usize = 8;

/// The largest |x| (0 for an empty slice; NaN is passed over, as `f32::max` does).
pub fn peak_abs(x: &[f32]) -> f32 {
    let mut lanes = [0.0f32; LANES];
    let chunks = x.chunks_exact(LANES);
    let rest = chunks.remainder();
    for chunk in chunks {
        for (lane, v) in lanes.iter_mut().zip(chunk) {
            *lane = lane.max(v.abs());
        }
    }
    rest.iter()
        .fold(lanes.into_iter().fold(0.0, f32::max), |m, v| m.max(v.abs()))
}

/// Σ x², accumulated in f64.
pub fn sum_squares(x: &[f32]) -> f64 {
    let mut lanes = [0.0f64; LANES];
    let chunks = x.chunks_exact(LANES);
    let rest = chunks.remainder();
    for chunk in chunks {
        for (lane, v) in lanes.iter_mut().zip(chunk) {
            *lane += f64::from(*v) * f64::from(*v);
        }
    }
    lanes.iter().sum::<f64>() + rest.iter().map(|v| f64::from(*v).powi(2)).sum::<f64>()
}

/// Σ x, accumulated in f64.
pub fn sum_f64(x: &[f32]) -> f64 {
    let mut lanes = [0.0f64; LANES];
    let chunks = x.chunks_exact(LANES);
    let rest = chunks.remainder();
    for chunk in chunks {
        for (lane, v) in lanes.iter_mut().zip(chunk) {
            *lane += f64::from(*v);
        }
    }
    lanes.iter().sum::<f64>() + rest.iter().map(|v| f64::from(*v)).sum::<f64>()
}

/// (Σ x, Σ k·x) over the positions k of `x`.
pub fn sum_and_index_weighted_sum(x: &[f64]) -> (f64, f64) {
    let (mut sums, mut weighted) = ([0.0f64; LANES], [0.0f64; LANES]);
    let chunks = x.chunks_exact(LANES);
    let rest = chunks.remainder();
    for (i, chunk) in chunks.enumerate() {
        for (lane, v) in chunk.iter().enumerate() {
            sums[lane] += v;
            weighted[lane] += (i * LANES + lane) as f64 * v;
        }
    }
    let start = x.len() - rest.len();
    let (mut sum, mut weighted_sum) = (sums.iter().sum::<f64>(), weighted.iter().sum::<f64>());
    for (k, v) in rest.iter().enumerate() {
        sum += v;
        weighted_sum += (start + k) as f64 * v;
    }
    (sum, weighted_sum)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lanes_give_the_plain_folds_answer() {
        for len in [0, 1, 7, 8, 9, 100, 1027] {
            let x: Vec<f32> = (0..len)
                .map(|i| ((i as f32 * 0.37).sin() * (i % 13) as f32) - 3.0)
                .collect();
            let peak = x.iter().fold(0.0f32, |m, v| m.max(v.abs()));
            assert_eq!(peak_abs(&x), peak, "{len}");
            let sum: f64 = x.iter().map(|v| f64::from(*v).powi(2)).sum();
            assert!(
                (sum_squares(&x) - sum).abs() <= 1e-12 * sum.max(1.0),
                "{len}"
            );
        }
    }
}
