//! The engine thread: commands in, decoded audio into the ring, events out.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};
use segue_decode::Decoder;

use crate::convert::{StreamResampler, map_channels};
use crate::output::{RingSource, Shared};
use crate::{Command, EndReason, PlaybackError, PlayerEvent, QueueItem};

/// The output format everything is converted to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeviceInfo {
    pub sample_rate: u32,
    pub channels: u16,
}

/// Ring capacity: about a second of audio, enough to ride out scheduling hiccups.
const RING_SECONDS: f64 = 1.0;
const POSITION_EVERY: Duration = Duration::from_millis(250);

/// Where a track's audio begins in the device stream.
struct Marker {
    at_frame: u64,
    index: usize,
    /// Offset of the first sample within the track (after a seek).
    offset_ms: u64,
    /// A seek within the same track: no end/start events.
    seek: bool,
}

/// The track being decoded into the ring.
struct Decoding {
    index: usize,
    decoder: Decoder,
    gain: f32,
}

/// The track the device is playing.
struct Audible {
    index: usize,
    track_id: i64,
    start_frame: u64,
    offset_ms: u64,
    /// Frames actually heard (pauses excluded, seeks included once).
    heard_before_seek: u64,
}

struct Engine {
    events: Sender<PlayerEvent>,
    shared: Arc<Shared>,
    ring: rtrb::Producer<f32>,
    device: DeviceInfo,
    queue: Vec<QueueItem>,
    decoding: Option<Decoding>,
    resampler: Option<StreamResampler>,
    /// Device frame at which the current resampler's output starts, and input frames fed.
    resampler_base: u64,
    resampler_in: u64,
    pushed_frames: u64,
    markers: VecDeque<Marker>,
    end_marker: Option<u64>,
    audible: Option<Audible>,
    paused: bool,
    volume: f32,
    muted: bool,
    last_position: Instant,
    decoded: Vec<f32>,
    mapped: Vec<f32>,
    converted: Vec<f32>,
}

pub(crate) fn run(
    commands: Receiver<Command>,
    events: Sender<PlayerEvent>,
    ready: Sender<Result<DeviceInfo, PlaybackError>>,
) {
    let sink = match rodio::DeviceSinkBuilder::from_default_device()
        .map(|b| b.with_buffer_size(rodio::cpal::BufferSize::Fixed(2048)))
        .and_then(|b| b.open_stream())
        .or_else(|_| rodio::DeviceSinkBuilder::open_default_sink())
    {
        Ok(mut sink) => {
            sink.log_on_drop(false);
            sink
        }
        Err(e) => {
            let _ = ready.send(Err(PlaybackError::NoDevice(e.to_string())));
            return;
        }
    };
    let device = DeviceInfo {
        sample_rate: sink.config().sample_rate().get(),
        channels: sink.config().channel_count().get(),
    };
    let capacity =
        (f64::from(device.sample_rate) * RING_SECONDS) as usize * usize::from(device.channels);
    let (producer, consumer) = rtrb::RingBuffer::new(capacity);
    let shared = Arc::new(Shared::new());
    sink.mixer().add(RingSource::new(
        consumer,
        shared.clone(),
        device.channels,
        device.sample_rate,
    ));
    // Opening a stream can take a while before the device pulls frames in real time
    // (PulseAudio prebuffering), and the first callbacks arrive as one burst that fills the
    // device buffer. Wait for half a second of output, which only real progress gives, so a
    // play command is heard at once afterwards.
    let opened = Instant::now();
    while shared.device_frames.load(Ordering::Relaxed) < u64::from(device.sample_rate) / 2
        && opened.elapsed() < Duration::from_secs(3)
    {
        std::thread::sleep(Duration::from_millis(5));
    }
    tracing::info!(
        "audio output: {} Hz, {} channels, running after {:?}",
        device.sample_rate,
        device.channels,
        opened.elapsed()
    );
    let _ = ready.send(Ok(device));

    let mut engine = Engine {
        events,
        shared,
        ring: producer,
        device,
        queue: Vec::new(),
        decoding: None,
        resampler: None,
        resampler_base: 0,
        resampler_in: 0,
        pushed_frames: 0,
        markers: VecDeque::new(),
        end_marker: None,
        audible: None,
        paused: false,
        volume: 1.0,
        muted: false,
        last_position: Instant::now(),
        decoded: Vec::new(),
        mapped: Vec::new(),
        converted: Vec::new(),
    };
    loop {
        let busy = engine.fill();
        engine.report();
        let wait = if busy {
            Duration::ZERO
        } else {
            Duration::from_millis(5)
        };
        match commands.recv_timeout(wait) {
            Ok(Command::Shutdown) | Err(RecvTimeoutError::Disconnected) => break,
            Ok(c) => engine.handle(c),
            Err(RecvTimeoutError::Timeout) => {}
        }
    }
    engine.flush_ring();
    drop(sink);
}

