//! The audio device side. The callback (rodio's mixer pulling [`RingSource`]) only reads a
//! lock-free ring buffer and a few atomics: it never locks, allocates or waits.

use std::num::NonZero;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rodio::cpal::traits::{DeviceTrait, HostTrait};

use crate::PlaybackError;
use crate::equaliser::{Equaliser, FilterBank};

/// The output format everything is converted to, and the device it goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceInfo {
    /// The device's id (see [`OutputDevice::id`]).
    pub id: String,
    /// The device's human name.
    pub name: String,
    pub sample_rate: u32,
    pub channels: u16,
}

/// An output device the user can choose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputDevice {
    /// Stable id to pass to [`crate::Player::set_output_device`] (and to keep in settings).
    pub id: String,
    pub name: String,
    pub is_default: bool,
}

/// The output devices of the default audio host.
pub fn output_devices() -> Result<Vec<OutputDevice>, PlaybackError> {
    let host = rodio::cpal::default_host();
    let default_id = host
        .default_output_device()
        .and_then(|d| d.id().ok())
        .map(|id| id.to_string());
    let devices = host
        .output_devices()
        .map_err(|e| PlaybackError::NoDevice(e.to_string()))?;
    Ok(devices
        .filter_map(|d| {
            let id = d.id().ok()?.to_string();
            let name = d
                .description()
                .map(|desc| desc.name().to_string())
                .unwrap_or_else(|_| id.clone());
            Some(OutputDevice {
                is_default: default_id.as_deref() == Some(id.as_str()),
                id,
                name,
            })
        })
        .collect())
}

/// An open device stream and the ring that feeds it.
pub(crate) struct Output {
    /// Dropping it closes the device (and drops the ring's consumer).
    pub sink: rodio::MixerDeviceSink,
    pub shared: Arc<Shared>,
    pub ring: rtrb::Producer<f32>,
    pub device: DeviceInfo,
    /// This stream's errors (a lost device, underruns). Each stream has its own channel, so
    /// a dead stream's late errors never count against its replacement.
    pub errors: crossbeam_channel::Receiver<rodio::cpal::Error>,
    /// The device buffer asked for, in frames.
    pub buffer_frames: u32,
    /// Where new equaliser designs go to this stream's callback.
    pub equaliser: rtrb::Producer<FilterBank>,
}

/// Ring capacity: room for the largest decode-ahead the engine grows to after dropouts
/// ([`crate::Buffering::MAX`]), plus a chunk.
const RING_SECONDS: f64 = 4.5;

/// Opens `device_id` (or the default device) with a buffer of `buffer_frames` frames and
/// starts it pulling silence from a new ring.
pub(crate) fn open_output(
    device_id: Option<&str>,
    buffer_frames: u32,
) -> Result<Output, PlaybackError> {
    let (errors_tx, errors) = crossbeam_channel::unbounded();
    let host = rodio::cpal::default_host();
    let device = match device_id {
        Some(id) => {
            let parsed = id
                .parse::<rodio::cpal::DeviceId>()
                .map_err(|e| PlaybackError::NoDevice(format!("bad device id {id}: {e}")))?;
            host.device_by_id(&parsed).ok_or_else(|| {
                PlaybackError::NoDevice(format!("output device {id} is not present"))
            })?
        }
        None => host
            .default_output_device()
            .ok_or_else(|| PlaybackError::NoDevice("there is no default output device".into()))?,
    };
    let id = device.id().map(|i| i.to_string()).unwrap_or_default();
    let name = device
        .description()
        .map(|d| d.name().to_string())
        .unwrap_or_else(|_| id.clone());
    let open = |buffer: Option<u32>| {
        let tx = errors_tx.clone();
        let mut builder = rodio::DeviceSinkBuilder::from_device(device.clone())?;
        if let Some(frames) = buffer {
            builder = builder.with_buffer_size(rodio::cpal::BufferSize::Fixed(frames));
        }
        builder
            .with_error_callback(move |e| {
                let _ = tx.send(e);
            })
            .open_stream()
    };
    // Fall back to the device's own choice where that size is refused.
    let mut sink = open(Some(buffer_frames))
        .or_else(|_| open(None))
        .map_err(|e| PlaybackError::NoDevice(format!("{name}: {e}")))?;
    sink.log_on_drop(false);
    let device = DeviceInfo {
        id,
        name,
        sample_rate: sink.config().sample_rate().get(),
        channels: sink.config().channel_count().get(),
    };
    let capacity =
        (f64::from(device.sample_rate) * RING_SECONDS) as usize * usize::from(device.channels);
    let (ring, consumer) = rtrb::RingBuffer::new(capacity);
    let shared = Arc::new(Shared::new());
    let (equaliser, callback_equaliser) = crate::equaliser::for_output(device.channels);
    sink.mixer().add(
        RingSource::new(
            consumer,
            shared.clone(),
            device.channels,
            device.sample_rate,
        )
        .with_equaliser(callback_equaliser),
    );
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
    if shared.device_frames.load(Ordering::Relaxed) == 0 {
        return Err(PlaybackError::NoDevice(format!(
            "{} opened but takes no audio",
            device.name
        )));
    }
    tracing::info!(
        "audio output {} ({}): {} Hz, {} channels, buffer of {buffer_frames} frames asked, running after {:?}",
        device.name,
        device.id,
        device.sample_rate,
        device.channels,
        opened.elapsed()
    );
    Ok(Output {
        sink,
        shared,
        ring,
        device,
        errors,
        buffer_frames,
        equaliser,
    })
}

