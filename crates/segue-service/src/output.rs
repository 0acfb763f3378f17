//! Where the music plays: the output devices, the listener's choice (kept in the library's
//! settings, used at every start) and moving playback to another device while it plays.

use std::time::Duration;

use segue_core::AudioOutput;
use segue_playback::{Buffering, Player};
use segue_store::Store;

use crate::{Playback, Result, Service, ServiceError};

const OUTPUT_KEY: &str = "playback.output_device";
/// Where the library keeps the buffering the player grew to ([`KeptBuffering`]).
pub const BUFFERING_KEY: &str = "playback.buffering";

/// The buffering a library keeps across starts: what the engine grew to after dropouts, and
/// how many dropouts it took. Kept (rather than starting small every time) because a machine
/// that dropped out once, with its hardware and its usual load, is likely to again, and a
/// hole in the music is worse than what the larger buffer costs: at most 4 s of decoded audio
/// in memory and a device buffer of at most 171 ms, which pause and volume wait for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct KeptBuffering {
    pub buffering: Buffering,
    /// Dropouts counted while it grew, over every start.
    pub dropouts: u64,
}

impl KeptBuffering {
    /// The kept value read back; `None` for one this version cannot read (it counts as never
    /// grown). Out-of-range values are brought within what the engine allows.
    fn parse(value: &str) -> Option<KeptBuffering> {
        let v: serde_json::Value = serde_json::from_str(value).ok()?;
        let number = |key: &str| v.get(key).and_then(serde_json::Value::as_u64);
        Some(KeptBuffering {
            buffering: Buffering {
                decode_ahead: Duration::from_millis(number("decode_ahead_ms")?),
                device_buffer_frames: u32::try_from(number("device_buffer_frames")?)
                    .unwrap_or(u32::MAX),
            }
            .clamped(),
            dropouts: number("dropouts")?,
        })
    }

    fn to_setting(self) -> String {
        serde_json::json!({
            "decode_ahead_ms": self.buffering.decode_ahead.as_millis() as u64,
            "device_buffer_frames": self.buffering.device_buffer_frames,
            "dropouts": self.dropouts,
        })
        .to_string()
    }

    /// Whether dropouts have grown it past what a player starts with.
    pub fn grown(&self) -> bool {
        self.buffering != Buffering::FIRST
    }
}

/// Reads the kept buffering from `store` (never grown, when there is none or it cannot be
/// read: the player then starts as a new one does).
pub(crate) fn kept_buffering(store: &Store) -> KeptBuffering {
    match store.setting(BUFFERING_KEY) {
        Ok(Some(v)) => KeptBuffering::parse(&v).unwrap_or_else(|| {
            tracing::warn!("cannot read the kept playback buffering {v:?}; starting afresh");
            KeptBuffering::default()
        }),
        Ok(None) => KeptBuffering::default(),
        Err(e) => {
            tracing::warn!("cannot read the kept playback buffering: {e}");
            KeptBuffering::default()
        }
    }
}

/// Keeps `kept` for the next start (the history recorder calls it when the engine grew its
/// buffering: never the audio or engine thread).
pub(crate) fn keep_buffering(store: &Store, kept: KeptBuffering) {
    if let Err(e) = store.set_setting(BUFFERING_KEY, &kept.to_setting()) {
        tracing::warn!("cannot keep the grown playback buffering: {e}");
    }
}

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
    /// It begins with the buffering the library kept ([`Service::kept_buffering`]).
    pub(crate) fn start_player(&self) -> Result<Player> {
        let choice = self.output_device_choice().unwrap_or_else(|e| {
            tracing::warn!("cannot read the chosen audio output, using the default: {e}");
            None
        });
        let buffering = self.kept_buffering()?.buffering;
        match choice {
            Some(id) => Player::start_with(Some(id.clone()), buffering).or_else(|e| {
                tracing::warn!("the chosen audio output {id:?} cannot be opened ({e}); playing on the default one");
                Player::start_with(None, buffering)
            }),
            None => Player::start_with(None, buffering),
        }
        .inspect(|player| self.load_equalisers(player))
        .map_err(ServiceError::Playback)
    }
}

impl Service {
    /// The buffering the next player starts with, as the library keeps it after dropouts
    /// (see [`KeptBuffering`]; `segue doctor` and Settings → Playback show it).
    pub fn kept_buffering(&self) -> Result<KeptBuffering> {
        self.with_store(|s| Ok(kept_buffering(s)))
    }

    /// Forgets the kept buffering: the next player starts as a new one does.
    pub fn reset_buffering(&self) -> Result<()> {
        self.with_store(|s| s.set_setting(BUFFERING_KEY, &KeptBuffering::default().to_setting()))
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
    use super::{Buffering, Duration, KeptBuffering, alsa_plugin};

    #[test]
    fn kept_buffering_reads_back_what_was_kept_within_the_engines_range() {
        let grown = KeptBuffering {
            buffering: Buffering::FIRST.grown().grown(),
            dropouts: 3,
        };
        assert!(grown.grown());
        assert_eq!(KeptBuffering::parse(&grown.to_setting()), Some(grown));
        // Typed by hand or kept by another version: brought into range, not refused.
        let wild = KeptBuffering::parse(
            r#"{"decode_ahead_ms": 60000, "device_buffer_frames": 5, "dropouts": 1}"#,
        )
        .expect("readable");
        assert_eq!(wild.buffering.decode_ahead, Buffering::MAX.decode_ahead);
        assert_eq!(
            wild.buffering.device_buffer_frames,
            Buffering::FIRST.device_buffer_frames
        );
        assert_eq!(
            KeptBuffering::parse("2048"),
            None,
            "unreadable counts as never grown"
        );
        assert!(!KeptBuffering::default().grown());
        assert_eq!(
            KeptBuffering::default().buffering.decode_ahead,
            Duration::from_millis(1500)
        );
    }

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
