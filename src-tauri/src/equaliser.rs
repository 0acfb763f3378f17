//! The equaliser commands of the Settings panel: each output device's settings, kept by the
//! service and played by the engine at once when that device plays.

use segue_core::{EqualiserPreset, EqualiserSettings, EqualiserView, UiError};
use tauri::State;

use crate::AppState;

type Reply<T> = Result<T, UiError>;

/// The device playing (its id, name and rate), if the player runs.
fn playing(state: &AppState) -> Option<(String, String, u32)> {
    state
        .player
        .with(|p| {
            let d = p.player().device();
            Ok((d.id, d.name, d.sample_rate))
        })
        .ok()
}

/// Which device to show or set: `device` when given, else the one playing, else the chosen or
/// default one; with the rate to draw the curve for (the device's while it plays).
fn target(state: &AppState, device: Option<String>) -> Reply<(String, String, Option<u32>)> {
    let playing = playing(state);
    let rate_of = |id: &str| playing.as_ref().filter(|p| p.0 == id).map(|p| p.2);
    let (id, name) = match device {
        Some(id) => {
            let outputs = state
                .service
                .output_devices()
                .map_err(|e| UiError::from(&e))?;
            let name = outputs
                .into_iter()
                .find(|o| o.id == id)
                .map_or_else(|| id.clone(), |o| o.name);
            (id, name)
        }
        None => match &playing {
            Some((id, name, _)) => (id.clone(), name.clone()),
            None => state
                .service
                .equaliser_device(None)
                .map_err(|e| UiError::from(&e))?,
        },
    };
    let rate = rate_of(&id);
    Ok((id, name, rate))
}

/// The equaliser of output `device` (`None`: the one playing, else the chosen or default one).
#[tauri::command(async)]
pub fn equaliser(state: State<'_, AppState>, device: Option<String>) -> Reply<EqualiserView> {
    let (id, name, rate) = target(&state, device)?;
    state
        .service
        .equaliser(&id, &name, rate)
        .map_err(|e| UiError::from(&e))
}

/// Keeps `settings` for output `device` and, if it is the one playing, plays them at once.
/// Returns them with the response the window draws.
#[tauri::command(async)]
pub fn set_equaliser(
    state: State<'_, AppState>,
    device: String,
    settings: EqualiserSettings,
) -> Reply<EqualiserView> {
    let (id, name, rate) = target(&state, Some(device))?;
    let view = state
        .service
        .set_equaliser(&id, &name, settings.clone(), rate)
        .map_err(|e| UiError::from(&e))?;
    // No player (no device): kept, and handed to the player when it starts.
    let _ = state.player.with(|p| p.set_equaliser(&id, settings));
    Ok(view)
}

#[tauri::command(async)]
pub fn equaliser_presets(state: State<'_, AppState>) -> Vec<EqualiserPreset> {
    state.service.equaliser_presets()
}
