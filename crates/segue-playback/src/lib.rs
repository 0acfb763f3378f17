//! Segue's playback engine.
//!
//! A [`Player`] owns one engine thread. The thread opens the audio device (rodio over cpal),
//! decodes the queue ahead of the device into a lock-free ring buffer, converts it to the
//! device's rate and channels, applies each track's gain, and reports what is audible as
//! [`PlayerEvent`]s. Its contract:
//!
//! - The audio callback never waits: it only reads the ring buffer and a few atomics. The
//!   engine thread never touches a database or the UI; callers record history from events.
//! - A busy machine does not interrupt the music: the engine decodes well ahead of the device
//!   (after a dropout, which is counted and logged, further ahead and with the device
//!   reopened on the largest buffer, [`Buffering::MAX`]), and it and the audio callback
//!   run at a raised priority where the OS allows it; background work lowers its own
//!   ([`lower_current_thread_for_background`]).
//! - Consecutive tracks play gaplessly: the next track is decoded into the same ring right
//!   after the last sample of the current one, through the same resampler when the formats
//!   match, so the device sees one continuous stream.
//! - The queue can be edited while it plays ([`Player::insert`], [`Player::remove`],
//!   [`Player::move_entry`]) without interrupting the current track. When an edit changes what
//!   follows it and the old next track is already in the ring, the engine decides again: the
//!   ring is cut at the current track's last sample (the audio callback skips what follows) and
//!   the new next track is decoded after it, still gapless. The engine decodes at most
//!   [`LOOKAHEAD`] of the tracks after the current one, so the new track has room to be
//!   buffered before the cut is reached.
//! - Events follow the device, not the decoder: `TrackStarted` fires when the track's first
//!   sample reaches the device, `Position` a few times a second while it plays.
//! - A track that cannot be opened or decoded produces an `Error` event and playback moves on.
//! - With a crossfade set ([`Player::set_crossfade`]) a track that ends by itself fades into
//!   the next with equal-power curves (cos/sin, so the summed power stays constant), except
//!   that the next track of the same album, in order, joins gaplessly. A skip fades what plays
//!   out over 200 ms, then the next track starts; seeks and a new queue start at once. The outgoing track's last seconds are held back from the ring until
//!   the next track is decoded into them, so the start of a track is as fast as without.
//! - A smart crossfade ([`Player::set_smart_crossfade`]) trims the silence at the ends and
//!   starts the fade where the outgoing track's energy falls, from what analysis found
//!   ([`QueueItem::edges`]); the engine itself never reads the library.
//! - Volume changes ramp over a few milliseconds, and pausing and resuming fade over 12 ms,
//!   so none of them clicks.
//! - The equaliser ([`Player::set_equaliser`], kept per output device) runs in the audio
//!   callback on what leaves the ring, after decoding, loudness gain and any crossfade: a
//!   change is heard within milliseconds, crossfaded so it never clicks, and its automatic
//!   headroom and soft limiter keep any boost from clipping.
//! - A device that fails or stops taking audio pauses playback with an `Error` event; the
//!   engine looks for a device every second and, once one opens, carries on from what was
//!   heard (`OutputChanged`, then `Resumed` unless the user paused meanwhile).

mod convert;
mod engine;
mod equaliser;
mod normalize;
mod output;
mod priority;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub use equaliser::{
    CHANGE_FADE, EqualiserError, GRAPHIC_Q, LIMIT_FROM, apply_preset, band_label,
    check as check_equaliser, presets as equaliser_presets, response as equaliser_response,
};
pub use normalize::{Loudness, Normalization, REPLAYGAIN_REFERENCE_LUFS, normalization_gain};
pub use output::{DeviceInfo, OutputDevice, output_devices};
pub use priority::lower_current_thread_for_background;
pub use segue_core::{AlbumPlace, PlayEnd, RepeatMode};

/// How far past the end of the current track the engine decodes ahead. A queue edit that
/// changes the next track discards at most this much decoded audio.
pub const LOOKAHEAD: Duration = Duration::from_millis(400);