/// State shared between the engine thread and the audio callback.
#[derive(Debug)]
pub(crate) struct Shared {
    /// Frames the device has taken from the ring (including silence-free drains on flush).
    pub played_frames: AtomicU64,
    pub paused: AtomicBool,
    /// Silence at once, without the fade-out: set with `paused` when a track is cued paused
    /// (a restored session), so not even the fade's first milliseconds of it are heard.
    pub silence_now: AtomicBool,
    /// Set by the engine to discard everything queued (seek, skip, stop); cleared by the
    /// callback once done.
    pub flush: AtomicBool,
    /// Set with `flush` for a skip while a crossfade is on: the callback first fades what
    /// plays out over this many frames (reading on from the ring), then discards the rest,
    /// and the next audio fades in as after a pause. 0: discard at once.
    pub skip_fade_frames: AtomicU32,
    /// Target gain as `f32` bits; the callback ramps towards it to avoid clicks.
    pub volume_bits: AtomicU32,
    /// Dropouts: each time the ring ran dry while more of the stream was coming (and each
    /// over- or underrun the device itself reported).
    pub underruns: AtomicU64,
    /// Set by the engine while the stream goes on (a track is being decoded and playback is
    /// not paused): an empty ring then is a dropout, not the end of the queue.
    pub more_coming: AtomicBool,
    /// Frames handed to the device, silence included: shows the device is running.
    pub device_frames: AtomicU64,
    /// A cut in the stream (a queue edit changed the next track after it was decoded): once
    /// `played_frames` reaches `cut_at`, the callback skips the ring up to frame `cut_to`, in
    /// one step between two frames. `u64::MAX`: none. The engine writes `cut_to` first, then
    /// `cut_at` (release); the callback sets `cut_at` back to `u64::MAX` once done.
    pub cut_at: AtomicU64,
    pub cut_to: AtomicU64,
}

/// No cut pending (see [`Shared::cut_at`]).
pub(crate) const NO_CUT: u64 = u64::MAX;

impl Shared {
    pub fn new() -> Shared {
        Shared {
            played_frames: AtomicU64::new(0),
            paused: AtomicBool::new(false),
            silence_now: AtomicBool::new(false),
            flush: AtomicBool::new(false),
            skip_fade_frames: AtomicU32::new(0),
            volume_bits: AtomicU32::new(1.0f32.to_bits()),
            underruns: AtomicU64::new(0),
            more_coming: AtomicBool::new(false),
            device_frames: AtomicU64::new(0),
            cut_at: AtomicU64::new(NO_CUT),
            cut_to: AtomicU64::new(0),
        }
    }
}

