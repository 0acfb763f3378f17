//! The player as the window sees it: the engine (with its history recorder) when an audio
//! device is available, and a state snapshot kept up to date from the engine's events by a
//! pump thread, which forwards it to the window.

use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

use segue_core::{AppEvent, PlayerState, Track};
use segue_service::{Playback, PlayerEvent, Service, ServiceError};
use tauri::{AppHandle, Emitter, Manager};

#[derive(Default)]
pub struct PlayerHub {
    playback: Mutex<Option<Playback>>,
    state: Mutex<PlayerState>,
    /// Set once opening the device has succeeded or failed.
    started: (Mutex<bool>, Condvar),
    /// Who else follows what plays (the desktop's media controls), told on the event thread.
    listeners: Mutex<Vec<Listener>>,
}

/// What the hub tells its listeners: the news a desktop integration shows.
pub enum PlayerNews<'a> {
    /// A track began (`None` if its row could not be read), at this position.
    TrackStarted {
        track: Option<&'a Track>,
        position_ms: u64,
    },
    /// Playback paused or resumed.
    PlayingChanged { playing: bool, position_ms: u64 },
    /// The queue ran out.
    Stopped,
}

type Listener = Box<dyn FnMut(&PlayerNews<'_>) + Send>;

/// How long a command waits for the audio device to open at start-up.
const START_WAIT: Duration = Duration::from_secs(10);

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Why there is no player, for commands that need one: no audio device (the reason it could
/// not start), or one still starting. Neither is the caller's input.
/// [`PlayerState::buffer_ms`] and [`PlayerState::buffer_grown_after`] for `playback`.
fn buffering_fields(playback: &Playback) -> (u32, u32) {
    let kept = playback.buffering();
    let rate = playback.player().device().sample_rate;
    let ms = kept.buffering.decode_ahead.as_millis() as u64 + kept.buffering.device_buffer_ms(rate);
    let grown_after = if kept.grown() { kept.dropouts } else { 0 };
    (
        u32::try_from(ms).unwrap_or(u32::MAX),
        u32::try_from(grown_after).unwrap_or(u32::MAX),
    )
}

fn unavailable(state: &PlayerState) -> ServiceError {
    match state.unavailable.clone() {
        Some(why) => ServiceError::PlaybackUnavailable(why),
        None => ServiceError::Internal("playback is still starting".into()),
    }
}

impl PlayerHub {
    /// Opens the audio device and starts forwarding engine events. Without a device the rest
    /// of the app works and the state says why nothing plays.
    pub fn start(self: &Arc<Self>, app: &AppHandle, service: &Arc<Service>) {
        let settings = service.app_settings().ok();
        lock(&self.state).volume = 1.0;
        match service.start_playback() {
            Ok(mut playback) => {
                if let Some(s) = &settings {
                    playback.set_autoplay(s.autoplay);
                    playback.set_normalization(segue_service::normalization_for(s.normalization));
                }
                let events = playback.events().clone();
                // The session from last time: the queue cued where it was, paused unless
                // the listener asked to play on at start.
                let restored = playback.restore_session(service).unwrap_or_else(|e| {
                    tracing::warn!("cannot restore the play session: {e}");
                    None
                });
                let resumed = restored
                    .as_ref()
                    .is_some_and(|saved| saved.current.is_some())
                    && settings.as_ref().is_some_and(|s| s.resume_on_start)
                    && playback
                        .player()
                        .resume()
                        .map_err(|e| tracing::warn!("cannot play the session on: {e}"))
                        .is_ok();
                {
                    let mut state = lock(&self.state);
                    state.device = Some(playback.player().device().name);
                    state.unavailable = None;
                    (state.buffer_ms, state.buffer_grown_after) = buffering_fields(&playback);
                    if let Some(saved) = restored {
                        state.track_id = saved
                            .current
                            .and_then(|c| saved.queue.get(c))
                            .map(|e| e.track_id);
                        state.index = saved.current.map(|c| c as u32);
                        state.position_ms = saved.position_ms;
                        state.playing = resumed;
                        state.queue = saved.queue;
                    }
                }
                *lock(&self.playback) = Some(playback);
                let (hub, app, service) = (self.clone(), app.clone(), service.clone());
                let spawned = std::thread::Builder::new()
                    .name("segue-player-events".into())
                    .spawn(move || {
                        for event in events.iter() {
                            hub.on_event(&app, &service, event);
                        }
                    });
                if let Err(e) = spawned {
                    tracing::error!("cannot start the player event thread: {e}");
                }
            }
            Err(e) => {
                tracing::warn!("playback unavailable: {e}");
                lock(&self.state).unavailable = Some(e.to_string());
            }
        }
        *lock(&self.started.0) = true;
        self.started.1.notify_all();
        let _ = app.emit(AppEvent::PlayerState.name(), self.state());
    }

    /// Whether an audio device was opened (the engine runs).
    pub fn has_playback(&self) -> bool {
        lock(&self.playback).is_some()
    }

    /// Adds a listener told about each track start, pause, resume and end (on the engine's
    /// event thread: it must not wait long).
    pub fn listen(&self, listener: impl FnMut(&PlayerNews<'_>) + Send + 'static) {
        lock(&self.listeners).push(Box::new(listener));
    }

    fn tell(&self, news: PlayerNews<'_>) {
        for listener in lock(&self.listeners).iter_mut() {
            listener(&news);
        }
    }

    pub fn state(&self) -> PlayerState {
        lock(&self.state).clone()
    }

    /// Runs `f` on the playback engine, or says why there is none.
    pub fn with<T>(
        &self,
        f: impl FnOnce(&mut Playback) -> Result<T, ServiceError>,
    ) -> Result<T, ServiceError> {
        // A click right after start-up waits for the device rather than failing.
        {
            let started = lock(&self.started.0);
            let _ = self
                .started
                .1
                .wait_timeout_while(started, START_WAIT, |started| !*started);
        }
        let mut playback = lock(&self.playback);
        match playback.as_mut() {
            Some(p) => f(p),
            None => Err(unavailable(&lock(&self.state))),
        }
    }

    /// Updates the snapshot after a command changed the queue or volume, and tells the window.
    pub fn refresh(&self, app: &AppHandle, update: impl FnOnce(&mut PlayerState)) {
        let queue = lock(&self.playback).as_ref().map(Playback::queue_state);
        let state = {
            let mut state = lock(&self.state);
            if let Some(queue) = queue {
                // An edit may have moved the current entry (or `segue queue` replaced the
                // queue around it).
                if let Some(c) = queue.current {
                    state.index = Some(c as u32);
                    state.track_id = queue.entries.get(c).map(|e| e.track_id);
                }
                state.queue = queue.entries;
            }
            update(&mut state);
            state.clone()
        };
        let _ = app.emit(AppEvent::PlayerState.name(), state);
    }

    fn on_event(&self, app: &AppHandle, service: &Service, event: PlayerEvent) {
        match event {
            // Positions come four times a second: a small event of their own, not the queue.
            PlayerEvent::Position {
                track_id,
                position_ms,
            } => {
                lock(&self.state).position_ms = position_ms;
                let _ = app.emit(AppEvent::PlayerPosition.name(), (track_id, position_ms));
                // Dropouts show in the player bar as they happen (the engine logs each), with
                // the buffering they grew.
                let counts = lock(&self.playback).as_ref().map(|p| {
                    let dropouts = u32::try_from(p.player().dropouts()).unwrap_or(u32::MAX);
                    (dropouts, buffering_fields(p))
                });
                if let Some((dropouts, (buffer_ms, grown_after))) = counts {
                    let state = lock(&self.state).clone();
                    if (state.dropouts, state.buffer_ms, state.buffer_grown_after)
                        != (dropouts, buffer_ms, grown_after)
                    {
                        self.refresh(app, |s| {
                            s.dropouts = dropouts;
                            s.buffer_ms = buffer_ms;
                            s.buffer_grown_after = grown_after;
                        });
                    }
                }
            }
            PlayerEvent::TrackStarted {
                index,
                track_id,
                position_ms,
            } => {
                self.refresh(app, |s| {
                    s.track_id = Some(track_id);
                    s.index = Some(index as u32);
                    s.position_ms = position_ms;
                    s.playing = true;
                    s.error = None;
                });
                let track = service.track(track_id).ok();
                set_title(app, track.as_ref());
                self.tell(PlayerNews::TrackStarted {
                    track: track.as_ref(),
                    position_ms,
                });
            }
            PlayerEvent::Paused | PlayerEvent::Resumed => {
                let playing = event == PlayerEvent::Resumed;
                self.refresh(app, |s| s.playing = playing);
                self.tell(PlayerNews::PlayingChanged {
                    playing,
                    position_ms: self.state().position_ms,
                });
            }
            PlayerEvent::QueueFinished => {
                self.refresh(app, |s| s.playing = false);
                set_title(app, None);
                self.tell(PlayerNews::Stopped);
            }
            PlayerEvent::OutputChanged { device } => {
                self.refresh(app, |s| s.device = Some(device.name))
            }
            PlayerEvent::Error { message, .. } => self.refresh(app, |s| s.error = Some(message)),
            PlayerEvent::TrackEnded { .. } => {
                // The history changed: the window refreshes play counts and Up Next.
                let _ = app.emit(AppEvent::HistoryChanged.name(), ());
            }
            // The service's copy of the queue has taken the engine's back: show it.
            PlayerEvent::EditRefused { .. } => self.refresh(app, |_| {}),
            PlayerEvent::QueueEdited { current } => {
                // The queue changed around the playing track: its index may have moved.
                self.refresh(app, |s| s.index = current.map(|c| c as u32));
            }
            PlayerEvent::UpNextEmpty { .. } => {
                // Autoplay (on the recorder thread) has appended its suggestions by now.
                self.refresh(app, |_| {});
            }
            PlayerEvent::Dropout { .. } => {
                let fields = lock(&self.playback).as_ref().map(buffering_fields);
                if let Some((buffer_ms, grown_after)) = fields {
                    self.refresh(app, |s| {
                        s.buffer_ms = buffer_ms;
                        s.buffer_grown_after = grown_after;
                    });
                }
            }
        }
    }
}

/// The window title names the playing track.
fn set_title(app: &AppHandle, track: Option<&Track>) {
    let title = match track {
        Some(t) => format!("{} – {} · Segue", t.tags.title, t.display_artist()),
        None => "Segue".to_owned(),
    };
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.set_title(&title);
    }
}