/// The longest crossfade [`Player::set_crossfade`] takes (longer ones are shortened to it): the
/// outgoing track's last seconds wait in memory for the next one, and a queue edit that
/// changes the next track after they were mixed loses them.
pub const MAX_CROSSFADE: Duration = Duration::from_secs(12);

/// How much audio the engine keeps between the decoder and the speaker. A player starts with
/// [`Buffering::default`] (or what [`Player::start_with`] is given, as a library that dropped
/// out before keeps it) and grows it after a dropout ([`Buffering::grown`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Buffering {
    /// How far ahead of the device the engine decodes. Memory, not latency: the device starts
    /// on the first decoded chunk whatever this is.
    pub decode_ahead: Duration,
    /// The device buffer asked for when the device opens, in frames. Latency: pause, volume
    /// and the first sound wait for it.
    pub device_buffer_frames: u32,
}

impl Buffering {
    /// What a player starts with: 1.5 s decoded ahead and a 2048-frame device buffer (43 ms
    /// at 48 kHz), which keeps the start fast and rode out ordinary load on the test machines.
    pub const FIRST: Buffering = Buffering {
        decode_ahead: Duration::from_millis(1500),
        device_buffer_frames: 2048,
    };
    /// The most it grows to: the ring has room for 4 s decoded ahead, and a device buffer
    /// over 8192 frames (171 ms at 48 kHz) adds latency without saving anything the ring
    /// does not.
    pub const MAX: Buffering = Buffering {
        decode_ahead: Duration::from_secs(4),
        device_buffer_frames: 8192,
    };

    /// After a dropout: straight to [`Buffering::MAX`]. Growing reopens the device, a short
    /// gap of its own, and under load the halfway step (4096 frames) dropped out again within
    /// a minute (`dropouts_under_load`): one step costs one gap instead of two.
    pub fn grown(self) -> Buffering {
        Buffering::MAX
    }

    /// Within [`Buffering::FIRST`]..=[`Buffering::MAX`] (a value kept by another version, or
    /// typed by hand, is brought into range).
    pub fn clamped(self) -> Buffering {
        Buffering {
            decode_ahead: self
                .decode_ahead
                .clamp(Self::FIRST.decode_ahead, Self::MAX.decode_ahead),
            device_buffer_frames: self.device_buffer_frames.clamp(
                Self::FIRST.device_buffer_frames,
                Self::MAX.device_buffer_frames,
            ),
        }
    }

    /// The device buffer in milliseconds at `sample_rate`.
    pub fn device_buffer_ms(&self, sample_rate: u32) -> u64 {
        u64::from(self.device_buffer_frames) * 1000 / u64::from(sample_rate.max(1))
    }
}

impl Default for Buffering {
    fn default() -> Self {
        Buffering::FIRST
    }
}

/// What [`Player::buffering`] reports: the buffering in use and the dropouts that grew it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BufferingStatus {
    /// Decode-ahead in use now, and the device buffer the next open asks for.
    pub buffering: Buffering,
    /// The device buffer the open device was asked for (frames); it changes at the next open.
    pub open_device_buffer_frames: u32,
    /// The open device's rate, to say the buffers in milliseconds.
    pub sample_rate: u32,
    /// Dropouts since the player started ([`Player::dropouts`]).
    pub dropouts: u64,
}

/// One entry of the play queue. (`Default` is for struct update syntax: its gain is 0.)
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueueItem {
    /// The caller's id for the track (the library's track id), echoed in events.
    pub track_id: i64,
    pub path: PathBuf,
    /// Linear gain applied to this track (loudness normalisation); 1.0 leaves it as is.
    pub gain: f32,
    /// The length the caller knows the file to have, where it knows better than the file's
    /// header: a file imported as truncated plays what is there, and ending there is its end,
    /// not a file cut short while playing. `None`: the header's length.
    pub known_length_ms: Option<u64>,
    /// Where the track sits in its album, if known: the next track of the same album, in
    /// order, joins it gaplessly even with a crossfade set ([`AlbumPlace::is_followed_by`]).
    pub album: Option<AlbumPlace>,
    /// Where its music is within the file, from analysis; a smart crossfade
    /// ([`Player::set_smart_crossfade`]) uses it. `None`: not analysed (it fades as a plain
    /// crossfade does).
    pub edges: Option<TrackEdges>,
}

