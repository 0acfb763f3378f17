//! From a file to the analysis signal: decode, measure EBU R128 loudness on the original
//! channels, mix to mono and resample to [`ANALYSIS_RATE`], packet by packet; analysis streams
//! the signal through the features as it comes ([`stream_features`]), and [`prepare`] keeps it.

use std::path::Path;
use std::time::Duration;

use rubato::audioadapter_buffers::direct::InterleavedSlice;
use rubato::{Fft, FixedSync, Indexing, Resampler};
use segue_decode::Decoder;

use crate::AnalysisError;

/// Every feature and model works on mono audio at this rate (musicnn's input rate). 8 kHz of
/// bandwidth covers what similarity, tempo and key need.
pub const ANALYSIS_RATE: u32 = 16_000;

/// Longer tracks (mixes, live sets, audiobooks) are analysed from evenly spread excerpts of
/// this much audio in all, so memory stays bounded whatever the length; loudness, true peak,
/// length and the waveform still come from every sample. The excerpts are cut from the signal
/// at [`ANALYSIS_RATE`], resampled as one with the rest of the track.
pub const WHOLE_UP_TO: Duration = Duration::from_secs(20 * 60);
/// The excerpts' length.
const EXCERPT: Duration = Duration::from_secs(30);

/// A decoded track, ready for feature extraction.
pub struct Prepared {
    /// Mono at [`ANALYSIS_RATE`], in [-1, 1]: the whole track, or for one longer than
    /// [`WHOLE_UP_TO`] its excerpts end to end.
    pub mono: Vec<f32>,
    /// The whole track's length.
    pub duration_s: f64,
    /// For an excerpted track: the whole track's waveform ([`crate::features::WAVEFORM_BINS`]
    /// peaks, 0-255), which the excerpts cannot give.
    pub whole_waveform: Option<Vec<u8>>,
    /// EBU R128 integrated loudness (LUFS) of the original audio; `None` for silence.
    pub loudness_lufs: Option<f64>,
    /// EBU R128 true peak over all channels, dBTP.
    pub true_peak_dbtp: Option<f64>,
    /// Where the music starts, ends and begins its final fall, from every sample.
    pub edges: Edges,
}

/// Below this peak a sample is silence (-60 dBFS): a recording's noise floor and dither stay
/// under it, the quietest music played does not.
const SILENCE: f32 = 0.001;
/// The energy envelope's block: 100 ms.
const ENVELOPE_BLOCK: Duration = Duration::from_millis(100);
/// How much of a track's end the envelope keeps to find the final fall in: a fade-out longer
/// than this counts from here.
const FALL_WITHIN: Duration = Duration::from_secs(30);
/// The final fall begins where the level was last within this of the end's loud level.
const FALL_DB: f64 = 3.0;

/// Where a track's music is within its file, in seconds from its start: what a smart
/// crossfade trims and where it starts the fade.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Edges {
    /// The end of the leading silence: the first sample at or above -60 dBFS.
    pub music_start_s: f64,
    /// The start of the trailing silence: just after the last sample at or above -60 dBFS.
    pub music_end_s: f64,
    /// Where the final fall of energy begins (a fade-out, a last chord ringing away): the last
    /// moment the level (1 s RMS) was within 3 dB of the loud level of the end (the 90th
    /// percentile over its last 30 s). `music_end_s` for a track that ends at full level.
    pub fade_out_s: f64,
}

/// Finds a track's [`Edges`] as its samples stream by, in constant memory.
pub struct EdgeMeter {
    rate: f64,
    frames: u64,
    first_loud: Option<u64>,
    last_loud: Option<u64>,
    block: usize,
    in_block: usize,
    block_power: f64,
    /// Mean power of the latest blocks ([`FALL_WITHIN`] of them at most), and the index of the
    /// first one kept.
    blocks: std::collections::VecDeque<f64>,
    first_block: u64,
}

impl EdgeMeter {
    pub fn new(sample_rate: u32) -> EdgeMeter {
        let block = (f64::from(sample_rate) * ENVELOPE_BLOCK.as_secs_f64()).max(1.0) as usize;
        EdgeMeter {
            rate: f64::from(sample_rate.max(1)),
            frames: 0,
            first_loud: None,
            last_loud: None,
            block,
            in_block: 0,
            block_power: 0.0,
            blocks: std::collections::VecDeque::new(),
            first_block: 0,
        }
    }

    /// Adds interleaved frames of `channels` channels (a partial frame at the end is ignored).
    pub fn add(&mut self, interleaved: &[f32], channels: usize) {
        let channels = channels.max(1);
        let frames = interleaved.len() / channels;
        let samples = &interleaved[..frames * channels];
        let loud = |x: &f32| x.abs() >= SILENCE;
        if self.first_loud.is_none()
            && let Some(i) = samples.iter().position(loud)
        {
            self.first_loud = Some(self.frames + (i / channels) as u64);
        }
        if let Some(i) = samples.iter().rposition(loud) {
            self.last_loud = Some(self.frames + (i / channels) as u64);
        }
        let mut rest = samples;
        while !rest.is_empty() {
            let take = (self.block - self.in_block).min(rest.len() / channels);
            let (now, later) = rest.split_at(take * channels);
            // A frame's power is the mean over its channels.
            self.block_power += crate::lanes::sum_squares(now) / channels as f64;
            self.in_block += take;
            if self.in_block == self.block {
                self.blocks.push_back(self.block_power / self.block as f64);
                self.block_power = 0.0;
                self.in_block = 0;
                let keep = (FALL_WITHIN.as_secs_f64() / ENVELOPE_BLOCK.as_secs_f64()) as usize + 20;
                if self.blocks.len() > keep {
                    self.blocks.pop_front();
                    self.first_block += 1;
                }
            }
            rest = later;
        }
        self.frames += frames as u64;
    }

    /// The edges; a silent track's are its start (nothing to trim into).
    pub fn finish(mut self) -> Edges {
        if self.in_block > 0 {
            self.blocks
                .push_back(self.block_power / self.in_block.max(1) as f64);
        }
        let (Some(first), Some(last)) = (self.first_loud, self.last_loud) else {
            return Edges {
                music_start_s: 0.0,
                music_end_s: 0.0,
                fade_out_s: 0.0,
            };
        };
        let music_start_s = first as f64 / self.rate;
        let music_end_s = (last + 1) as f64 / self.rate;
        let block_s = ENVELOPE_BLOCK.as_secs_f64();
        // The blocks up to the music's end, in dB, smoothed over 1 s (10 blocks).
        let end_block = ((last / self.block as u64) + 1).saturating_sub(self.first_block) as usize;
        let levels: Vec<f64> = self
            .blocks
            .iter()
            .take(end_block.min(self.blocks.len()))
            .map(|&p| 10.0 * (p + 1e-12).log10())
            .collect();
        let smooth: Vec<f64> = (0..levels.len())
            .map(|i| {
                let from = i.saturating_sub(9);
                // Power mean, so a quiet block does not pull the level down as much as in dB.
                let mean = levels[from..=i]
                    .iter()
                    .map(|db| 10f64.powf(db / 10.0))
                    .sum::<f64>()
                    / (i + 1 - from) as f64;
                10.0 * (mean + 1e-12).log10()
            })
            .collect();
        let within = (FALL_WITHIN.as_secs_f64() / block_s) as usize;
        let tail = &smooth[smooth.len().saturating_sub(within)..];
        let fade_out_s = if tail.is_empty() {
            music_end_s
        } else {
            let mut sorted = tail.to_vec();
            sorted.sort_by(f64::total_cmp);
            let loud = sorted[(sorted.len() * 9 / 10).min(sorted.len() - 1)];
            // The last block still within FALL_DB of the loud level; the fall begins after it.
            // A smoothed block stands for the second ending with it.
            match smooth.iter().rposition(|&l| l >= loud - FALL_DB) {
                Some(i) => {
                    let at = (self.first_block as usize + i + 1) as f64 * block_s;
                    at.clamp(music_start_s, music_end_s)
                }
                None => music_end_s,
            }
        };
        Edges {
            music_start_s,
            music_end_s,
            fade_out_s,
        }
    }
}

