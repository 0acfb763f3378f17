//! Decoding audio files to interleaved `f32` samples.
//!
//! [`Decoder`] reads every format Segue's library imports — FLAC (native and in Ogg), MP3,
//! Ogg Vorbis, Opus, AAC and ALAC in MP4, WAV, AIFF — through symphonia (libopus for Opus).
//! Its contract:
//!
//! - Samples are interleaved `f32` in `[-1, 1]`, at the file's own sample rate and channel
//!   count ([`StreamInfo`]); conversion to what a device wants is the caller's business.
//! - Encoder delay and padding are removed where the container declares them (MP3 LAME/Xing
//!   headers, Ogg Vorbis and Opus granule positions), so consecutive tracks of a gapless album
//!   join sample-exactly.
//! - [`Decoder::seek`] is sample-accurate: the next sample delivered is the requested frame.
//! - A damaged packet is skipped (counted in [`Decoder::skipped_packets`]); only a stream that
//!   keeps failing, or an I/O error, ends decoding with an error.
//! - Nothing here blocks on anything but the file itself; it is meant to run on a decoder
//!   thread, never on the audio callback.

mod chunk;
mod mp4_edit;

pub use chunk::resampler_chunk_frames;

use std::io::Seek;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use symphonia::core::codecs::audio::{AudioDecoder, AudioDecoderOptions};
use symphonia::core::codecs::registry::CodecRegistry;
use symphonia::core::errors::Error as SymError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, FormatReader, SeekMode, SeekTo, TrackType};
use symphonia::core::io::{MediaSource, MediaSourceStream};
use symphonia::core::meta::MetadataOptions;
use symphonia::core::units::Timestamp;

/// Errors from opening or decoding a file.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error("cannot open {path}: {source}")]
    Open {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("unsupported or unrecognised audio format: {0}")]
    Unsupported(String),
    #[error("the file has no audio track")]
    NoAudioTrack,
    #[error("the audio stream is damaged beyond recovery: {0}")]
    Damaged(String),
    #[error("cannot read the file: {0}")]
    Io(String),
    #[error("cannot seek: {0}")]
    Seek(String),
}

/// What a decoder delivers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamInfo {
    /// Hz.
    pub sample_rate: u32,
    pub channels: u16,
    /// Frames (samples per channel) after removing encoder delay and padding, as the container
    /// declares it. An estimate: symphonia 0.6 reports Ogg/Opus one packet short; the decoded
    /// length is the truth.
    pub total_frames: Option<u64>,
}

/// Consecutive undecodable packets after which a stream counts as damaged.
const MAX_CONSECUTIVE_BAD_PACKETS: u32 = 64;

fn codecs() -> &'static CodecRegistry {
    static REGISTRY: OnceLock<CodecRegistry> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        let mut registry = CodecRegistry::new();
        symphonia::default::register_enabled_codecs(&mut registry);
        registry.register_audio_decoder::<symphonia_adapter_libopus::OpusDecoder>();
        registry
    })
}

/// A file being decoded. See the crate documentation for the contract.
pub struct Decoder {
    format: Box<dyn FormatReader>,
    decoder: Box<dyn AudioDecoder>,
    track_id: u32,
    info: StreamInfo,
    /// Converts between container timestamps and frames.
    frames_per_tick: f64,
    /// Cut output at `total_frames` (set when an MP4 edit list declares the real length).
    trim_to_total: bool,
    /// Container timestamp of frame 0. Ogg/Opus timestamps count the pre-skip, which the libopus
    /// adapter removes inside the decoder; elsewhere demuxers already start at 0.
    origin_ticks: i64,
    /// After a seek: the frame the next delivered sample must be. Output before it is dropped,
    /// located by packet timestamps (counting would be wrong: decoders such as Vorbis emit
    /// nothing for the first packet after a reset).
    seek_target: Option<u64>,
    /// Frame index of the next sample delivered.
    position: u64,
    skipped: u64,
    finished: bool,
}

impl std::fmt::Debug for Decoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Decoder")
            .field("info", &self.info)
            .field("position", &self.position)
            .finish_non_exhaustive()
    }
}

fn classify(e: SymError) -> DecodeError {
    match e {
        SymError::IoError(io) => DecodeError::Io(io.to_string()),
        SymError::Unsupported(what) => DecodeError::Unsupported(what.to_string()),
        other => DecodeError::Damaged(other.to_string()),
    }
}

