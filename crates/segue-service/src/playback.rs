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
//!
//! The play session (once [`Playback::restore_session`] has run, as the app does): every queue
//! edit saves the queue (through [`crate::queue`]'s rules), and the recorder saves which entry
//! plays and where about every [`SESSION_EVERY`], so `kill -9` loses under a second of
//! position. The recorder also notices a queue `segue queue` saved (a newer revision) and plays
//! that one, the current track playing on.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crossbeam_channel::RecvTimeoutError;
use crossbeam_channel::{Receiver, Sender};
use segue_core::{AlbumPlace, PlayEnd, QueueEntry, ReasonPart, Suggestion, TrackId};
use segue_playback::{
    Loudness, Normalization, Player, PlayerEvent, QueueHandle, QueueItem, normalization_gain,
};
use segue_store::{SavedSession, Store};

use crate::queue::{Edit, QueueChange, QueueState};
use crate::{Result, Service, ServiceError};

/// How often a running play's row is brought up to date.
const HISTORY_EVERY: Duration = Duration::from_secs(1);

/// How often the session's position is saved while a track plays, and the saved queue is
/// checked for a newer revision (positions arrive every 250 ms, so a `kill -9` loses at most
/// this plus one of those).
pub const SESSION_EVERY: Duration = Duration::from_millis(750);

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
    /// Saves the session (its own connection; the recorder has another).
    session_store: Mutex<Store>,
    /// The Up Next list restored with the session, until the window first asks for one.
    restored_up_next: Mutex<Option<(TrackId, Vec<Suggestion>)>>,
    /// The buffering the library kept when this player started (see [`Playback::buffering`]).
    kept_at_start: crate::KeptBuffering,
}

/// A mirror of the engine's queue (same order, same indices), with the reason for each track
/// autoplay added.
type SharedQueue = Arc<Mutex<Live>>;

/// The queue as the engine has it, and what the session saves of it.
#[derive(Default)]
struct Live {
    queue: QueueState,
    /// Where in the current entry (from the engine's last event).
    position_ms: u64,
    /// The saved queue's revision this mirror matches (saved or adopted by it).
    revision: i64,
    /// Whether the session is saved ([`Playback::restore_session`] turns it on; `segue play`
    /// leaves the app's session alone).
    keep: bool,
}

impl Live {
    /// Saves the queue (and its current entry and position) when the session is kept.
    fn save_queue(&mut self, store: &Store) {
        if !self.keep {
            return;
        }
        match store.save_session_queue(&self.queue.entries, self.queue.current, self.position_ms) {
            Ok(revision) => self.revision = revision,
            Err(e) => tracing::warn!("cannot save the play queue: {e}"),
        }
    }