/// Decodes `path` and prepares its analysis signal.
pub fn prepare(path: &Path) -> Result<Prepared, AnalysisError> {
    let decoder = Decoder::open(path)?;
    let mut kept = Excerpts::new(EXCERPT_SAMPLES, MAX_EXCERPTS);
    if let Some(samples) = declared_samples(decoder.info()) {
        kept.reserve(samples);
    }
    let whole = decode(decoder, &mut |s| kept.extend(s))?;
    let whole_waveform = kept
        .excerpted()
        .then(|| whole.waveform.bins(crate::features::WAVEFORM_BINS));
    Ok(Prepared {
        mono: kept.into_signal(),
        duration_s: whole.duration_s,
        whole_waveform,
        loudness_lufs: whole.loudness_lufs,
        true_peak_dbtp: whole.true_peak_dbtp,
        edges: whole.edges,
    })
}

/// A track's DSP features and mel spectrogram, with what is measured on the whole file.
pub struct Streamed {
    /// As [`crate::features::extract`] gives them for [`Prepared::mono`] (the whole track's
    /// length and waveform are in `duration_s` and `whole_waveform`).
    pub dsp: segue_core::DspFeatures,
    pub mel: Vec<f32>,
    pub duration_s: f64,
    pub whole_waveform: Option<Vec<u8>>,
    pub loudness_lufs: Option<f64>,
    pub true_peak_dbtp: Option<f64>,
    pub edges: Edges,
}

/// [`prepare`] then [`crate::features::extract`], bit for bit, without keeping the analysis
/// signal: it streams through the features as it is resampled, so only the mel spectrogram
/// (and a byte per sample for the waveform) grows with the track, and the signal's 64 KB a
/// second are never held.
///
/// The excerpts of a long track must be known before the features can stream: they follow
/// from its length, which the container declares (exactly, for most formats). A file whose
/// length turns out to call for other excerpts is decoded a second time, knowing it.
pub fn stream_features(
    path: &Path,
    bank: &[crate::spectrum::MelBand],
) -> Result<Streamed, AnalysisError> {
    let decoder = Decoder::open(path)?;
    let declared = declared_samples(decoder.info());
    stream_features_declared(path, decoder, declared, bank)
}

/// [`stream_features`] with `decoder` opened on `path`, whose analysis signal is declared to
/// be `declared` samples long.
fn stream_features_declared(
    path: &Path,
    mut decoder: Decoder,
    mut declared: Option<usize>,
    bank: &[crate::spectrum::MelBand],
) -> Result<Streamed, AnalysisError> {
    let mut stride = excerpt_stride(declared.unwrap_or(0));
    let mut second_pass = false;
    loop {
        let mut features = crate::features::FeatureStream::new(bank, stride == 1);
        if let Some(samples) = declared {
            // Never more than a kept signal can hold (20 min), whatever a damaged header
            // claims: a reservation is not a promise to fill it.
            features.reserve(
                samples
                    .min(kept_samples(samples, stride))
                    .min(MAX_EXCERPTS * EXCERPT_SAMPLES),
            );
        }
        let mut excerpts = EveryNthChunk::new(EXCERPT_SAMPLES, stride);
        let mut samples = 0usize;
        let whole = decode(decoder, &mut |s| {
            samples += s.len();
            excerpts.split(s, &mut |kept| features.push(kept));
        })?;
        let needed = excerpt_stride(samples);
        if needed != stride {
            if second_pass {
                return Err(AnalysisError::Signal(
                    "the file decoded to a different length the second time".into(),
                ));
            }
            stride = needed;
            second_pass = true;
            // The length is known now; the header's was wrong.
            declared = Some(samples);
            decoder = Decoder::open(path)?;
            continue;
        }
        let (dsp, mel) = features.finish();
        return Ok(Streamed {
            dsp,
            mel,
            duration_s: whole.duration_s,
            whole_waveform: (stride > 1)
                .then(|| whole.waveform.bins(crate::features::WAVEFORM_BINS)),
            loudness_lufs: whole.loudness_lufs,
            true_peak_dbtp: whole.true_peak_dbtp,
            edges: whole.edges,
        });
    }
}

/// The excerpts' length, and the most of them a long track keeps, in samples at
/// [`ANALYSIS_RATE`].
const EXCERPT_SAMPLES: usize = ANALYSIS_RATE as usize * EXCERPT.as_secs() as usize;
const MAX_EXCERPTS: usize = (WHOLE_UP_TO.as_secs() / EXCERPT.as_secs()) as usize;

/// The analysis signal's length a container declares, if it does.
fn declared_samples(info: &segue_decode::StreamInfo) -> Option<usize> {
    let frames = info.total_frames?;
    let at_rate = frames as f64 * f64::from(ANALYSIS_RATE) / f64::from(info.sample_rate.max(1));
    Some(at_rate.ceil() as usize)
}

/// Which excerpts [`Excerpts`] ends up keeping of a signal of `samples`: every
/// `stride`-th chunk of [`EXCERPT_SAMPLES`], from the first (1: the whole signal).
fn excerpt_stride(samples: usize) -> usize {
    stride_for(samples.div_ceil(EXCERPT_SAMPLES), MAX_EXCERPTS)
}

/// The stride [`Excerpts`] reaches with `chunks` chunks and at most `max_chunks` kept: it
/// doubles while more than that many would be kept.
fn stride_for(chunks: usize, max_chunks: usize) -> usize {
    let mut stride = 1;
    while chunks.div_ceil(stride) > max_chunks.max(2) {
        stride *= 2;
    }
    stride
}

/// The samples of a signal of `samples` kept by excerpts of `stride`.
fn kept_samples(samples: usize, stride: usize) -> usize {
    samples
        .div_ceil(EXCERPT_SAMPLES)
        .div_ceil(stride)
        .saturating_mul(EXCERPT_SAMPLES)
}

/// Every `stride`-th chunk of `chunk` samples of a signal that comes in pieces: the
/// excerpts [`Excerpts`] keeps, when the stride it ends with is known.
struct EveryNthChunk {
    chunk: usize,
    stride: usize,
    index: usize,
    in_chunk: usize,
}

impl EveryNthChunk {
    fn new(chunk: usize, stride: usize) -> EveryNthChunk {
        EveryNthChunk {
            chunk: chunk.max(1),
            stride: stride.max(1),
            index: 0,
            in_chunk: 0,
        }
    }

