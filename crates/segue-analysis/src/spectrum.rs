//! The short-time power spectrum and the mel filter bank shared by musicnn's input and the
//! DSP features.

use std::sync::Arc;

use realfft::{RealFftPlanner, RealToComplex};

/// musicnn's STFT: 512-point frames every 256 samples at 16 kHz (32 ms / 16 ms).
pub const FFT_SIZE: usize = 512;
pub const HOP: usize = 256;
pub const BINS: usize = FFT_SIZE / 2 + 1;
pub const MEL_BANDS: usize = 96;

/// Power spectrogram, `frames × BINS`, row-major.
pub struct PowerSpectrogram {
    pub frames: usize,
    pub power: Vec<f32>,
}

impl PowerSpectrogram {
    pub fn frame(&self, t: usize) -> &[f32] {
        &self.power[t * BINS..(t + 1) * BINS]
    }
}

/// A real FFT with a periodic Hann window, reused across frames.
pub struct Stft {
    fft: Arc<dyn RealToComplex<f32>>,
    window: Vec<f32>,
    input: Vec<f32>,
    spectrum: Vec<realfft::num_complex::Complex<f32>>,
    scratch: Vec<realfft::num_complex::Complex<f32>>,
}

impl Stft {
    pub fn new(size: usize) -> Stft {
        let fft = RealFftPlanner::<f32>::new().plan_fft_forward(size);
        // Periodic Hann (librosa's `scipy.signal.get_window('hann', n, fftbins=True)`).
        let window = (0..size)
            .map(|n| {
                (0.5 - 0.5 * (2.0 * std::f64::consts::PI * n as f64 / size as f64).cos()) as f32
            })
            .collect();
        Stft {
            input: fft.make_input_vec(),
            spectrum: fft.make_output_vec(),
            scratch: fft.make_scratch_vec(),
            fft,
            window,
        }
    }

    /// Power |X|² of the windowed `frame` (zero-padded to the FFT size), appended to `out`.
    pub fn power_into(&mut self, frame: &[f32], out: &mut Vec<f32>) {
        self.power_of(0, frame, out);
    }

    /// Power |X|² of a frame that holds `frame` from position `offset` on and zeros
    /// elsewhere, windowed, appended to `out`.
    fn power_of(&mut self, offset: usize, frame: &[f32], out: &mut Vec<f32>) {
        let size = self.input.len();
        let offset = offset.min(size);
        let len = frame.len().min(size - offset);
        self.input[..offset].fill(0.0);
        self.input[offset + len..].fill(0.0);
        for ((x, s), w) in self.input[offset..offset + len]
            .iter_mut()
            .zip(&frame[..len])
            .zip(&self.window[offset..offset + len])
        {
            *x = s * w;
        }
        // Sizes come from `make_*_vec`, so the transform cannot fail on them.
        let _ =
            self.fft
                .process_with_scratch(&mut self.input, &mut self.spectrum, &mut self.scratch);
        out.extend(self.spectrum.iter().map(|c| c.norm_sqr()));
    }
}

/// librosa's centred framing, one frame at a time: for each of the `1 + len / hop` frames (the
/// signal zero-padded by half a frame on each side, one frame every `hop` samples), `each`
/// gets the frame's index and power spectrum (`size / 2 + 1` bins). Nothing of the size of
/// the signal is allocated.
pub fn each_power_frame(
    signal: &[f32],
    size: usize,
    hop: usize,
    mut each: impl FnMut(usize, &[f32]),
) {
    let frames = 1 + signal.len() / hop.max(1);
    let mut stft = Stft::new(size);
    let mut power = Vec::with_capacity(size / 2 + 1);
    for t in 0..frames {
        let (offset, from, to) = frame_span(t, size, hop, signal.len());
        power.clear();
        stft.power_of(offset, &signal[from..to], &mut power);
        each(t, &power);
    }
}

