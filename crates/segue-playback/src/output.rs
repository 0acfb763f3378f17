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
    /// Position within the current frame. Real audio and silence are both emitted in whole
    /// frames: a lone silent sample would shift every later sample to the other channel.
    in_frame: u16,
    /// Whether the current frame is silence (paused, nothing queued, or a flush).
    silent_frame: bool,
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
            silent_frame: false,
        }
    }
}

impl Iterator for RingSource {
    type Item = f32;

    fn next(&mut self) -> Option<f32> {
        // Decide once per frame, at its start, whether it carries audio or silence.
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
            let paused = self.shared.paused.load(Ordering::Relaxed);
            let available = self.ring.slots() >= usize::from(self.channels);
            if !paused && !available && self.ring.slots() > 0 {
                self.shared.underruns.fetch_add(1, Ordering::Relaxed);
            }
            self.silent_frame = paused || !available;
        }
        let sample = if self.silent_frame {
            0.0
        } else {
            self.ring.pop().unwrap_or(0.0)
        };
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
}