    fn split(&mut self, samples: &[f32], kept: &mut impl FnMut(&[f32])) {
        let mut rest = samples;
        while !rest.is_empty() {
            let take = (self.chunk - self.in_chunk).min(rest.len());
            let (now, later) = rest.split_at(take);
            if self.index.is_multiple_of(self.stride) {
                kept(now);
            }
            self.in_chunk += take;
            if self.in_chunk == self.chunk {
                self.in_chunk = 0;
                self.index += 1;
            }
            rest = later;
        }
    }
}

/// What is measured on every sample of the original audio, whatever of it analysis keeps.
struct Whole {
    duration_s: f64,
    waveform: PeakLog,
    loudness_lufs: Option<f64>,
    true_peak_dbtp: Option<f64>,
    edges: Edges,
}

/// Decodes the rest of `decoder`'s audio through the meters and the resampler; `signal` gets
/// the signal at [`ANALYSIS_RATE`] in order. Only that is passed on: the decoded audio
/// streams through packet by packet, so a track's native-rate audio (three times the size at
/// 48 kHz) is never held whole.
fn decode(mut decoder: Decoder, signal: &mut impl FnMut(&[f32])) -> Result<Whole, AnalysisError> {
    let info = decoder.info().clone();
    let channels = usize::from(info.channels.max(1));
    let mut meter = crate::loudness::LoudnessMeter::new(channels, info.sample_rate);
    let mut peak = TruePeakMeter::new(channels, info.sample_rate);
    let mut to_rate = ToRate::new(info.sample_rate, ANALYSIS_RATE)?;
    let mut waveform = PeakLog::new(crate::features::WAVEFORM_BINS * 16);
    let mut edges = EdgeMeter::new(info.sample_rate);
    let mut buf = Vec::new();
    let mut mixed = Vec::new();
    let mut frames = 0u64;
    loop {
        buf.clear();
        if decoder.read(&mut buf)? == 0 {
            break;
        }
        meter.add(&buf);
        peak.add(&buf);
        edges.add(&buf, channels);
        mix_to_mono(&buf, channels, &mut mixed);
        waveform.extend(&mixed);
        to_rate.push(&mixed, signal)?;
        frames += (buf.len() / channels) as u64;
    }
    if frames == 0 {
        return Err(AnalysisError::Signal("the file holds no audio".into()));
    }
    to_rate.finish(signal)?;
    Ok(Whole {
        duration_s: frames as f64 / f64::from(info.sample_rate),
        waveform,
        loudness_lufs: meter.integrated(),
        true_peak_dbtp: Some(peak.finish())
            .filter(|p| *p > 0.0)
            .map(|p| 20.0 * f64::from(p).log10()),
        edges: edges.finish(),
    })
}

/// The mean of each frame's channels, into `out` (replacing what it held).
fn mix_to_mono(interleaved: &[f32], channels: usize, out: &mut Vec<f32>) {
    out.clear();
    let scale = 1.0 / channels as f32;
    match channels {
        1 => out.extend_from_slice(interleaved),
        2 => out.extend(interleaved.chunks_exact(2).map(|f| (f[0] + f[1]) * scale)),
        _ => out.extend(
            interleaved
                .chunks_exact(channels)
                .map(|f| f.iter().sum::<f32>() * scale),
        ),
    }
}

/// Evenly spread excerpts of a signal of unknown length, at most `max_chunks` chunks of
/// `chunk` samples. Everything is kept until that fills; then every other kept chunk goes and
/// only every `stride`-th chunk from then on is kept, the stride doubling each time it fills.
/// A signal that fits is kept whole, sample for sample.
struct Excerpts {
    chunk: usize,
    max_chunks: usize,
    /// The kept chunks end to end (all whole but the last), so the signal needs no copying
    /// at the end.
    signal: Vec<f32>,
    /// The index in the signal of each whole chunk in `signal`.
    kept: Vec<usize>,
    /// Samples of the chunk at `index` seen so far, kept or not.
    in_chunk: usize,
    index: usize,
    stride: usize,
}

impl Excerpts {
    fn new(chunk: usize, max_chunks: usize) -> Excerpts {
        Excerpts {
            chunk: chunk.max(1),
            max_chunks: max_chunks.max(2),
            signal: Vec::new(),
            kept: Vec::new(),
            in_chunk: 0,
            index: 0,
            stride: 1,
        }
    }

    /// Makes room for a signal of about `samples` (what a container declares), so the kept
    /// signal is not copied as it grows.
    fn reserve(&mut self, samples: usize) {
        let most = self.chunk.saturating_mul(self.max_chunks + 1);
        self.signal
            .reserve_exact(samples.min(most).saturating_add(1024));
    }

    fn extend(&mut self, samples: &[f32]) {
        let mut rest = samples;
        while !rest.is_empty() {
            let take = (self.chunk - self.in_chunk).min(rest.len());
            let (now, later) = rest.split_at(take);
            if self.index.is_multiple_of(self.stride) {
                self.signal.extend_from_slice(now);
            }
            // Skipped chunks count their samples too, or the index would stop at the first one.
            self.in_chunk += take;
            if self.in_chunk == self.chunk {
                self.finish_chunk();
            }
            rest = later;
        }
    }

    fn finish_chunk(&mut self) {
        let kept_now = self.index.is_multiple_of(self.stride);
        self.in_chunk = 0;
        if kept_now && self.signal.len() > self.kept.len() * self.chunk {
            self.kept.push(self.index);
            if self.kept.len() > self.max_chunks {
                self.stride *= 2;
                // Every other kept chunk goes: move the rest down over them, in order.
                let mut to = 0;
                for (from, index) in self.kept.iter().enumerate() {
                    if index.is_multiple_of(self.stride) {
                        let start = from * self.chunk;
                        let end = (start + self.chunk).min(self.signal.len());
                        self.signal.copy_within(start..end, to);
                        to += end - start;
                    }
                }
                self.signal.truncate(to);
                let stride = self.stride;
                self.kept.retain(|i| i.is_multiple_of(stride));
            }
        }
        self.index += 1;
    }

    /// Whether any of the signal was left out.
    fn excerpted(&self) -> bool {
        self.stride > 1
    }

    fn into_signal(mut self) -> Vec<f32> {
        if self.in_chunk > 0 {
            self.finish_chunk();
        }
        self.signal
    }
}

/// Peak |sample| per block of a signal of unknown length, at most `2 * max` blocks: when
/// they fill, neighbours merge and blocks double. Gives a whole track's waveform in
/// constant memory.
struct PeakLog {
    max: usize,
    block: usize,
    peaks: Vec<f32>,
    current: f32,
    in_block: usize,
}

impl PeakLog {
    fn new(max: usize) -> PeakLog {
        PeakLog {
            max: max.max(1),
            block: 1,
            peaks: Vec::new(),
            current: 0.0,
            in_block: 0,
        }
    }

    fn extend(&mut self, samples: &[f32]) {
        let mut rest = samples;
        while !rest.is_empty() {
            let take = (self.block - self.in_block).min(rest.len());
            let (now, later) = rest.split_at(take);
            self.current = self.current.max(crate::lanes::peak_abs(now));
            self.in_block += take;
            if self.in_block == self.block {
                self.peaks.push(self.current);
                self.current = 0.0;
                self.in_block = 0;
                if self.peaks.len() == 2 * self.max {
                    self.peaks = self.peaks.chunks(2).map(|p| p[0].max(p[1])).collect();
                    self.block *= 2;
                }
            }
            rest = later;
        }
    }

