//! Turning decoded audio into what the device plays: channel mapping and resampling.

use rubato::audioadapter_buffers::direct::InterleavedSlice;
use rubato::{Fft, FixedSync, Resampler};

/// Maps interleaved `from`-channel audio to `to` channels: mono is copied to every output,
/// extra channels are folded into the first two, missing ones are silent.
pub(crate) fn map_channels(input: &[f32], from: usize, to: usize, out: &mut Vec<f32>) {
    if from == to {
        out.extend_from_slice(input);
        return;
    }
    for frame in input.chunks_exact(from) {
        match (from, to) {
            (1, _) => out.extend(std::iter::repeat_n(frame[0], to)),
            (_, 1) => out.push(frame.iter().sum::<f32>() / from as f32),
            _ => {
                // Keep front left/right; fold any others in at -3 dB so nothing is lost.
                let extra: f32 = frame[2..].iter().sum::<f32>() * std::f32::consts::FRAC_1_SQRT_2
                    / (from - 2).max(1) as f32;
                let (l, r) = if from >= 2 {
                    (frame[0] + extra, frame[1] + extra)
                } else {
                    (frame[0], frame[0])
                };
                out.push(l);
                out.push(r);
                out.extend(std::iter::repeat_n(0.0, to.saturating_sub(2)));
            }
        }
    }
}

/// A streaming sample-rate converter (rubato's FFT resampler). Audio of consecutive tracks
/// at the same rate flows through one converter, so their join stays sample-continuous.
pub(crate) struct StreamResampler {
    inner: Option<Fft<f32>>,
    channels: usize,
    from: u32,
    to: u32,
    pending: Vec<f32>,
    /// Output frames still to drop at the start (the filter's delay).
    delay_left: usize,
    /// Input frames consumed and output frames produced, to size the tail exactly.
    frames_in: u64,
    frames_out: u64,
}

impl StreamResampler {
    pub fn new(from: u32, to: u32, channels: usize) -> Result<StreamResampler, String> {
        let inner = if from == to {
            None
        } else {
            Some(
                Fft::<f32>::new_custom(
                    from as usize,
                    to as usize,
                    // About 1024 frames as one FFT: a filter long enough to stay flat to 20 kHz.
                    segue_decode::resampler_chunk_frames(from, to, 1024),
                    1,
                    channels,
                    rubato::WindowFunction::BlackmanHarris2,
                    FixedSync::Input,
                )
                .map_err(|e| e.to_string())?,
            )
        };
        let delay_left = inner.as_ref().map_or(0, |r| r.output_delay());
        Ok(StreamResampler {
            inner,
            channels,
            from,
            to,
            pending: Vec::new(),
            delay_left,
            frames_in: 0,
            frames_out: 0,
        })
    }

    /// Whether this converter handles audio of `rate` Hz with `channels` channels.
    pub fn accepts(&self, rate: u32, channels: usize) -> bool {
        self.from == rate && self.channels == channels
    }

    /// Output frames the input so far will produce once flushed.
    pub fn expected_output_frames(&self, input_frames: u64) -> u64 {
        (input_frames as f64 * f64::from(self.to) / f64::from(self.from)).round() as u64
    }

    /// Converts `input` (interleaved), appending whatever output is ready to `out`.
    pub fn push(&mut self, input: &[f32], out: &mut Vec<f32>) -> Result<(), String> {
        let ch = self.channels;
        let Some(r) = self.inner.as_mut() else {
            out.extend_from_slice(input);
            return Ok(());
        };
        self.pending.extend_from_slice(input);
        self.frames_in += (input.len() / ch) as u64;
        loop {
            let need = r.input_frames_next();
            if self.pending.len() / ch < need {
                return Ok(());
            }
            let counters = (&mut self.delay_left, &mut self.frames_out);
            Self::run(r, &self.pending[..need * ch], ch, out, counters)?;
            self.pending.drain(..need * ch);
        }
    }

    /// Pushes the remaining input through (padding with silence) and trims the output to the
    /// exact converted length.
    pub fn flush(&mut self, out: &mut Vec<f32>) -> Result<(), String> {
        let ch = self.channels;
        let target = self.expected_output_frames(self.frames_in);
        let Some(r) = self.inner.as_mut() else {
            return Ok(());
        };
        let mut guard = 0;
        while self.frames_out < target && guard < 64 {
            guard += 1;
            let need = r.input_frames_next();
            let mut chunk = std::mem::take(&mut self.pending);
            chunk.resize(need * ch, 0.0);
            Self::run(
                r,
                &chunk,
                ch,
                out,
                (&mut self.delay_left, &mut self.frames_out),
            )?;
        }
        let excess = self.frames_out.saturating_sub(target) as usize;
        out.truncate(out.len() - excess.min(out.len() / ch) * ch);
        self.frames_out -= excess as u64;
        Ok(())
    }