/// Where a track's music is within its file, from the start of the file: what a smart
/// crossfade trims and where it starts the fade.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TrackEdges {
    /// The end of the leading silence.
    pub music_start: Duration,
    /// The start of the trailing silence.
    pub music_end: Duration,
    /// Where the final fall of energy begins (`music_end` for a track that ends at full level).
    pub fade_out: Duration,
}

/// The most of a track's own fall a smart crossfade cuts: the fade starts at the fall, but no
/// earlier than this before the latest start that still ends with the music.
pub const SMART_EARLIEST: Duration = Duration::from_secs(6);

/// What the engine reports. Positions are milliseconds from the start of the track.
#[derive(Debug, Clone, PartialEq)]
pub enum PlayerEvent {
    TrackStarted {
        index: usize,
        track_id: i64,
        position_ms: u64,
    },
    Position {
        track_id: i64,
        position_ms: u64,
    },
    TrackEnded {
        track_id: i64,
        reason: PlayEnd,
        position_ms: u64,
        listened_ms: u64,
    },
    Paused,
    Resumed,
    /// A queue edit ([`Player::insert`], [`Player::remove`], [`Player::move_entry`]) was
    /// applied; `current` is the current track's index in the edited queue (the playing one, or
    /// the one cued to play).
    QueueEdited {
        current: Option<usize>,
    },
    /// A removal was refused for an entry that had become the current track meanwhile (the
    /// listener removed the next track as it started). The engine's queue, in order, so a
    /// copy that took the removal as done can put the entry back.
    EditRefused {
        track_ids: Vec<i64>,
    },
    QueueFinished,
    /// The last queued track has started: nothing is up next. (Autoplay answers with
    /// [`QueueHandle::append`]; appended tracks follow gaplessly.)
    UpNextEmpty {
        track_id: i64,
    },
    /// The music dropped out (`dropouts`: since the player started); `buffering` is what the
    /// engine uses now, grown after the first ([`Buffering::grown`]). A library keeps it so
    /// the next start begins there ([`Player::start_with`]).
    Dropout {
        buffering: Buffering,
        dropouts: u64,
    },
    /// Audio now goes to `device` (chosen by the user, or back after a loss).
    OutputChanged {
        device: DeviceInfo,
    },
    Error {
        track_id: Option<i64>,
        message: String,
    },
}

/// Errors starting the engine. (Problems while playing arrive as events.)
#[derive(Debug, thiserror::Error)]
pub enum PlaybackError {
    #[error("no audio output device is available ({0}); browsing, import and analysis still work")]
    NoDevice(String),
    #[error("the playback engine stopped")]
    EngineGone,
    #[error(transparent)]
    Equaliser(EqualiserError),
}

pub(crate) enum Command {
    SetQueue {
        items: Vec<QueueItem>,
        start: usize,
        offset: Duration,
        paused: bool,
    },
    Append(Vec<QueueItem>),
    Insert {
        at: usize,
        items: Vec<QueueItem>,
    },
    Remove(Vec<usize>),
    Move {
        from: usize,
        to: usize,
    },
    Pause,
    Resume,
    Stop,
    Seek(Duration),
    Next,
    Previous,
    SetVolume(f32),
    SetMuted(bool),
    SetRepeat(RepeatMode),
    SetOutputDevice(Option<String>),
    SetEqualiser {
        device: String,
        settings: segue_core::EqualiserSettings,
    },
    SetCrossfade(Duration),
    SetSmartCrossfade(bool),
    Shutdown,
}

