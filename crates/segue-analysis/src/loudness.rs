//! EBU R128 / ITU-R BS.1770 integrated loudness, measured as libebur128 does (the `ebur128`
//! crate's `Mode::I`: the same K-weighting filter, 400 ms gating blocks every 100 ms, the
//! -70 LUFS absolute and -10 LU relative gates) and agreeing with it to float rounding
//! (`integrated_loudness_matches_ebur128`).
//!
//! Why not the crate: it was a fifth of the DSP analysis. Its filter computes each sample's
//! recursion starting from the previous sample's state, so every sample waits on a multiply and
//! four subtractions of the one before, one channel after another; and it sums each 400 ms
//! block afresh every 100 ms. Here the previous state enters last (one multiply and one
//! subtraction to wait on), the channels of a frame run side by side, and each 100 ms of
//! squared output is summed once, as it is filtered.

/// The K-weighting filter's coefficients at one sample rate: BS.1770's high-shelf "pre-filter"
/// and RLB high-pass combined into one 4th-order recursion, as libebur128 computes them.
/// `a[0]` is 1.
fn k_weighting(rate: f64) -> ([f64; 5], [f64; 5]) {
    let (f0, gain_db, q) = (1681.974450955533, 3.999843853973347, 0.7071752369554196);
    let k = (std::f64::consts::PI * f0 / rate).tan();
    let vh = 10f64.powf(gain_db / 20.0);
    let vb = vh.powf(0.4996667741545416);
    let a0 = 1.0 + k / q + k * k;
    let shelf_b = [
        (vh + vb * k / q + k * k) / a0,
        2.0 * (k * k - vh) / a0,
        (vh - vb * k / q + k * k) / a0,
    ];
    let shelf_a = [1.0, 2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0];
    let (f0, q) = (38.13547087602444, 0.5003270373238773);
    let k = (std::f64::consts::PI * f0 / rate).tan();
    let a0 = 1.0 + k / q + k * k;
    let highpass_b = [1.0, -2.0, 1.0];
    let highpass_a = [1.0, 2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0];
    // The product of the two second-order polynomials.
    let product = |p: [f64; 3], r: [f64; 3]| {
        [
            p[0] * r[0],
            p[0] * r[1] + p[1] * r[0],
            p[0] * r[2] + p[1] * r[1] + p[2] * r[0],
            p[1] * r[2] + p[2] * r[1],
            p[2] * r[2],
        ]
    };
    (product(shelf_b, highpass_b), product(shelf_a, highpass_a))
}

/// Blocks quieter than this (-70 LUFS as energy) never count.
fn absolute_gate() -> f64 {
    10f64.powf((-70.0 + 0.691) / 10.0)
}

/// One channel's filter state (direct form II: the last four values of the recursion) and the
/// sum of its squared output over the current 100 ms.
#[derive(Clone, Copy, Default)]
struct ChannelState {
    s: [f64; 4],
    sum: f64,
}

/// Measures a stream of interleaved frames; [`LoudnessMeter::integrated`] at the end.
pub struct LoudnessMeter {
    channels: usize,
    /// BS.1770's channel weights in libebur128's default layout (L, R, C, LFE, Ls, Rs; 4
    /// channels are L, R, Ls, Rs and 5 are L, R, C, Ls, Rs): 1 for the front, 1.41 for the
    /// surrounds, 0 for the LFE and channels past the sixth.
    weights: Vec<f64>,
    b: [f64; 5],
    a: [f64; 5],
    state: Vec<ChannelState>,
    /// Frames in 100 ms, as libebur128 rounds it.
    frames_per_step: usize,
    /// Frames of the current 100 ms seen so far.
    in_step: usize,
    /// Weighted energy sums of the last four 100 ms steps, the newest last.
    steps: [f64; 4],
    steps_done: usize,
    /// Energy of every 400 ms block above the absolute gate.
    blocks: Vec<f64>,
}

