//! Playback for the UI and CLI: the engine plus a history recorder.
//!
//! The recorder thread receives every engine event, writes the listening history through its
//! own database connection (the audio side never touches SQLite), and forwards the event to
//! whoever drives the UI. A play's row is written when the track starts and updated at most
//! once a second, so killing the process loses at most the last second of it.
//!
//! Autoplay lives on the same thread: when the last queued track starts, it asks for
//! suggestions after it (through its own `Service` on the same database) and appends them,
//! so the queue never runs dry and the join stays gapless. It never touches the audio thread.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crossbeam_channel::{Receiver, Sender};
use segue_core::{QueueEntry, ReasonPart, Suggestion, TrackId};
use segue_playback::{
    EndReason, Loudness, Normalization, Player, PlayerEvent, QueueHandle, QueueItem,
    normalization_gain,
};
use segue_store::{PlayEnd, Store};

use crate::{Result, Service, ServiceError};

/// How often a running play's row is brought up to date.
const HISTORY_EVERY: Duration = Duration::from_secs(1);

/// A running player with its history recorder. Dropping it stops playback; the recorder
/// finishes writing first.
pub struct Playback {
    /// Always `Some` until drop.
    player: Option<Player>,
    events: Receiver<PlayerEvent>,
    recorder: Option<std::thread::JoinHandle<()>>,
    pub normalization: Normalization,
    autoplay: Arc<AtomicBool>,
    /// The normalisation last used, for the tracks autoplay adds.
    shared_normalization: Arc<Mutex<Normalization>>,
    queue: SharedQueue,
    plan: SharedPlan,
}

/// A mirror of the engine's queue (same order, same indices), with the reason for each track
/// autoplay added.
type SharedQueue = Arc<Mutex<Vec<QueueEntry>>>;

/// Suggestions the UI shows after a track; autoplay plays these rather than asking again, so
/// what a person sees in Up Next is what plays.
type SharedPlan = Arc<Mutex<Option<(TrackId, Vec<Suggestion>)>>>;

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A poisoned lock means a panic elsewhere mid-update; the data is still usable.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// What the recorder thread needs to top the queue up.
struct Autoplay {
    enabled: Arc<AtomicBool>,
    queue: QueueHandle,
    db_path: PathBuf,
    normalization: Arc<Mutex<Normalization>>,
    /// Autoplay's own exploration draw, when no Up Next list was shown for the track (the
    /// command line): one more each top-up, so successive top-ups explore differently.
    top_up_draw: AtomicU64,
    queue_mirror: SharedQueue,
    plan: SharedPlan,
}

/// Tracks autoplay adds each time the queue runs out.
const AUTOPLAY_BATCH: usize = 2;

impl Service {
    /// Opens the audio device and starts the engine. Without a device this is an error and
    /// everything else in the service keeps working.
    pub fn start_playback(&self) -> Result<Playback> {
        let player = Player::start().map_err(ServiceError::Playback)?;
        let store = Store::open(self.db_path())?;
        let (tx, events) = crossbeam_channel::unbounded();
        let engine_events = player.events().clone();
        let autoplay_on = Arc::new(AtomicBool::new(true));
        let shared_normalization = Arc::new(Mutex::new(Normalization::default()));
        let queue = SharedQueue::default();
        let plan = SharedPlan::default();
        let autoplay = Autoplay {
            queue_mirror: queue.clone(),
            plan: plan.clone(),
            enabled: autoplay_on.clone(),
            queue: player.queue_handle(),
            db_path: self.db_path().to_path_buf(),
            normalization: shared_normalization.clone(),
            top_up_draw: AtomicU64::new(crate::suggest::fresh_draw()),
        };
        let recorder = std::thread::Builder::new()
            .name("segue-history".into())
            .spawn(move || record(store, engine_events, tx, autoplay))
            .map_err(|e| {
                ServiceError::InvalidInput(format!("cannot start the history recorder: {e}"))
            })?;
        Ok(Playback {
            player: Some(player),
            events,
            recorder: Some(recorder),
            normalization: Normalization::default(),
            autoplay: autoplay_on,
            shared_normalization,
            queue,
            plan,
        })
    }
}

impl Playback {
    pub fn player(&self) -> &Player {
        self.player.as_ref().expect("the player lives until drop")
    }

    /// Engine events, after the history has recorded them.
    pub fn events(&self) -> &Receiver<PlayerEvent> {
        &self.events
    }

