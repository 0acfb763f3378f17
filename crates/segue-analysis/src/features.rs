//! DSP features from the analysis signal (mono, 16 kHz). Units are given on
//! [`segue_core::DspFeatures`].

use segue_core::{DspFeatures, KeyMode};

use crate::lanes;
use crate::signal::ANALYSIS_RATE;
use crate::spectrum::{self, BINS, FFT_SIZE, HOP, MelBand, PowerSpectrogram};

/// Frames per second of the short-time features (16 kHz / 256).
const FRAME_RATE: f64 = ANALYSIS_RATE as f64 / HOP as f64;
/// Chroma uses longer frames (256 ms) for the frequency resolution low notes need.
const CHROMA_FFT: usize = 4096;
pub const WAVEFORM_BINS: usize = 256;

/// Everything the DSP stage measures, except loudness (from the original audio), and the mel
/// power spectrogram the models take (`frames × bank.len()`, row-major). The same, bit for
/// bit, as [`FeatureStream`] given `mono` in any pieces.
pub fn extract(mono: &[f32], bank: &[MelBand]) -> (DspFeatures, Vec<f32>) {
    let mut stream = FeatureStream::new(bank, true);
    stream.reserve(mono.len());
    stream.push(mono);
    stream.finish()
}

/// The DSP features of a signal that comes in pieces (the analysis signal as it is
/// resampled), holding only the mel spectrogram and, when asked, one byte per sample for the
/// waveform: not the signal.
///
/// One pass of the STFT serves every feature that reads it: each frame's power spectrum goes
/// to the spectral shape and to the mel bands, and is not kept; onsets, tempo and the MFCCs
/// read the mel bands at the end. Only the chroma takes its own, longer frames
/// (`CHROMA_FFT`). Every sum is taken in the signal's order, as over the whole signal.
pub struct FeatureStream<'a> {
    bank: &'a [MelBand],
    frames: spectrum::PowerFrames,
    shape: SpectralShape,
    mel: Vec<f32>,
    chroma: Chroma,
    energy: Energy,
    /// Each sample's waveform level ([`level`]), for the waveform of a signal that is the
    /// whole track; `None` when the caller has the waveform from elsewhere.
    levels: Option<Vec<u8>>,
    len: usize,
}