impl Engine {
    fn emit(&self, e: PlayerEvent) {
        let _ = self.events.send(e);
    }

    fn frames_to_ms(&self, frames: u64) -> u64 {
        frames * 1000 / u64::from(self.device.sample_rate)
    }

    fn handle(&mut self, c: Command) {
        match c {
            Command::SetQueue { items, start } => {
                self.end_current(EndReason::Stopped);
                self.reset_stream();
                self.queue = items;
                self.set_paused(false);
                self.open(start, 0, false);
            }
            Command::Pause => self.set_paused(true),
            Command::Resume => self.set_paused(false),
            Command::Stop => {
                self.end_current(EndReason::Stopped);
                self.reset_stream();
            }
            Command::Seek(to) => {
                if let Some(index) = self.audible.as_ref().map(|a| a.index) {
                    let heard = self.heard_frames();
                    self.reset_stream_keep_audible();
                    if let Some(a) = self.audible.as_mut() {
                        a.heard_before_seek = heard;
                    }
                    self.open(index, to.as_millis() as u64, true);
                }
            }
            Command::Next => {
                if let Some(index) = self.audible.as_ref().map(|a| a.index) {
                    self.end_current(EndReason::Skipped);
                    self.reset_stream();
                    if index + 1 < self.queue.len() {
                        self.open(index + 1, 0, false);
                    } else {
                        self.emit(PlayerEvent::QueueFinished);
                    }
                }
            }
            Command::Previous => {
                if let Some((index, pos)) = self
                    .audible
                    .as_ref()
                    .map(|a| (a.index, self.position_ms(a)))
                {
                    let target = if pos > 3000 || index == 0 {
                        index
                    } else {
                        index - 1
                    };
                    self.end_current(EndReason::Skipped);
                    self.reset_stream();
                    self.open(target, 0, false);
                }
            }
            Command::SetVolume(v) => {
                self.volume = v;
                self.apply_volume();
            }
            Command::SetMuted(m) => {
                self.muted = m;
                self.apply_volume();
            }
            Command::Shutdown => {}
        }
    }

    fn apply_volume(&self) {
        let v = if self.muted { 0.0 } else { self.volume };
        self.shared
            .volume_bits
            .store(v.to_bits(), Ordering::Relaxed);
    }

    fn set_paused(&mut self, paused: bool) {
        if self.paused != paused {
            self.paused = paused;
            self.shared.paused.store(paused, Ordering::Relaxed);
            self.emit(if paused {
                PlayerEvent::Paused
            } else {
                PlayerEvent::Resumed
            });
        }
    }

    fn position_ms(&self, a: &Audible) -> u64 {
        let played = self.shared.played_frames.load(Ordering::Acquire);
        a.offset_ms + self.frames_to_ms(played.saturating_sub(a.start_frame))
    }

    fn heard_frames(&self) -> u64 {
        let played = self.shared.played_frames.load(Ordering::Acquire);
        self.audible
            .as_ref()
            .map(|a| a.heard_before_seek + played.saturating_sub(a.start_frame))
            .unwrap_or(0)
    }