    /// `bins` equal slices' peaks, 0-255 (linear), as [`crate::features`]' waveform.
    fn bins(mut self, bins: usize) -> Vec<u8> {
        if self.in_block > 0 {
            self.peaks.push(self.current);
        }
        let n = self.peaks.len();
        (0..bins)
            .map(|i| {
                let (a, b) = (
                    i * n / bins,
                    ((i + 1) * n / bins).max(i * n / bins + 1).min(n),
                );
                let peak = self.peaks[a.min(n)..b]
                    .iter()
                    .fold(0.0f32, |m, x| m.max(*x));
                (peak.min(1.0) * 255.0).round() as u8
            })
            .collect()
    }
}

/// Resamples a whole mono signal to `to` Hz: [`ToRate`] over the signal in one piece.
pub fn resample(input: &[f32], from: u32, to: u32) -> Result<Vec<f32>, AnalysisError> {
    let mut out = Vec::with_capacity(
        (input.len() as f64 * f64::from(to) / f64::from(from.max(1))) as usize + 1,
    );
    let mut to_rate = ToRate::new(from, to)?;
    to_rate.push(input, &mut |s| out.extend_from_slice(s))?;
    to_rate.finish(&mut |s| out.extend_from_slice(s))?;
    Ok(out)
}

/// Mono audio resampled to another rate as it streams by, in memory that does not grow with
/// the track: rubato's FFT (sinc) resampler, then a filter that shapes the top of the band
/// like the reference resampler (soxr "HQ", which librosa uses and the models were trained
/// with): flat to 7.4 kHz, -3 dB near 7.6 kHz, -25 dB at 7.8 kHz at 16 kHz. musicnn looks at
/// the 7.4-8 kHz bands, so the edge's exact shape moves its tags.
///
/// The output is the same, sample for sample, whatever pieces the input comes in, and the
/// same as resampling the whole signal at once with rubato's `process_all` and filtering it
/// by overlap-add FFT convolution in blocks from its start (which analysis did before it
/// streamed): each stage processes the same blocks, adds their parts in the same order and
/// trims the same delays.
pub struct ToRate {
    /// `None` when the rates are equal: the signal passes unchanged.
    stages: Option<(SincStream, BandEdgeStream)>,
}

impl ToRate {
    pub fn new(from: u32, to: u32) -> Result<ToRate, AnalysisError> {
        Ok(ToRate {
            stages: if from == to {
                None
            } else {
                Some((SincStream::new(from, to)?, BandEdgeStream::new(0.0)))
            },
        })
    }

    /// Takes the next samples; `out` gets the resampled signal's next samples (any number,
    /// none at times).
    pub fn push(
        &mut self,
        samples: &[f32],
        out: &mut impl FnMut(&[f32]),
    ) -> Result<(), AnalysisError> {
        match &mut self.stages {
            None => {
                out(samples);
                Ok(())
            }
            Some((sinc, edge)) => sinc.push(samples, &mut |s| edge.push(s, out)),
        }
    }

    /// Ends the signal; `out` gets the rest of the resampled signal.
    pub fn finish(self, out: &mut impl FnMut(&[f32])) -> Result<(), AnalysisError> {
        match self.stages {
            None => Ok(()),
            Some((sinc, mut edge)) => {
                sinc.finish(&mut |s| edge.push(s, out))?;
                edge.finish(out);
                Ok(())
            }
        }
    }
}

/// rubato's FFT resampler fed as the samples come, doing what its `process_all` does over a
/// whole signal: full chunks while more than one chunk is left, the rest as a partial chunk,
/// then zeros until the output is long enough; the first `output_delay` frames dropped and
/// the output cut to `ceil(ratio × input)`.
struct SincStream {
    fft: Fft<f32>,
    chunk: usize,
    /// Input not yet processed: always less than two chunks.
    pending: Vec<f32>,
    out: Vec<f32>,
    delay: usize,
    /// Frames of input taken, of output made (the delay included), of output given.
    taken: u64,
    made: u64,
    given: u64,
}

/// The sinc resampler analysis uses, mono, from `from` Hz to `to` Hz. One sub-chunk: the FFT
/// (and so the filter) spans the whole 8192-frame chunk, for a cut-off close to the new
/// Nyquist frequency. (Smaller sub-chunks lower the latency, which does not matter here, and
/// roll off from about 7 kHz.)
fn sinc_resampler(from: u32, to: u32) -> Result<Fft<f32>, AnalysisError> {
    Fft::<f32>::new_custom(
        from as usize,
        to as usize,
        segue_decode::resampler_chunk_frames(from, to, 8192),
        1,
        1,
        rubato::WindowFunction::BlackmanHarris2,
        FixedSync::Input,
    )
    .map_err(|e| AnalysisError::Signal(format!("resampling: {e}")))
}

impl SincStream {
    fn new(from: u32, to: u32) -> Result<SincStream, AnalysisError> {
        let fft = sinc_resampler(from, to)?;
        let chunk = fft.input_frames_next();
        Ok(SincStream {
            out: vec![0.0; fft.output_frames_max()],
            delay: fft.output_delay(),
            pending: Vec::with_capacity(2 * chunk),
            chunk,
            fft,
            taken: 0,
            made: 0,
            given: 0,
        })
    }

    fn push(&mut self, samples: &[f32], out: &mut impl FnMut(&[f32])) -> Result<(), AnalysisError> {
        self.taken += samples.len() as u64;
        let mut rest = samples;
        while !rest.is_empty() {
            // Up to two chunks pending; one is processed only once more input follows it, as
            // `process_all` keeps the last (possibly whole) chunk for its partial call.
            let room = 2 * self.chunk - self.pending.len();
            let (now, later) = rest.split_at(room.min(rest.len()));
            self.pending.extend_from_slice(now);
            rest = later;
            if self.pending.len() > self.chunk {
                self.process(None, out, u64::MAX)?;
                self.pending.drain(..self.chunk);
            }
        }
        Ok(())
    }

    fn finish(mut self, out: &mut impl FnMut(&[f32])) -> Result<(), AnalysisError> {
        let expected = (self.fft.resample_ratio() * self.taken as f64).ceil() as u64;
        if !self.pending.is_empty() {
            self.process(Some(self.pending.len()), out, expected)?;
        }
        self.pending.clear();
        while self.made < expected + self.delay as u64 {
            self.process(Some(0), out, expected)?;
        }
        Ok(())
    }

    /// One call of the resampler on the first pending chunk (`partial`: that many frames of
    /// it, zeros after), its output given to `out` after the delay, up to `limit` frames given
    /// in all.
    fn process(
        &mut self,
        partial: Option<usize>,
        out: &mut impl FnMut(&[f32]),
        limit: u64,
    ) -> Result<(), AnalysisError> {
        let err = |e: &dyn std::fmt::Display| AnalysisError::Signal(format!("resampling: {e}"));
        let input =
            InterleavedSlice::new(&self.pending[..], 1, self.pending.len()).map_err(|e| err(&e))?;
        let frames = self.out.len();
        let mut output =
            InterleavedSlice::new_mut(&mut self.out[..], 1, frames).map_err(|e| err(&e))?;
        let indexing = Indexing {
            input_offset: 0,
            output_offset: 0,
            active_channels_mask: None,
            partial_len: partial,
        };
        let (_, made) = self
            .fft
            .process_into_buffer(&input, &mut output, Some(&indexing))
            .map_err(|e| err(&e))?;
        let before = self.made;
        self.made += made as u64;
        // The frames of this call past the delay, within the limit.
        let from = (self.delay as u64).saturating_sub(before).min(made as u64);
        let room = limit.saturating_sub(self.given);
        let to = from.saturating_add(room).min(made as u64);
        if to > from {
            out(&self.out[from as usize..to as usize]);
            self.given += to - from;
        }
        Ok(())
    }
}