impl<'a> FeatureStream<'a> {
    /// `waveform`: whether to measure the waveform (from one byte per sample).
    pub fn new(bank: &'a [MelBand], waveform: bool) -> FeatureStream<'a> {
        FeatureStream {
            bank,
            frames: spectrum::PowerFrames::new(FFT_SIZE, HOP),
            shape: SpectralShape::default(),
            mel: Vec::new(),
            chroma: Chroma::new(),
            energy: Energy::default(),
            levels: waveform.then(Vec::new),
            len: 0,
        }
    }

    /// Makes room for a signal of about `samples`, so what is kept is not copied as it grows.
    pub fn reserve(&mut self, samples: usize) {
        self.mel
            .reserve_exact((1 + samples / HOP) * self.bank.len());
        if let Some(levels) = &mut self.levels {
            levels.reserve_exact(samples);
        }
    }

    pub fn push(&mut self, samples: &[f32]) {
        let (bank, shape, mel) = (self.bank, &mut self.shape, &mut self.mel);
        self.frames.push(samples, &mut |power| {
            shape.add(power);
            spectrum::apply_mel(bank, power, mel);
        });
        self.chroma.push(samples);
        self.energy.push(samples);
        if let Some(levels) = &mut self.levels {
            levels.extend(samples.iter().map(|&x| level(x)));
        }
        self.len += samples.len();
    }

    /// The features and the mel power spectrogram.
    pub fn finish(self) -> (DspFeatures, Vec<f32>) {
        let FeatureStream {
            bank,
            frames,
            mut shape,
            mut mel,
            chroma,
            energy,
            levels,
            len,
        } = self;
        frames.finish(&mut |power| {
            shape.add(power);
            spectrum::apply_mel(bank, power, &mut mel);
        });
        let bands = bank.len();
        let spectral = shape.finish();
        let onset = onset_envelope(&mel, bands);
        let (bpm, bpm_confidence) = tempo(&onset);
        let chroma = chroma.finish();
        let (key, mode, key_confidence) = key(&chroma);
        let (mfcc_mean, mfcc_var) = mfcc(&mel, bands);
        let (energy, zero_crossing_rate) = energy.finish(len);
        let duration = len as f64 / f64::from(ANALYSIS_RATE);
        let dsp = DspFeatures {
            duration_s: duration,
            bpm,
            bpm_confidence,
            key,
            mode,
            key_confidence,
            energy,
            spectral_centroid_hz: spectral.0,
            spectral_rolloff_hz: spectral.1,
            spectral_flatness: spectral.2,
            zero_crossing_rate,
            mfcc_mean,
            mfcc_var,
            chroma,
            onset_rate: onset_count(&onset) as f32 / duration.max(1e-9) as f32,
            waveform: levels.map(|l| waveform_of_levels(&l)).unwrap_or_default(),
            // From every sample of the original audio: see `apply_edges`.
            music_start_s: None,
            music_end_s: None,
            fade_out_s: None,
        };
        (dsp, mel)
    }
}

/// Records where the music starts, ends and begins its final fall ([`crate::signal::Edges`],
/// measured on every sample of the original audio, so a long track analysed from excerpts
/// gets them right too).
pub fn apply_edges(dsp: &mut DspFeatures, edges: &crate::signal::Edges) {
    dsp.music_start_s = Some(edges.music_start_s);
    dsp.music_end_s = Some(edges.music_end_s);
    dsp.fade_out_s = Some(edges.fade_out_s);
}

/// Mean centroid (Hz), 85% roll-off (Hz) and flatness (0-1) over frames with sound in them,
/// from power spectra of [`FFT_SIZE`] given one at a time.
#[derive(Default)]
struct SpectralShape {
    centroid: f64,
    rolloff: f64,
    flatness: f64,
    frames: usize,
    /// The frame's magnitudes, kept between frames to save allocating.
    magnitudes: Vec<f64>,
}

impl SpectralShape {
    fn add(&mut self, p: &[f32]) {
        let bin_hz = f64::from(ANALYSIS_RATE) / FFT_SIZE as f64;
        let total = lanes::sum_f64(p);
        if total < 1e-8 {
            return;
        }
        self.frames += 1;
        // Centroid and roll-off weigh magnitudes (as librosa does), flatness powers.
        self.magnitudes.clear();
        self.magnitudes
            .extend(p.iter().map(|&x| f64::from(x).sqrt()));
        let (magnitude, weighted) = lanes::sum_and_index_weighted_sum(&self.magnitudes);
        self.centroid += weighted * bin_hz / magnitude;
        let mut acc = 0.0;
        let k85 = self
            .magnitudes
            .iter()
            .position(|&m| {
                acc += m;
                acc >= 0.85 * magnitude
            })
            .unwrap_or(BINS - 1);
        self.rolloff += k85 as f64 * bin_hz;
        // Σ ln x as the logarithms of products of eight: one logarithm instead of eight. Each
        // power lies between 1e-10 and about 1e5, so a product of eight stays far inside f64.
        let log_sum: f64 = p
            .chunks(8)
            .map(|c| {
                c.iter()
                    .map(|&x| f64::from(x) + 1e-10)
                    .product::<f64>()
                    .ln()
            })
            .sum();
        let log_mean = log_sum / BINS as f64;
        self.flatness += log_mean.exp() / (total / BINS as f64);
    }