    fn save_position(&self, store: &Store) {
        if !self.keep {
            return;
        }
        if let Err(e) = store.save_session_position(self.queue.current, self.position_ms) {
            tracing::warn!("cannot save the playing position: {e}");
        }
    }
}

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
        let player = self.start_player()?;
        // Sent before anything is queued, so the first transition already fades.
        player
            .set_crossfade(self.crossfade()?)
            .map_err(ServiceError::Playback)?;
        player
            .set_smart_crossfade(self.crossfade_smart()?)
            .map_err(ServiceError::Playback)?;
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
        let session_store = Store::open(self.db_path())?;
        let kept = crate::output::kept_buffering(&store);
        let recorder = std::thread::Builder::new()
            .name("segue-history".into())
            .spawn(move || record(store, engine_events, tx, autoplay, kept))
            .map_err(|e| {
                ServiceError::Internal(format!("cannot start the history recorder: {e}"))
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
            session_store: Mutex::new(session_store),
            restored_up_next: Mutex::new(None),
            kept_at_start: kept,
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
        self.play_entries(service, crate::queue::chosen(ids), start)
    }

    fn play_entries(
        &self,
        service: &Service,
        entries: Vec<QueueEntry>,
        start: usize,
    ) -> Result<()> {
        *lock(&self.shared_normalization) = self.normalization;
        let ids: Vec<TrackId> = entries.iter().map(|e| e.track_id).collect();
        let items = queue_items(service, &ids, &self.normalization)?;
        let mut live = lock(&self.queue);
        self.player()
            .play_queue(items, start)
            .map_err(ServiceError::Playback)?;
        live.queue = QueueState {
            entries,
            current: (start < ids.len()).then_some(start),
        };
        live.position_ms = 0;
        live.save_queue(&lock(&self.session_store));
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
        let mut entries = crate::queue::chosen(&lead.into_iter().collect::<Vec<_>>());
        entries.extend(list.iter().map(|s| QueueEntry {
            track_id: s.track_id,
            why: s.why.clone(),
            autoplay: false,
        }));
        self.play_entries(service, entries, 0)
    }

    /// Adds library tracks to the queue after what the listener queued, before the
    /// suggestions autoplay added; they follow gaplessly (and start playing if the queue had
    /// finished). `why` (same length as `ids`, or empty) says why each was suggested.
    pub fn enqueue(
        &self,
        service: &Service,
        ids: &[TrackId],
        why: &[Vec<ReasonPart>],
    ) -> Result<()> {
        let mut entries = crate::queue::chosen(ids);
        for (entry, why) in entries.iter_mut().zip(why) {
            entry.why = why.clone();
        }
        let at = lock(&self.queue).queue.add_at();
        self.insert(service, at, entries)
    }

    /// Plays library tracks right after the current one (and starts them if the queue had
    /// finished).
    pub fn play_next(&self, service: &Service, ids: &[TrackId]) -> Result<()> {
        let at = lock(&self.queue).queue.play_next_at();
        self.insert(service, at, crate::queue::chosen(ids))
    }

    fn insert(&self, service: &Service, at: usize, entries: Vec<QueueEntry>) -> Result<()> {
        let normalization = *lock(&self.shared_normalization);
        let ids: Vec<TrackId> = entries.iter().map(|e| e.track_id).collect();
        let items = queue_items(service, &ids, &normalization)?;
        let mut live = lock(&self.queue);
        // The queue may have changed while the tracks were looked up: insert where it says now,
        // at most at its end.
        let at = at.min(live.queue.entries.len());
        if at == live.queue.entries.len() {
            // At the end: a finished (or never started) queue starts playing them.
            self.player().append(items)
        } else {
            self.player().insert(at, items)
        }
        .map_err(ServiceError::Playback)?;
        let was_idle = live.queue.current.is_none();
        live.queue.apply(Edit::Insert { at, entries });
        if was_idle {
            // Nothing had played: the engine starts the first of them.
            live.queue.current = Some(at);
        }
        live.save_queue(&lock(&self.session_store));
        Ok(())
    }

    /// Removes, moves or clears queue entries ([`QueueChange::Remove`], `Move`, `Clear`; the
    /// ones that add tracks are [`Playback::play_next`] and [`Playback::enqueue`]). What
    /// plays keeps playing; a bad index is refused and changes nothing.
    pub fn change_queue(&self, service: &Service, change: &QueueChange) -> Result<()> {
        match change {
            QueueChange::PlayNext(ids) => return self.play_next(service, ids),
            QueueChange::Add(ids) => return self.enqueue(service, ids, &[]),
            QueueChange::Remove(_) | QueueChange::Move { .. } | QueueChange::Clear => {}
        }
        let mut live = lock(&self.queue);
        let edit = change.edit(&live.queue)?;
        let sent = match &edit {
            Edit::Remove(indices) if indices.is_empty() => Ok(()),
            Edit::Remove(indices) => self.player().remove(indices.clone()),
            Edit::Move { from, to } => self.player().move_entry(*from, *to),
            Edit::Insert { .. } => unreachable!("adding is handled above"),
        };
        sent.map_err(ServiceError::Playback)?;
        live.queue.apply_chosen(edit);
        live.save_queue(&lock(&self.session_store));
        Ok(())
    }

    /// Saves the queue as a new playlist called `name`: what played, the current track and
    /// what the listener queued, without the suggestions autoplay added that have not played.
    pub fn save_queue_as_playlist(
        &self,
        service: &Service,
        name: &str,
    ) -> Result<segue_core::Playlist> {
        let tracks = lock(&self.queue).queue.to_keep();
        if tracks.is_empty() {
            return Err(ServiceError::InvalidInput(
                "the queue is empty: there is nothing to save".into(),
            ));
        }
        service.create_playlist(name, &tracks)
    }

    /// The queue as the engine has it (the playing track's index comes with its events).
    pub fn queue(&self) -> Vec<QueueEntry> {
        lock(&self.queue).queue.entries.clone()
    }

    /// The queue and its current entry (playing, paused or cued).
    pub fn queue_state(&self) -> QueueState {
        lock(&self.queue).queue.clone()
    }

    /// Tells autoplay which suggestions the UI shows after `after`: when the queue runs out
    /// while `after` plays, these are appended (those not queued already) instead of new ones.
    /// Saved with the session, so Up Next comes back after a restart.
    pub fn plan_up_next(&self, after: TrackId, suggestions: Vec<Suggestion>) {
        if lock(&self.queue).keep
            && let Err(e) = lock(&self.session_store).save_session_up_next(after, &suggestions)
        {
            tracing::warn!("cannot save Up Next: {e}");
        }
        *lock(&self.plan) = Some((after, suggestions));
    }

    /// The Up Next list last shown, and the track it follows (restored with the session).
    pub fn planned_up_next(&self) -> Option<(TrackId, Vec<Suggestion>)> {
        lock(&self.plan).clone()
    }

    /// The Up Next list shown after `after` before the restart, the first time it is asked
    /// for (then `None`: the window asks the recommender again as usual).
    pub fn take_restored_up_next(&self, after: TrackId) -> Option<Vec<Suggestion>> {
        let mut restored = lock(&self.restored_up_next);
        match restored.take() {
            Some((track, list)) if track == after => Some(list),
            _ => None,
        }
    }

    /// Restores the saved session and keeps saving it from now on: the queue comes back with
    /// its current entry cued at its position, paused (nothing is heard until
    /// [`Player::resume`]; `TrackStarted` comes then), and the Up Next list autoplay follows.
    /// Entries whose track has left the library are dropped. Returns what was restored
    /// (`None`: nothing was saved).
    pub fn restore_session(&self, service: &Service) -> Result<Option<SavedSession>> {
        let mut saved = service.saved_session()?;
        let mut live = lock(&self.queue);
        live.keep = true;
        live.revision = saved.revision;
        if saved.queue.is_empty() {
            return Ok(None);
        }
        self.cue_saved(service, &mut live, &mut saved)?;
        if let Some(plan) = saved.up_next.clone() {
            *lock(&self.plan) = Some(plan.clone());
            *lock(&self.restored_up_next) = Some(plan);
        }
        Ok(Some(saved))
    }

    /// Cues `saved` (its tracks still in the library) paused at its position and makes it
    /// the mirror.
    fn cue_saved(
        &self,
        service: &Service,
        live: &mut Live,
        saved: &mut SavedSession,
    ) -> Result<()> {
        let current = saved.current.unwrap_or(0);
        let mut kept = Vec::with_capacity(saved.queue.len());
        let mut kept_current = 0;
        for (i, entry) in saved.queue.iter().enumerate() {
            if service.track(entry.track_id).is_ok() {
                if i <= current {
                    kept_current = kept.len();
                }
                kept.push(entry.clone());
            }
        }
        let ids: Vec<TrackId> = kept.iter().map(|e| e.track_id).collect();
        let normalization = *lock(&self.shared_normalization);
        let items = queue_items(service, &ids, &normalization)?;
        if saved
            .current
            .is_some_and(|c| kept_current != c || kept.len() <= c)
        {
            // The current entry's track is gone: the next one starts from its beginning.
            saved.position_ms = 0;
        }
        saved.queue = kept;
        saved.current = (!saved.queue.is_empty()).then_some(kept_current);
        if let Some(current) = saved.current {
            self.player()
                .cue_queue(items, current, Duration::from_millis(saved.position_ms))
                .map_err(ServiceError::Playback)?;
        }
        live.queue = QueueState::from(&*saved);
        live.position_ms = saved.position_ms;
        Ok(())
    }

    /// Normalisation for tracks queued from now on.
    pub fn set_normalization(&mut self, normalization: Normalization) {
        self.normalization = normalization;
        *lock(&self.shared_normalization) = normalization;
    }

    /// Crossfades from the next transition on (zero: off), for this player only; save it for
    /// the next start with [`Service::set_crossfade`]. Longer than the engine allows: refused.
    pub fn set_crossfade(&self, length: Duration) -> Result<()> {
        let length = crate::check_crossfade(length)?;
        self.player()
            .set_crossfade(length)
            .map_err(ServiceError::Playback)?;
        Ok(())
    }

    /// Makes the crossfade smart or plain from the next transition on, for this player only;
    /// save it for the next start with [`Service::set_crossfade_smart`].
    pub fn set_crossfade_smart(&self, smart: bool) -> Result<()> {
        self.player()
            .set_smart_crossfade(smart)
            .map_err(ServiceError::Playback)
    }

    /// The buffering in use (grown after dropouts) and the dropouts, over every start, that
    /// grew it: the library's kept value and this player's dropouts since.
    pub fn buffering(&self) -> crate::KeptBuffering {
        let status = self.player().buffering();
        crate::KeptBuffering {
            buffering: status.buffering,
            dropouts: self.kept_at_start.dropouts + status.dropouts,
            ..self.kept_at_start
        }
    }

    /// Whether suggestions are appended when the queue runs out (on by default).
    pub fn set_autoplay(&self, on: bool) {
        self.autoplay.store(on, Ordering::Relaxed);
    }

    pub fn autoplay(&self) -> bool {
        self.autoplay.load(Ordering::Relaxed)
    }
}