    /// Plays library tracks in order from `start`, each with its normalisation gain.
    pub fn play_tracks(&self, service: &Service, ids: &[TrackId], start: usize) -> Result<()> {
        *self
            .shared_normalization
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = self.normalization;
        let items = queue_items(service, ids, &self.normalization)?;
        let mut queue = lock(&self.queue);
        self.player()
            .play_queue(items, start)
            .map_err(ServiceError::Playback)?;
        *queue = ids
            .iter()
            .map(|&track_id| QueueEntry {
                track_id,
                why: Vec::new(),
                autoplay: false,
            })
            .collect();
        Ok(())
    }

    /// Plays suggestions in order (a radio), each with why it was suggested, after `lead`
    /// when there is one (the track a track radio starts from).
    pub fn play_suggestions(
        &self,
        service: &Service,
        lead: Option<TrackId>,
        list: &[Suggestion],
    ) -> Result<()> {
        let ids: Vec<TrackId> = lead
            .into_iter()
            .chain(list.iter().map(|s| s.track_id))
            .collect();
        self.play_tracks(service, &ids, 0)?;
        let mut queue = lock(&self.queue);
        let suggested = queue.iter_mut().skip(usize::from(lead.is_some()));
        for (entry, s) in suggested.zip(list) {
            entry.why = s.why.clone();
        }
        Ok(())
    }

    /// Adds library tracks to the end of the queue; they follow gaplessly (and start playing
    /// if the queue had finished). `why` (same length as `ids`, or empty) says why each was
    /// suggested.
    pub fn enqueue(
        &self,
        service: &Service,
        ids: &[TrackId],
        why: &[Vec<ReasonPart>],
    ) -> Result<()> {
        let normalization = *lock(&self.shared_normalization);
        let items = queue_items(service, ids, &normalization)?;
        let mut queue = lock(&self.queue);
        self.player()
            .append(items)
            .map_err(ServiceError::Playback)?;
        queue.extend(ids.iter().enumerate().map(|(i, &track_id)| QueueEntry {
            track_id,
            why: why.get(i).cloned().unwrap_or_default(),
            autoplay: false,
        }));
        Ok(())
    }

    /// The queue as the engine has it (the playing track's index comes with its events).
    pub fn queue(&self) -> Vec<QueueEntry> {
        lock(&self.queue).clone()
    }

    /// Tells autoplay which suggestions the UI shows after `after`: when the queue runs out
    /// while `after` plays, these are appended (those not queued already) instead of new ones.
    pub fn plan_up_next(&self, after: TrackId, suggestions: Vec<Suggestion>) {
        *lock(&self.plan) = Some((after, suggestions));
    }

    /// Normalisation for tracks queued from now on.
    pub fn set_normalization(&mut self, normalization: Normalization) {
        self.normalization = normalization;
        *lock(&self.shared_normalization) = normalization;
    }

    /// Whether suggestions are appended when the queue runs out (on by default).
    pub fn set_autoplay(&self, on: bool) {
        self.autoplay.store(on, Ordering::Relaxed);
    }

    pub fn autoplay(&self) -> bool {
        self.autoplay.load(Ordering::Relaxed)
    }
}

/// Queue entries for library tracks, each with its normalisation gain: ReplayGain tags first,
/// Segue's own EBU R128 measurement (from analysis) where they are missing.
fn queue_items(
    service: &Service,
    ids: &[TrackId],
    normalization: &Normalization,
) -> Result<Vec<QueueItem>> {
    let mut items = Vec::with_capacity(ids.len());
    for &id in ids {
        let t = service.track(id)?;
        let measured = service.with_store(|s| s.measured_loudness(id))?;
        let loudness = Loudness {
            replay_gain: t.replay_gain,
            measured_lufs: measured.map(|m| m.integrated_lufs as f32),
            measured_peak: measured.map(|m| 10f32.powf(m.true_peak_dbtp as f32 / 20.0)),
        };
        items.push(QueueItem {
            track_id: id,
            path: service.track_file(id)?,
            gain: normalization_gain(normalization, &loudness),
        });
    }
    Ok(items)
}