/// The band-edge filter ([`ToRate`]): a Kaiser-windowed low-pass with its -6 dB point at
/// 95.7% of the Nyquist frequency, delaying the signal by `delay` samples (a fraction),
/// applied by overlap-add FFT convolution as the samples come, same length out.
struct BandEdgeStream {
    fft: std::sync::Arc<dyn realfft::RealToComplex<f32>>,
    ifft: std::sync::Arc<dyn realfft::ComplexToReal<f32>>,
    taps_f: Vec<realfft::num_complex::Complex<f32>>,
    taps: usize,
    /// Signal samples per transform.
    block: usize,
    /// Input of the block being filled.
    input: Vec<f32>,
    /// The convolution's output from the current block's start: finished up to the block's
    /// length, then the previous blocks' tails.
    sums: Vec<f32>,
    buf: Vec<f32>,
    spec: Vec<realfft::num_complex::Complex<f32>>,
    scratch: Vec<realfft::num_complex::Complex<f32>>,
    /// Samples taken; output samples still to drop (the filter's delay); samples given.
    taken: u64,
    skip: usize,
    given: u64,
}

impl BandEdgeStream {
    fn new(delay: f64) -> BandEdgeStream {
        use realfft::RealFftPlanner;
        // Fitted to soxr HQ's measured response from 6.8 to 8 kHz (white noise, 44.1 -> 16
        // kHz): within 0.4 dB down to -40 dB.
        const HALF: usize = 96;
        const CUTOFF: f64 = 0.957; // of Nyquist
        const BETA: f64 = 12.0;
        let taps: Vec<f64> = (0..=2 * HALF)
            .map(|n| {
                let x = n as f64 - HALF as f64 - delay;
                let sinc = if x.abs() < 1e-12 {
                    CUTOFF
                } else {
                    (std::f64::consts::PI * CUTOFF * x).sin() / (std::f64::consts::PI * x)
                };
                let r = x / HALF as f64;
                sinc * bessel_i0(BETA * (1.0 - r * r).max(0.0).sqrt()) / bessel_i0(BETA)
            })
            .collect();
        let gain: f64 = taps.iter().sum();
        let taps: Vec<f32> = taps.iter().map(|t| (t / gain) as f32).collect();
        let size = 2 * 4096usize.max(taps.len()).next_power_of_two();
        // Each transform takes as much of the signal as fits beside the filter's tail.
        let block = size - taps.len() + 1;
        let mut planner = RealFftPlanner::<f32>::new();
        let fft = planner.plan_fft_forward(size);
        let ifft = planner.plan_fft_inverse(size);
        let mut buf = fft.make_input_vec();
        buf[..taps.len()].copy_from_slice(&taps);
        let mut taps_f = fft.make_output_vec();
        let _ = fft.process(&mut buf, &mut taps_f);
        let scratch = vec![
            realfft::num_complex::Complex::default();
            fft.get_scratch_len().max(ifft.get_scratch_len())
        ];
        BandEdgeStream {
            spec: fft.make_output_vec(),
            fft,
            ifft,
            taps_f,
            taps: taps.len(),
            block,
            input: Vec::with_capacity(block),
            sums: vec![0.0; block + taps.len() - 1],
            buf,
            scratch,
            taken: 0,
            skip: taps.len() / 2,
            given: 0,
        }
    }

    fn push(&mut self, samples: &[f32], out: &mut impl FnMut(&[f32])) {
        self.taken += samples.len() as u64;
        let mut rest = samples;
        while !rest.is_empty() {
            let take = (self.block - self.input.len()).min(rest.len());
            let (now, later) = rest.split_at(take);
            self.input.extend_from_slice(now);
            rest = later;
            if self.input.len() == self.block {
                self.convolve_block();
                self.give(self.block, out);
                // The next block's sums start with this one's tail.
                self.sums.copy_within(self.block.., 0);
                let tail = self.sums.len() - self.block;
                self.sums[tail..].fill(0.0);
            }
        }
    }

    fn finish(mut self, out: &mut impl FnMut(&[f32])) {
        if !self.input.is_empty() {
            self.convolve_block();
        }
        let len = self.sums.len();
        self.give(len, out);
    }

    /// Adds the convolution of the input block (zero-padded) to the sums, and empties it.
    fn convolve_block(&mut self) {
        let n = self.input.len();
        self.buf[..n].copy_from_slice(&self.input);
        self.buf[n..].fill(0.0);
        // Sizes come from `make_*_vec`, so the transforms cannot fail on them.
        let _ = self
            .fft
            .process_with_scratch(&mut self.buf, &mut self.spec, &mut self.scratch);
        for (s, t) in self.spec.iter_mut().zip(&self.taps_f) {
            *s *= t;
        }
        let _ = self
            .ifft
            .process_with_scratch(&mut self.spec, &mut self.buf, &mut self.scratch);
        // The size is a power of two, so this scaling is exact.
        let scale = 1.0 / self.buf.len() as f32;
        let len = n + self.taps - 1;
        for (o, v) in self.sums[..len].iter_mut().zip(&self.buf) {
            *o += v * scale;
        }
        self.input.clear();
    }

    /// Gives the first `n` sums, less the delay still to drop, up to the input's length.
    fn give(&mut self, n: usize, out: &mut impl FnMut(&[f32])) {
        let from = self.skip.min(n);
        self.skip -= from;
        let room = self.taken.saturating_sub(self.given);
        let to = (from as u64).saturating_add(room).min(n as u64) as usize;
        if to > from {
            out(&self.sums[from..to]);
            self.given += (to - from) as u64;
        }
    }
}

/// Modified Bessel function of the first kind, order 0 (for the Kaiser window).
fn bessel_i0(x: f64) -> f64 {
    let (mut sum, mut term) = (1.0, 1.0);
    for k in 1..50 {
        term *= (x / (2.0 * k as f64)).powi(2);
        sum += term;
        if term < 1e-12 * sum {
            break;
        }
    }
    sum
}

/// EBU R128 / ITU-R BS.1770 true peak: the largest absolute value of the signal upsampled 4x
/// (2x from 96 kHz), with the same 48-tap Hann-windowed sinc interpolator as libebur128.
///
/// Why not `ebur128::Mode::TRUE_PEAK`: it interpolates every sample and was a fifth of the
/// whole analysis. This meter gives the same value but skips stretches that cannot beat the
/// peak found so far: an interpolated value is at most the largest |sample| among the taps it
/// uses times the largest per-phase sum of |coefficients|, so a block whose samples (plus the
/// filter's reach) stay below `peak / that sum` cannot hold a new peak.
pub struct TruePeakMeter {
    channels: usize,
    /// `taps / factor` coefficients per phase, `coeffs[phase][k]` applies to `x[n - k]`; the
    /// phase that lands on the samples themselves is left out (the samples' own peak stands
    /// for it).
    coeffs: Vec<Vec<f32>>,
    /// How many samples before an output the filter reads: taps per phase - 1.
    reach: usize,
    /// Largest per-phase sum of |coefficients|.
    gain_bound: f32,
    /// The last `taps per phase - 1` samples of each channel, oldest first.
    history: Vec<Vec<f32>>,
    peak: f32,
    scratch: Vec<f32>,
}