pub(crate) struct RingSource {
    ring: rtrb::Consumer<f32>,
    shared: Arc<Shared>,
    channels: u16,
    rate: u32,
    volume: f32,
    /// Position within the current frame. Real audio and silence are both emitted in whole
    /// frames: a lone silent sample would shift every later sample to the other channel.
    in_frame: u16,
    /// Whether the current frame is silence (paused, nothing queued, or a flush).
    silent_frame: bool,
    /// 1 while playing, 0 once paused: pausing and resuming fade over [`PAUSE_FADE`] rather
    /// than cut the waveform mid-cycle (a click). Audio keeps flowing while it fades out.
    pause_gain: f32,
    /// How much `pause_gain` moves per frame.
    pause_step: f32,
    /// Audio has come out of the ring since the last flush.
    primed: bool,
    /// The ring is dry in the middle of the stream (a dropout is under way).
    starved: bool,
    /// The callback's thread has been asked for a raised priority (once, on the first call:
    /// the thread is the audio backend's, and this is the first code of ours it runs).
    prioritised: bool,
    /// Runs on what leaves the ring (after pausing's fade, before the volume).
    equaliser: Option<Equaliser>,
    /// A skip's fade-out under way: frames left and its length ([`Shared::skip_fade_frames`]).
    skip_fade: Option<(u32, u32)>,
    /// The skip fade's gain for the current frame.
    skip_gain: f32,
}

/// How long pausing fades out and resuming fades in.
pub(crate) const PAUSE_FADE: Duration = Duration::from_millis(12);

impl RingSource {
    pub fn new(ring: rtrb::Consumer<f32>, shared: Arc<Shared>, channels: u16, rate: u32) -> Self {
        RingSource {
            ring,
            shared,
            channels,
            rate,
            volume: 1.0,
            in_frame: 0,
            silent_frame: false,
            pause_gain: 1.0,
            pause_step: 1.0 / (rate.max(1) as f32 * PAUSE_FADE.as_secs_f32()).max(1.0),
            primed: false,
            starved: false,
            prioritised: false,
            equaliser: None,
            skip_fade: None,
            skip_gain: 1.0,
        }
    }

    pub fn with_equaliser(self, equaliser: Equaliser) -> Self {
        RingSource {
            equaliser: Some(equaliser),
            ..self
        }
    }
}

impl Iterator for RingSource {
    type Item = f32;

