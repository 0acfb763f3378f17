//! The equaliser per output device: kept in the library's settings (one JSON map from device
//! id to [`EqualiserSettings`]), handed to the player at start and on every change, so the
//! engine switches settings itself when playback moves to another device.

use std::collections::BTreeMap;

use segue_core::{EqualiserPreset, EqualiserResponse, EqualiserSettings, EqualiserView};
use segue_playback::{DeviceInfo, Player};

use crate::{Playback, Result, Service, ServiceError};

pub use segue_playback::{apply_preset as apply_equaliser_preset, band_label};

const EQUALISER_KEY: &str = "playback.equaliser";

/// The rate a curve is drawn for when no device is open (the filters differ only near the top
/// of the range between rates).
const CURVE_RATE_WITHOUT_DEVICE: u32 = 48_000;

/// Every device's settings, by device id.
type ByDevice = BTreeMap<String, EqualiserSettings>;

impl Service {
    fn equalisers(&self) -> Result<ByDevice> {
        let Some(text) = self.with_store(|s| s.setting(EQUALISER_KEY))? else {
            return Ok(ByDevice::new());
        };
        serde_json::from_str(&text).map_err(|e| {
            ServiceError::Internal(format!(
                "the saved equaliser settings cannot be read ({e}); setting the equaliser again replaces them"
            ))
        })
    }

    /// The device the equaliser is set for when none is named: the one playing, else the one
    /// chosen, else the system default.
    pub fn equaliser_device(&self, playing: Option<&DeviceInfo>) -> Result<(String, String)> {
        if let Some(device) = playing {
            return Ok((device.id.clone(), device.name.clone()));
        }
        let outputs = self.output_devices()?;
        let chosen = outputs.iter().find(|o| o.chosen);
        let default = outputs.iter().find(|o| o.is_default);
        chosen
            .or(default)
            .map(|o| (o.id.clone(), o.name.clone()))
            .ok_or_else(|| {
                ServiceError::InvalidInput(
                    "no output device to set the equaliser for: `segue devices` lists them".into(),
                )
            })
    }

    /// The settings of device `id` (never set: off and flat), with their response at `rate`.
    pub fn equaliser(&self, id: &str, name: &str, rate: Option<u32>) -> Result<EqualiserView> {
        let settings = self.equalisers()?.remove(id).unwrap_or_default();
        Ok(view(id, name, settings, rate))
    }

    /// Keeps `settings` for device `id` (refused with the reason when a value is out of range;
    /// nothing is kept then) and returns them with their response at `rate`. Does not touch a
    /// running player: see [`Playback::set_equaliser`].
    pub fn set_equaliser(
        &self,
        id: &str,
        name: &str,
        settings: EqualiserSettings,
        rate: Option<u32>,
    ) -> Result<EqualiserView> {
        segue_playback::check_equaliser(&settings)
            .map_err(|e| ServiceError::InvalidInput(e.to_string()))?;
        // Unreadable saved settings are replaced rather than blocking every change.
        let mut all = self.equalisers().unwrap_or_else(|e| {
            tracing::warn!("{e}");
            ByDevice::new()
        });
        all.insert(id.to_owned(), settings.clone());
        let text = serde_json::to_string(&all)
            .map_err(|e| ServiceError::Internal(format!("equaliser settings: {e}")))?;
        self.with_store(|s| s.set_setting(EQUALISER_KEY, &text))?;
        Ok(view(id, name, settings, rate))
    }

    /// The presets, in the order a picker lists them.
    pub fn equaliser_presets(&self) -> Vec<EqualiserPreset> {
        segue_playback::equaliser_presets()
    }

    /// Hands every device's saved settings to a player that just started.
    pub(crate) fn load_equalisers(&self, player: &Player) {
        let all = match self.equalisers() {
            Ok(all) => all,
            Err(e) => {
                tracing::warn!("{e}; the equaliser is off until it is set again");
                return;
            }
        };
        for (device, settings) in all {
            if let Err(e) = player.set_equaliser(&device, settings) {
                tracing::warn!("the saved equaliser for {device} is not used: {e}");
            }
        }
    }
}

fn view(id: &str, name: &str, settings: EqualiserSettings, rate: Option<u32>) -> EqualiserView {
    let response =
        segue_playback::equaliser_response(&settings, rate.unwrap_or(CURVE_RATE_WITHOUT_DEVICE));
    EqualiserView {
        device_id: id.to_owned(),
        device_name: name.to_owned(),
        settings,
        response,
    }
}

/// The response of `settings` at `rate` (the window's curve while a slider moves).
pub fn equaliser_response(settings: &EqualiserSettings, rate: Option<u32>) -> EqualiserResponse {
    segue_playback::equaliser_response(settings, rate.unwrap_or(CURVE_RATE_WITHOUT_DEVICE))
}

impl Playback {
    /// Plays `settings` on device `id` (at once if it is the one playing; see
    /// [`Player::set_equaliser`]).
    pub fn set_equaliser(&self, id: &str, settings: EqualiserSettings) -> Result<()> {
        self.player()
            .set_equaliser(id, settings)
            .map_err(ServiceError::Playback)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service() -> (tempfile::TempDir, Service) {
        let dir = tempfile::tempdir().expect("tempdir");
        let service = Service::open(&dir.path().join("lib.sqlite")).expect("open");
        (dir, service)
    }

    #[test]
    fn each_device_keeps_its_own_equaliser() {
        let (_dir, service) = service();
        let bass = segue_playback::apply_preset(&EqualiserSettings::default(), "bass_boost")
            .expect("preset");
        service
            .set_equaliser("alsa:headphones", "Headphones", bass.clone(), Some(44_100))
            .expect("set");
        let kept = service
            .equaliser("alsa:headphones", "Headphones", None)
            .expect("read");
        assert_eq!(kept.settings, bass);
        assert!(kept.response.headroom_db < 0.0);
        let other = service
            .equaliser("alsa:speakers", "Speakers", None)
            .expect("read");
        assert_eq!(other.settings, EqualiserSettings::default());
        assert!(other.response.gains_db.iter().all(|&g| g == 0.0));
    }

    #[test]
    fn out_of_range_settings_are_refused_and_nothing_changes() {
        let (_dir, service) = service();
        let mut loud = EqualiserSettings {
            enabled: true,
            ..EqualiserSettings::default()
        };
        service
            .set_equaliser("dev", "Dev", loud.clone(), None)
            .expect("set");
        loud.bands_db[0] = 30.0;
        let e = service
            .set_equaliser("dev", "Dev", loud, None)
            .expect_err("30 dB");
        assert_eq!(e.kind(), "invalid_input");
        assert!(e.to_string().contains("31.5 Hz band"), "{e}");
        let kept = service.equaliser("dev", "Dev", None).expect("read");
        assert_eq!(kept.settings.bands_db[0], 0.0);
        assert!(kept.settings.enabled);
    }
}