impl TruePeakMeter {
    const TAPS: usize = 48;
    /// Outputs per bound check: short blocks follow the music's level closely, so fewer
    /// stretches near the peak are interpolated in full.
    const BLOCK: usize = 64;

    pub fn new(channels: usize, sample_rate: u32) -> TruePeakMeter {
        let factor = if sample_rate < 96_000 {
            4
        } else if sample_rate < 192_000 {
            2
        } else {
            1
        };
        let per_phase = Self::TAPS / factor;
        let window = Self::TAPS as f64;
        let coeff = |j: usize| -> f32 {
            let j = j as f64;
            let w = 0.5 * (1.0 - (2.0 * std::f64::consts::PI * j / window).cos());
            let m = j - window / 2.0;
            let x = m * std::f64::consts::PI / factor as f64;
            (if m.abs() > 1e-6 { w * x.sin() / x } else { w }) as f32
        };
        let mut coeffs: Vec<Vec<f32>> = (0..factor)
            .map(|phase| (0..per_phase).map(|k| coeff(k * factor + phase)).collect())
            .collect();
        // One coefficient of 1, the others sin(kπ) (zero but for rounding): a plain delay.
        coeffs.retain(|phase| {
            let ones = phase.iter().filter(|v| (*v - 1.0).abs() < 1e-6).count();
            let zeros = phase.iter().filter(|v| v.abs() < 1e-6).count();
            !(ones == 1 && zeros == phase.len() - 1)
        });
        let gain_bound = coeffs
            .iter()
            .map(|c| c.iter().map(|v| v.abs()).sum::<f32>())
            .fold(0.0, f32::max);
        TruePeakMeter {
            channels: channels.max(1),
            history: vec![vec![0.0; per_phase - 1]; channels.max(1)],
            coeffs,
            reach: per_phase - 1,
            gain_bound,
            peak: 0.0,
            scratch: Vec::new(),
        }
    }

    /// Adds interleaved frames.
    pub fn add(&mut self, interleaved: &[f32]) {
        let reach = self.reach;
        // The samples' own peak first: the higher the peak known, the more blocks are skipped.
        self.peak = self.peak.max(crate::lanes::peak_abs(interleaved));
        for c in 0..self.channels {
            // The channel with the filter's history in front: x = history ++ new samples.
            self.scratch.clear();
            self.scratch.extend_from_slice(&self.history[c]);
            match self.channels {
                1 => self.scratch.extend_from_slice(interleaved),
                // A constant stride, which the compiler unrolls.
                2 => self
                    .scratch
                    .extend(interleaved.chunks_exact(2).map(|frame| frame[c])),
                n => self
                    .scratch
                    .extend(interleaved.chunks_exact(n).map(|frame| frame[c])),
            }
            let x = &self.scratch;
            let mut start = reach;
            while start < x.len() {
                let end = (start + Self::BLOCK).min(x.len());
                // Samples the outputs of this block depend on, including the filter's reach.
                let local = crate::lanes::peak_abs(&x[start - reach..end]);
                if local * self.gain_bound > self.peak {
                    for phase in &self.coeffs {
                        self.peak = self.peak.max(interpolated_peak(phase, x, start, end));
                    }
                }
                start = end;
            }
            let keep = x.len() - reach;
            self.history[c].copy_from_slice(&x[keep..]);
        }
    }

    /// The true peak (linear, 1.0 = full scale).
    pub fn finish(&self) -> f32 {
        self.peak
    }
}

/// The largest |y[n]| for n in `start..end`, y[n] = Σ_k phase[k]·x[n - k] (k ascending).
/// Eight outputs at a time, their sums kept in registers while the taps go by, which the
/// compiler turns into vector instructions.
fn interpolated_peak(phase: &[f32], x: &[f32], start: usize, end: usize) -> f32 {
    const GROUP: usize = 8;
    let mut peaks = [0.0f32; GROUP];
    let mut n = start;
    while n + GROUP <= end {
        let mut sums = [0.0f32; GROUP];
        for (k, h) in phase.iter().enumerate() {
            for (sum, v) in sums.iter_mut().zip(&x[n - k..n - k + GROUP]) {
                *sum += h * v;
            }
        }
        for (peak, sum) in peaks.iter_mut().zip(sums) {
            *peak = peak.max(sum.abs());
        }
        n += GROUP;
    }
    let mut peak = peaks.into_iter().fold(0.0, f32::max);
    for m in n..end {
        let sum = phase
            .iter()
            .enumerate()
            .fold(0.0f32, |sum, (k, h)| sum + h * x[m - k]);
        peak = peak.max(sum.abs());
    }
    peak
}

#[cfg(test)]
mod tests {
    use super::*;

    fn excerpted(signal: &[f32], chunk: usize, max_chunks: usize) -> (bool, Vec<f32>) {
        let mut kept = Excerpts::new(chunk, max_chunks);
        // In uneven pieces, as decoded packets come.
        for piece in signal.chunks(37) {
            kept.extend(piece);
        }
        (kept.excerpted(), kept.into_signal())
    }

    /// A signal within the bound is kept sample for sample, a partial last chunk included,
    /// so tracks up to [`WHOLE_UP_TO`] analyse exactly as before.
    #[test]
    fn a_signal_that_fits_is_kept_whole() {
        let signal: Vec<f32> = (0..1_003).map(|i| i as f32).collect();
        let (cut, kept) = excerpted(&signal, 100, 11);
        assert!(!cut);
        assert_eq!(kept, signal);
    }

    /// A longer one keeps at most `max_chunks` whole chunks, in order, spread over the whole
    /// signal: the last kept chunk lies in its last quarter, and gaps between kept chunks are
    /// all the same.
    #[test]
    fn a_longer_signal_keeps_whole_chunks_spread_evenly() {
        let (chunk, max_chunks) = (100, 8);
        let signal: Vec<f32> = (0..100 * 1_000).map(|i| i as f32).collect();
        let (cut, kept) = excerpted(&signal, chunk, max_chunks);
        assert!(cut);
        assert!(
            kept.len() <= chunk * max_chunks,
            "{} samples kept",
            kept.len()
        );
        assert!(
            kept.len() >= chunk * max_chunks / 2,
            "{} samples kept",
            kept.len()
        );
        let starts: Vec<usize> = kept.chunks(chunk).map(|c| c[0] as usize).collect();
        for (c, start) in kept.chunks(chunk).zip(&starts) {
            let expected: Vec<f32> = (*start..start + chunk).map(|i| i as f32).collect();
            assert_eq!(c, &expected[..], "a chunk is a contiguous stretch");
        }
        let steps: Vec<usize> = starts.windows(2).map(|w| w[1] - w[0]).collect();
        assert!(steps.iter().all(|s| *s == steps[0]), "{steps:?}");
        assert_eq!(starts[0], 0);
        assert!(
            *starts.last().expect("a chunk") >= signal.len() * 3 / 4,
            "{starts:?}"
        );
    }