/// The file as symphonia reads it: a WAV or AIFF file cut short is seen with its sizes fitted
/// to what is there (its demuxer would otherwise refuse it at open), so it plays what is there.
fn source_for(mut file: std::fs::File) -> std::io::Result<Box<dyn MediaSource>> {
    let size = file.metadata()?.len();
    match segue_core::files::pcm_cut(&mut file, size) {
        Some(cut) => Ok(Box::new(PatchedFile(segue_core::files::Patched::new(
            file,
            cut.patches,
        )?))),
        None => {
            file.seek(std::io::SeekFrom::Start(0))?;
            Ok(Box::new(file))
        }
    }
}

struct PatchedFile(segue_core::files::Patched<std::fs::File>);

impl std::io::Read for PatchedFile {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0.read(buf)
    }
}

impl std::io::Seek for PatchedFile {
    fn seek(&mut self, to: std::io::SeekFrom) -> std::io::Result<u64> {
        self.0.seek(to)
    }
}

impl MediaSource for PatchedFile {
    fn is_seekable(&self) -> bool {
        true
    }

    fn byte_len(&self) -> Option<u64> {
        self.0.get_ref().metadata().ok().map(|m| m.len())
    }
}

impl Decoder {
    /// Opens `path`, detecting the format from its content (the extension is only a hint).
    pub fn open(path: &Path) -> Result<Decoder, DecodeError> {
        // Never a pipe or a device: opening one would wait for a writer, or read forever.
        let file = segue_core::files::open_regular(path).map_err(|source| DecodeError::Open {
            path: path.to_path_buf(),
            source,
        })?;
        let source = source_for(file).map_err(|source| DecodeError::Open {
            path: path.to_path_buf(),
            source,
        })?;
        let mss = MediaSourceStream::new(source, Default::default());
        let mut hint = Hint::new();
        if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
            hint.with_extension(ext);
        }
        let format = symphonia::default::get_probe()
            .probe(
                &hint,
                mss,
                FormatOptions::default(),
                MetadataOptions::default(),
            )
            .map_err(|e| match e {
                SymError::IoError(io) => DecodeError::Io(io.to_string()),
                other => DecodeError::Unsupported(other.to_string()),
            })?;
        let track = format
            .default_track(TrackType::Audio)
            .ok_or(DecodeError::NoAudioTrack)?;
        let params = track
            .codec_params
            .as_ref()
            .and_then(|p| p.audio())
            .ok_or(DecodeError::NoAudioTrack)?
            .clone();
        let decoder = codecs()
            .make_audio_decoder(&params, &AudioDecoderOptions::default())
            .map_err(|e| DecodeError::Unsupported(e.to_string()))?;
        let sample_rate = params
            .sample_rate
            .ok_or_else(|| DecodeError::Damaged("no sample rate".into()))?;
        let channels = params
            .channels
            .as_ref()
            .map(|c| c.count() as u16)
            .filter(|&c| c > 0)
            .ok_or_else(|| DecodeError::Damaged("no channel layout".into()))?;
        let frames_per_tick = match track.time_base {
            Some(tb) => {
                f64::from(tb.numer.get()) / f64::from(tb.denom.get()) * f64::from(sample_rate)
            }
            None => 1.0,
        };
        // Demuxers report the length with delay and padding already removed.
        let mut total_frames = track.num_frames;
        let mut origin_ticks =
            if params.codec == symphonia::core::codecs::audio::well_known::CODEC_ID_OPUS {
                i64::from(track.delay.unwrap_or(0))
            } else {
                0
            };
        // MP4: the edit list says where the audio starts (AAC priming) and how long it is.
        let mut seek_target = None;
        if params.codec == symphonia::core::codecs::audio::well_known::CODEC_ID_AAC
            && let Some(edit) = mp4_edit::read(path)
        {
            origin_ticks = edit.media_start as i64;
            seek_target = Some(0);
            if let Some(d) = edit.media_duration {
                total_frames = Some((d as f64 * frames_per_tick).round() as u64);
            }
        }
        Ok(Decoder {
            track_id: track.id,
            format,
            decoder,
            info: StreamInfo {
                sample_rate,
                channels,
                total_frames,
            },
            frames_per_tick,
            trim_to_total: seek_target.is_some(),
            origin_ticks,
            seek_target,
            position: 0,
            skipped: 0,
            finished: false,
        })
    }

    pub fn info(&self) -> &StreamInfo {
        &self.info
    }

    /// Frame index of the next sample [`Decoder::read`] delivers.
    pub fn position(&self) -> u64 {
        self.position
    }

    /// Packets skipped because they could not be decoded.
    pub fn skipped_packets(&self) -> u64 {
        self.skipped
    }

    /// Appends the next block of interleaved samples to `out` and returns the number of frames
    /// appended; `Ok(0)` means the end of the stream.
    pub fn read(&mut self, out: &mut Vec<f32>) -> Result<usize, DecodeError> {
        let channels = usize::from(self.info.channels);
        let mut bad_in_a_row = 0;
        while !self.finished {
            let packet = match self.format.next_packet() {
                Ok(Some(p)) => p,
                Ok(None) => {
                    self.finished = true;
                    break;
                }
                Err(SymError::ResetRequired) => {
                    self.decoder.reset();
                    continue;
                }
                // A stream cut short ends here, keeping everything decoded so far.
                Err(SymError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                    self.finished = true;
                    break;
                }
                Err(e) => return Err(classify(e)),
            };
            if packet.track_id != self.track_id {
                continue;
            }
            let decoded = match self.decoder.decode(&packet) {
                Ok(buf) => buf,
                Err(SymError::DecodeError(msg)) => {
                    self.skipped += 1;
                    bad_in_a_row += 1;
                    tracing::debug!("skipping a damaged packet: {msg}");
                    if bad_in_a_row >= MAX_CONSECUTIVE_BAD_PACKETS {
                        return Err(DecodeError::Damaged(format!(
                            "{bad_in_a_row} packets in a row failed to decode ({msg})"
                        )));
                    }
                    continue;
                }
                Err(SymError::IoError(e)) => {
                    self.skipped += 1;
                    tracing::debug!("skipping a packet after an I/O error: {e}");
                    continue;
                }
                Err(e) => return Err(classify(e)),
            };
            let frames = decoded.frames();
            if frames == 0 {
                continue;
            }
            // Where this packet's output belongs on the timeline.
            let ticks = packet.pts.get() + packet.trim_start.get() as i64 - self.origin_ticks;
            let first = (ticks as f64 * self.frames_per_tick).round() as i64;
            let mut filled = 0usize;
            let drop = match self.seek_target {
                None => {
                    // Damaged data the demuxer skipped leaves a hole in the timestamps: fill it
                    // with silence so the rest of the track keeps its time (positions, seeks,
                    // gapless joins). A small tolerance absorbs rounding.
                    let gap = first - self.position as i64;
                    if gap > 64 && gap <= i64::from(self.info.sample_rate) * 30 {
                        tracing::debug!("filling {gap} frames lost to damage with silence");
                        out.resize(out.len() + gap as usize * channels, 0.0);
                        self.position += gap as u64;
                        self.skipped += 1;
                        filled = gap as usize;
                    }
                    0
                }
                Some(target) => {
                    // Decoders apply `trim_start` themselves, so output begins at `first`.
                    // Frames before 0 (priming) are negative and dropped like pre-roll.
                    let target = target as i64;
                    if first + frames as i64 <= target {
                        continue; // still before the target
                    }
                    self.seek_target = None;
                    if first > target {
                        tracing::debug!("seek overshot by {} frames", first - target);
                        self.position = first as u64;
                    }
                    (target - first).max(0) as usize
                }
            };
            let start = out.len();
            out.resize(start + frames * channels, 0.0);
            decoded.copy_to_slice_interleaved::<f32, _>(&mut out[start..]);
            if drop > 0 {
                out.drain(start..start + drop * channels);
            }
            let mut delivered = frames - drop;
            if self.trim_to_total
                && let Some(total) = self.info.total_frames
                && self.position + delivered as u64 > total
            {
                // Encoder padding after the declared end (MP4 edit list).
                delivered = total.saturating_sub(self.position) as usize;
                out.truncate(start + delivered * channels);
                self.finished = true;
            }
            self.position += delivered as u64;
            return Ok(filled + delivered);
        }
        Ok(0)
    }

    /// Moves so that the next sample delivered is frame `frame` (clamped to the stream).
    pub fn seek(&mut self, frame: u64) -> Result<(), DecodeError> {
        // Start a little early: lossy decoders need a packet or two to settle after a reset
        // (Opus asks for 80 ms), then drop everything before `frame`.
        let preroll = u64::from(self.info.sample_rate) / 5;
        let from = frame.saturating_sub(preroll);
        let ts =
            Timestamp::new((from as f64 / self.frames_per_tick).floor() as i64 + self.origin_ticks);
        self.format
            .seek(
                SeekMode::Accurate,
                SeekTo::Timestamp {
                    ts,
                    track_id: self.track_id,
                },
            )
            .map_err(|e| DecodeError::Seek(e.to_string()))?;
        self.decoder.reset();
        self.finished = false;
        self.seek_target = Some(frame);
        self.position = frame;
        Ok(())
    }
}
