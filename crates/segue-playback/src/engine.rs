//! The engine thread: commands in, decoded audio into the ring, events out.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};
use segue_decode::Decoder;

use crate::convert::{StreamResampler, map_channels};
use crate::equaliser::EqualiserControl;
use crate::output::{DeviceInfo, NO_CUT, Output, Shared, open_output};
use crate::{
    Buffering, Command, LOOKAHEAD, PlayEnd, PlaybackError, PlayerEvent, QueueItem, RepeatMode,
    SMART_EARLIEST,
};

const POSITION_EVERY: Duration = Duration::from_millis(250);
/// How long the device may hold audio after taking it: its buffer (2048 frames, 43 ms at
/// 48 kHz) and the sound server's behind it. The null-sink test lost 47-85 ms without it. A
/// device opened with a larger buffer after dropouts adds the difference.
const DRAIN: Duration = Duration::from_millis(150);
/// How long a skip fades out when a crossfade is on: long enough not to sound cut, short
/// enough to feel immediate. The next track starts after it (with the 12 ms fade-in a resume
/// has), rather than under it: the listener asked to leave this one.
const SKIP_FADE: Duration = Duration::from_millis(200);
/// A device that takes no audio for this long is treated as lost.
const DEVICE_STALL: Duration = Duration::from_secs(2);
/// How often a lost device is looked for again.
const REOPEN_EVERY: Duration = Duration::from_secs(1);

/// Where a track's audio begins in the device stream.
struct Marker {
    at_frame: u64,
    index: usize,
    /// Offset of the first sample within the track (after a seek).
    offset_ms: u64,
    /// A seek within the same track: no end/start events.
    seek: bool,
    /// The track before this one stopped short of its end (a file truncated while playing).
    after_failure: bool,
}

/// A stretch of the ring the audio callback skips: decoded audio of a track that no longer
/// follows the current one after a queue edit. Frames `from..to` of the stream.
#[derive(Debug, Clone, Copy)]
struct Cut {
    from: u64,
    to: u64,
    /// Handed to the callback (only the first pending cut is, one at a time).
    installed: bool,
}