    /// Resamples one chunk, appending the output minus any remaining filter delay, and
    /// counts the frames kept.
    fn run(
        r: &mut Fft<f32>,
        input: &[f32],
        ch: usize,
        out: &mut Vec<f32>,
        (delay_left, frames_out): (&mut usize, &mut u64),
    ) -> Result<(), String> {
        let frames_in = input.len() / ch;
        let capacity = r.output_frames_next();
        let start = out.len();
        out.resize(start + capacity * ch, 0.0);
        let adapter_in = InterleavedSlice::new(input, ch, frames_in).map_err(|e| e.to_string())?;
        let mut adapter_out = InterleavedSlice::new_mut(&mut out[start..], ch, capacity)
            .map_err(|e| e.to_string())?;
        let (_, produced) = r
            .process_into_buffer(&adapter_in, &mut adapter_out, None)
            .map_err(|e| e.to_string())?;
        out.truncate(start + produced * ch);
        trim_delay(delay_left, frames_out, ch, produced, out);
        Ok(())
    }
}

/// Drops the filter delay from the front of freshly produced output and counts the rest.
fn trim_delay(
    delay_left: &mut usize,
    frames_out: &mut u64,
    ch: usize,
    produced: usize,
    out: &mut Vec<f32>,
) {
    let drop = (*delay_left).min(produced);
    if drop > 0 {
        let start = out.len() - produced * ch;
        out.drain(start..start + drop * ch);
        *delay_left -= drop;
    }
    *frames_out += (produced - drop) as u64;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mono_and_surround_map_to_stereo() {
        let mut out = Vec::new();
        map_channels(&[0.5, -0.5], 1, 2, &mut out);
        assert_eq!(out, [0.5, 0.5, -0.5, -0.5]);
        out.clear();
        map_channels(&[1.0, 0.0, 0.0, 0.0, 0.0, 0.0], 6, 2, &mut out);
        assert_eq!(out, [1.0, 0.0]);
    }

    #[test]
    fn resampling_keeps_length_timing_and_frequency() {
        // 1 s of a 1 kHz sine at 44.1 kHz, fed in uneven pieces, becomes 1 s at 48 kHz.
        let input: Vec<f32> = (0..44_100)
            .map(|i| (2.0 * std::f32::consts::PI * 1000.0 * i as f32 / 44_100.0).sin() * 0.5)
            .collect();
        let mut r = StreamResampler::new(44_100, 48_000, 1).expect("resampler");
        let mut out = Vec::new();
        for piece in input.chunks(777) {
            r.push(piece, &mut out).expect("push");
        }
        r.flush(&mut out).expect("flush");
        assert_eq!(out.len(), 48_000);
        // Same phase as the ideal 48 kHz sine (no delay), away from the edges.
        let err: f32 = (1000..47_000)
            .map(|i| {
                let ideal = (2.0 * std::f32::consts::PI * 1000.0 * i as f32 / 48_000.0).sin() * 0.5;
                (out[i] - ideal).abs()
            })
            .fold(0.0, f32::max);
        assert!(err < 1e-3, "max error {err}");
    }
}

#[cfg(test)]
mod response {
    use super::*;

    /// Gain in dB of a sine at `freq` Hz through a 44.1 → 48 kHz stream.
    pub(super) fn gain_db(from: u32, to: u32, freq: f32) -> f32 {
        let input: Vec<f32> = (0..from as usize)
            .map(|i| (2.0 * std::f32::consts::PI * freq * i as f32 / from as f32).sin() * 0.5)
            .collect();
        let mut r = StreamResampler::new(from, to, 1).expect("resampler");
        let mut out = Vec::new();
        for piece in input.chunks(1000) {
            r.push(piece, &mut out).expect("push");
        }
        r.flush(&mut out).expect("flush");
        let mid = &out[to as usize / 6..to as usize * 5 / 6];
        let rms = (mid.iter().map(|x| x * x).sum::<f32>() / mid.len() as f32).sqrt();
        20.0 * (rms / (0.5 / 2f32.sqrt())).log10()
    }

    /// Flat to 20 kHz and no aliasing for the common rate pairs. (rubato's default sub-chunks
    /// gave -5.6 dB at 20 kHz for 96 -> 44.1 kHz.)
    #[test]
    fn flat_to_20_khz_and_rejects_above_nyquist() {
        for (from, to) in [
            (44_100, 48_000),
            (48_000, 44_100),
            (96_000, 48_000),
            (96_000, 44_100),
        ] {
            for f in [1000.0, 10_000.0, 15_000.0, 18_000.0, 20_000.0] {
                let g = gain_db(from, to, f);
                assert!(g.abs() < 0.1, "{from} -> {to}: {f} Hz at {g:.2} dB");
            }
            // Above both Nyquist frequencies: must not alias back into the band.
            let f = (from.min(to) as f32 / 2.0 + 1000.0).min(from as f32 / 2.0 - 500.0);
            if f > from.min(to) as f32 / 2.0 {
                let g = gain_db(from, to, f);
                assert!(g < -45.0, "{from} -> {to}: {f} Hz at {g:.2} dB");
            }
        }
    }
}
