//! Loudness normalisation: the gain a track gets from its ReplayGain tags (or Segue's own
//! EBU R128 measurement), a target level, and clipping prevention.

use segue_core::ReplayGain;

/// ReplayGain 2.0's reference level: its gains bring a track to -18 LUFS.
pub const REPLAYGAIN_REFERENCE_LUFS: f32 = -18.0;

/// Which gain normalisation uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NormalizationMode {
    Off,
    /// Every track at the target level.
    #[default]
    Track,
    /// Albums at the target level, keeping loudness differences within an album.
    Album,
}

/// Settings for [`normalization_gain`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Normalization {
    pub mode: NormalizationMode,
    /// Target loudness in LUFS (-18 is ReplayGain's; streaming services use about -14).
    pub target_lufs: f32,
    /// Lower the gain so the track's peak stays at or below full scale.
    pub prevent_clipping: bool,
}

impl Default for Normalization {
    fn default() -> Self {
        Normalization {
            mode: NormalizationMode::Track,
            target_lufs: REPLAYGAIN_REFERENCE_LUFS,
            prevent_clipping: true,
        }
    }
}

/// What is known about a track's loudness.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Loudness {
    /// From tags.
    pub replay_gain: ReplayGain,
    /// Segue's own EBU R128 measurement, used when tags are missing.
    pub measured_lufs: Option<f32>,
    /// Linear sample (or true) peak from the same measurement.
    pub measured_peak: Option<f32>,
}

/// The linear gain to apply. Album mode falls back to the track gain, and tags fall back to
/// the measurement; with neither, the track plays unchanged.
pub fn normalization_gain(settings: &Normalization, loudness: &Loudness) -> f32 {
    if settings.mode == NormalizationMode::Off {
        return 1.0;
    }
    let rg = &loudness.replay_gain;
    let offset = settings.target_lufs - REPLAYGAIN_REFERENCE_LUFS;
    let tagged = match settings.mode {
        NormalizationMode::Album => rg
            .album_gain_db
            .map(|g| (g, rg.album_peak))
            .or(rg.track_gain_db.map(|g| (g, rg.track_peak))),
        _ => rg
            .track_gain_db
            .map(|g| (g, rg.track_peak))
            .or(rg.album_gain_db.map(|g| (g, rg.album_peak))),
    };
    let (gain_db, peak) = match tagged {
        Some((g, peak)) => (g + offset, peak.or(loudness.measured_peak)),
        None => match loudness.measured_lufs {
            Some(lufs) => (settings.target_lufs - lufs, loudness.measured_peak),
            None => return 1.0,
        },
    };
    let mut gain = 10f32.powf(gain_db / 20.0);
    if settings.prevent_clipping
        && let Some(peak) = peak.filter(|p| *p > 0.0)
    {
        gain = gain.min(1.0 / peak);
    }
    gain
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db(g: f32) -> f32 {
        20.0 * g.log10()
    }

    fn tagged(track: f32, track_peak: f32, album: f32, album_peak: f32) -> Loudness {
        Loudness {
            replay_gain: ReplayGain {
                track_gain_db: Some(track),
                track_peak: Some(track_peak),
                album_gain_db: Some(album),
                album_peak: Some(album_peak),
            },
            ..Default::default()
        }
    }

    #[test]
    fn modes_targets_and_fallbacks() {
        let s = Normalization::default();
        let l = tagged(-6.0, 0.5, -4.0, 0.6);
        assert!((db(normalization_gain(&s, &l)) - -6.0).abs() < 1e-4);
        let album = Normalization {
            mode: NormalizationMode::Album,
            ..s
        };
        assert!((db(normalization_gain(&album, &l)) - -4.0).abs() < 1e-4);
        let loud = Normalization {
            target_lufs: -14.0,
            ..s
        };
        assert!((db(normalization_gain(&loud, &l)) - -2.0).abs() < 1e-4);
        let off = Normalization {
            mode: NormalizationMode::Off,
            ..s
        };
        assert_eq!(normalization_gain(&off, &l), 1.0);
        // No tags: Segue's measurement; nothing known: unchanged.
        let measured = Loudness {
            measured_lufs: Some(-10.0),
            ..Default::default()
        };
        assert!((db(normalization_gain(&s, &measured)) - -8.0).abs() < 1e-4);
        assert_eq!(normalization_gain(&s, &Loudness::default()), 1.0);
    }

    #[test]
    fn clipping_prevention_caps_the_gain_at_the_peak() {
        let quiet_but_peaky = tagged(6.0, 0.8, 6.0, 0.8);
        let s = Normalization::default();
        let g = normalization_gain(&s, &quiet_but_peaky);
        assert!(
            (g * 0.8 - 1.0).abs() < 1e-6,
            "peak lands at full scale, got {g}"
        );
        let unsafe_ = Normalization {
            prevent_clipping: false,
            ..s
        };
        assert!((db(normalization_gain(&unsafe_, &quiet_but_peaky)) - 6.0).abs() < 1e-4);
    }
}