    fn finish(&self) -> (f32, f32, f32) {
        let n = self.frames.max(1) as f64;
        (
            (self.centroid / n) as f32,
            (self.rolloff / n) as f32,
            (self.flatness / n) as f32,
        )
    }
}

/// Spectral flux on log mel bands: how much new energy each frame brings.
fn onset_envelope(mel_power: &[f32], bands: usize) -> Vec<f32> {
    let log = |row: &[f32], out: &mut Vec<f32>| {
        out.clear();
        out.extend(row.iter().map(|&x| (1.0 + 1000.0 * x).ln()));
    };
    let frames = mel_power.len() / bands.max(1);
    let mut env = vec![0.0f32; frames];
    let (mut prev, mut cur): (Vec<f32>, Vec<f32>) =
        (Vec::with_capacity(bands), Vec::with_capacity(bands));
    for (t, row) in mel_power.chunks_exact(bands.max(1)).enumerate() {
        log(row, &mut cur);
        if t > 0 {
            env[t] = cur
                .iter()
                .zip(&prev)
                .map(|(c, p)| (c - p).max(0.0))
                .sum::<f32>()
                / bands as f32;
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    // Remove the slowly varying part, so the envelope swings around zero at each beat.
    let smooth = moving_average(&env, (FRAME_RATE * 0.5) as usize);
    env.iter()
        .zip(&smooth)
        .map(|(e, s)| (e - s).max(0.0))
        .collect()
}

fn moving_average(x: &[f32], width: usize) -> Vec<f32> {
    let half = width / 2;
    let mut prefix = vec![0.0f64; x.len() + 1];
    for (i, v) in x.iter().enumerate() {
        prefix[i + 1] = prefix[i] + f64::from(*v);
    }
    (0..x.len())
        .map(|i| {
            let (a, b) = (i.saturating_sub(half), (i + half + 1).min(x.len()));
            ((prefix[b] - prefix[a]) / (b - a) as f64) as f32
        })
        .collect()
}

/// Tempo from the autocorrelation of the onset envelope, weighted towards 120 BPM by a
/// log-normal prior one octave wide (as librosa's `beat.tempo` does). Confidence is the
/// chosen lag's autocorrelation relative to lag 0 (0-1).
fn tempo(onset: &[f32]) -> (f32, f32) {
    let (min_bpm, max_bpm) = (40.0, 240.0);
    let lag_of = |bpm: f64| 60.0 * FRAME_RATE / bpm;
    let (lo, hi) = (
        lag_of(max_bpm).floor() as usize,
        lag_of(min_bpm).ceil() as usize,
    );
    if onset.len() < hi * 2 {
        return (0.0, 0.0);
    }
    let acf = |lag: usize| -> f64 {
        onset[lag..]
            .iter()
            .zip(onset)
            .map(|(a, b)| f64::from(*a) * f64::from(*b))
            .sum::<f64>()
            / (onset.len() - lag) as f64
    };
    let zero = acf(0);
    if zero <= 0.0 {
        return (0.0, 0.0);
    }
    let values: Vec<f64> = (lo..=hi).map(acf).collect();
    let weighted = |i: usize| {
        let bpm = 60.0 * FRAME_RATE / (lo + i) as f64;
        values[i] * (-0.5 * (bpm / 120.0).log2().powi(2)).exp()
    };
    let best = (0..values.len())
        .max_by(|&a, &b| weighted(a).total_cmp(&weighted(b)))
        .unwrap_or(0);
    // Parabolic interpolation between lags for a tempo finer than one frame.
    let shift = if best > 0 && best + 1 < values.len() {
        let (a, b, c) = (values[best - 1], values[best], values[best + 1]);
        let d = a - 2.0 * b + c;
        if d.abs() > 1e-12 {
            (0.5 * (a - c) / d).clamp(-0.5, 0.5)
        } else {
            0.0
        }
    } else {
        0.0
    };
    let lag = (lo + best) as f64 + shift;
    (
        (60.0 * FRAME_RATE / lag) as f32,
        (values[best] / zero).clamp(0.0, 1.0) as f32,
    )
}

/// Onsets: local maxima of the envelope above its mean plus one standard deviation, at
/// least 50 ms apart.
fn onset_count(onset: &[f32]) -> usize {
    if onset.len() < 3 {
        return 0;
    }
    let mean = onset.iter().sum::<f32>() / onset.len() as f32;
    let sd = (onset.iter().map(|x| (x - mean).powi(2)).sum::<f32>() / onset.len() as f32).sqrt();
    let threshold = mean + sd;
    let gap = (0.05 * FRAME_RATE).ceil() as usize;
    let mut last: Option<usize> = None;
    let mut count = 0;
    for t in 1..onset.len() - 1 {
        if onset[t] > threshold
            && onset[t] >= onset[t - 1]
            && onset[t] > onset[t + 1]
            && last.is_none_or(|l| t - l >= gap)
        {
            count += 1;
            last = Some(t);
        }
    }
    count
}

/// 12 pitch classes (C first), each frame scaled to its strongest class, averaged and
/// scaled so the strongest class is 1.
#[cfg(test)]
fn chroma(mono: &[f32]) -> [f32; 12] {
    let mut chroma = Chroma::new();
    chroma.push(mono);
    chroma.finish()
}

/// The chroma ([`chroma`]) of a signal that comes in pieces.
struct Chroma {
    frames: spectrum::PowerFrames,
    /// The first bin counted, and the pitch class of it and of each bin after it.
    first: usize,
    classes: Vec<usize>,
    total: [f64; 12],
    /// A frame's magnitudes, kept between frames to save allocating.
    magnitudes: Vec<f64>,
}

impl Chroma {
    fn new() -> Chroma {
        let bins = CHROMA_FFT / 2 + 1;
        let bin_hz = f64::from(ANALYSIS_RATE) / CHROMA_FFT as f64;
        // Pitch class of each bin from 55 Hz (A1) to 4 kHz, a run of bins; bins outside are
        // ignored.
        let in_range: Vec<(usize, usize)> = (0..bins)
            .filter_map(|k| {
                let f = k as f64 * bin_hz;
                (55.0..=4000.0).contains(&f).then(|| {
                    let midi = 69.0 + 12.0 * (f / 440.0).log2();
                    (k, (midi.round() as i64).rem_euclid(12) as usize)
                })
            })
            .collect();
        let first = in_range.first().map_or(0, |(k, _)| *k);
        let classes: Vec<usize> = in_range.into_iter().map(|(_, c)| c).collect();
        Chroma {
            frames: spectrum::PowerFrames::new(CHROMA_FFT, CHROMA_FFT / 2),
            first,
            magnitudes: Vec::with_capacity(classes.len()),
            classes,
            total: [0.0; 12],
        }
    }

    fn push(&mut self, samples: &[f32]) {
        let Chroma {
            frames,
            first,
            classes,
            total,
            magnitudes,
        } = self;
        frames.push(samples, &mut |p| {
            add_chroma_frame(p, *first, classes, total, magnitudes)
        });
    }

    fn finish(self) -> [f32; 12] {
        let Chroma {
            frames,
            first,
            classes,
            mut total,
            mut magnitudes,
        } = self;
        frames.finish(&mut |p| add_chroma_frame(p, first, &classes, &mut total, &mut magnitudes));
        let max = total.iter().copied().fold(0.0, f64::max).max(1e-12);
        total.map(|t| (t / max) as f32)
    }
}

/// Adds one frame's pitch classes, scaled to the strongest, to `total`.
fn add_chroma_frame(
    p: &[f32],
    first: usize,
    classes: &[usize],
    total: &mut [f64; 12],
    magnitudes: &mut Vec<f64>,
) {
    magnitudes.clear();
    magnitudes.extend(
        p[first..first + classes.len()]
            .iter()
            .map(|&x| f64::from(x).sqrt()),
    );
    let mut frame = [0.0f64; 12];
    for (m, c) in magnitudes.iter().zip(classes) {
        frame[*c] += m;
    }
    let max = frame.iter().copied().fold(0.0, f64::max);
    if max > 1e-6 {
        for (t, f) in total.iter_mut().zip(frame) {
            *t += f / max;
        }
    }
}

/// Key by correlating the chroma with the Krumhansl-Kessler major and minor profiles in all
/// 12 transpositions. Returns the tonic's pitch class, the mode and the best correlation.
fn key(chroma: &[f32; 12]) -> (u8, KeyMode, f32) {
    const MAJOR: [f64; 12] = [
        6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88,
    ];
    const MINOR: [f64; 12] = [
        6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17,
    ];
    let corr = |profile: &[f64; 12], tonic: usize| {
        let x: Vec<f64> = (0..12)
            .map(|i| f64::from(chroma[(i + tonic) % 12]))
            .collect();
        pearson(&x, profile)
    };
    let mut best = (0u8, KeyMode::Major, f64::MIN);
    for tonic in 0..12 {
        for (profile, mode) in [(&MAJOR, KeyMode::Major), (&MINOR, KeyMode::Minor)] {
            let c = corr(profile, tonic);
            if c > best.2 {
                best = (tonic as u8, mode, c);
            }
        }
    }
    (best.0, best.1, best.2.max(0.0) as f32)
}

fn pearson(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx).powi(2);
        syy += (b - my).powi(2);
    }
    if sxx <= 0.0 || syy <= 0.0 {
        0.0
    } else {
        sxy / (sxx * syy).sqrt()
    }
}

/// 13 MFCCs per frame: DCT-II (orthonormal) of the mel bands' power in dB. Means and
/// variances over frames.
fn mfcc(mel_power: &[f32], bands: usize) -> ([f32; 13], [f32; 13]) {
    let frames = mel_power.len() / bands;
    // By band, then coefficient: the 13 sums of a frame grow side by side, each in band
    // order, instead of one after another.
    let dct: Vec<[f64; 13]> = (0..bands)
        .map(|n| {
            std::array::from_fn(|k| {
                let scale = if k == 0 {
                    (1.0 / bands as f64).sqrt()
                } else {
                    (2.0 / bands as f64).sqrt()
                };
                scale * (std::f64::consts::PI * k as f64 * (n as f64 + 0.5) / bands as f64).cos()
            })
        })
        .collect();
    let (mut sum, mut sum_sq) = ([0.0f64; 13], [0.0f64; 13]);
    for t in 0..frames {
        let mut c = [0.0f64; 13];
        for (w, &p) in dct.iter().zip(&mel_power[t * bands..(t + 1) * bands]) {
            let d = 10.0 * (f64::from(p).max(1e-10)).log10();
            for (c, w) in c.iter_mut().zip(w) {
                *c += w * d;
            }
        }
        for k in 0..13 {
            sum[k] += c[k];
            sum_sq[k] += c[k] * c[k];
        }
    }
    let n = frames.max(1) as f64;
    let mean = sum.map(|s| s / n);
    let mut var = [0.0f32; 13];
    for k in 0..13 {
        var[k] = (sum_sq[k] / n - mean[k] * mean[k]).max(0.0) as f32;
    }
    (mean.map(|m| m as f32), var)
}

/// Mean RMS of 16 ms frames (linear, 0-1), and zero crossings per sample (0-1), of a signal
/// that comes in pieces.
#[derive(Default)]
struct Energy {
    /// The current frame's samples so far, when a piece ended inside it.
    partial: Vec<f32>,
    rms_sum: f64,
    frames: usize,
    crossings: usize,
    last: Option<f32>,
}

impl Energy {
    fn push(&mut self, samples: &[f32]) {
        let Some(&first) = samples.first() else {
            return;
        };
        if let Some(last) = self.last {
            self.crossings += usize::from((last >= 0.0) != (first >= 0.0));
        }
        self.crossings += samples
            .windows(2)
            .filter(|w| (w[0] >= 0.0) != (w[1] >= 0.0))
            .count();
        self.last = samples.last().copied();
        let mut rest = samples;
        if !self.partial.is_empty() {
            let take = (HOP - self.partial.len()).min(rest.len());
            self.partial.extend_from_slice(&rest[..take]);
            rest = &rest[take..];
            if self.partial.len() < HOP {
                return;
            }
            self.add_frame_of_partial();
        }
        let whole = rest.chunks_exact(HOP);
        let tail = whole.remainder();
        for frame in whole {
            self.add_frame(frame);
        }
        self.partial.extend_from_slice(tail);
    }