    /// The whole-track waveform in constant memory matches the waveform of the whole signal
    /// held in memory, on a signal whose level changes along its length.
    #[test]
    fn the_peak_log_gives_the_whole_signals_waveform() {
        let bins = crate::features::WAVEFORM_BINS;
        let n = 1_000_003;
        let signal: Vec<f32> = (0..n)
            .map(|i| {
                let level = (i as f32 / n as f32 * 7.0).fract();
                let sign = if i % 2 == 0 { 1.0 } else { -1.0 };
                sign * level
            })
            .collect();
        let mut log = PeakLog::new(bins * 16);
        for piece in signal.chunks(1001) {
            log.extend(piece);
        }
        assert!(log.peaks.len() <= 2 * bins * 16);
        let ours = log.bins(bins);
        assert_eq!(ours.len(), bins);
        let mut features = crate::features::waveform(&signal);
        let worst = ours
            .iter()
            .zip(features.drain(..))
            .map(|(a, b)| (i32::from(*a) - i32::from(b)).abs())
            .max()
            .unwrap_or(0);
        // Blocks straddle bin edges, so a bin may see a peak from just past its edge.
        assert!(worst <= 8, "largest difference {worst} of 255");
    }

    /// The pruned meter gives libebur128's true peak, on quiet and loud stretches, with
    /// inter-sample overs, fed in uneven pieces.
    #[test]
    fn true_peak_matches_ebur128() {
        let rate = 44_100;
        let mut state = 12345u32;
        let mut noise = move || {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (state >> 8) as f32 / (1u32 << 24) as f32 - 0.5
        };
        let mut signal = Vec::new();
        for i in 0..rate * 3 {
            let t = i as f32 / rate as f32;
            // Quiet noise, a loud stretch, and a sine at fs/4 phased to peak between samples.
            let quiet = 0.05 * noise();
            let loud = if (1.0..1.5).contains(&t) {
                0.6 * noise()
            } else {
                0.0
            };
            let over = if t > 2.5 {
                0.9 * (std::f32::consts::FRAC_PI_2 * i as f32 + std::f32::consts::FRAC_PI_4).sin()
            } else {
                0.0
            };
            signal.push(quiet + loud + over);
            signal.push(0.5 * quiet - loud);
        }
        let mut reference =
            ebur128::EbuR128::new(2, rate as u32, ebur128::Mode::TRUE_PEAK).expect("meter");
        reference.add_frames_f32(&signal).expect("frames");
        let expected = (0..2)
            .map(|c| reference.true_peak(c).expect("peak"))
            .fold(0.0f64, f64::max);
        let mut meter = TruePeakMeter::new(2, rate as u32);
        for piece in signal.chunks(2 * 777) {
            meter.add(piece);
        }
        let got = f64::from(meter.finish());
        let sample_peak = signal.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        assert!(
            expected > f64::from(sample_peak) * 1.1,
            "the test needs an inter-sample over"
        );
        assert!(
            (got - expected).abs() < 1e-5 * expected,
            "{got} vs {expected}"
        );
    }

    /// A stereo 440 Hz tone at 48 kHz: `lead` s of digital silence, `body` s at amplitude 0.25,
    /// `fade` s falling linearly to nothing, then `tail` s of silence.
    fn tone_edges(lead: f64, body: f64, fade: f64, tail: f64) -> Edges {
        let rate = 48_000.0;
        let mut meter = EdgeMeter::new(48_000);
        let total = ((lead + body + fade + tail) * rate) as usize;
        for i in 0..total {
            let t = i as f64 / rate;
            let amplitude = if t < lead {
                0.0
            } else if t < lead + body {
                0.25
            } else if t < lead + body + fade {
                0.25 * (1.0 - (t - lead - body) / fade)
            } else {
                0.0
            };
            let x = (amplitude * (2.0 * std::f64::consts::PI * 440.0 * t).sin()) as f32;
            meter.add(&[x, x], 2);
        }
        meter.finish()
    }

    #[test]
    fn the_edges_of_a_track_that_stops_at_full_level_are_where_its_music_is() {
        let e = tone_edges(0.5, 6.0, 0.0, 3.0);
        // The first sample of a sine from zero at or above -60 dBFS comes within a few samples.
        assert!(
            (e.music_start_s - 0.5).abs() < 0.0002,
            "{}",
            e.music_start_s
        );
        assert!((e.music_end_s - 6.5).abs() < 0.0002, "{}", e.music_end_s);
        assert_eq!(e.fade_out_s, e.music_end_s, "no fall before the end");
    }

    #[test]
    fn a_fade_out_is_found_where_the_level_starts_to_fall() {
        let e = tone_edges(0.0, 20.0, 8.0, 2.0);
        // The fade reaches -60 dBFS (0.001 of full scale) at 0.996 of its length.
        assert!((e.music_end_s - 27.97).abs() < 0.02, "{}", e.music_end_s);
        // 3 dB down (0.707 of the amplitude) 2.3 s into the fade, found with the 1 s level's lag.
        assert!(
            (22.0..=23.5).contains(&e.fade_out_s),
            "fall found at {:.2} s",
            e.fade_out_s
        );
        assert_eq!(tone_edges(0.0, 0.0, 0.0, 1.0).music_end_s, 0.0, "silence");
    }
}

#[cfg(test)]
mod streaming_tests {
    use super::*;

    /// A real recording (`tests/fixtures/gapless`), decoded and mixed to mono, and the sizes
    /// of its decoded packets.
    fn decoded_mono(name: &str) -> (u32, Vec<f32>, Vec<usize>) {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/fixtures/gapless")
            .join(name);
        let mut decoder = Decoder::open(&path).expect("fixture");
        let (rate, channels) = (
            decoder.info().sample_rate,
            usize::from(decoder.info().channels.max(1)),
        );
        let (mut buf, mut mixed, mut mono, mut packets) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        loop {
            buf.clear();
            if decoder.read(&mut buf).expect("decoded") == 0 {
                break;
            }
            mix_to_mono(&buf, channels, &mut mixed);
            mono.extend_from_slice(&mixed);
            packets.push(mixed.len());
        }
        (rate, mono, packets)
    }

    /// The resampling as defined, without streaming: rubato's `process_all` over the whole
    /// signal, then the band-edge filter as a plain time-domain convolution in f64 (the
    /// stream's taps, read off its response to an impulse).
    fn resample_whole(input: &[f32], from: u32, to: u32) -> Vec<f32> {
        let mut r = sinc_resampler(from, to).expect("resampler");
        let adapter = InterleavedSlice::new(input, 1, input.len()).expect("adapter");
        let flat = r
            .process_all(&adapter, input.len(), None)
            .expect("resampled")
            .take_data();
        let mut taps = Vec::new();
        let mut edge = BandEdgeStream::new(0.0);
        let mut impulse = vec![0.0f32; 2 * edge.taps];
        impulse[0] = 1.0;
        edge.push(&impulse, &mut |s| taps.extend_from_slice(s));
        edge.finish(&mut |s| taps.extend_from_slice(s));
        // The output is centred, so an impulse at 0 gives the taps from the middle one on;
        // they are symmetric.
        let kernel: Vec<f64> = (0..=2 * 96)
            .map(|k: usize| f64::from(taps[k.abs_diff(96)]))
            .collect();
        assert_eq!(kernel.len(), 2 * 96 + 1, "the filter has 193 taps");
        (0..flat.len())
            .map(|n| {
                kernel
                    .iter()
                    .enumerate()
                    .filter_map(|(k, w)| {
                        (n + k)
                            .checked_sub(96)
                            .and_then(|i| flat.get(i))
                            .map(|x| w * f64::from(*x))
                    })
                    .sum::<f64>() as f32
            })
            .collect()
    }