    /// Ends the audible track with `reason` (if any).
    fn end_current(&mut self, reason: EndReason) {
        if let Some(a) = self.audible.take() {
            let position_ms = self.position_ms(&a);
            let listened_ms = self.frames_to_ms(
                a.heard_before_seek
                    + self
                        .shared
                        .played_frames
                        .load(Ordering::Acquire)
                        .saturating_sub(a.start_frame),
            );
            self.emit(PlayerEvent::TrackEnded {
                track_id: a.track_id,
                reason,
                position_ms,
                listened_ms,
            });
        }
    }

    /// Discards everything queued for the device and forgets what was being decoded.
    fn reset_stream(&mut self) {
        self.audible = None;
        self.reset_stream_keep_audible();
    }

    fn reset_stream_keep_audible(&mut self) {
        self.flush_ring();
        self.decoding = None;
        self.resampler = None;
        self.markers.clear();
        self.end_marker = None;
    }

    fn flush_ring(&mut self) {
        // Nothing queued: no need to wait a device period for the callback.
        if self.ring.slots() == self.ring.buffer().capacity() {
            self.pushed_frames = self.shared.played_frames.load(Ordering::Acquire);
            return;
        }
        self.shared.flush.store(true, Ordering::Release);
        let deadline = Instant::now() + Duration::from_millis(500);
        while self.shared.flush.load(Ordering::Acquire) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
        self.pushed_frames = self.shared.played_frames.load(Ordering::Acquire);
    }

    /// Starts decoding queue entry `index` at `offset_ms`; unplayable entries are reported and
    /// skipped.
    fn open(&mut self, mut index: usize, offset_ms: u64, seek: bool) {
        while let Some(item) = self.queue.get(index).cloned() {
            match Decoder::open(&item.path).and_then(|mut d| {
                if offset_ms > 0 {
                    d.seek(offset_ms * u64::from(d.info().sample_rate) / 1000)?;
                }
                Ok(d)
            }) {
                Ok(decoder) => {
                    let info = decoder.info().clone();
                    let channels = usize::from(info.channels);
                    let reuse = self
                        .resampler
                        .as_ref()
                        .is_some_and(|r| r.accepts(info.sample_rate, channels));
                    if !reuse {
                        self.finish_resampler();
                        match StreamResampler::new(
                            info.sample_rate,
                            self.device.sample_rate,
                            usize::from(self.device.channels),
                        ) {
                            Ok(r) => self.resampler = Some(r),
                            Err(e) => {
                                self.emit(PlayerEvent::Error {
                                    track_id: Some(item.track_id),
                                    message: e,
                                });
                                index += 1;
                                continue;
                            }
                        }
                        self.resampler_base = self.pushed_frames;
                        self.resampler_in = 0;
                    }
                    let at_frame = self.resampler_base
                        + self
                            .resampler
                            .as_ref()
                            .map_or(0, |r| r.expected_output_frames(self.resampler_in));
                    self.markers.push_back(Marker {
                        at_frame,
                        index,
                        offset_ms,
                        seek,
                    });
                    self.decoding = Some(Decoding {
                        index,
                        decoder,
                        gain: item.gain,
                    });
                    return;
                }
                Err(e) => {
                    self.emit(PlayerEvent::Error {
                        track_id: Some(item.track_id),
                        message: format!("cannot play {}: {e}", item.path.display()),
                    });
                    index += 1;
                }
            }
        }
        // Nothing (more) to play: the stream ends after what is queued.
        self.finish_resampler();
        self.end_marker = Some(self.pushed_frames);
    }

    /// Pushes the resampler's tail into the ring.
    fn finish_resampler(&mut self) {
        if let Some(mut r) = self.resampler.take() {
            self.converted.clear();
            if let Err(e) = r.flush(&mut self.converted) {
                tracing::warn!("resampler flush failed: {e}");
            }
            let out = std::mem::take(&mut self.converted);
            self.push(&out);
            self.converted = out;
        }
    }

    fn push(&mut self, samples: &[f32]) {
        // `fill` only decodes when the ring has room for a whole converted chunk.
        let n = samples.len().min(self.ring.slots());
        if let Ok(mut chunk) = self.ring.write_chunk(n) {
            let (a, b) = chunk.as_mut_slices();
            let split = a.len();
            a.copy_from_slice(&samples[..split]);
            b.copy_from_slice(&samples[split..n]);
            chunk.commit_all();
        }
        if n < samples.len() {
            tracing::warn!("ring full: dropped {} samples", samples.len() - n);
        }
        self.pushed_frames += (n / usize::from(self.device.channels)) as u64;
    }