/// Where frame `t` of a signal of `len` samples lies in librosa's centred framing: it holds
/// `signal[from..to]` from position `offset` on, zeros elsewhere.
fn frame_span(t: usize, size: usize, hop: usize, len: usize) -> (usize, usize, usize) {
    // The frame covers padded[t * hop..][..size], that is signal[t * hop - half..][..size].
    let half = size / 2;
    let start = t * hop;
    let (offset, from) = if start < half {
        (half - start, 0)
    } else {
        (0, start - half)
    };
    let to = (start + size).saturating_sub(half).min(len);
    (offset, from.min(to), to)
}

/// [`each_power_frame`] over a signal that comes in pieces: the same frames, bit for bit,
/// whatever the pieces, holding only the samples the next frames need (not the signal).
pub struct PowerFrames {
    size: usize,
    hop: usize,
    stft: Stft,
    power: Vec<f32>,
    /// The signal from sample `base` on.
    held: Vec<f32>,
    base: usize,
    /// Samples given so far.
    len: usize,
    /// The next frame's index.
    next: usize,
}

impl PowerFrames {
    pub fn new(size: usize, hop: usize) -> PowerFrames {
        PowerFrames {
            size,
            hop: hop.max(1),
            stft: Stft::new(size),
            power: Vec::with_capacity(size / 2 + 1),
            held: Vec::new(),
            base: 0,
            len: 0,
            next: 0,
        }
    }

    /// Takes the signal's next samples; `each` gets the power spectrum of every frame they
    /// complete, in order.
    pub fn push(&mut self, samples: &[f32], each: &mut impl FnMut(&[f32])) {
        self.held.extend_from_slice(samples);
        self.len += samples.len();
        // A frame is complete once the signal reaches its end: later samples cannot change it.
        while self.next * self.hop + self.size / 2 <= self.len {
            self.frame(each);
        }
        // Samples before the next frame are not needed again; dropped in bulk, not per push.
        let needed_from = (self.next * self.hop).saturating_sub(self.size / 2);
        if needed_from - self.base > 4 * self.size.max(self.hop) {
            self.held.drain(..needed_from - self.base);
            self.base = needed_from;
        }
    }

    /// Ends the signal: `each` gets the remaining frames (zero-padded past its end).
    pub fn finish(mut self, each: &mut impl FnMut(&[f32])) {
        let frames = 1 + self.len / self.hop;
        while self.next < frames {
            self.frame(each);
        }
    }

    fn frame(&mut self, each: &mut impl FnMut(&[f32])) {
        let (offset, from, to) = frame_span(self.next, self.size, self.hop, self.len);
        self.power.clear();
        self.stft.power_of(
            offset,
            &self.held[from - self.base..to - self.base],
            &mut self.power,
        );
        each(&self.power);
        self.next += 1;
    }
}

/// librosa's centred framing: the signal zero-padded by half a frame on each side, one frame
/// every `hop` samples, `1 + len / hop` frames.
pub fn power_spectrogram(signal: &[f32], size: usize, hop: usize) -> PowerSpectrogram {
    let frames = 1 + signal.len() / hop;
    let mut power = Vec::with_capacity(frames * (size / 2 + 1));
    each_power_frame(signal, size, hop, |_, p| power.extend_from_slice(p));
    PowerSpectrogram { frames, power }
}

/// Slaney's mel scale (librosa's default): linear below 1 kHz, logarithmic above.
fn hz_to_mel(hz: f64) -> f64 {
    let f_sp = 200.0 / 3.0;
    let min_log_hz = 1000.0;
    if hz < min_log_hz {
        hz / f_sp
    } else {
        min_log_hz / f_sp + (hz / min_log_hz).ln() / (6.4f64.ln() / 27.0)
    }
}

fn mel_to_hz(mel: f64) -> f64 {
    let f_sp = 200.0 / 3.0;
    let min_log_mel = 1000.0 / f_sp;
    if mel < min_log_mel {
        mel * f_sp
    } else {
        1000.0 * ((6.4f64.ln() / 27.0) * (mel - min_log_mel)).exp()
    }
}

/// One triangular band of the filter bank: its first bin and weights.
pub struct MelBand {
    pub first_bin: usize,
    pub weights: Vec<f32>,
}

