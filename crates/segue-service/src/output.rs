//! Where the music plays: the output devices, the listener's choice (kept in the library's
//! settings, used at every start) and moving playback to another device while it plays.

use segue_core::AudioOutput;
use segue_playback::Player;

use crate::{Playback, Result, Service, ServiceError};

const OUTPUT_KEY: &str = "playback.output_device";

impl Service {
    /// The output devices there are, the chosen one marked; a chosen device that is not
    /// connected now is listed too, so the choice can be seen and changed.
    pub fn output_devices(&self) -> Result<Vec<AudioOutput>> {
        let chosen = self.output_device_choice()?;
        let mut outputs: Vec<AudioOutput> = segue_playback::output_devices()
            .map_err(ServiceError::Playback)?
            .into_iter()
            .filter(|d| {
                d.is_default || chosen.as_deref() == Some(d.id.as_str()) || !alsa_plugin(&d.id)
            })
            .map(|d| AudioOutput {
                chosen: chosen.as_deref() == Some(d.id.as_str()),
                connected: true,
                id: d.id,
                name: d.name,
                is_default: d.is_default,
            })
            .collect();
        if let Some(id) = chosen
            && !outputs.iter().any(|o| o.id == id)
        {
            outputs.push(AudioOutput {
                name: id.clone(),
                id,
                is_default: false,
                chosen: true,
                connected: false,
            });
        }
        Ok(outputs)
    }

    /// The device the listener chose; `None`: the system default.
    pub fn output_device_choice(&self) -> Result<Option<String>> {
        Ok(self
            .with_store(|s| s.setting(OUTPUT_KEY))?
            .filter(|id| !id.is_empty()))
    }

    /// Keeps `id` (an [`AudioOutput::id`] of a connected device; `None`: the system default)
    /// as the output for this library. Does not touch a running player: see
    /// [`Playback::set_output_device`].
    pub fn set_output_device_choice(&self, id: Option<&str>) -> Result<()> {
        if let Some(id) = id {
            let known = segue_playback::output_devices()
                .map_err(ServiceError::Playback)?
                .iter()
                .any(|d| d.id == id);
            if !known {
                return Err(ServiceError::InvalidInput(format!(
                    "no audio output {id:?} is connected: `segue devices` lists those there are"
                )));
            }
        }
        self.with_store(|s| s.set_setting(OUTPUT_KEY, id.unwrap_or("")))
    }

    /// Starts the engine on the chosen device, or on the default one when the chosen device is
    /// not there (an unplugged headset must not leave the player silent).
    pub(crate) fn start_player(&self) -> Result<Player> {
        let choice = self.output_device_choice().unwrap_or_else(|e| {
            tracing::warn!("cannot read the chosen audio output, using the default: {e}");
            None
        });
        match choice {
            Some(id) => Player::start_on(Some(id.clone())).or_else(|e| {
                tracing::warn!("the chosen audio output {id:?} cannot be opened ({e}); playing on the default one");
                Player::start()
            }),
            None => Player::start(),
        }
        .inspect(|player| self.load_equalisers(player))
        .map_err(ServiceError::Playback)
    }
}

/// ALSA lists its converters, mixers and test sinks as outputs too ("Rate Converter Plugin
/// Using Speex Resampler", "Discard all samples"): not places a listener sends music to.
fn alsa_plugin(id: &str) -> bool {
    const PLUGINS: [&str; 11] = [
        "null",
        "lavrate",
        "samplerate",
        "speexrate",
        "speex",
        "upmix",
        "vdownmix",
        "jack",
        "oss",
        "dsnoop",
        "surround",
    ];
    id.strip_prefix("alsa:").is_some_and(|pcm| {
        let name = pcm.split(':').next().unwrap_or(pcm);
        PLUGINS.iter().any(|p| name.starts_with(p))
    })
}

impl Playback {
    /// Moves playback to device `id` (`None`: the system default) without losing the
    /// position; [`crate::PlayerEvent::OutputChanged`] follows, or an `Error` event
    /// when it cannot be opened (the current device plays on).
    pub fn set_output_device(&self, id: Option<String>) -> Result<()> {
        self.player()
            .set_output_device(id)
            .map_err(ServiceError::Playback)
    }
}

#[cfg(test)]
mod tests {
    use super::alsa_plugin;

    #[test]
    fn alsa_converters_and_test_sinks_are_not_outputs() {
        for plugin in [
            "alsa:null",
            "alsa:speexrate",
            "alsa:surround51:CARD=PCH,DEV=0",
            "alsa:upmix",
        ] {
            assert!(alsa_plugin(plugin), "{plugin}");
        }
        for device in [
            "alsa:default",
            "alsa:pulse",
            "alsa:pipewire",
            "alsa:hw:CARD=PCH,DEV=0",
            "alsa:front:CARD=USB,DEV=0",
            "coreaudio:Speakers",
        ] {
            assert!(!alsa_plugin(device), "{device}");
        }
    }
}