/// Edits a player's queue from any thread; see [`Player::append`] and the others.
#[derive(Clone)]
pub struct QueueHandle {
    commands: crossbeam_channel::Sender<Command>,
}

impl QueueHandle {
    fn send(&self, c: Command) -> Result<(), PlaybackError> {
        self.commands.send(c).map_err(|_| PlaybackError::EngineGone)
    }
    /// See [`Player::append`].
    pub fn append(&self, items: Vec<QueueItem>) -> Result<(), PlaybackError> {
        self.send(Command::Append(items))
    }
    /// See [`Player::cue_queue`].
    pub fn cue(
        &self,
        items: Vec<QueueItem>,
        start: usize,
        offset: Duration,
    ) -> Result<(), PlaybackError> {
        self.send(Command::SetQueue {
            items,
            start,
            offset,
            paused: true,
        })
    }
    /// See [`Player::insert`].
    pub fn insert(&self, at: usize, items: Vec<QueueItem>) -> Result<(), PlaybackError> {
        self.send(Command::Insert { at, items })
    }
    /// See [`Player::remove`].
    pub fn remove(&self, indices: Vec<usize>) -> Result<(), PlaybackError> {
        self.send(Command::Remove(indices))
    }
    /// See [`Player::move_entry`].
    pub fn move_entry(&self, from: usize, to: usize) -> Result<(), PlaybackError> {
        self.send(Command::Move { from, to })
    }
}

