//! Media keys and desktop integration: MPRIS on Linux (through souvlaki), so the desktop's
//! media controls, keyboard media keys and tools like `playerctl` drive Segue and show what
//! plays. Without a session bus (a bare server, some containers) it is simply off.

use std::sync::{Arc, Weak};
use std::time::Duration;

use segue_core::Track;
use segue_service::ServiceError;
use souvlaki::{
    MediaControlEvent, MediaControls, MediaMetadata, MediaPlayback, MediaPosition, PlatformConfig,
    SeekDirection,
};
use tauri::{AppHandle, Manager};

use crate::player::{PlayerHub, PlayerNews};

/// The seek step for media keys that do not say how far.
const SEEK_STEP: Duration = Duration::from_secs(5);

/// Registers Segue with the desktop's media controls and keeps them told what plays, as one
/// more listener of the hub; where there are none it logs why and does nothing.
pub fn attach(hub: &Arc<PlayerHub>, app: &AppHandle) {
    if let Some(mut controls) = register(hub, app) {
        hub.listen(move |news| match news {
            PlayerNews::TrackStarted { track, position_ms } => {
                if let Some(track) = track {
                    show_track(&mut controls, track);
                }
                show_playback(&mut controls, Some(true), *position_ms);
            }
            PlayerNews::PlayingChanged {
                playing,
                position_ms,
            } => show_playback(&mut controls, Some(*playing), *position_ms),
            PlayerNews::Stopped => show_playback(&mut controls, None, 0),
        });
    }
}

fn register(hub: &Arc<PlayerHub>, app: &AppHandle) -> Option<MediaControls> {
    let config = PlatformConfig {
        display_name: "Segue",
        dbus_name: "segue",
        hwnd: None,
    };
    let mut controls = match MediaControls::new(config) {
        Ok(c) => c,
        Err(e) => {
            tracing::info!("media keys unavailable: {e:?}");
            return None;
        }
    };
    // Weak: the hub owns the controls, whose handler must not keep the hub alive.
    let hub: Weak<PlayerHub> = Arc::downgrade(hub);
    let app = app.clone();
    let attached = controls.attach(move |event| {
        if let Some(hub) = hub.upgrade() {
            handle(&hub, &app, event);
        }
    });
    match attached {
        Ok(()) => Some(controls),
        Err(e) => {
            tracing::info!("media keys unavailable: {e:?}");
            None
        }
    }
}

fn handle(hub: &PlayerHub, app: &AppHandle, event: MediaControlEvent) {
    let state = hub.state();
    let seek_to = |ms: i64| {
        let to = Duration::from_millis(ms.max(0) as u64);
        hub.with(|p| p.player().seek(to).map_err(ServiceError::Playback))
    };
    let result = match event {
        MediaControlEvent::Play => {
            hub.with(|p| p.player().resume().map_err(ServiceError::Playback))
        }
        MediaControlEvent::Pause | MediaControlEvent::Stop => {
            hub.with(|p| p.player().pause().map_err(ServiceError::Playback))
        }
        MediaControlEvent::Toggle => hub.with(|p| {
            if state.playing {
                p.player().pause()
            } else {
                p.player().resume()
            }
            .map_err(ServiceError::Playback)
        }),
        MediaControlEvent::Next => hub.with(|p| p.player().next().map_err(ServiceError::Playback)),
        MediaControlEvent::Previous => {
            hub.with(|p| p.player().previous().map_err(ServiceError::Playback))
        }
        MediaControlEvent::Seek(direction) => seek_to(offset(&state, direction, SEEK_STEP)),
        MediaControlEvent::SeekBy(direction, by) => seek_to(offset(&state, direction, by)),
        MediaControlEvent::SetPosition(MediaPosition(at)) => seek_to(at.as_millis() as i64),
        MediaControlEvent::SetVolume(volume) => {
            let volume = volume.clamp(0.0, 1.0) as f32;
            let set = hub.with(|p| {
                p.player()
                    .set_volume(volume)
                    .map_err(ServiceError::Playback)
            });
            hub.refresh(app, |s| s.volume = volume);
            set
        }
        MediaControlEvent::Raise => {
            if let Some(window) = app.get_webview_window("main") {
                let _ = window.unminimize();
                let _ = window.set_focus();
            }
            Ok(())
        }
        MediaControlEvent::Quit => {
            app.exit(0);
            Ok(())
        }
        // Shuffle, opening URIs and whatever later versions add: not offered.
        _ => Ok(()),
    };
    if let Err(e) = result {
        tracing::warn!("media key: {e}");
    }
}

fn offset(state: &segue_core::PlayerState, direction: SeekDirection, by: Duration) -> i64 {
    let by = by.as_millis() as i64;
    let at = state.position_ms as i64;
    match direction {
        SeekDirection::Forward => at + by,
        SeekDirection::Backward => at - by,
    }
}

/// Tells the desktop what plays now.
fn show_track(controls: &mut MediaControls, track: &Track) {
    let artist = track.display_artist().to_owned();
    let _ = controls.set_metadata(MediaMetadata {
        title: Some(&track.tags.title),
        artist: Some(&artist),
        album: track.tags.album.as_deref(),
        cover_url: None,
        duration: Some(Duration::from_millis(track.audio.duration_ms)),
    });
}

/// Tells the desktop whether it plays, and where.
fn show_playback(controls: &mut MediaControls, playing: Option<bool>, position_ms: u64) {
    let progress = Some(MediaPosition(Duration::from_millis(position_ms)));
    let _ = controls.set_playback(match playing {
        None => MediaPlayback::Stopped,
        Some(true) => MediaPlayback::Playing { progress },
        Some(false) => MediaPlayback::Paused { progress },
    });
}