    /// Decodes ahead while the ring has room. Returns whether work was done.
    fn fill(&mut self) -> bool {
        let room_needed = 16 * 1024 * usize::from(self.device.channels);
        let mut worked = false;
        while self.ring.slots() >= room_needed {
            let Some(d) = self.decoding.as_mut() else {
                break;
            };
            self.decoded.clear();
            let info = d.decoder.info().clone();
            match d.decoder.read(&mut self.decoded) {
                Ok(0) => {
                    let next = d.index + 1;
                    self.decoding = None;
                    self.open(next, 0, false);
                }
                Ok(frames) => {
                    let gain = d.gain;
                    self.mapped.clear();
                    map_channels(
                        &self.decoded,
                        usize::from(info.channels),
                        usize::from(self.device.channels),
                        &mut self.mapped,
                    );
                    if gain != 1.0 {
                        self.mapped.iter_mut().for_each(|s| *s *= gain);
                    }
                    self.converted.clear();
                    self.resampler_in += frames as u64;
                    if let Some(r) = self.resampler.as_mut()
                        && let Err(e) = r.push(&self.mapped, &mut self.converted)
                    {
                        tracing::warn!("resampling failed: {e}");
                    }
                    let out = std::mem::take(&mut self.converted);
                    self.push(&out);
                    self.converted = out;
                }
                Err(e) => {
                    let track_id = self.queue.get(d.index).map(|q| q.track_id);
                    let next = d.index + 1;
                    self.emit(PlayerEvent::Error {
                        track_id,
                        message: e.to_string(),
                    });
                    self.decoding = None;
                    self.open(next, 0, false);
                }
            }
            worked = true;
        }
        worked
    }

    /// Turns device progress into events.
    fn report(&mut self) {
        let played = self.shared.played_frames.load(Ordering::Acquire);
        // A track has started once its first frame has been played, not merely queued.
        while self.markers.front().is_some_and(|m| played > m.at_frame) {
            let Some(m) = self.markers.pop_front() else {
                break;
            };
            let Some(item) = self.queue.get(m.index).cloned() else {
                continue;
            };
            if m.seek {
                if let Some(a) = self.audible.as_mut() {
                    a.start_frame = m.at_frame;
                    a.offset_ms = m.offset_ms;
                }
                continue;
            }
            if let Some(a) = self.audible.take() {
                // Natural end: the next track's first sample reached the device.
                let listened_ms = self
                    .frames_to_ms(a.heard_before_seek + m.at_frame.saturating_sub(a.start_frame));
                let position_ms =
                    a.offset_ms + self.frames_to_ms(m.at_frame.saturating_sub(a.start_frame));
                self.emit(PlayerEvent::TrackEnded {
                    track_id: a.track_id,
                    reason: EndReason::Completed,
                    position_ms,
                    listened_ms,
                });
            }
            self.audible = Some(Audible {
                index: m.index,
                track_id: item.track_id,
                start_frame: m.at_frame,
                offset_ms: m.offset_ms,
                heard_before_seek: 0,
            });
            self.emit(PlayerEvent::TrackStarted {
                index: m.index,
                track_id: item.track_id,
                position_ms: m.offset_ms,
            });
            self.last_position = Instant::now();
        }
        if self.markers.is_empty()
            && let Some(end) = self.end_marker
            && played >= end
        {
            self.end_marker = None;
            self.end_current(EndReason::Completed);
            self.emit(PlayerEvent::QueueFinished);
        }
        if !self.paused
            && self.last_position.elapsed() >= POSITION_EVERY
            && let Some(a) = self.audible.as_ref()
        {
            self.emit(PlayerEvent::Position {
                track_id: a.track_id,
                position_ms: self.position_ms(a),
            });
            self.last_position = Instant::now();
        }
    }
}