/// Queue entries for library tracks, each with its normalisation gain (see
/// [`Service::normalization_gains`]).
fn queue_items(
    service: &Service,
    ids: &[TrackId],
    normalization: &Normalization,
) -> Result<Vec<QueueItem>> {
    let tracks = service.tracks_by_id(ids)?;
    let gains = service.gains_for(&tracks, normalization)?;
    tracks
        .iter()
        .zip(gains)
        .map(|(t, gain)| {
            Ok(QueueItem {
                track_id: t.id,
                path: service.track_file(t.id)?,
                gain,
                // What the library found there (a truncated file's is shorter than its header's).
                known_length_ms: Some(t.audio.duration_ms),
                album: AlbumPlace::of(&t.tags),
                edges: track_edges(service, t.id),
            })
        })
        .collect()
}

/// Where a track's music is within its file, from its analysis, for a smart crossfade (the
/// engine never reads the library: it gets them with the track). `None`: not analysed, or
/// analysed before they were measured.
fn track_edges(service: &Service, id: TrackId) -> Option<segue_playback::TrackEdges> {
    let analysis = service
        .analysis(id)
        .inspect_err(|e| tracing::warn!("cannot read the analysis of track {id}: {e}"))
        .ok()??;
    let dsp = &analysis.dsp;
    let seconds = |s: f64| Duration::try_from_secs_f64(s.max(0.0)).ok();
    Some(segue_playback::TrackEdges {
        music_start: seconds(dsp.music_start_s?)?,
        music_end: seconds(dsp.music_end_s?)?,
        fade_out: seconds(dsp.fade_out_s?)?,
    })
}