impl LoudnessMeter {
    pub fn new(channels: usize, sample_rate: u32) -> LoudnessMeter {
        let channels = channels.max(1);
        let surround = 1.41;
        let weights = (0..channels)
            .map(|c| match (channels, c) {
                (4, 0 | 1) | (5, 0..=2) => 1.0,
                (4, 2 | 3) | (5, 3 | 4) => surround,
                (_, 0..=2) => 1.0,
                (_, 4 | 5) => surround,
                _ => 0.0,
            })
            .collect();
        let (b, a) = k_weighting(f64::from(sample_rate.max(1)));
        LoudnessMeter {
            channels,
            weights,
            b,
            a,
            state: vec![ChannelState::default(); channels],
            frames_per_step: ((sample_rate as usize + 5) / 10).max(1),
            in_step: 0,
            steps: [0.0; 4],
            steps_done: 0,
            blocks: Vec::new(),
        }
    }

    /// Adds interleaved frames (a partial frame at the end is ignored).
    pub fn add(&mut self, interleaved: &[f32]) {
        let mut frames = interleaved;
        while frames.len() >= self.channels {
            let take = (self.frames_per_step - self.in_step).min(frames.len() / self.channels);
            let (now, rest) = frames.split_at(take * self.channels);
            // Stereo and mono are nearly all music: their loops know the channel count, so the
            // compiler keeps both channels' state in registers side by side.
            match self.channels {
                1 => filter_frames::<1>(now, &self.b, &self.a, &mut self.state),
                2 => filter_frames::<2>(now, &self.b, &self.a, &mut self.state),
                _ => filter_frames_any(now, self.channels, &self.b, &self.a, &mut self.state),
            }
            self.in_step += take;
            if self.in_step == self.frames_per_step {
                self.finish_step();
            }
            frames = rest;
        }
    }

    fn finish_step(&mut self) {
        let energy: f64 = self
            .state
            .iter_mut()
            .zip(&self.weights)
            .map(|(s, w)| {
                let e = std::mem::take(&mut s.sum) * w;
                // Silence lets the recursion decay towards subnormal numbers, which are slow
                // on most CPUs (libebur128 flushes them to zero); values this small change
                // no block's energy.
                for v in &mut s.s {
                    if v.abs() < 1e-30 {
                        *v = 0.0;
                    }
                }
                e
            })
            .sum();
        self.in_step = 0;
        self.steps.rotate_left(1);
        self.steps[3] = energy;
        self.steps_done += 1;
        if self.steps_done >= 4 {
            let block = self.steps.iter().sum::<f64>() / (4 * self.frames_per_step) as f64;
            if block >= absolute_gate() {
                self.blocks.push(block);
            }
        }
    }

    /// Integrated loudness, LUFS; `None` when no 400 ms block reaches -70 LUFS (silence, or
    /// less than 400 ms of audio).
    pub fn integrated(&self) -> Option<f64> {
        if self.blocks.is_empty() {
            return None;
        }
        let mean = self.blocks.iter().sum::<f64>() / self.blocks.len() as f64;
        let relative_gate = mean * 0.1;
        let (sum, count) = self
            .blocks
            .iter()
            .filter(|&&e| e >= relative_gate)
            .fold((0.0, 0usize), |(s, n), e| (s + e, n + 1));
        let loudness = 10.0 * (sum / count.max(1) as f64).log10() - 0.691;
        loudness.is_finite().then_some(loudness)
    }
}

/// Runs the K-weighting filter over `frames` (interleaved, `C` channels), adding each
/// channel's squared output to its sum.
fn filter_frames<const C: usize>(
    frames: &[f32],
    b: &[f64; 5],
    a: &[f64; 5],
    state: &mut [ChannelState],
) {
    let mut s: [[f64; 4]; C] = std::array::from_fn(|c| state[c].s);
    let mut sum: [f64; C] = std::array::from_fn(|c| state[c].sum);
    for frame in frames.chunks_exact(C) {
        for c in 0..C {
            let [s1, s2, s3, s4] = s[c];
            // The previous value enters last: the rest does not wait on it.
            let s0 = f64::from(frame[c]) - a[4] * s4 - a[3] * s3 - a[2] * s2 - a[1] * s1;
            let y = b[0] * s0 + b[1] * s1 + b[2] * s2 + b[3] * s3 + b[4] * s4;
            s[c] = [s0, s1, s2, s3];
            sum[c] += y * y;
        }
    }
    for c in 0..C {
        state[c].s = s[c];
        state[c].sum = sum[c];
    }
}