/// `librosa.filters.mel(sr, n_fft, n_mels)` with Slaney area normalisation, 0 Hz to sr/2,
/// stored sparsely (each band touches a few bins).
pub fn mel_filter_bank(sample_rate: u32, fft_size: usize, bands: usize) -> Vec<MelBand> {
    let bins = fft_size / 2 + 1;
    let top = hz_to_mel(f64::from(sample_rate) / 2.0);
    let edges: Vec<f64> = (0..bands + 2)
        .map(|i| mel_to_hz(top * i as f64 / (bands + 1) as f64))
        .collect();
    let bin_hz = |k: usize| k as f64 * f64::from(sample_rate) / fft_size as f64;
    (0..bands)
        .map(|m| {
            let (lo, centre, hi) = (edges[m], edges[m + 1], edges[m + 2]);
            let norm = 2.0 / (hi - lo);
            let weights: Vec<(usize, f32)> = (0..bins)
                .filter_map(|k| {
                    let f = bin_hz(k);
                    let w = ((f - lo) / (centre - lo)).min((hi - f) / (hi - centre));
                    (w > 0.0).then_some((k, (w * norm) as f32))
                })
                .collect();
            MelBand {
                first_bin: weights.first().map_or(0, |w| w.0),
                weights: weights.iter().map(|w| w.1).collect(),
            }
        })
        .collect()
}

/// Mel power of one spectrum frame, appended to `out`.
pub fn apply_mel(bank: &[MelBand], power: &[f32], out: &mut Vec<f32>) {
    for band in bank {
        let bins = &power[band.first_bin..band.first_bin + band.weights.len()];
        out.push(bins.iter().zip(&band.weights).map(|(p, w)| p * w).sum());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mel_bank_matches_librosa_layout() {
        let bank = mel_filter_bank(16_000, 512, 96);
        assert_eq!(bank.len(), 96);
        // Slaney scale: 1 kHz sits at mel 15; the bands' centres rise monotonically.
        assert!((hz_to_mel(1000.0) - 15.0).abs() < 1e-9);
        assert!((mel_to_hz(hz_to_mel(5123.0)) - 5123.0).abs() < 1e-6);
        let firsts: Vec<usize> = bank.iter().map(|b| b.first_bin).collect();
        assert!(firsts.windows(2).all(|w| w[0] <= w[1]));
        // Area normalisation: each triangle's weights sum to about 2 / bandwidth in bins.
        let last = &bank[95];
        assert!(last.first_bin + last.weights.len() <= 257);
    }

    /// Framing without a padded copy gives, bit for bit, the frames of the padded signal.
    #[test]
    fn frames_match_a_padded_copy_of_the_signal() {
        for len in [0, 1, 100, 255, 256, 257, 1000, 4096, 5000] {
            let signal: Vec<f32> = (0..len)
                .map(|i| ((i * 7919) % 1000) as f32 / 500.0 - 1.0)
                .collect();
            for (size, hop) in [(512, 256), (4096, 2048)] {
                let half = size / 2;
                let mut padded = vec![0.0f32; len + 2 * half];
                padded[half..half + len].copy_from_slice(&signal);
                let mut stft = Stft::new(size);
                let mut expected = Vec::new();
                for t in 0..1 + len / hop {
                    let start = t * hop;
                    stft.power_into(
                        &padded[start..(start + size).min(padded.len())],
                        &mut expected,
                    );
                }
                assert_eq!(
                    power_spectrogram(&signal, size, hop).power,
                    expected,
                    "{len} {size}"
                );
            }
        }
    }

    #[test]
    fn a_sine_peaks_in_its_bin() {
        let signal: Vec<f32> = (0..16_000)
            .map(|i| (2.0 * std::f32::consts::PI * 1000.0 * i as f32 / 16_000.0).sin())
            .collect();
        let spec = power_spectrogram(&signal, 512, 256);
        assert_eq!(spec.frames, 1 + 16_000 / 256);
        let frame = spec.frame(30);
        let peak = (0..BINS)
            .max_by(|&a, &b| frame[a].total_cmp(&frame[b]))
            .unwrap_or(0);
        assert_eq!(peak, 32); // 1000 Hz / (16000 / 512)
    }
}
