//! Sizing rubato's FFT resampler, shared by playback and analysis (both resample what this
//! crate decodes).

/// Input frames per resampling chunk, processed as one FFT (one sub-chunk): about `target`,
/// a multiple of the rate pair's smallest block, such that both FFT sizes (twice the input and
/// output block counts) are 7-smooth and the input FFT size is even.
///
/// Why: a prime factor such as 683 (48 kHz -> 16 kHz with a plain rounding) sends rustfft to
/// Rader's algorithm, several times slower; with an odd FFT size rubato's filter is half an
/// input sample off the `output_delay` it reports, which shifts the phase.
pub fn resampler_chunk_frames(from: u32, to: u32, target: usize) -> usize {
    let (mut a, mut b) = (from as usize, to as usize);
    while b != 0 {
        (a, b) = (b, a % b);
    }
    let gcd = a.max(1);
    let (block_in, block_out) = (from as usize / gcd, to as usize / gcd);
    let smooth = |mut n: usize| {
        for p in [2, 3, 5, 7] {
            while n.is_multiple_of(p) {
                n /= p;
            }
        }
        n == 1
    };
    let first = target.div_ceil(block_in).max(1);
    (first..first + 4096)
        .find(|&blocks| {
            (blocks * block_in).is_multiple_of(2)
                && smooth(2 * blocks * block_in)
                && smooth(2 * blocks * block_out)
        })
        .unwrap_or(first + first % 2)
        * block_in
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_even_smooth_and_near_the_target() {
        for (from, to, target) in [
            (44_100, 16_000, 8192),
            (48_000, 16_000, 8192),
            (22_050, 16_000, 8192),
            (96_000, 16_000, 8192),
            (32_000, 16_000, 8192),
            (44_100, 48_000, 1024),
            (48_000, 44_100, 1024),
        ] {
            let chunk = resampler_chunk_frames(from, to, target);
            assert!(
                chunk >= target && chunk < target + 4 * from as usize / 100,
                "{from}: {chunk}"
            );
            assert_eq!(chunk % 2, 0);
        }
        // 44.1 -> 48 kHz: blocks of 147; 7 would make an odd FFT, so 8.
        assert_eq!(resampler_chunk_frames(44_100, 48_000, 1024), 8 * 147);
    }
}