    fn next(&mut self) -> Option<f32> {
        if !self.prioritised {
            // One system call, at the stream's start while it plays silence; never again.
            self.prioritised = true;
            crate::priority::raise_current_thread_for_audio();
        }
        // Decide once per frame, at its start, whether it carries audio or silence.
        if self.in_frame == 0 {
            self.shared.device_frames.fetch_add(1, Ordering::Relaxed);
            if let Some(eq) = self.equaliser.as_mut() {
                eq.next_frame();
            }
            self.skip_gain = 1.0;
            let flush = self.shared.flush.load(Ordering::Acquire);
            if flush && self.skip_fade.is_none() {
                let fade = self.shared.skip_fade_frames.swap(0, Ordering::AcqRel);
                let audible = !self.shared.paused.load(Ordering::Relaxed) && self.pause_gain > 0.0;
                if fade > 0 && audible {
                    self.skip_fade = Some((fade, fade));
                }
            }
            let fading = match self.skip_fade.as_mut() {
                Some((left, total))
                    if *left > 0 && self.ring.slots() >= usize::from(self.channels) =>
                {
                    // A quarter sine from 1 to 0: the start of the fade is gentle, its end quick.
                    self.skip_gain =
                        (std::f32::consts::FRAC_PI_2 * *left as f32 / *total as f32).sin();
                    *left -= 1;
                    true
                }
                _ => false,
            };
            if flush && !fading {
                if self.skip_fade.take().is_some() {
                    // What follows the skip fades in, as after a pause.
                    self.pause_gain = 0.0;
                }
                let n = self.ring.slots();
                if let Ok(chunk) = self.ring.read_chunk(n) {
                    chunk.commit_all();
                }
                self.shared
                    .played_frames
                    .fetch_add((n / usize::from(self.channels)) as u64, Ordering::AcqRel);
                self.shared.flush.store(false, Ordering::Release);
                self.primed = false;
            }
            let cut_at = self.shared.cut_at.load(Ordering::Acquire);
            if cut_at != NO_CUT {
                let played = self.shared.played_frames.load(Ordering::Acquire);
                if played >= cut_at {
                    let ch = usize::from(self.channels);
                    let to = self.shared.cut_to.load(Ordering::Relaxed);
                    let frames = (to.saturating_sub(played) as usize).min(self.ring.slots() / ch);
                    if let Ok(chunk) = self.ring.read_chunk(frames * ch) {
                        chunk.commit_all();
                    }
                    self.shared
                        .played_frames
                        .fetch_add(frames as u64, Ordering::AcqRel);
                    // The engine may have withdrawn or replaced the cut meanwhile: clear only
                    // the one done.
                    let _ = self.shared.cut_at.compare_exchange(
                        cut_at,
                        NO_CUT,
                        Ordering::AcqRel,
                        Ordering::Relaxed,
                    );
                }
            }
            if self.shared.silence_now.swap(false, Ordering::AcqRel) {
                self.pause_gain = 0.0;
            }
            let paused = self.shared.paused.load(Ordering::Relaxed);
            self.pause_gain = if paused {
                (self.pause_gain - self.pause_step).max(0.0)
            } else {
                (self.pause_gain + self.pause_step).min(1.0)
            };
            // Paused for good once the fade-out has reached silence.
            let silenced = paused && self.pause_gain == 0.0;
            let available = self.ring.slots() >= usize::from(self.channels);
            // A dropout: the ring ran dry after audio had flowed since the last flush (a
            // seek or a new queue starts empty) while the stream goes on. Counted once per
            // dry spell.
            let starving = !silenced
                && !available
                && self.primed
                && self.shared.more_coming.load(Ordering::Relaxed);
            if starving && !self.starved {
                self.shared.underruns.fetch_add(1, Ordering::Relaxed);
            }
            self.starved = starving;
            self.primed |= available && !silenced;
            self.silent_frame = silenced || !available;
        }
        let mut sample = if self.silent_frame {
            0.0
        } else {
            self.ring.pop().unwrap_or(0.0) * self.pause_gain * self.skip_gain
        };
        if let Some(eq) = self.equaliser.as_mut() {
            // Silence runs through too: a filter's tail dies away rather than stops.
            sample = eq.process(usize::from(self.in_frame), sample);
        }
        // ~5 ms ramp to the target volume: changes are smooth, never a step.
        let target = f32::from_bits(self.shared.volume_bits.load(Ordering::Relaxed));
        self.volume += (target - self.volume) * 0.005;
        if (target - self.volume).abs() < 1e-5 {
            self.volume = target;
        }
        self.in_frame += 1;
        if self.in_frame == self.channels {
            self.in_frame = 0;
            if !self.silent_frame {
                self.shared.played_frames.fetch_add(1, Ordering::AcqRel);
            }
        }
        Some(sample * self.volume)
    }
}

impl rodio::Source for RingSource {
    fn current_span_len(&self) -> Option<usize> {
        None
    }
    fn channels(&self) -> rodio::ChannelCount {
        NonZero::new(self.channels).unwrap_or(NonZero::<u16>::MIN)
    }
    fn sample_rate(&self) -> rodio::SampleRate {
        NonZero::new(self.rate).unwrap_or(NonZero::<u32>::MIN)
    }
    fn total_duration(&self) -> Option<std::time::Duration> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A dry ring counts as one dropout per dry spell, but only mid-stream: not before the
    /// first audio, not after a flush (a seek), not once the engine says the stream ended.
    #[test]
    fn dropouts_are_dry_spells_in_the_middle_of_the_stream() {
        let (mut producer, consumer) = rtrb::RingBuffer::new(256);
        let shared = Arc::new(Shared::new());
        let mut source = RingSource::new(consumer, shared.clone(), 2, 48_000);
        let dropouts = || shared.underruns.load(Ordering::Relaxed);
        let mut feed = |frames: usize| {
            for _ in 0..frames {
                producer.push(0.5).expect("room");
                producer.push(0.5).expect("room");
            }
        };
        let mut pull = |frames: usize| {
            for _ in 0..2 * frames {
                source.next();
            }
        };
        shared.more_coming.store(true, Ordering::Relaxed);
        pull(10); // Waiting for the first audio: not a dropout.
        assert_eq!(dropouts(), 0);
        feed(20);
        pull(20);
        pull(30); // Dry mid-stream: one dropout, however long.
        assert_eq!(dropouts(), 1);
        feed(5);
        pull(5);
        pull(3); // Another dry spell.
        assert_eq!(dropouts(), 2);
        feed(5);
        pull(5);
        shared.flush.store(true, Ordering::Release);
        pull(10); // A seek empties the ring on purpose.
        assert_eq!(dropouts(), 2);
        feed(5);
        pull(5);
        shared.more_coming.store(false, Ordering::Relaxed);
        pull(10); // The end of the queue drains the ring.
        assert_eq!(dropouts(), 2);
    }

