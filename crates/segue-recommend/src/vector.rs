//! Small numeric helpers on rows.

/// Dot product in eight independent lanes, which the compiler turns into SIMD (a plain
/// sum is sequential in floating point and stays scalar). `a` may be floats or the 8-bit rows.
pub(crate) fn dot<T: Copy + Into<f32>>(a: &[T], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut lanes = [0.0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| (*x).into() * y)
        .sum();
    for (x, y) in ca.zip(cb) {
        for k in 0..8 {
            lanes[k] += x[k].into() * y[k];
        }
    }
    lanes.iter().sum::<f32>() + tail
}

/// Appends `row` in 8 bits (largest magnitude to ±127) and returns the scale back to floats.
pub(crate) fn quantise(row: &[f32], out: &mut Vec<i8>) -> f32 {
    let largest = row.iter().fold(0.0f32, |m, x| m.max(x.abs()));
    let scale = if largest > 0.0 { largest / 127.0 } else { 1.0 };
    out.extend(
        row.iter()
            .map(|x| (x / scale).round().clamp(-127.0, 127.0) as i8),
    );
    scale
}

/// `y += k * x`.
pub(crate) fn add_scaled(y: &mut [f32], k: f32, x: &[f32]) {
    y.iter_mut().zip(x).for_each(|(y, x)| *y += k * x);
}

/// Normalises in place; false when the vector is (almost) zero.
pub(crate) fn normalise(v: &mut [f32]) -> bool {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm < 1e-9 {
        return false;
    }
    v.iter_mut().for_each(|x| *x /= norm);
    true
}

/// Rows minus their mean, each scaled to unit length: cosine similarity then measures how two
/// tracks differ from the library's average in the same direction (musicnn's embeddings and
/// tags are all positive, so raw cosines are close to 1 for everything).
pub(crate) fn centred_unit<'a>(rows: impl Iterator<Item = &'a [f32]> + Clone) -> (Vec<f32>, usize) {
    let count = rows.clone().count().max(1) as f32;
    let dim = rows.clone().map(<[f32]>::len).max().unwrap_or(0);
    let mut mean = vec![0.0f32; dim];
    for r in rows.clone() {
        for (m, x) in mean.iter_mut().zip(r) {
            *m += x / count;
        }
    }
    let mut flat = Vec::with_capacity(dim * count as usize);
    for r in rows {
        let start = flat.len();
        flat.extend(
            mean.iter()
                .enumerate()
                .map(|(i, m)| r.get(i).copied().unwrap_or(*m) - m),
        );
        normalise(&mut flat[start..]);
    }
    (flat, dim)
}

/// A stable pseudo-random number in [0, 1) from `x` (SplitMix64).
#[cfg(test)]
pub(crate) fn unit_hash(x: u64) -> f32 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 40) as f32 / (1u64 << 24) as f32
}