impl Autoplay {
    /// Appends suggestions after `track`. Runs on the recorder thread, after the track's play
    /// row is written, so the suggestions know it is playing.
    fn top_up(&self, service: &mut Option<Service>, track: TrackId) {
        if !self.enabled.load(Ordering::Relaxed) {
            return;
        }
        let result = (|| -> Result<()> {
            if service.is_none() {
                *service = Some(Service::open(&self.db_path)?);
            }
            let Some(service) = service.as_ref() else {
                return Ok(());
            };
            let queued: Vec<TrackId> = lock(&self.queue_mirror)
                .iter()
                .map(|e| e.track_id)
                .collect();
            let planned: Vec<Suggestion> = match lock(&self.plan).as_ref() {
                Some((after, list)) if *after == track => list
                    .iter()
                    .filter(|s| !queued.contains(&s.track_id))
                    .take(AUTOPLAY_BATCH)
                    .cloned()
                    .collect(),
                _ => Vec::new(),
            };
            let list = if planned.is_empty() {
                service.suggest(&crate::suggest::SuggestRequest {
                    after: Some(track),
                    queued,
                    count: AUTOPLAY_BATCH,
                    draw: Some(self.top_up_draw.fetch_add(1, Ordering::Relaxed)),
                    ..Default::default()
                })?
            } else {
                planned
            };
            let ids: Vec<TrackId> = list.iter().map(|s| s.track_id).collect();
            for s in &list {
                tracing::info!("autoplay: track {} ({})", s.track_id, s.reason);
            }
            let normalization = *self.normalization.lock().unwrap_or_else(|p| p.into_inner());
            let items = queue_items(service, &ids, &normalization)?;
            if !items.is_empty() {
                let mut mirror = lock(&self.queue_mirror);
                self.queue.append(items).map_err(ServiceError::Playback)?;
                mirror.extend(list.iter().map(|s| QueueEntry {
                    track_id: s.track_id,
                    why: s.why.clone(),
                    autoplay: true,
                }));
            }
            Ok(())
        })();
        if let Err(e) = result {
            tracing::warn!("autoplay found nothing to add: {e}");
        }
    }
}

impl Drop for Playback {
    fn drop(&mut self) {
        // Stopping ends the current play; dropping the player closes its event channel, so
        // the recorder writes what is left and returns.
        if let Some(player) = self.player.take() {
            let _ = player.stop();
            drop(player);
        }
        if let Some(recorder) = self.recorder.take() {
            let _ = recorder.join();
        }
    }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// How a play ended, as the history stores it.
pub(crate) fn play_end(reason: EndReason) -> PlayEnd {
    match reason {
        EndReason::Completed => PlayEnd::Completed,
        EndReason::Skipped => PlayEnd::Skipped,
        EndReason::Stopped => PlayEnd::Stopped,
        EndReason::Error => PlayEnd::Error,
    }
}

struct Current {
    play_id: i64,
    listened_ms: i64,
    last_position_ms: i64,
    last_write: Instant,
}

fn record(
    store: Store,
    events: Receiver<PlayerEvent>,
    forward: Sender<PlayerEvent>,
    autoplay: Autoplay,
) {
    let mut current: Option<Current> = None;
    let mut suggester: Option<Service> = None;
    let write = |c: &Current, end: PlayEnd| {
        if let Err(e) = store.update_play(c.play_id, c.listened_ms, c.last_position_ms, end) {
            tracing::warn!("cannot record listening history: {e}");
        }
    };
    for event in events.iter() {
        match &event {
            PlayerEvent::TrackStarted {
                track_id,
                position_ms,
                ..
            } => match store.start_play(*track_id, now_ms()) {
                Ok(play_id) => {
                    current = Some(Current {
                        play_id,
                        listened_ms: 0,
                        last_position_ms: *position_ms as i64,
                        last_write: Instant::now(),
                    })
                }
                Err(e) => tracing::warn!("cannot record listening history: {e}"),
            },
            PlayerEvent::UpNextEmpty { track_id } => autoplay.top_up(&mut suggester, *track_id),
            PlayerEvent::Position { position_ms, .. } => {
                if let Some(c) = current.as_mut() {
                    let delta = *position_ms as i64 - c.last_position_ms;
                    // Seeks jump; only continuous progress counts as listening.
                    if (0..2_000).contains(&delta) {
                        c.listened_ms += delta;
                    }
                    c.last_position_ms = *position_ms as i64;
                    if c.last_write.elapsed() >= HISTORY_EVERY {
                        write(c, PlayEnd::Stopped);
                        c.last_write = Instant::now();
                    }
                }
            }
            PlayerEvent::TrackEnded {
                reason,
                position_ms,
                listened_ms,
                ..
            } => {
                if let Some(mut c) = current.take() {
                    c.listened_ms = *listened_ms as i64;
                    c.last_position_ms = *position_ms as i64;
                    write(&c, play_end(*reason));
                }
            }
            _ => {}
        }
        let _ = forward.send(event);
    }
    if let Some(c) = current {
        write(&c, PlayEnd::Stopped);
    }
}
