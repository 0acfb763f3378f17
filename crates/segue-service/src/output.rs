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
/// in memory and a device buffer of at most 171 ms, which the first sound, pause and volume
/// wait for. So that cost is not paid for ever, a start tries the small buffer again after
/// enough music without a dropout ([`KeptBuffering::clean_needed_s`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct KeptBuffering {
    pub buffering: Buffering,
    /// Dropouts counted while it grew, over every start.
    pub dropouts: u64,
    /// Seconds of music heard since the last dropout, while grown.
    pub clean_s: u64,
    /// How often it went back to the small buffer: each try waits twice as long as the last.
    pub retries: u32,
}

/// Music without a dropout before the first try of the small buffer again: three hours, a
/// few evenings' listening, long enough that the machine's usual load has been seen.
const CLEAN_BEFORE_RETRY_S: u64 = 3 * 3600;
/// The longest wait between tries (a machine that keeps dropping out tries every two days'
/// worth of music at most).
const MOST_CLEAN_BEFORE_RETRY_S: u64 = 48 * 3600;

impl KeptBuffering {
    /// The kept value read back; `None` for one this version cannot read (it counts as never
    /// grown). Out-of-range values are brought within what the engine allows; values kept
    /// before the retry existed read as none heard yet.
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
            clean_s: number("clean_s").unwrap_or(0),
            retries: number("retries")
                .and_then(|n| u32::try_from(n).ok())
                .unwrap_or(0),
        })
    }

    fn to_setting(self) -> String {
        serde_json::json!({
            "decode_ahead_ms": self.buffering.decode_ahead.as_millis() as u64,
            "device_buffer_frames": self.buffering.device_buffer_frames,
            "dropouts": self.dropouts,
            "clean_s": self.clean_s,
            "retries": self.retries,
        })
        .to_string()
    }

    /// Whether dropouts have grown it past what a player starts with.
    pub fn grown(&self) -> bool {
        self.buffering != Buffering::FIRST
    }

    /// Seconds of music without a dropout after which the next start tries the small buffer
    /// again.
    pub fn clean_needed_s(&self) -> u64 {
        CLEAN_BEFORE_RETRY_S
            .saturating_mul(1 << self.retries.min(8))
            .min(MOST_CLEAN_BEFORE_RETRY_S)
    }

    /// After the player dropped out (`session_dropouts` since it started; `buffering`: what
    /// it uses now): the clean music counts from zero again.
    pub(crate) fn after_dropout(
        self,
        at_start: KeptBuffering,
        buffering: Buffering,
        session_dropouts: u64,
    ) -> KeptBuffering {
        KeptBuffering {
            buffering,
            dropouts: at_start.dropouts + session_dropouts,
            clean_s: 0,
            retries: self.retries,
        }
    }

    /// After `listened` of music without a dropout; `None` when nothing changes (never
    /// grown). Once enough is heard, the next start goes back to [`Buffering::FIRST`].
    pub(crate) fn after_clean_listening(self, listened: Duration) -> Option<KeptBuffering> {
        if !self.grown() {
            return None;
        }
        let clean_s = self.clean_s + listened.as_secs();
        Some(if clean_s >= self.clean_needed_s() {
            tracing::info!(
                "{clean_s} s of music without a dropout: the next start tries the small playback buffer again"
            );
            KeptBuffering {
                buffering: Buffering::FIRST,
                clean_s: 0,
                retries: self.retries + 1,
                ..self
            }
        } else {
            KeptBuffering { clean_s, ..self }
        })
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

/// Keeps `kept` for the next start (the history recorder calls it after a dropout and as
/// clean music is heard: never the audio or engine thread).
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
            buffering: Buffering::FIRST.grown(),
            dropouts: 3,
            clean_s: 600,
            retries: 1,
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
    fn a_grown_buffering_is_tried_small_again_after_clean_music_each_try_waiting_longer() {
        let at_start = KeptBuffering::default();
        let grown = at_start.after_dropout(at_start, Buffering::FIRST.grown(), 1);
        assert!(grown.grown());
        assert_eq!((grown.dropouts, grown.clean_s), (1, 0));
        let nearly = grown
            .after_clean_listening(Duration::from_secs(3 * 3600 - 1))
            .expect("grown: counted");
        assert!(nearly.grown());
        // A dropout starts the count again.
        let again = nearly.after_dropout(at_start, Buffering::MAX, 2);
        assert_eq!((again.dropouts, again.clean_s), (2, 0));
        let tried = again
            .after_clean_listening(Duration::from_secs(3 * 3600))
            .expect("grown: counted");
        assert_eq!(tried.buffering, Buffering::FIRST);
        assert_eq!((tried.retries, tried.clean_needed_s()), (1, 6 * 3600));
        assert_eq!(
            tried.after_clean_listening(Duration::from_secs(3600)),
            None,
            "small again: nothing to count"
        );
        let many = KeptBuffering {
            retries: 30,
            ..tried
        };
        assert_eq!(
            many.clean_needed_s(),
            48 * 3600,
            "at most two days of music"
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