/// Handle to the engine thread. Dropping it stops playback and closes the device.
pub struct Player {
    commands: crossbeam_channel::Sender<Command>,
    events: crossbeam_channel::Receiver<PlayerEvent>,
    device: Arc<Mutex<DeviceInfo>>,
    dropouts: Arc<std::sync::atomic::AtomicU64>,
    buffering: Arc<Mutex<(Buffering, u32)>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Player {
    /// Opens the default output device and starts the engine.
    pub fn start() -> Result<Player, PlaybackError> {
        Player::start_on(None)
    }

    /// Opens output device `device_id` (an [`OutputDevice::id`]; `None`: the default device)
    /// and starts the engine.
    pub fn start_on(device_id: Option<String>) -> Result<Player, PlaybackError> {
        Player::start_with(device_id, Buffering::FIRST)
    }

    /// [`Player::start_on`], beginning with `buffering` (clamped to what the engine allows)
    /// instead of [`Buffering::FIRST`]: a machine that dropped out before starts with the
    /// buffering it grew to.
    pub fn start_with(
        device_id: Option<String>,
        buffering: Buffering,
    ) -> Result<Player, PlaybackError> {
        let buffering = buffering.clamped();
        let (commands, command_rx) = crossbeam_channel::unbounded();
        let (event_tx, events) = crossbeam_channel::unbounded();
        let (ready_tx, ready_rx) = crossbeam_channel::bounded(1);
        let dropouts = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let engine_dropouts = dropouts.clone();
        let published = Arc::new(Mutex::new((buffering, buffering.device_buffer_frames)));
        let engine_buffering = published.clone();
        let thread = std::thread::Builder::new()
            .name("segue-playback".into())
            .spawn(move || {
                engine::run(
                    command_rx,
                    event_tx,
                    ready_tx,
                    device_id,
                    engine_dropouts,
                    engine_buffering,
                )
            })
            .map_err(|e| PlaybackError::NoDevice(e.to_string()))?;
        match ready_rx.recv() {
            Ok(Ok(device)) => Ok(Player {
                commands,
                events,
                device,
                dropouts,
                buffering: published,
                thread: Some(thread),
            }),
            Ok(Err(e)) => {
                let _ = thread.join();
                Err(e)
            }
            Err(_) => Err(PlaybackError::EngineGone),
        }
    }

    /// The device in use and its format, which everything is converted to.
    pub fn device(&self) -> DeviceInfo {
        match self.device.lock() {
            Ok(d) => d.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// How many times playback has dropped out since the player started: the device ran dry
    /// in the middle of the music (decoding fell behind), or reported an under- or overrun.
    /// Each is also logged as a warning.
    pub fn dropouts(&self) -> u64 {
        self.dropouts.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The buffering in use, the device buffer of the open device, and the dropouts so far.
    pub fn buffering(&self) -> BufferingStatus {
        let (buffering, open) = match self.buffering.lock() {
            Ok(b) => *b,
            Err(poisoned) => *poisoned.into_inner(),
        };
        BufferingStatus {
            buffering,
            open_device_buffer_frames: open,
            sample_rate: self.device().sample_rate,
            dropouts: self.dropouts(),
        }
    }

    /// Events, in order. Receive them on any thread.
    pub fn events(&self) -> &crossbeam_channel::Receiver<PlayerEvent> {
        &self.events
    }

    fn send(&self, c: Command) -> Result<(), PlaybackError> {
        self.commands.send(c).map_err(|_| PlaybackError::EngineGone)
    }

    /// Replaces the queue and starts playing `start`.
    pub fn play_queue(&self, items: Vec<QueueItem>, start: usize) -> Result<(), PlaybackError> {
        self.send(Command::SetQueue {
            items,
            start,
            offset: Duration::ZERO,
            paused: false,
        })
    }
    /// Replaces the queue and cues `start` at `offset`, paused (a session restored at start-up):
    /// nothing is heard until [`Player::resume`], and `TrackStarted` comes then. Skipping,
    /// seeking and queue edits work on the cued track as on a playing one.
    pub fn cue_queue(
        &self,
        items: Vec<QueueItem>,
        start: usize,
        offset: Duration,
    ) -> Result<(), PlaybackError> {
        self.send(Command::SetQueue {
            items,
            start,
            offset,
            paused: true,
        })
    }
    /// Adds tracks to the end of the queue without interrupting what plays; if the queue had
    /// finished, they start playing.
    pub fn append(&self, items: Vec<QueueItem>) -> Result<(), PlaybackError> {
        self.send(Command::Append(items))
    }
    /// Inserts tracks before entry `at` (past the end: at the end) without interrupting what
    /// plays; inserted right after the current track, they play next, gaplessly. Unlike
    /// [`Player::append`] it never starts a finished queue.
    pub fn insert(&self, at: usize, items: Vec<QueueItem>) -> Result<(), PlaybackError> {
        self.send(Command::Insert { at, items })
    }
    /// Removes entries by index (out of range ones are ignored). The current track is never
    /// removed: it plays on, and what followed it follows.
    pub fn remove(&self, indices: Vec<usize>) -> Result<(), PlaybackError> {
        self.send(Command::Remove(indices))
    }
    /// Moves entry `from` so that it ends up at index `to` (out of range: nothing happens). The
    /// current track may move; it keeps playing.
    pub fn move_entry(&self, from: usize, to: usize) -> Result<(), PlaybackError> {
        self.send(Command::Move { from, to })
    }
    /// A handle that can append to the queue from another thread (for autoplay).
    pub fn queue_handle(&self) -> QueueHandle {
        QueueHandle {
            commands: self.commands.clone(),
        }
    }
    pub fn pause(&self) -> Result<(), PlaybackError> {
        self.send(Command::Pause)
    }
    pub fn resume(&self) -> Result<(), PlaybackError> {
        self.send(Command::Resume)
    }
    pub fn stop(&self) -> Result<(), PlaybackError> {
        self.send(Command::Stop)
    }
    /// Jumps within the current track.
    pub fn seek(&self, to: Duration) -> Result<(), PlaybackError> {
        self.send(Command::Seek(to))
    }
    pub fn next(&self) -> Result<(), PlaybackError> {
        self.send(Command::Next)
    }
    /// Restarts the current track, or goes to the previous one within its first 3 seconds.
    pub fn previous(&self) -> Result<(), PlaybackError> {
        self.send(Command::Previous)
    }
    /// Linear volume, 0.0 to 1.0.
    pub fn set_volume(&self, volume: f32) -> Result<(), PlaybackError> {
        self.send(Command::SetVolume(volume.clamp(0.0, 1.0)))
    }
    /// What follows a track that ends by itself: the next (off), the same (one), or the next
    /// with the first after the last (all). Skipping with `next` always moves on. With repeat
    /// on, the engine never reports [`PlayerEvent::UpNextEmpty`].
    pub fn set_repeat(&self, repeat: RepeatMode) -> Result<(), PlaybackError> {
        self.send(Command::SetRepeat(repeat))
    }

    pub fn set_muted(&self, muted: bool) -> Result<(), PlaybackError> {
        self.send(Command::SetMuted(muted))
    }
    /// Crossfades each track into the next over `length` when it ends by itself
    /// (`Duration::ZERO`, the default: off), with equal-power curves. The next track of the
    /// same album, in order, still joins gaplessly; a skip (next, previous) fades the track out
    /// over 200 ms first (without a crossfade it cuts), a new queue starts at once. A
    /// fade takes at most half the ending track, so a short one is still heard on its own.
    /// Applies from the next transition that is not yet decoded.
    pub fn set_crossfade(&self, length: Duration) -> Result<(), PlaybackError> {
        self.send(Command::SetCrossfade(length.min(MAX_CROSSFADE)))
    }
    /// Makes the crossfade smart (off by default): a track that fades into the next (and has
    /// [`QueueItem::edges`]) has its trailing silence trimmed and starts the fade where its
    /// energy falls ([`TrackEdges::fade_out`], at most [`SMART_EARLIEST`] before the latest
    /// start that still ends with its music), and the next track starts where its music does.
    /// The overlap is still the crossfade's length; albums in order still join gaplessly.
    pub fn set_smart_crossfade(&self, smart: bool) -> Result<(), PlaybackError> {
        self.send(Command::SetSmartCrossfade(smart))
    }
    /// Moves playback to another device (`None`: the default), carrying on where it is. A
    /// device that cannot be opened leaves the current one playing and reports an `Error`.
    pub fn set_output_device(&self, device_id: Option<String>) -> Result<(), PlaybackError> {
        self.send(Command::SetOutputDevice(device_id))
    }
    /// Equalises output device `device` (a [`DeviceInfo::id`]) with `settings`: at once if it
    /// is the one playing (heard within a few milliseconds, crossfaded over [`CHANGE_FADE`]),
    /// else whenever playback moves to it. Designed for each device's rate; a device with no
    /// settings plays unequalised. Settings that fail [`check_equaliser`] are refused.
    pub fn set_equaliser(
        &self,
        device: &str,
        settings: segue_core::EqualiserSettings,
    ) -> Result<(), PlaybackError> {
        equaliser::check(&settings).map_err(PlaybackError::Equaliser)?;
        self.send(Command::SetEqualiser {
            device: device.to_owned(),
            settings,
        })
    }
}

impl Drop for Player {
    fn drop(&mut self) {
        let _ = self.commands.send(Command::Shutdown);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffering_grows_to_its_caps_after_a_dropout() {
        let first = Buffering::default();
        assert_eq!(first, Buffering::FIRST);
        let once = first.grown();
        assert_eq!(once.decode_ahead, Duration::from_secs(4));
        assert_eq!(once.device_buffer_frames, 8192);
        assert_eq!(once.grown(), Buffering::MAX, "no further than the caps");
        assert_eq!(Buffering::MAX.device_buffer_ms(48_000), 170);
        let wild = Buffering {
            decode_ahead: Duration::ZERO,
            device_buffer_frames: u32::MAX,
        };
        assert_eq!(
            wild.clamped(),
            Buffering {
                decode_ahead: Buffering::FIRST.decode_ahead,
                device_buffer_frames: Buffering::MAX.device_buffer_frames,
            }
        );
    }
}