impl Service {
    /// The gain each of `ids` plays at, in this order: ReplayGain tags first, Segue's own
    /// EBU R128 measurement (from analysis) where they are missing; in auto mode album gain
    /// for a track next to its neighbour on the album in album order, track gain otherwise.
    pub fn normalization_gains(
        &self,
        ids: &[TrackId],
        normalization: &Normalization,
    ) -> Result<Vec<f32>> {
        self.gains_for(&self.tracks_by_id(ids)?, normalization)
    }

    fn tracks_by_id(&self, ids: &[TrackId]) -> Result<Vec<segue_core::Track>> {
        ids.iter().map(|&id| self.track(id)).collect()
    }

    /// [`Service::normalization_gains`] for tracks already read.
    fn gains_for(
        &self,
        tracks: &[segue_core::Track],
        normalization: &Normalization,
    ) -> Result<Vec<f32>> {
        let in_order: Vec<bool> = (0..tracks.len())
            .map(|i| {
                let after = |a: usize, b: usize| follows_on_album(&tracks[a], &tracks[b]);
                (i > 0 && after(i - 1, i)) || (i + 1 < tracks.len() && after(i, i + 1))
            })
            .collect();
        let db_to_linear = |db: f64| 10f32.powf(db as f32 / 20.0);
        tracks
            .iter()
            .zip(in_order)
            .map(|(t, in_order)| {
                let measured = self.with_store(|s| s.measured_loudness(t.id))?;
                let album = self.with_store(|s| s.album_measured_loudness(t.id))?;
                let loudness = Loudness {
                    replay_gain: t.replay_gain,
                    measured_lufs: measured.map(|m| m.integrated_lufs as f32),
                    measured_peak: measured.map(|m| db_to_linear(m.true_peak_dbtp)),
                    album_measured_lufs: album.map(|m| m.integrated_lufs as f32),
                    album_measured_peak: album.map(|m| db_to_linear(m.true_peak_dbtp)),
                };
                Ok(normalization_gain(
                    &normalization.for_track(in_order),
                    &loudness,
                ))
            })
            .collect()
    }
}

