//! The audio device side. The callback (rodio's mixer pulling [`RingSource`]) only reads a
//! lock-free ring buffer and a few atomics: it never locks, allocates or waits.

use std::num::NonZero;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};

/// State shared between the engine thread and the audio callback.
#[derive(Debug)]
pub(crate) struct Shared {
    /// Frames the device has taken from the ring (including silence-free drains on flush).
    pub played_frames: AtomicU64,
    pub paused: AtomicBool,
    /// Set by the engine to discard everything queued (seek, skip, stop); cleared by the
    /// callback once done.
    pub flush: AtomicBool,
    /// Target gain as `f32` bits; the callback ramps towards it to avoid clicks.
    pub volume_bits: AtomicU32,
    pub underruns: AtomicU64,
    /// Frames handed to the device, silence included: shows the device is running.
    pub device_frames: AtomicU64,
}

impl Shared {
    pub fn new() -> Shared {
        Shared {
            played_frames: AtomicU64::new(0),
            paused: AtomicBool::new(false),
            flush: AtomicBool::new(false),
            volume_bits: AtomicU32::new(1.0f32.to_bits()),
            underruns: AtomicU64::new(0),
            device_frames: AtomicU64::new(0),
        }
    }
}

pub(crate) struct RingSource {
    ring: rtrb::Consumer<f32>,
    shared: Arc<Shared>,
    channels: u16,
    rate: u32,
    volume: f32,
    /// Position within the current frame, to count whole frames.
    in_frame: u16,
}

impl RingSource {
    pub fn new(ring: rtrb::Consumer<f32>, shared: Arc<Shared>, channels: u16, rate: u32) -> Self {
        RingSource {
            ring,
            shared,
            channels,
            rate,
            volume: 1.0,
            in_frame: 0,
        }
    }
}

impl Iterator for RingSource {
    type Item = f32;

    fn next(&mut self) -> Option<f32> {
        // Only act at frame boundaries so channels never get swapped.
        if self.in_frame == 0 {
            self.shared.device_frames.fetch_add(1, Ordering::Relaxed);
            if self.shared.flush.load(Ordering::Acquire) {
                let n = self.ring.slots();
                if let Ok(chunk) = self.ring.read_chunk(n) {
                    chunk.commit_all();
                }
                self.shared
                    .played_frames
                    .fetch_add((n / usize::from(self.channels)) as u64, Ordering::AcqRel);
                self.shared.flush.store(false, Ordering::Release);
            }
            if self.shared.paused.load(Ordering::Relaxed)
                || self.ring.slots() < usize::from(self.channels)
            {
                if !self.shared.paused.load(Ordering::Relaxed) && self.ring.slots() > 0 {
                    self.shared.underruns.fetch_add(1, Ordering::Relaxed);
                }
                return Some(0.0);
            }
        }
        let sample = self.ring.pop().unwrap_or(0.0);
        // ~5 ms ramp to the target volume: changes are smooth, never a step.
        let target = f32::from_bits(self.shared.volume_bits.load(Ordering::Relaxed));
        self.volume += (target - self.volume) * 0.005;
        if (target - self.volume).abs() < 1e-5 {
            self.volume = target;
        }
        self.in_frame += 1;
        if self.in_frame == self.channels {
            self.in_frame = 0;
            self.shared.played_frames.fetch_add(1, Ordering::AcqRel);
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