    fn add_frame(&mut self, frame: &[f32]) {
        self.rms_sum += (lanes::sum_squares(frame) / frame.len() as f64).sqrt();
        self.frames += 1;
    }

    fn add_frame_of_partial(&mut self) {
        let frame = std::mem::take(&mut self.partial);
        self.add_frame(&frame);
        self.partial = frame;
        self.partial.clear();
    }

    /// Energy and zero-crossing rate of the `len` samples given.
    fn finish(mut self, len: usize) -> (f32, f32) {
        if !self.partial.is_empty() {
            self.add_frame_of_partial();
        }
        (
            (self.rms_sum / self.frames.max(1) as f64) as f32,
            self.crossings as f32 / len.max(1) as f32,
        )
    }
}

/// Mean RMS of 16 ms frames (linear, 0-1), and zero crossings per sample (0-1), of a whole
/// signal: what [`Energy`] gives, by definition.
#[cfg(test)]
fn energy_and_zcr(mono: &[f32]) -> (f32, f32) {
    let mut rms_sum = 0.0f64;
    let mut frames = 0usize;
    for frame in mono.chunks(HOP) {
        rms_sum += (lanes::sum_squares(frame) / frame.len() as f64).sqrt();
        frames += 1;
    }
    let crossings = mono
        .iter()
        .zip(mono.iter().skip(1))
        .filter(|(a, b)| (**a >= 0.0) != (**b >= 0.0))
        .count();
    (
        (rms_sum / frames.max(1) as f64) as f32,
        crossings as f32 / mono.len().max(1) as f32,
    )
}

/// A sample's waveform level, 0-255: the seek bar's peak level (`WAVEFORM_BINS` equal slices'
/// peaks, linear) rounded. Rounding keeps
/// order, so a slice's level is its samples' largest, and one byte per sample gives the
/// waveform exactly. (A NaN counts as silence, as in [`lanes::peak_abs`].)
fn level(x: f32) -> u8 {
    let y = 0.0f32.max(x.abs()).min(1.0) * 255.0;
    // `y.round()`, without the library call it is per sample on most x86-64 CPUs: `y - t` is
    // exact (Sterbenz), so this rounds half away from zero as `round` does.
    let t = y as u32;
    (t + u32::from(y - t as f32 >= 0.5)) as u8
}

/// The waveform, the peak level of `WAVEFORM_BINS` equal slices of the track (0-255, linear,
/// for the seek bar), from each sample's [`level`].
fn waveform_of_levels(levels: &[u8]) -> Vec<u8> {
    let n = levels.len();
    (0..WAVEFORM_BINS)
        .map(|i| {
            let (a, b) = bin_span(i, n);
            levels[a..b].iter().copied().max().unwrap_or(0)
        })
        .collect()
}

/// The samples of waveform bin `i` of a signal of `n`.
fn bin_span(i: usize, n: usize) -> (usize, usize) {
    let b = ((i + 1) * n / WAVEFORM_BINS)
        .max(i * n / WAVEFORM_BINS + 1)
        .min(n);
    ((i * n / WAVEFORM_BINS).min(n), b)
}

/// Peak level of `WAVEFORM_BINS` equal slices of the track, 0-255 (linear), for the seek bar:
/// the definition, over a whole signal, that [`waveform_of_levels`] meets.
#[cfg(test)]
pub(crate) fn waveform(mono: &[f32]) -> Vec<u8> {
    let n = mono.len();
    (0..WAVEFORM_BINS)
        .map(|i| {
            let (a, b) = bin_span(i, n);
            let peak = lanes::peak_abs(&mono[a..b]);
            (peak.min(1.0) * 255.0).round() as u8
        })
        .collect()
}

/// Mel power frames (`frames × bands`) from a power spectrogram.
pub fn mel_power(spec: &PowerSpectrogram, bank: &[MelBand]) -> Vec<f32> {
    let mut out = Vec::with_capacity(spec.frames * bank.len());
    for t in 0..spec.frames {
        spectrum::apply_mel(bank, spec.frame(t), &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clicks(bpm: f64, seconds: f64) -> Vec<f32> {
        let rate = f64::from(ANALYSIS_RATE);
        let period = (rate * 60.0 / bpm) as usize;
        (0..(seconds * rate) as usize)
            .map(|i| {
                let k = i % period;
                if k < 400 {
                    ((k as f64 * 0.3).sin() * (1.0 - k as f64 / 400.0)) as f32
                } else {
                    0.0
                }
            })
            .collect()
    }

    #[test]
    fn tempo_of_a_click_track() {
        for bpm in [90.0, 128.0, 140.0] {
            let x = clicks(bpm, 30.0);
            let spec = spectrum::power_spectrogram(&x, spectrum::FFT_SIZE, HOP);
            let bank = spectrum::mel_filter_bank(ANALYSIS_RATE, spectrum::FFT_SIZE, 96);
            let mel = mel_power(&spec, &bank);
            let (found, confidence) = tempo(&onset_envelope(&mel, 96));
            assert!(
                (f64::from(found) - bpm).abs() < 1.5,
                "{bpm} BPM measured as {found}"
            );
            assert!(confidence > 0.3, "confidence {confidence}");
        }
    }

    #[test]
    fn key_of_a_c_major_chord_progression() {
        // C major triad then G major then F major: the key is C major.
        let rate = f64::from(ANALYSIS_RATE);
        let chord = |notes: &[f64], secs: f64| -> Vec<f32> {
            (0..(secs * rate) as usize)
                .map(|i| {
                    notes
                        .iter()
                        .map(|f| (2.0 * std::f64::consts::PI * f * i as f64 / rate).sin())
                        .sum::<f64>() as f32
                        * 0.2
                })
                .collect()
        };
        let mut x = chord(&[261.63, 329.63, 392.0], 2.0);
        x.extend(chord(&[196.0, 246.94, 293.66], 2.0));
        x.extend(chord(&[174.61, 220.0, 261.63], 2.0));
        x.extend(chord(&[261.63, 329.63, 392.0], 2.0));
        let (tonic, mode, confidence) = key(&chroma(&x));
        assert_eq!(
            (tonic, mode),
            (0, KeyMode::Major),
            "confidence {confidence}"
        );
    }

    #[test]
    fn waveform_has_fixed_size_and_follows_level() {
        let mut x = vec![0.0f32; 16_000];
        x.extend(vec![0.5f32; 16_000]);
        let w = waveform(&x);
        assert_eq!(w.len(), WAVEFORM_BINS);
        assert_eq!(w[0], 0);
        assert_eq!(w[WAVEFORM_BINS - 1], 128);
    }

    /// The features as defined over a whole signal, each STFT framed at once by
    /// [`spectrum::each_power_frame`]: mel power, spectral shape, chroma, energy, zero-crossing
    /// rate and waveform.
    #[allow(clippy::type_complexity)]
    fn whole_signal_features(
        mono: &[f32],
        bank: &[MelBand],
    ) -> (Vec<f32>, (f32, f32, f32), [f32; 12], (f32, f32), Vec<u8>) {
        let mut mel = Vec::new();
        let mut shape = SpectralShape::default();
        spectrum::each_power_frame(mono, FFT_SIZE, HOP, |_, power| {
            shape.add(power);
            spectrum::apply_mel(bank, power, &mut mel);
        });
        let stream = Chroma::new();
        let (mut total, mut magnitudes) = ([0.0f64; 12], Vec::new());
        spectrum::each_power_frame(mono, CHROMA_FFT, CHROMA_FFT / 2, |_, p| {
            add_chroma_frame(
                p,
                stream.first,
                &stream.classes,
                &mut total,
                &mut magnitudes,
            )
        });
        let max = total.iter().copied().fold(0.0, f64::max).max(1e-12);
        let chroma = total.map(|t| (t / max) as f32);
        (
            mel,
            shape.finish(),
            chroma,
            energy_and_zcr(mono),
            waveform(mono),
        )
    }

    /// Streaming the analysis signal through the features in pieces of any size (as it comes
    /// out of the resampler) gives, bit for bit, what the whole signal gives, on real
    /// recordings (44.1 and 48 kHz, resampled to 16 kHz).
    #[test]
    fn features_streamed_in_pieces_are_the_whole_signals() {
        let bank = spectrum::mel_filter_bank(ANALYSIS_RATE, FFT_SIZE, spectrum::MEL_BANDS);
        for name in ["source.flac", "source-48k.flac"] {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../tests/fixtures/gapless")
                .join(name);
            let mono = crate::signal::prepare(&path).expect("prepared").mono;
            assert!(
                mono.len() > 3 * ANALYSIS_RATE as usize,
                "{name}: seconds of music"
            );
            let (mel, spectral, chroma, (energy, zcr), waveform) =
                whole_signal_features(&mono, &bank);
            assert!(
                waveform.iter().any(|&w| w > 50),
                "{name}: music, not silence"
            );
            let bits = |x: &[f32]| x.iter().map(|v| v.to_bits()).collect::<Vec<_>>();

            // Pieces of every awkward size: one sample, across a hop, across a chroma frame;
            // and many tiny ones, so that pieces end on every kind of sample.
            let awkward = [1, 255, 256, 257, 100, 2047, 4097, 30_011, 7];
            let tiny: Vec<usize> = (1..=23).collect();
            for sizes in [&awkward[..], &tiny[..]] {
                let mut stream = FeatureStream::new(&bank, true);
                let (mut at, mut k) = (0, 0);
                while at < mono.len() {
                    let end = (at + sizes[k % sizes.len()]).min(mono.len());
                    stream.push(&mono[at..end]);
                    (at, k) = (end, k + 1);
                }
                let (dsp, streamed_mel) = stream.finish();
                assert_eq!(bits(&streamed_mel), bits(&mel), "{name}: mel");
                assert_eq!(
                    (
                        dsp.spectral_centroid_hz,
                        dsp.spectral_rolloff_hz,
                        dsp.spectral_flatness
                    ),
                    spectral,
                    "{name}: spectral shape"
                );
                assert_eq!(bits(&dsp.chroma), bits(&chroma), "{name}: chroma");
                assert_eq!(dsp.energy.to_bits(), energy.to_bits(), "{name}: energy");
                assert_eq!(
                    dsp.zero_crossing_rate.to_bits(),
                    zcr.to_bits(),
                    "{name}: zcr"
                );
                assert_eq!(dsp.waveform, waveform, "{name}: waveform");
                assert_eq!(dsp.duration_s, mono.len() as f64 / f64::from(ANALYSIS_RATE));
            }

            // In one piece, as `extract` gives it: the same features to the bit.
            let (whole, whole_mel) = extract(&mono, &bank);
            let (streamed, _) = {
                let mut stream = FeatureStream::new(&bank, true);
                for piece in mono.chunks(333) {
                    stream.push(piece);
                }
                stream.finish()
            };
            assert_eq!(format!("{whole:?}"), format!("{streamed:?}"), "{name}");
            assert_eq!(bits(&whole_mel), bits(&mel), "{name}");
        }
    }

    /// A sample's level rounds as the waveform's peak does (`f32::round`), at every f32 in
    /// [0, 1] near the rounding points and at a wide spread of the others.
    #[test]
    fn a_samples_level_rounds_as_the_peak_does() {
        let by_definition = |x: f32| (0.0f32.max(x.abs()).min(1.0) * 255.0).round() as u8;
        let mut checked = 0;
        for k in 0..=255u32 {
            let half = (k as f32 + 0.5) / 255.0;
            for d in -2000i32..=2000 {
                let x = f32::from_bits(half.to_bits().wrapping_add_signed(d));
                assert_eq!(level(x), by_definition(x), "{x:e}");
                assert_eq!(level(-x), by_definition(-x), "{x:e}");
                checked += 1;
            }
        }
        for bits in (0..=1.0f32.to_bits()).step_by(997) {
            let x = f32::from_bits(bits);
            assert_eq!(level(x), by_definition(x), "{x:e}");
            checked += 1;
        }
        for x in [0.0, -0.0, 1.0, 1.5, -7.0, f32::INFINITY, f32::NAN, 1e-45] {
            assert_eq!(
                level(x),
                if x.is_nan() { 0 } else { by_definition(x) },
                "{x:e}"
            );
        }
        assert!(checked > 1_000_000);
    }
}