/// The track being decoded into the ring.
struct Decoding {
    index: usize,
    decoder: Decoder,
    gain: f32,
    /// The stream frame its audio starts at.
    from_frame: u64,
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

/// The outgoing track's last frames (device format), faded out under the incoming track's
/// first ones.
struct FadeTail {
    samples: Vec<f32>,
    /// Samples already mixed.
    mixed: usize,
}

/// The device went away: playback is paused until it (or another) can be opened.
struct Lost {
    last_try: Instant,
    /// Resume playing once a device is back (false when the user paused meanwhile).
    resume: bool,
}

struct Engine {
    events: Sender<PlayerEvent>,
    /// The open device stream; `None` while the device is lost.
    sink: Option<rodio::MixerDeviceSink>,
    /// Kept from the last output while the device is lost, so positions stay readable.
    shared: Arc<Shared>,
    ring: rtrb::Producer<f32>,
    device: DeviceInfo,
    /// The device the user chose; `None` follows the default device.
    chosen_device: Option<String>,
    device_errors: Receiver<rodio::cpal::Error>,
    published_device: Arc<std::sync::Mutex<DeviceInfo>>,
    /// Dropouts since the engine started, for [`crate::Player::dropouts`]; and how many of
    /// the current output's count were already added there.
    dropouts: Arc<AtomicU64>,
    dropouts_told: u64,
    /// How far ahead of the device `fill` decodes, and the device buffer (frames) the next
    /// open asks for; grown after a dropout ([`Buffering::grown`]), when the device is
    /// reopened at once ([`Engine::reopen_with_grown_buffer`]).
    buffering: Buffering,
    /// The buffer the open device was asked for (frames).
    open_buffer: u32,
    /// The buffering grew but the device still has the smaller buffer: it reopens at the
    /// next break in the music, or at once on another dropout ([`Engine::reopen_at_a_break`]).
    reopen_pending: bool,
    /// Where [`crate::Player::buffering`] reads both.
    published_buffering: Arc<std::sync::Mutex<(Buffering, u32)>>,
    lost: Option<Lost>,
    /// Device progress seen last, to notice a device that stopped taking audio.
    watch_frames: u64,
    watch_since: Instant,
    queue: Vec<QueueItem>,
    decoding: Option<Decoding>,
    resampler: Option<StreamResampler>,
    /// Device frame at which the current resampler's output starts, and input frames fed.
    resampler_base: u64,
    resampler_in: u64,
    pushed_frames: u64,
    markers: VecDeque<Marker>,
    /// Where the stream ends, and whether its last track stopped short of its end.
    end_marker: Option<(u64, bool)>,
    /// The device frame count when the end left the ring: the queue is over once the device
    /// has played out what it held then ([`DRAIN`]).
    end_reached: Option<u64>,
    /// The track just decoded stopped short; the next marker carries it.
    decoded_short: bool,
    /// A queue edit made the stream wrong from this frame on (what follows the track before
    /// it changed): cut there once everything before it has left the resampler.
    redecide_at: Option<u64>,
    /// Cuts not yet done by the callback, in stream order.
    cuts: VecDeque<Cut>,
    audible: Option<Audible>,
    paused: bool,
    repeat: RepeatMode,
    volume: f32,
    muted: bool,
    last_position: Instant,
    /// The crossfade set; zero: off.
    crossfade: Duration,
    /// Whether it is smart (trims silence, starts at the energy's fall): see
    /// [`crate::Player::set_smart_crossfade`].
    smart: bool,
    /// The stream's newest samples, not yet pushed into the ring: near the end of a track, its
    /// last [`Engine::crossfade`] waits here, so the next track can be mixed into it.
    held: VecDeque<f32>,
    /// A crossfade in progress: the outgoing track's tail, mixed into the incoming audio.
    fading: Option<FadeTail>,
    spill: Vec<f32>,
    decoded: Vec<f32>,
    mapped: Vec<f32>,
    converted: Vec<f32>,
    equaliser: EqualiserControl,
}

pub(crate) fn run(
    commands: Receiver<Command>,
    events: Sender<PlayerEvent>,
    ready: Sender<Result<Arc<std::sync::Mutex<DeviceInfo>>, PlaybackError>>,
    device_id: Option<String>,
    dropouts: Arc<AtomicU64>,
    published_buffering: Arc<std::sync::Mutex<(Buffering, u32)>>,
) {
    let buffering = match published_buffering.lock() {
        Ok(b) => b.0,
        Err(poisoned) => poisoned.into_inner().0,
    };
    // Decoding ahead is what keeps the device fed: it must not wait behind analysis or the UI.
    if crate::priority::raise_current_thread_for_audio() {
        tracing::info!("playback engine runs at a raised priority");
    }
    let Output {
        sink,
        shared,
        ring,
        device,
        errors: device_errors,
        buffer_frames,
        equaliser,
    } = match open_output(device_id.as_deref(), buffering.device_buffer_frames) {
        Ok(o) => o,
        Err(e) => {
            let _ = ready.send(Err(e));
            return;
        }
    };
    let published_device = Arc::new(std::sync::Mutex::new(device.clone()));
    let _ = ready.send(Ok(published_device.clone()));
    let mut engine = Engine {
        events,
        sink: Some(sink),
        shared,
        ring,
        device,
        chosen_device: device_id,
        device_errors,
        published_device,
        dropouts,
        dropouts_told: 0,
        buffering,
        open_buffer: buffer_frames,
        reopen_pending: false,
        published_buffering,
        lost: None,
        watch_frames: 0,
        watch_since: Instant::now(),
        queue: Vec::new(),
        decoding: None,
        resampler: None,
        resampler_base: 0,
        resampler_in: 0,
        pushed_frames: 0,
        markers: VecDeque::new(),
        end_marker: None,
        end_reached: None,
        decoded_short: false,
        redecide_at: None,
        cuts: VecDeque::new(),
        audible: None,
        paused: false,
        repeat: RepeatMode::Off,
        volume: 1.0,
        muted: false,
        last_position: Instant::now(),
        crossfade: Duration::ZERO,
        smart: false,
        held: VecDeque::new(),
        fading: None,
        spill: Vec::new(),
        decoded: Vec::new(),
        mapped: Vec::new(),
        converted: Vec::new(),
        equaliser: EqualiserControl::new(),
    };
    engine.equaliser.attach(equaliser, &engine.device);
    engine.publish_buffering();
    loop {
        let busy = if engine.sink.is_some() {
            let busy = engine.fill();
            engine.shared.more_coming.store(
                (engine.decoding.is_some() || !engine.held.is_empty()) && !engine.paused,
                Ordering::Relaxed,
            );
            engine.report();
            engine.report_dropouts();
            engine.watch_device();
            engine.equaliser.send_pending();
            busy
        } else {
            engine.try_reopen();
            false
        };
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
}

impl Engine {
    fn emit(&self, e: PlayerEvent) {
        let _ = self.events.send(e);
    }

    fn frames_to_ms(&self, frames: u64) -> u64 {
        frames * 1000 / u64::from(self.device.sample_rate)
    }

    fn handle(&mut self, c: Command) {
        // Positions below count the frames a finished cut skipped.
        self.settle_cuts();
        match c {
            Command::SetQueue {
                items,
                start,
                offset,
                paused,
            } => {
                self.end_current(PlayEnd::Stopped);
                self.reset_stream();
                self.reopen_at_a_break();
                self.queue = items;
                self.set_paused(paused);
                if paused {
                    // Nothing of the cued track may reach the device, not even a fade-out.
                    self.shared.silence_now.store(true, Ordering::Release);
                }
                self.open(start, offset.as_millis() as u64, false);
            }
            Command::Append(items) => {
                let first_new = self.queue.len();
                if self.current_index().is_none() {
                    // Idle: the queue had finished (or never started): the new tracks play.
                    self.queue.extend(items);
                    self.reset_stream();
                    self.set_paused(false);
                    self.open(first_new, 0, false);
                } else {
                    self.insert(first_new, items);
                }
            }
            Command::Insert { at, items } => self.insert(at, items),
            Command::Remove(indices) => self.remove(indices),
            Command::Move { from, to } => self.move_entry(from, to),
            Command::Pause => {
                self.set_paused(true);
                self.reopen_at_a_break();
            }
            Command::Resume => self.set_paused(false),
            Command::Stop => {
                self.end_current(PlayEnd::Stopped);
                self.reset_stream();
                self.reopen_at_a_break();
            }
            Command::Seek(to) => {
                if self.audible.is_none() {
                    // A cued track (paused before its first sample was heard): cue it again
                    // at `to`.
                    if let Some(index) = self.current_index() {
                        self.reset_stream();
                        self.open(index, to.as_millis() as u64, false);
                    }
                    return;
                }
                let heard = self.heard_frames();
                let decoder = self.take_audible_decoder();
                self.reset_stream_keep_audible();
                self.replay_audible_from(to.as_millis() as u64, heard, decoder);
            }
            Command::Next => {
                if let Some(index) = self.current_index() {
                    self.fade_the_skip();
                    self.end_current(PlayEnd::Skipped);
                    self.reset_stream();
                    // A skip moves on even when repeating one track.
                    let next = match self.repeat {
                        RepeatMode::All if index + 1 >= self.queue.len() => 0,
                        _ => index + 1,
                    };
                    if next < self.queue.len() {
                        self.open(next, 0, false);
                    } else {
                        self.emit(PlayerEvent::QueueFinished);
                    }
                }
            }
            Command::Previous => {
                let cued = || self.current_index().map(|index| (index, 0));
                if let Some((index, pos)) = self
                    .audible
                    .as_ref()
                    .map(|a| (a.index, self.position_ms(a)))
                    .or_else(cued)
                {
                    let target = if pos > 3000 || index == 0 {
                        index
                    } else {
                        index - 1
                    };
                    self.fade_the_skip();
                    self.end_current(PlayEnd::Skipped);
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
            Command::SetRepeat(r) => self.repeat = r,
            Command::SetCrossfade(length) => self.crossfade = length,
            Command::SetSmartCrossfade(smart) => self.smart = smart,
            Command::SetOutputDevice(id) => {
                match open_output(id.as_deref(), self.buffering.device_buffer_frames) {
                    Ok(output) => {
                        self.chosen_device = id;
                        // Chosen while the old device was lost: this one replaces it, and playback
                        // stays paused until the listener plays on.
                        self.lost = None;
                        self.install_output(output);
                    }
                    Err(e) => self.emit(PlayerEvent::Error {
                        track_id: None,
                        message: e.to_string(),
                    }),
                }
            }
            Command::SetEqualiser { device, settings } => self.equaliser.set(device, settings),
            Command::Shutdown => {}
        }
    }

    /// With a crossfade on, a skip (next, previous) fades what plays out over [`SKIP_FADE`]
    /// instead of cutting it: the flush that follows waits for the fade.
    fn fade_the_skip(&self) {
        if !self.crossfade.is_zero() && self.audible.is_some() && !self.paused {
            let frames = f64::from(self.device.sample_rate) * SKIP_FADE.as_secs_f64();
            self.shared
                .skip_fade_frames
                .store(frames as u32, Ordering::Relaxed);
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

    /// Whether the device has played out what it held when the stream's end left the ring
    /// (first call: notes that moment). Closing earlier, as a command-line player does on
    /// `QueueFinished`, would cut the last tens of milliseconds.
    fn drained(&mut self) -> bool {
        let now = self.shared.device_frames.load(Ordering::Relaxed);
        let reached = *self.end_reached.get_or_insert(now);
        let drain = (f64::from(self.device.sample_rate) * DRAIN.as_secs_f64()) as u64
            + u64::from(
                self.open_buffer
                    .saturating_sub(Buffering::FIRST.device_buffer_frames),
            );
        now.saturating_sub(reached) >= drain
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
    fn end_current(&mut self, reason: PlayEnd) {
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
        self.withdraw_cuts();
        self.drop_held();
        self.flush_ring();
        self.decoding = None;
        self.resampler = None;
        self.markers.clear();
        self.end_marker = None;
        self.end_reached = None;
    }

    fn flush_ring(&mut self) {
        // Nothing queued, or no device to drain it: no need to wait for the callback.
        if self.sink.is_none() || self.ring.slots() == self.ring.buffer().capacity() {
            self.shared.skip_fade_frames.store(0, Ordering::Relaxed);
            self.pushed_frames = self.shared.played_frames.load(Ordering::Acquire);
            return;
        }
        self.shared.flush.store(true, Ordering::Release);
        // A skip's fade (SKIP_FADE) plays out before the flush is done.
        let deadline = Instant::now() + Duration::from_millis(500);
        while self.shared.flush.load(Ordering::Acquire) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
        self.pushed_frames = self.shared.played_frames.load(Ordering::Acquire);
    }

    /// The decoder of the audible track, if it is still the one decoding. Seeking it beats
    /// reopening the file, which may have been deleted or replaced since it started.
    fn take_audible_decoder(&mut self) -> Option<Decoder> {
        let audible = self.audible.as_ref()?.index;
        if self.decoding.as_ref()?.index != audible {
            return None;
        }
        self.decoding.take().map(|d| d.decoder)
    }

    /// Plays the audible track again from `offset_ms` on a fresh stream (after a seek or a
    /// device change), keeping it the same play: `heard` frames were heard before. `decoder`
    /// is the track's open decoder, if there is one.
    fn replay_audible_from(&mut self, offset_ms: u64, heard: u64, decoder: Option<Decoder>) {
        let start_frame = self.pushed_frames;
        let Some(a) = self.audible.as_mut() else {
            return;
        };
        a.heard_before_seek = heard;
        a.start_frame = start_frame;
        a.offset_ms = offset_ms;
        let index = a.index;
        self.open_with(index, offset_ms, true, decoder);
    }

    /// Reacts to stream errors and to a device that stopped taking audio.
    fn watch_device(&mut self) {
        let mut lost = None;
        while let Ok(e) = self.device_errors.try_recv() {
            match e.kind() {
                rodio::cpal::ErrorKind::Xrun => {
                    // The device ran dry though the ring may hold plenty: its own thread was
                    // late (the ring running dry is counted by the callback).
                    tracing::debug!("the {} device reported an xrun: {e}", self.device.name);
                    self.shared.underruns.fetch_add(1, Ordering::Relaxed);
                }
                rodio::cpal::ErrorKind::DeviceNotAvailable
                | rodio::cpal::ErrorKind::HostUnavailable
                | rodio::cpal::ErrorKind::StreamInvalidated => lost = Some(e.to_string()),
                // Backend errors are often transient (PulseAudio's ALSA plugin reports EIO
                // while a stream settles); a device that really died stops taking audio,
                // which the stall check below sees.
                _ => tracing::debug!("audio device: {e}"),
            }
        }
        let frames = self.shared.device_frames.load(Ordering::Relaxed);
        if frames != self.watch_frames {
            self.watch_frames = frames;
            self.watch_since = Instant::now();
        } else if lost.is_none() && self.watch_since.elapsed() > DEVICE_STALL {
            lost = Some("it stopped taking audio".into());
        }
        if let Some(reason) = lost {
            self.lose_device(reason);
        }
    }

    /// Closes the failed device and pauses; `try_reopen` resumes once a device is back.
    fn lose_device(&mut self, reason: String) {
        tracing::warn!("audio device {} lost: {reason}", self.device.name);
        self.sink = None;
        // What was queued for the device is gone with it; the audible track is replayed from
        // where it was heard when a device is back.
        self.settle_cuts();
        self.cuts.clear();
        self.redecide_at = None;
        self.drop_held();
        self.decoding = None;
        self.resampler = None;
        self.markers.clear();
        self.end_marker = None;
        self.end_reached = None;
        self.pushed_frames = self.shared.played_frames.load(Ordering::Acquire);
        let resume = !self.paused;
        self.emit(PlayerEvent::Error {
            track_id: self.audible.as_ref().map(|a| a.track_id),
            message: format!(
                "the audio device {} was lost ({reason}); playback is paused and resumes when a device is back",
                self.device.name
            ),
        });
        self.set_paused(true);
        self.lost = Some(Lost {
            last_try: Instant::now(),
            resume,
        });
    }

    fn try_reopen(&mut self) {
        let Some(lost) = self.lost.as_mut() else {
            return;
        };
        if lost.last_try.elapsed() < REOPEN_EVERY {
            return;
        }
        lost.last_try = Instant::now();
        // The chosen device first; failing that, whatever is the default now.
        let buffer = self.buffering.device_buffer_frames;
        let output = open_output(self.chosen_device.as_deref(), buffer).or_else(|e| {
            match self.chosen_device {
                Some(_) => open_output(None, buffer),
                None => Err(e),
            }
        });
        match output {
            Ok(output) => {
                let resume = self.lost.take().is_some_and(|l| l.resume);
                self.install_output(output);
                if resume {
                    self.set_paused(false);
                }
            }
            Err(e) => tracing::debug!("no audio device yet: {e}"),
        }
    }

    /// Switches to a newly opened device, carrying on with the audible track where it is.
    fn install_output(&mut self, output: Output) {
        self.settle_cuts();
        let audible_at = self
            .audible
            .as_ref()
            .map(|a| (self.position_ms(a), self.heard_frames()));
        let audible_decoder = self.take_audible_decoder();
        let pending = self.decoding.as_ref().map(|d| d.index);
        // Close the old device before the new one starts, so nothing plays twice.
        self.sink = None;
        self.cuts.clear();
        self.redecide_at = None;
        self.drop_held();
        self.decoding = None;
        self.resampler = None;
        self.markers.clear();
        self.end_marker = None;
        self.end_reached = None;
        let Output {
            sink,
            shared,
            ring,
            device,
            errors,
            buffer_frames,
            equaliser,
        } = output;
        self.open_buffer = buffer_frames;
        self.publish_buffering();
        self.sink = Some(sink);
        self.device_errors = errors;
        self.shared = shared;
        self.dropouts_told = 0;
        self.ring = ring;
        self.device = device.clone();
        self.equaliser.attach(equaliser, &device);
        self.pushed_frames = 0;
        self.watch_frames = 0;
        self.watch_since = Instant::now();
        self.shared.paused.store(self.paused, Ordering::Relaxed);
        self.apply_volume();
        if let Ok(mut published) = self.published_device.lock() {
            *published = device.clone();
        }
        self.emit(PlayerEvent::OutputChanged { device });
        match (audible_at, pending) {
            (Some((position_ms, heard)), _) => {
                self.replay_audible_from(position_ms, heard, audible_decoder)
            }
            (None, Some(index)) => self.open(index, 0, false),
            (None, None) => {}
        }
    }

    /// The current track's index: the audible one, or the one cued to play (its first sample
    /// not yet heard: just started, or paused before it was).
    fn current_index(&self) -> Option<usize> {
        self.audible
            .as_ref()
            .map(|a| a.index)
            .or_else(|| self.markers.iter().find(|m| !m.seek).map(|m| m.index))
    }

    fn insert(&mut self, at: usize, items: Vec<QueueItem>) {
        let at = at.min(self.queue.len());
        let n = items.len();
        if n == 0 {
            return;
        }
        self.queue.splice(at..at, items);
        self.apply_edit(|i| Some(if i < at { i } else { i + n }));
    }

    fn remove(&mut self, mut indices: Vec<usize>) {
        let current = self.current_index();
        let refused = indices.iter().any(|&i| Some(i) == current);
        indices.retain(|&i| i < self.queue.len() && Some(i) != current);
        indices.sort_unstable();
        indices.dedup();
        if !indices.is_empty() {
            for &i in indices.iter().rev() {
                self.queue.remove(i);
            }
            self.apply_edit(|i| match indices.binary_search(&i) {
                Ok(_) => None,
                Err(below) => Some(i - below),
            });
        }
        if refused {
            self.emit(PlayerEvent::EditRefused {
                track_ids: self.queue.iter().map(|q| q.track_id).collect(),
            });
        }
    }

    fn move_entry(&mut self, from: usize, to: usize) {
        let len = self.queue.len();
        if from >= len || to >= len || from == to {
            return;
        }
        let item = self.queue.remove(from);
        self.queue.insert(to, item);
        self.apply_edit(|i| {
            if i == from {
                return Some(to);
            }
            let j = if i > from { i - 1 } else { i };
            Some(if j >= to { j + 1 } else { j })
        });
    }

    /// After the queue changed (`map`: an old index to the new one, `None`: removed): renumbers
    /// what the stream holds, then makes sure what follows the current track is what the queue
    /// now says, cutting out audio decoded for a track that no longer follows it.
    fn apply_edit(&mut self, map: impl Fn(usize) -> Option<usize>) {
        const GONE: usize = usize::MAX;
        if let Some(a) = self.audible.as_mut() {
            // Never removed (see `remove`).
            a.index = map(a.index).unwrap_or(GONE);
        }
        if let Some(d) = self.decoding.as_mut() {
            d.index = map(d.index).unwrap_or(GONE);
        }
        for m in self.markers.iter_mut() {
            m.index = map(m.index).unwrap_or(GONE);
        }
        // Walk the stream: each track after the current one must be the one that follows the
        // track before it.
        let mut prev = self.audible.as_ref().map(|a| a.index);
        let mut wrong = None;
        for m in self.markers.iter().filter(|m| !m.seek) {
            let fits = match prev {
                None => m.index != GONE,
                Some(p) => m.index == self.follows(p, m.after_failure),
            };
            if !fits {
                wrong = Some((m.at_frame, m.after_failure));
                break;
            }
            prev = Some(m.index);
        }
        if let Some((at, after_failure)) = wrong {
            self.markers.retain(|m| m.at_frame < at);
            self.decoded_short |= after_failure;
            self.redecide_at = Some(self.redecide_at.map_or(at, |r| r.min(at)));
        }
        if self.redecide_at.is_some() {
            self.try_cut();
        } else if self.decoding.is_none()
            && let Some((_, short)) = self.end_marker
            && let Some(p) = prev
        {
            // The stream was set to end after the last track, which is still playing: decode
            // on, so what the edit added joins it without a gap. (The resampler's tail was
            // flushed, so a resampled join restarts its filter.)
            let next = self.follows(p, short);
            if next < self.queue.len() {
                self.end_marker = None;
                self.end_reached = None;
                self.decoded_short = short;
                self.open(next, 0, false);
            }
        }
        let current = self.current_index();
        self.emit(PlayerEvent::QueueEdited { current });
        if let Some(c) = current
            && c + 1 == self.queue.len()
            && self.repeat == RepeatMode::Off
            && let Some(item) = self.queue.get(c)
        {
            // Nothing is up next any more: autoplay may add to it.
            self.emit(PlayerEvent::UpNextEmpty {
                track_id: item.track_id,
            });
        }
    }

    /// The entry after `index` when it ends: [`Engine::following`], or simply the next one
    /// after a track that stopped short (repeating it would spin).
    fn follows(&self, index: usize, stopped_short: bool) -> usize {
        if stopped_short {
            index + 1
        } else {
            self.following(index)
        }
    }

    /// The last track the stream holds before the point being decided: the last marker's, or
    /// the audible one.
    fn last_in_stream(&self) -> Option<usize> {
        self.markers
            .iter()
            .rev()
            .find(|m| !m.seek)
            .map(|m| m.index)
            .or_else(|| self.audible.as_ref().map(|a| a.index))
    }

    /// Carries out a pending re-decision once every frame before it has been pushed: marks
    /// the rest of the ring as a cut, then decodes what follows now. Returns whether it did.
    fn try_cut(&mut self) -> bool {
        let Some(at) = self.redecide_at else {
            return false;
        };
        if self.stream_frames() < at {
            // The end of the track before it is still in the resampler: it comes out as the
            // (unwanted) next track is decoded, or when the resampler is flushed.
            if self.decoding.is_some() {
                return false;
            }
            self.finish_resampler();
        }
        // What is held back past the cut is the unwanted track's: it goes. A crossfade into
        // that track mixed the end of the track before it, which goes with it (at most the
        // crossfade's length).
        self.fading = None;
        let keep = at.saturating_sub(self.pushed_frames) * u64::from(self.device.channels);
        self.held.truncate(keep as usize);
        self.redecide_at = None;
        self.decoding = None;
        // Its state holds the unwanted track's start; the next track starts a fresh one.
        self.resampler = None;
        self.end_marker = None;
        self.end_reached = None;
        self.markers.retain(|m| m.at_frame < at);
        let to = self.pushed_frames.max(at);
        self.add_cut(at, to);
        match self.last_in_stream() {
            Some(prev) => {
                let short = self.decoded_short;
                self.open(self.follows(prev, short), 0, false)
            }
            // Nothing plays and nothing is cued: the stream just ends here.
            None => self.open(self.queue.len(), 0, false),
        }
        true
    }

    /// Adds the cut `from..to`, replacing the pending ones it covers and joining one that
    /// ends where it starts, and hands the first to the callback.
    fn add_cut(&mut self, from: u64, to: u64) {
        if to <= from {
            return;
        }
        self.withdraw_installed();
        self.cuts.retain(|c| c.from < from);
        match self.cuts.back_mut() {
            Some(last) if last.to >= from => last.to = last.to.max(to),
            _ => self.cuts.push_back(Cut {
                from,
                to,
                installed: false,
            }),
        }
        self.install_cut();
    }

    /// Takes the installed cut back from the callback (if it has not done it yet), so that the
    /// list can change; a cut done meanwhile is settled.
    fn withdraw_installed(&mut self) {
        self.settle_cuts();
        if let Some(c) = self.cuts.front_mut().filter(|c| c.installed) {
            match self.shared.cut_at.compare_exchange(
                c.from,
                NO_CUT,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => c.installed = false,
                // Done between the two: settle it.
                Err(_) => self.settle_cuts(),
            }
        }
    }

    fn install_cut(&mut self) {
        if let Some(c) = self.cuts.front_mut().filter(|c| !c.installed) {
            self.shared.cut_to.store(c.to, Ordering::Relaxed);
            self.shared.cut_at.store(c.from, Ordering::Release);
            c.installed = true;
        }
    }

    /// Accounts for the cuts the callback has done: the audible track started that many
    /// frames later in the stream (so its position goes on from where the cut began), then
    /// hands over the next cut.
    fn settle_cuts(&mut self) {
        while let Some(c) = self.cuts.front().copied() {
            if !c.installed || self.shared.cut_at.load(Ordering::Acquire) != NO_CUT {
                break;
            }
            self.cuts.pop_front();
            if let Some(a) = self.audible.as_mut()
                && a.start_frame <= c.from
            {
                a.start_frame += c.to - c.from;
            }
            self.install_cut();
        }
    }

    /// Forgets every cut (the ring is about to be flushed or replaced).
    fn withdraw_cuts(&mut self) {
        self.shared.cut_at.store(NO_CUT, Ordering::Release);
        self.cuts.clear();
        self.redecide_at = None;
    }

    /// Whether the stream already holds [`LOOKAHEAD`] of audio past the current track's end.
    fn looked_ahead(&self) -> bool {
        let mut starts = self.markers.iter().filter(|m| !m.seek);
        // With nothing audible yet, the first marker is the current track's own start.
        if self.audible.is_none() {
            starts.next();
        }
        let Some(next_start) = starts.next().map(|m| m.at_frame) else {
            return false;
        };
        let ahead = (f64::from(self.device.sample_rate) * LOOKAHEAD.as_secs_f64()) as u64;
        self.pushed_frames.saturating_sub(next_start) >= ahead
    }

    /// Starts decoding queue entry `index` at `offset_ms`; unplayable entries are reported and
    /// skipped.
    /// The entry after `index` when it ends by itself: the same one (repeat one), the first
    /// after the last (repeat all), else the next (past the end: the queue is done). A file
    /// that fails moves on without wrapping, so a queue of broken files cannot loop.
    fn following(&self, index: usize) -> usize {
        match self.repeat {
            RepeatMode::One => index,
            RepeatMode::All if index + 1 >= self.queue.len() => 0,
            _ => index + 1,
        }
    }

    fn open(&mut self, index: usize, offset_ms: u64, seek: bool) {
        self.open_with(index, offset_ms, seek, None);
    }

    /// `open`, seeking `decoder` (already open on entry `index`) instead of opening the file.
    /// When a seek within the audible track fails, that play ends with an error and the
    /// queue goes on from the next entry.
    fn open_with(
        &mut self,
        mut index: usize,
        mut offset_ms: u64,
        mut seek: bool,
        mut decoder: Option<Decoder>,
    ) {
        while let Some(item) = self.queue.get(index).cloned() {
            let opened = match decoder.take() {
                Some(d) => Ok(d),
                None => Decoder::open(&item.path),
            };
            match opened.and_then(|mut d| {
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
                        self.resampler_base = self.stream_frames();
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
                        after_failure: std::mem::take(&mut self.decoded_short),
                    });
                    self.decoding = Some(Decoding {
                        index,
                        decoder,
                        gain: item.gain,
                        from_frame: at_frame,
                    });
                    return;
                }
                Err(e) => {
                    self.emit(PlayerEvent::Error {
                        track_id: Some(item.track_id),
                        message: format!("cannot play {}: {e}", item.path.display()),
                    });
                    if seek {
                        self.end_current(PlayEnd::Error);
                        seek = false;
                        offset_ms = 0;
                    }
                    index += 1;
                }
            }
        }
        // Nothing (more) to play: the stream ends after what is queued (a tail waiting for a
        // crossfade plays out as it is).
        self.finish_resampler();
        if let Some(tail) = self.fading.take() {
            self.emit_audio(&tail.samples[tail.mixed..]);
        }
        self.end_marker = Some((
            self.stream_frames(),
            std::mem::take(&mut self.decoded_short),
        ));
        self.end_reached = None;
    }

    /// Pushes the resampler's tail into the ring.
    fn finish_resampler(&mut self) {
        if let Some(mut r) = self.resampler.take() {
            self.converted.clear();
            if let Err(e) = r.flush(&mut self.converted) {
                tracing::warn!("resampler flush failed: {e}");
            }
            let out = std::mem::take(&mut self.converted);
            self.emit_audio(&out);
            self.converted = out;
        }
    }

    /// Frames emitted into the stream so far: pushed into the ring, or held back for a
    /// crossfade. Markers and cuts count in these.
    fn stream_frames(&self) -> u64 {
        self.pushed_frames + (self.held.len() / usize::from(self.device.channels).max(1)) as u64
    }

    /// Adds converted audio to the stream: mixed into the fading tail while a crossfade is
    /// on, then into the ring as far as it has room, less what is held back while the track
    /// may be nearing its end ([`Engine::hold_samples`]).
    fn emit_audio(&mut self, samples: &[f32]) {
        self.hold_back(samples);
        self.drain_held();
    }

    /// Appends `samples` to what is held back, mixed into the fading tail if there is one.
    fn hold_back(&mut self, samples: &[f32]) {
        let Some(tail) = self.fading.as_mut() else {
            self.held.extend(samples);
            return;
        };
        let channels = usize::from(self.device.channels).max(1);
        let frames = (tail.samples.len() / channels).max(1) as f32;
        let n = samples.len().min(tail.samples.len() - tail.mixed);
        for (i, &s) in samples[..n].iter().enumerate() {
            let at = tail.mixed + i;
            let (fade_in, fade_out) = equal_power((at / channels) as f32 + 0.5, frames);
            self.held
                .push_back(s * fade_in + tail.samples[at] * fade_out);
        }
        tail.mixed += n;
        if tail.mixed >= tail.samples.len() {
            self.fading = None;
        }
        self.held.extend(&samples[n..]);
    }

    /// Pushes what is held back beyond [`Engine::hold_samples`] into the ring, as far as it
    /// has room; the rest goes on the next call.
    fn drain_held(&mut self) {
        let channels = usize::from(self.device.channels).max(1);
        let excess = self.held.len().saturating_sub(self.hold_samples());
        let room = self.ring.slots() / channels * channels;
        let n = excess.min(room);
        if n > 0 {
            let mut spill = std::mem::take(&mut self.spill);
            spill.clear();
            spill.extend(self.held.drain(..n));
            self.push(&spill);
            self.spill = spill;
        }
    }

    /// How much of the stream's end is held back: the crossfade's length once the track being
    /// decoded may be within it of its end (its length unknown: always), else nothing, so a
    /// track's start reaches the device as fast as without a crossfade. With nothing being
    /// decoded there is nothing to fade into.
    fn hold_samples(&self) -> usize {
        let Some(d) = self.decoding.as_ref() else {
            return 0;
        };
        if self.crossfade.is_zero() {
            return 0;
        }
        let rate = u64::from(d.decoder.info().sample_rate);
        let fade_source_frames = (self.crossfade.as_secs_f64() * rate as f64) as u64;
        // A second of margin: the resampler's delay, and a header a little off.
        if self
            .smart_end_frame(d)
            .or_else(|| self.expected_frames(d))
            .is_some_and(|total| d.decoder.position() + fade_source_frames + rate < total)
        {
            return 0;
        }
        self.crossfade_samples()
    }

    fn crossfade_samples(&self) -> usize {
        let frames = (f64::from(self.device.sample_rate) * self.crossfade.as_secs_f64()) as usize;
        frames * usize::from(self.device.channels)
    }

    /// The frames the track being decoded should have (source rate): the header's count or
    /// the length the caller knows, the shorter of the two.
    fn expected_frames(&self, d: &Decoding) -> Option<u64> {
        let info = d.decoder.info();
        let known = self
            .queue
            .get(d.index)
            .and_then(|q| q.known_length_ms)
            .map(|ms| ms * u64::from(info.sample_rate) / 1000);
        match (info.total_frames, known) {
            (Some(total), Some(known)) => Some(total.min(known)),
            (total, known) => total.or(known),
        }
    }

    /// Where a smart crossfade ends the track being decoded (source frames): the end of its
    /// fade out, which starts at its energy's fall (no earlier than [`SMART_EARLIEST`] before
    /// the latest start that ends with its music, no later than that start), so the overlap
    /// is the crossfade's length and the trailing silence is never heard. `None`: it plays to
    /// the end of its file (no smart crossfade into what follows, or no edges known).
    fn smart_end_frame(&self, d: &Decoding) -> Option<u64> {
        if !self.smart || !self.crossfades_into(d.index, self.following(d.index)) {
            return None;
        }
        let edges = self.queue.get(d.index)?.edges?;
        if edges.music_end <= edges.music_start {
            return None;
        }
        let latest = edges.music_end.saturating_sub(self.crossfade);
        let start = edges
            .fade_out
            .clamp(latest.saturating_sub(SMART_EARLIEST), latest);
        let end = (start + self.crossfade).min(edges.music_end);
        Some((end.as_secs_f64() * f64::from(d.decoder.info().sample_rate)) as u64)
    }

    /// Where a track faded into by a smart crossfade starts: where its music does (its
    /// leading silence trimmed), in milliseconds; 0 without a smart crossfade or edges.
    fn smart_start_ms(&self, index: usize) -> u64 {
        if !self.smart {
            return 0;
        }
        self.queue
            .get(index)
            .and_then(|q| q.edges)
            .filter(|e| e.music_start < e.music_end)
            .map_or(0, |e| e.music_start.as_millis() as u64)
    }

    /// Forgets what is held back and any fade in progress (the stream is being replaced).
    fn drop_held(&mut self) {
        self.held.clear();
        self.fading = None;
    }

    /// Whether entry `next` follows the track at `index` with no break to hear: the next
    /// track of the same album (gapless), or a crossfade into it.
    fn joins_seamlessly(&self, index: usize, next: usize) -> bool {
        let album_goes_on = matches!(
            (self.queue.get(index), self.queue.get(next)),
            (Some(a), Some(b)) if matches!((&a.album, &b.album), (Some(x), Some(y)) if x.is_followed_by(y))
        );
        album_goes_on || self.crossfades_into(index, next)
    }

    /// Whether the track at `index`, ending by itself, fades into entry `next`: a crossfade is
    /// set, and `next` is not the following track of the same album.
    fn crossfades_into(&self, index: usize, next: usize) -> bool {
        if self.crossfade.is_zero() {
            return false;
        }
        let (Some(ending), Some(coming)) = (self.queue.get(index), self.queue.get(next)) else {
            return false;
        };
        !matches!((&ending.album, &coming.album), (Some(a), Some(b)) if a.is_followed_by(b))
    }

    /// At the end of a track that fades into the next (its audio started at stream frame
    /// `track_from`): the last [`Engine::crossfade`] held back (what was still in the resampler included, and the rest of a fade still going on
    /// when the track was shorter than it) becomes the fading tail, and the next track gets a
    /// fresh resampler that starts where the tail does.
    fn start_crossfade(&mut self, track_from: u64) {
        if let Some(mut r) = self.resampler.take() {
            let mut out = std::mem::take(&mut self.converted);
            out.clear();
            if let Err(e) = r.flush(&mut out) {
                tracing::warn!("resampler flush failed: {e}");
            }
            self.hold_back(&out);
            self.converted = out;
        }
        if let Some(rest) = self.fading.as_ref().map(|t| t.samples.len() - t.mixed) {
            self.hold_back(&vec![0.0; rest]);
        }
        // At most half the ending track (as it was heard: from where it started or was
        // sought to), so a short track is still heard on its own between two fades.
        let channels = usize::from(self.device.channels);
        let half_track = (self.stream_frames().saturating_sub(track_from) / 2) as usize * channels;
        let tail = self.crossfade_samples().min(half_track);
        let from = self.held.len().saturating_sub(tail);
        let samples: Vec<f32> = self.held.drain(from..).collect();
        if !samples.is_empty() {
            self.fading = Some(FadeTail { samples, mixed: 0 });
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

    /// Frames in the ring the device has not taken yet.
    fn buffered_frames(&self) -> u64 {
        let queued = self.ring.buffer().capacity() - self.ring.slots();
        (queued / usize::from(self.device.channels).max(1)) as u64
    }

    /// Decodes ahead until [`Buffering::decode_ahead`] is buffered (or the ring is full). Returns
    /// whether work was done.
    fn fill(&mut self) -> bool {
        let room_needed = 16 * 1024 * usize::from(self.device.channels);
        let ahead =
            (f64::from(self.device.sample_rate) * self.buffering.decode_ahead.as_secs_f64()) as u64;
        let mut worked = false;
        while self.ring.slots() >= room_needed && self.buffered_frames() < ahead {
            self.drain_held();
            if self.redecide_at.is_some() && self.try_cut() {
                worked = true;
                continue;
            }
            if self.redecide_at.is_none() && self.looked_ahead() {
                break;
            }
            // A smart crossfade ends the track where its fade out ends, before its file does.
            let end_at = self.decoding.as_ref().and_then(|d| self.smart_end_frame(d));
            let Some(d) = self.decoding.as_mut() else {
                break;
            };
            self.decoded.clear();
            let info = d.decoder.info().clone();
            let cut_short = end_at.is_some_and(|e| d.decoder.position() >= e);
            let read = if cut_short {
                Ok(0)
            } else {
                d.decoder.read(&mut self.decoded).map(|frames| {
                    let past = end_at.map_or(0, |e| d.decoder.position().saturating_sub(e));
                    let keep = frames.saturating_sub(past as usize);
                    self.decoded.truncate(keep * usize::from(info.channels));
                    keep
                })
            };
            match read {
                // Cut at the smart end exactly: what is left is the fade's, or nothing.
                Ok(0) if !cut_short && end_at.is_some_and(|e| d.decoder.position() > e) => {}
                Ok(0) => {
                    // A file cut short while playing (or lying about its length) ends early:
                    // say so, and record that play as failed rather than completed.
                    let decoded = d.decoder.position();
                    let index = d.index;
                    let track_from = d.from_frame;
                    let expected = self.decoding.as_ref().and_then(|d| self.expected_frames(d));
                    if let Some(total) = expected
                        && !cut_short
                        && decoded + u64::from(info.sample_rate) < total
                    {
                        let rate = u64::from(info.sample_rate);
                        self.emit(PlayerEvent::Error {
                            track_id: self.queue.get(index).map(|q| q.track_id),
                            message: format!(
                                "the file ended at {} s of its {} s: it may have been truncated",
                                decoded / rate,
                                total / rate
                            ),
                        });
                        self.decoded_short = true;
                    }
                    // Repeating a file that decoded nothing (or stopped short) would spin.
                    let next = if decoded == 0 || self.decoded_short {
                        index + 1
                    } else {
                        self.following(index)
                    };
                    self.decoding = None;
                    if self.redecide_at.is_some() {
                        // An unwanted track ended before the cut could be made: make it now.
                        self.try_cut();
                    } else {
                        let mut lead_in_ms = 0;
                        if self.crossfades_into(index, next) {
                            self.start_crossfade(track_from);
                            lead_in_ms = self.smart_start_ms(next);
                        } else if let Some(rest) =
                            self.fading.as_ref().map(|t| t.samples.len() - t.mixed)
                        {
                            // A track shorter than the fade into it, followed gaplessly: the
                            // fade ends here, then the next track joins.
                            self.finish_resampler();
                            self.emit_audio(&vec![0.0; rest]);
                        }
                        self.open(next, lead_in_ms, false);
                    }
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
                    self.emit_audio(&out);
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
                    if self.redecide_at.is_some() {
                        self.try_cut();
                    } else {
                        self.open(next, 0, false);
                    }
                }
            }
            worked = true;
        }
        worked
    }

    /// Turns device progress into events.
    /// Adds new dropouts to the total and says so in the log: a dropout is a hole in the
    /// music, and the one sign a busy machine or a small device buffer gives.
    fn report_dropouts(&mut self) {
        let counted = self.shared.underruns.load(Ordering::Relaxed);
        if counted > self.dropouts_told {
            let new = counted - self.dropouts_told;
            self.dropouts_told = counted;
            let total = self.dropouts.fetch_add(new, Ordering::Relaxed) + new;
            tracing::warn!(
                "playback dropped out {new} time(s) ({total} since the player started): the {} device ran dry (decoding or the device's own thread fell behind)",
                self.device.name
            );
            let grew = self.grow_buffering();
            self.emit(PlayerEvent::Dropout {
                buffering: self.buffering,
                dropouts: total,
            });
            if grew {
                self.reopen_pending = true;
            } else if self.reopen_pending {
                // Dropping out again on the small buffer: the music is broken anyway.
                self.reopen_with_grown_buffer();
            }
        }
    }

    /// After a dropout: decode further ahead at once ([`Buffering::grown`]; the device is
    /// reopened after the event); the log says by how much. False when it was grown already.
    fn grow_buffering(&mut self) -> bool {
        let grown = self.buffering.grown();
        if grown == self.buffering {
            return false;
        }
        self.buffering = grown;
        self.publish_buffering();
        let rate = self.device.sample_rate;
        tracing::warn!(
            "grew the output buffer to {} ms after a dropout: decoding {} ms ahead, and a device buffer of {} ms",
            grown.decode_ahead.as_millis() as u64 + grown.device_buffer_ms(rate),
            grown.decode_ahead.as_millis(),
            grown.device_buffer_ms(rate)
        );
        true
    }

    /// Reopens the device with the grown buffer if it waits for a break in the music: a
    /// pause, a stop, a new queue, or a track starting that does not join the one before
    /// seamlessly (the next of the same album, or a crossfade).
    fn reopen_at_a_break(&mut self) {
        if self.reopen_pending {
            self.reopen_with_grown_buffer();
        }
    }

    /// A device's buffer is fixed while it is open, and a session may never reopen it (no
    /// device change, no loss): the dropouts measured under load were nearly all the device
    /// thread coming late with the ring full, which only the larger device buffer rides out.
    /// Reopening costs a gap of its own (about 160-330 ms measured, more than the dropout that
    /// caused it), so it waits for a break in the music ([`Engine::reopen_at_a_break`]) unless
    /// the music drops out again first; the audible track carries on from where it was heard.
    /// Growth stops at [`Buffering::MAX`], so this happens at most once in a session.
    fn reopen_with_grown_buffer(&mut self) {
        self.reopen_pending = false;
        let wanted = self.buffering.device_buffer_frames;
        if wanted <= self.open_buffer || self.sink.is_none() || self.lost.is_some() {
            return;
        }
        match open_output(self.chosen_device.as_deref(), wanted) {
            Ok(output) => {
                tracing::info!(
                    "reopened the {} device with a {wanted}-frame buffer after a dropout",
                    self.device.name
                );
                self.install_output(output);
            }
            // The open device goes on as it was; the next open asks for the grown buffer.
            Err(e) => tracing::warn!("could not reopen the device with a larger buffer: {e}"),
        }
    }

    /// Shows the buffering and the open device's buffer to [`crate::Player::buffering`].
    fn publish_buffering(&self) {
        let mut published = match self.published_buffering.lock() {
            Ok(p) => p,
            Err(poisoned) => poisoned.into_inner(),
        };
        *published = (self.buffering, self.open_buffer);
    }

    fn report(&mut self) {
        self.settle_cuts();
        let played = self.shared.played_frames.load(Ordering::Acquire);
        let mut break_at_track_start = false;
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
                if self.reopen_pending && !self.joins_seamlessly(a.index, m.index) {
                    break_at_track_start = true;
                }
                // Natural end: the next track's first sample reached the device.
                let listened_ms = self
                    .frames_to_ms(a.heard_before_seek + m.at_frame.saturating_sub(a.start_frame));
                let position_ms =
                    a.offset_ms + self.frames_to_ms(m.at_frame.saturating_sub(a.start_frame));
                self.emit(PlayerEvent::TrackEnded {
                    track_id: a.track_id,
                    reason: if m.after_failure {
                        PlayEnd::Error
                    } else {
                        PlayEnd::Completed
                    },
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
            if m.index + 1 == self.queue.len() && self.repeat == RepeatMode::Off {
                self.emit(PlayerEvent::UpNextEmpty {
                    track_id: item.track_id,
                });
            }
            self.last_position = Instant::now();
        }
        if break_at_track_start {
            // The new track restarts on the larger buffer from where it was heard.
            self.reopen_at_a_break();
        }
        if self.markers.is_empty()
            && let Some((end, failed)) = self.end_marker
            && played >= end
            && self.drained()
        {
            self.end_marker = None;
            self.end_reached = None;
            self.end_reached = None;
            self.end_current(if failed {
                PlayEnd::Error
            } else {
                PlayEnd::Completed
            });
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

/// Equal-power crossfade gains (incoming, outgoing) at `frame` of a `frames`-long fade: sine
/// and cosine of a quarter turn, so the two powers always sum to one.
fn equal_power(frame: f32, frames: f32) -> (f32, f32) {
    let angle = (frame / frames).clamp(0.0, 1.0) * std::f32::consts::FRAC_PI_2;
    (angle.sin(), angle.cos())
}

#[cfg(test)]
mod tests {
    use super::equal_power;

    #[test]
    fn equal_power_gains_keep_the_summed_power_and_run_from_one_track_to_the_other() {
        for i in 0..=100 {
            let (fade_in, fade_out) = equal_power(i as f32, 100.0);
            assert!((fade_in * fade_in + fade_out * fade_out - 1.0).abs() < 1e-5);
        }
        assert_eq!(equal_power(0.0, 100.0), (0.0, 1.0));
        let (fade_in, fade_out) = equal_power(100.0, 100.0);
        assert!((fade_in - 1.0).abs() < 1e-6 && fade_out.abs() < 1e-6);
        let (fade_in, fade_out) = equal_power(50.0, 100.0);
        assert!(
            (fade_in - fade_out).abs() < 1e-6,
            "-3 dB each at the midpoint"
        );
    }
}