/// Whether `next` comes right after `track` on one album ([`AlbumPlace::is_followed_by`]).
fn follows_on_album(track: &segue_core::Track, next: &segue_core::Track) -> bool {
    match (AlbumPlace::of(&track.tags), AlbumPlace::of(&next.tags)) {
        (Some(a), Some(b)) => a.is_followed_by(&b),
        _ => false,
    }
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
            let queued: Vec<TrackId> = {
                let live = lock(&self.queue_mirror);
                if live
                    .queue
                    .current
                    .is_some_and(|c| c + 1 < live.queue.entries.len())
                {
                    // Something was queued after the track since the engine said nothing was
                    // (a step of an edit): nothing to add.
                    return Ok(());
                }
                live.queue.entries.iter().map(|e| e.track_id).collect()
            };
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
                mirror.queue.entries.extend(list.iter().map(|s| QueueEntry {
                    track_id: s.track_id,
                    why: s.why.clone(),
                    autoplay: true,
                }));
                service.with_store(|store| {
                    mirror.save_queue(store);
                    Ok(())
                })?;
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
    kept: crate::output::KeptBuffering,
) {
    let mut current: Option<Current> = None;
    let mut service: Option<Service> = None;
    // What the library keeps now: `kept` was read at the start, and dropouts count from it.
    let mut kept_now = kept;
    let mut session = SessionKeeper {
        last_save: Instant::now(),
    };
    let write = |c: &Current, end: PlayEnd| {
        if let Err(e) = store.update_play(c.play_id, c.listened_ms, c.last_position_ms, end) {
            tracing::warn!("cannot record listening history: {e}");
        }
    };
    loop {
        let event = match events.recv_timeout(SESSION_EVERY) {
            Ok(event) => event,
            Err(RecvTimeoutError::Timeout) => {
                session.tick(&store, &autoplay, &mut service, &forward);
                continue;
            }
            Err(RecvTimeoutError::Disconnected) => break,
        };
        session.follow(&store, &autoplay.queue_mirror, &event);
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
            PlayerEvent::UpNextEmpty { track_id } => autoplay.top_up(&mut service, *track_id),
            // The next start begins with what the engine grew to (see KeptBuffering).
            PlayerEvent::Dropout {
                buffering,
                dropouts,
            } => {
                kept_now = kept_now.after_dropout(kept, *buffering, *dropouts);
                crate::output::keep_buffering(&store, kept_now);
            }
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
                    write(&c, *reason);
                }
                let listened = Duration::from_millis(*listened_ms);
                if let Some(after) = kept_now.after_clean_listening(listened) {
                    kept_now = after;
                    crate::output::keep_buffering(&store, kept_now);
                }
            }
            _ => {}
        }
        if session.last_save.elapsed() >= SESSION_EVERY {
            session.tick(&store, &autoplay, &mut service, &forward);
        }
        let _ = forward.send(event);
    }
    if let Some(c) = current {
        write(&c, PlayEnd::Stopped);
    }
    // The last position heard, for the next start.
    lock(&autoplay.queue_mirror).save_position(&store);
}

/// Keeps the saved session up to date from the engine's events, on the recorder thread.
struct SessionKeeper {
    last_save: Instant,
}