    /// Silence of any length keeps left on left: the channel position never slips.
    #[test]
    fn silence_is_emitted_in_whole_frames() {
        let (mut producer, consumer) = rtrb::RingBuffer::new(64);
        let shared = Arc::new(Shared::new());
        let mut source = RingSource::new(consumer, shared.clone(), 2, 48_000);
        // Three samples while empty (an odd count), then a left/right pattern arrives.
        let silent: Vec<f32> = (0..3).map(|_| source.next().unwrap_or(9.0)).collect();
        assert_eq!(silent, [0.0, 0.0, 0.0]);
        for _ in 0..4 {
            producer.push(1.0).expect("room");
            producer.push(-1.0).expect("room");
        }
        // Finish the silent frame started by the third sample, then the audio follows in order.
        assert_eq!(source.next(), Some(0.0));
        let out: Vec<f32> = (0..8).map(|_| source.next().unwrap_or(9.0)).collect();
        assert_eq!(out, [1.0, -1.0, 1.0, -1.0, 1.0, -1.0, 1.0, -1.0]);
        assert_eq!(shared.played_frames.load(Ordering::Relaxed), 4);
    }

    /// Largest jump between consecutive samples of one channel.
    fn largest_step(samples: &[f32]) -> f32 {
        samples
            .windows(2)
            .map(|w| (w[1] - w[0]).abs())
            .fold(0.0, f32::max)
    }

    /// Pausing in the middle of a loud passage fades it out; resuming fades it back in.
    #[test]
    fn pause_and_resume_fade_instead_of_cutting() {
        let rate = 48_000;
        let (mut producer, consumer) = rtrb::RingBuffer::new(rate as usize * 2);
        let shared = Arc::new(Shared::new());
        let mut source = RingSource::new(consumer, shared.clone(), 1, rate);
        // A full-scale constant signal: any cut is a step of 1.0.
        for _ in 0..rate {
            producer.push(1.0).expect("room");
        }
        let mut out: Vec<f32> = (0..1000).map(|_| source.next().unwrap_or(9.0)).collect();
        shared.paused.store(true, Ordering::Relaxed);
        out.extend((0..2000).map(|_| source.next().unwrap_or(9.0)));
        assert_eq!(out[2999], 0.0, "silent once paused");
        let fade = out[1000..].iter().take_while(|&&s| s > 0.0).count();
        let expected = (rate as f32 * PAUSE_FADE.as_secs_f32()) as usize;
        assert!(
            fade + 2 >= expected && fade <= expected + 2,
            "faded out over {fade} frames"
        );
        // Audio stops being taken once silent: what is left plays after resuming.
        let left = producer.slots();
        out.extend((0..100).map(|_| source.next().unwrap_or(9.0)));
        assert_eq!(producer.slots(), left);
        shared.paused.store(false, Ordering::Relaxed);
        out.extend((0..2000).map(|_| source.next().unwrap_or(9.0)));
        assert_eq!(out[out.len() - 1], 1.0, "back to full level");
        // No step larger than the fade's own slope (1 / frames of fade).
        assert!(
            largest_step(&out) <= 1.5 / expected as f32,
            "a step of {}",
            largest_step(&out)
        );
    }
}