    /// Streaming the decoded packets through [`ToRate`] (what analysis does, never holding
    /// the native-rate signal) gives the same 16 kHz signal as resampling and filtering the
    /// whole signal at once, on real recordings at 44.1 and 48 kHz: sample for sample
    /// whatever the pieces, and within float rounding of the plain definition.
    #[test]
    fn resampling_packet_by_packet_gives_the_whole_signals_resampling() {
        for name in ["source.flac", "source-48k.flac"] {
            let (rate, mono, packets) = decoded_mono(name);
            assert!(
                mono.len() > rate as usize * 3,
                "{name}: a few seconds of audio"
            );
            let expected = resample_whole(&mono, rate, ANALYSIS_RATE);

            let mut streamed = Vec::new();
            let mut to_rate = ToRate::new(rate, ANALYSIS_RATE).expect("resampler");
            let mut at = 0;
            for len in packets {
                to_rate
                    .push(&mono[at..at + len], &mut |s| streamed.extend_from_slice(s))
                    .expect("pushed");
                at += len;
            }
            to_rate
                .finish(&mut |s| streamed.extend_from_slice(s))
                .expect("finished");
            let whole = resample(&mono, rate, ANALYSIS_RATE).expect("resampled");
            assert_eq!(streamed, whole, "{name}: the pieces do not matter");

            assert_eq!(streamed.len(), expected.len(), "{name}");
            let worst = streamed
                .iter()
                .zip(&expected)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0f32, f32::max);
            let peak = expected.iter().fold(0.0f32, |m, x| m.max(x.abs()));
            assert!(peak > 0.1, "{name}: music, not silence");
            assert!(worst < 1e-5, "{name}: differs by {worst} (peak {peak})");
        }
    }

    /// The sinc stage alone is rubato's `process_all`, bit for bit, fed in pieces of every
    /// size around its chunk (so whole chunks arrive exactly at the end, or one sample past).
    #[test]
    fn the_sinc_stage_streamed_is_rubatos_whole_signal_resampling() {
        let (rate, mono, _) = decoded_mono("source.flac");
        let mut r = sinc_resampler(rate, ANALYSIS_RATE).expect("resampler");
        let chunk = r.input_frames_next();
        for len in [chunk * 5, chunk * 5 + 1, chunk * 5 - 1, 100] {
            let signal = &mono[..len];
            let adapter = InterleavedSlice::new(signal, 1, len).expect("adapter");
            let whole = r
                .process_all(&adapter, len, None)
                .expect("resampled")
                .take_data();
            for piece in [1, 777, chunk, chunk + 1, len] {
                let mut sinc = SincStream::new(rate, ANALYSIS_RATE).expect("resampler");
                let mut got = Vec::new();
                for part in signal.chunks(piece) {
                    sinc.push(part, &mut |s| got.extend_from_slice(s))
                        .expect("pushed");
                }
                sinc.finish(&mut |s| got.extend_from_slice(s))
                    .expect("finished");
                assert_eq!(got, whole, "{len} samples in pieces of {piece}");
            }
        }
    }

    /// The excerpts known from a signal's length are those [`Excerpts`] keeps as the signal
    /// grows, for every length up to many times the excerpts' room.
    #[test]
    fn the_excerpts_a_length_calls_for_are_those_kept_as_the_signal_grows() {
        let (chunk, max_chunks) = (3, 5);
        for len in 0..200usize {
            let signal: Vec<f32> = (0..len).map(|i| i as f32).collect();
            let mut grown = Excerpts::new(chunk, max_chunks);
            let mut known = EveryNthChunk::new(chunk, stride_for(len.div_ceil(chunk), max_chunks));
            let mut kept = Vec::new();
            for piece in signal.chunks(7) {
                grown.extend(piece);
                known.split(piece, &mut |s| kept.extend_from_slice(s));
            }
            assert_eq!(kept, grown.into_signal(), "{len} samples");
        }
        assert_eq!(excerpt_stride(0), 1);
        assert_eq!(
            excerpt_stride(MAX_EXCERPTS * EXCERPT_SAMPLES),
            1,
            "20 min: whole"
        );
        assert_eq!(excerpt_stride(MAX_EXCERPTS * EXCERPT_SAMPLES + 1), 2);
    }

    /// A file's features streamed as it is decoded and resampled are, to the bit, those of
    /// its whole analysis signal ([`prepare`], then [`crate::features::extract`]), on real
    /// recordings at 44.1 and 48 kHz.
    #[test]
    fn a_files_features_streamed_are_those_of_its_whole_signal() {
        let bank = crate::spectrum::mel_filter_bank(
            ANALYSIS_RATE,
            crate::spectrum::FFT_SIZE,
            crate::spectrum::MEL_BANDS,
        );
        for name in ["source.flac", "source-48k.flac"] {
            let path = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../tests/fixtures/gapless")
                .join(name);
            let prepared = prepare(&path).expect("prepared");
            let (dsp, mel) = crate::features::extract(&prepared.mono, &bank);
            let streamed = stream_features(&path, &bank).expect("streamed");
            assert_eq!(format!("{:?}", streamed.dsp), format!("{dsp:?}"), "{name}");
            let bits = |x: &[f32]| x.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&streamed.mel), bits(&mel), "{name}: mel");
            assert!(mel.len() > 100 * crate::spectrum::MEL_BANDS, "{name}");
            assert_eq!(streamed.duration_s, prepared.duration_s, "{name}");
            assert_eq!(streamed.whole_waveform, prepared.whole_waveform, "{name}");
            assert_eq!(streamed.edges, prepared.edges, "{name}");
            assert_eq!(streamed.loudness_lufs, prepared.loudness_lufs, "{name}");
            assert_eq!(streamed.true_peak_dbtp, prepared.true_peak_dbtp, "{name}");

            // A container that declares a length calling for other excerpts (here, a long
            // track's): the file is decoded again, and the features are still its own.
            // So does one claiming millions of years (a damaged Ogg granule): nothing is
            // reserved for the claim (that allocation once aborted the whole run).
            for lying in [10 * MAX_EXCERPTS * EXCERPT_SAMPLES, usize::MAX / 4] {
                let decoder = Decoder::open(&path).expect("fixture");
                assert!(excerpt_stride(lying) > 1);
                let streamed =
                    stream_features_declared(&path, decoder, Some(lying), &bank).expect("streamed");
                assert_eq!(format!("{:?}", streamed.dsp), format!("{dsp:?}"), "{name}");
                assert_eq!(bits(&streamed.mel), bits(&mel), "{name}: mel");
                assert_eq!(streamed.whole_waveform, None, "{name}: kept whole");
            }
        }
    }
}