impl SessionKeeper {
    /// Follows the current entry and position; saves at once when the current entry changes
    /// or playback pauses.
    fn follow(&mut self, store: &Store, mirror: &SharedQueue, event: &PlayerEvent) {
        let mut live = lock(mirror);
        let save_now = match *event {
            PlayerEvent::TrackStarted {
                index, position_ms, ..
            } => {
                live.queue.current = Some(index);
                live.position_ms = position_ms;
                true
            }
            PlayerEvent::QueueEdited { current } => {
                live.queue.current = current;
                true
            }
            PlayerEvent::EditRefused { ref track_ids } => {
                if live.queue.adopt_order(track_ids) {
                    live.save_queue(store);
                }
                false
            }
            PlayerEvent::Position { position_ms, .. } => {
                live.position_ms = position_ms;
                false
            }
            PlayerEvent::Paused => true,
            PlayerEvent::QueueFinished => {
                // The last track ended: it starts from its beginning next time.
                live.position_ms = 0;
                true
            }
            _ => false,
        };
        if save_now {
            live.save_position(store);
            self.last_save = Instant::now();
        }
    }

    /// Saves the position, after playing a queue `segue queue` saved meanwhile; then tells
    /// whoever drives the UI that the queue changed (`QueueEdited`, which the engine does not
    /// send when the saved queue was cued in place of the old one).
    fn tick(
        &mut self,
        store: &Store,
        autoplay: &Autoplay,
        service: &mut Option<Service>,
        forward: &Sender<PlayerEvent>,
    ) {
        self.last_save = Instant::now();
        let mut live = lock(&autoplay.queue_mirror);
        if !live.keep {
            return;
        }
        match store.session_revision() {
            Ok(revision) if revision != live.revision => {
                match adopt_saved_queue(store, autoplay, service, &mut live) {
                    Ok(()) => {
                        let _ = forward.send(PlayerEvent::QueueEdited {
                            current: live.queue.current,
                        });
                    }
                    Err(e) => tracing::warn!("cannot play the queue saved by another program: {e}"),
                }
            }
            Ok(_) => {}
            Err(e) => tracing::warn!("cannot read the saved queue's revision: {e}"),
        }
        live.save_position(store);
    }
}

/// Makes the engine play the queue another program (`segue queue`) saved: when its current
/// entry is the track playing now, the entries around it are replaced by edits and it plays
/// on undisturbed; otherwise the saved queue is cued at its current entry and position, as
/// after a restart.
fn adopt_saved_queue(
    store: &Store,
    autoplay: &Autoplay,
    service: &mut Option<Service>,
    live: &mut Live,
) -> Result<()> {
    let mut saved = store.session()?;
    live.revision = saved.revision;
    if service.is_none() {
        *service = Some(Service::open(&autoplay.db_path)?);
    }
    let Some(service) = service.as_ref() else {
        return Ok(());
    };
    let normalization = *lock(&autoplay.normalization);
    let playing = live.queue.current.and_then(|c| live.queue.entries.get(c));
    let same_current = match (playing, saved.current) {
        (Some(p), Some(c)) => saved.queue.get(c).is_some_and(|e| e.track_id == p.track_id),
        _ => false,
    };
    if let (true, Some(now), Some(c)) = (same_current, live.queue.current, saved.current) {
        let before: Vec<TrackId> = saved.queue[..c].iter().map(|e| e.track_id).collect();
        let after: Vec<TrackId> = saved.queue[c + 1..].iter().map(|e| e.track_id).collect();
        let before_items = queue_items(service, &before, &normalization)?;
        let after_items = queue_items(service, &after, &normalization)?;
        let others: Vec<usize> = (0..live.queue.entries.len())
            .filter(|&i| i != now)
            .collect();
        let q = &autoplay.queue;
        let sent = q
            .remove(others)
            .and_then(|()| q.insert(0, before_items))
            .and_then(|()| q.insert(c + 1, after_items));
        sent.map_err(ServiceError::Playback)?;
        live.queue = QueueState::from(&saved);
        return Ok(());
    }
    // Another track is current: cue the saved queue where it says (paused, as at start-up).
    let ids: Vec<TrackId> = saved.queue.iter().map(|e| e.track_id).collect();
    let items = queue_items(service, &ids, &normalization)?;
    let current = saved.current.unwrap_or(0);
    if !items.is_empty() {
        autoplay
            .queue
            .cue(items, current, Duration::from_millis(saved.position_ms))
            .map_err(ServiceError::Playback)?;
    }
    saved.current = (!saved.queue.is_empty()).then_some(current);
    live.position_ms = saved.position_ms;
    live.queue = QueueState::from(&saved);
    Ok(())
}