/// [`filter_frames`] for any number of channels.
fn filter_frames_any(
    frames: &[f32],
    channels: usize,
    b: &[f64; 5],
    a: &[f64; 5],
    state: &mut [ChannelState],
) {
    for frame in frames.chunks_exact(channels) {
        for (x, st) in frame.iter().zip(state.iter_mut()) {
            let [s1, s2, s3, s4] = st.s;
            let s0 = f64::from(*x) - a[4] * s4 - a[3] * s3 - a[2] * s2 - a[1] * s1;
            let y = b[0] * s0 + b[1] * s1 + b[2] * s2 + b[3] * s3 + b[4] * s4;
            st.s = [s0, s1, s2, s3];
            st.sum += y * y;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Music-like test signal: noise shaped by a slowly changing level, with quiet passages,
    /// silence (below the absolute gate) and loud bursts, so both gates are exercised.
    fn signal(channels: usize, rate: u32, seconds: f64) -> Vec<f32> {
        let mut state = 987_654_321u32;
        let mut noise = move || {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (state >> 8) as f32 / (1u32 << 24) as f32 - 0.5
        };
        let frames = (f64::from(rate) * seconds) as usize;
        let mut out = Vec::with_capacity(frames * channels);
        for i in 0..frames {
            let t = i as f64 / f64::from(rate);
            let level = match t {
                t if t < 2.0 => 0.3,
                t if t < 3.0 => 0.0,
                t if t < 5.0 => 0.01,
                t if t < 6.0 => 0.9,
                _ => 0.2 * (1.0 + (t * 1.3).sin()),
            };
            let tone = (2.0 * std::f64::consts::PI * 60.0 * t).sin() * 0.2;
            for c in 0..channels {
                let x = level * (f64::from(noise()) + tone) * (1.0 - 0.1 * c as f64);
                out.push(x as f32);
            }
        }
        out
    }

    fn reference(channels: usize, rate: u32, x: &[f32]) -> f64 {
        let mut meter = ebur128::EbuR128::new(channels as u32, rate, ebur128::Mode::I)
            .expect("reference meter");
        for piece in x.chunks(channels * 1000) {
            meter.add_frames_f32(piece).expect("frames");
        }
        meter.loudness_global().expect("loudness")
    }

    #[test]
    fn integrated_loudness_matches_ebur128() {
        for (channels, rate) in [
            (2, 44_100),
            (1, 48_000),
            (2, 22_050),
            (6, 48_000),
            (4, 96_000),
        ] {
            let x = signal(channels, rate, 9.37);
            let expected = reference(channels, rate, &x);
            let mut meter = LoudnessMeter::new(channels, rate);
            // Uneven pieces, so steps straddle calls.
            for piece in x.chunks(channels * 777) {
                meter.add(piece);
            }
            let got = meter.integrated().expect("loud enough");
            assert!(
                (got - expected).abs() < 1e-9,
                "{channels} channels at {rate} Hz: {got} LUFS, libebur128 {expected}"
            );
        }
    }

    #[test]
    fn silence_and_short_clips_have_no_loudness() {
        let mut meter = LoudnessMeter::new(2, 44_100);
        meter.add(&vec![0.0; 2 * 44_100 * 3]);
        assert_eq!(meter.integrated(), None);
        let mut meter = LoudnessMeter::new(2, 44_100);
        meter.add(&signal(2, 44_100, 0.3));
        assert_eq!(meter.integrated(), None, "shorter than one 400 ms block");
    }

    #[test]
    fn a_full_scale_sine_at_1_khz_reads_as_bs1770_says() {
        // BS.1770: a 0 dBFS 1 kHz sine in one front channel measures -3.01 LKFS.
        let rate = 48_000;
        let x: Vec<f32> = (0..rate * 5)
            .map(|i| {
                (2.0 * std::f64::consts::PI * 1000.0 * f64::from(i) / f64::from(rate)).sin() as f32
            })
            .collect();
        let mut meter = LoudnessMeter::new(1, rate as u32);
        meter.add(&x);
        let got = meter.integrated().expect("loud");
        assert!((got + 3.01).abs() < 0.02, "{got}");
    }
}
