//! Loudness normalisation: the gain a track gets from its ReplayGain tags (or Segue's own
//! EBU R128 measurement), a target level, and clipping prevention.

use segue_core::{NormalizationChoice, ReplayGain};

/// ReplayGain 2.0's reference level: its gains bring a track to -18 LUFS.
pub const REPLAYGAIN_REFERENCE_LUFS: f32 = -18.0;

/// Settings for [`normalization_gain`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Normalization {
    pub mode: NormalizationChoice,
    /// Target loudness in LUFS (-18 is ReplayGain's; streaming services use about -14).
    pub target_lufs: f32,
    /// Lower the gain so the track's peak stays at or below full scale.
    pub prevent_clipping: bool,
}

impl Normalization {
    /// The settings for one track: [`NormalizationChoice::Auto`] becomes album gain when the
    /// track plays in its album's order, track gain otherwise.
    pub fn for_track(&self, in_album_order: bool) -> Normalization {
        let mode = match self.mode {
            NormalizationChoice::Auto if in_album_order => NormalizationChoice::Album,
            NormalizationChoice::Auto => NormalizationChoice::Track,
            other => other,
        };
        Normalization { mode, ..*self }
    }
}

impl Default for Normalization {
    fn default() -> Self {
        Normalization {
            mode: NormalizationChoice::Auto,
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
    /// The same for the track's whole album (its analysed tracks together), for album gain
    /// where the tags have none.
    pub album_measured_lufs: Option<f32>,
    pub album_measured_peak: Option<f32>,
}

/// The linear gain to apply. Album mode uses the album's tags, else the album's measurement,
/// else the track's; track mode the track's tags, else its measurement, else the album's tags;
/// with none of them, the track plays unchanged. ([`NormalizationChoice::Auto`] unresolved
/// counts as track.)
pub fn normalization_gain(settings: &Normalization, loudness: &Loudness) -> f32 {
    if settings.mode == NormalizationChoice::Off {
        return 1.0;
    }
    let rg = &loudness.replay_gain;
    let offset = settings.target_lufs - REPLAYGAIN_REFERENCE_LUFS;
    let tag = |gain: Option<f32>, peak: Option<f32>| {
        gain.map(|g| (g + offset, peak.or(loudness.measured_peak)))
    };
    let measured = |lufs: Option<f32>, peak: Option<f32>| {
        lufs.map(|l| (settings.target_lufs - l, peak.or(loudness.measured_peak)))
    };
    let track_tag = || tag(rg.track_gain_db, rg.track_peak);
    let album_tag = || tag(rg.album_gain_db, rg.album_peak);
    let track_measured = || measured(loudness.measured_lufs, loudness.measured_peak);
    let album_measured = || measured(loudness.album_measured_lufs, loudness.album_measured_peak);
    let chosen = match settings.mode {
        NormalizationChoice::Album => album_tag()
            .or_else(album_measured)
            .or_else(track_tag)
            .or_else(track_measured),
        _ => track_tag().or_else(track_measured).or_else(album_tag),
    };
    let Some((gain_db, peak)) = chosen else {
        return 1.0;
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
            mode: NormalizationChoice::Album,
            ..s
        };
        assert!((db(normalization_gain(&album, &l)) - -4.0).abs() < 1e-4);
        let loud = Normalization {
            target_lufs: -14.0,
            ..s
        };
        assert!((db(normalization_gain(&loud, &l)) - -2.0).abs() < 1e-4);
        let off = Normalization {
            mode: NormalizationChoice::Off,
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
    fn auto_is_album_gain_in_album_order_and_track_gain_otherwise() {
        let auto = Normalization::default();
        assert_eq!(auto.mode, NormalizationChoice::Auto);
        assert_eq!(auto.for_track(true).mode, NormalizationChoice::Album);
        assert_eq!(auto.for_track(false).mode, NormalizationChoice::Track);
        let track = Normalization {
            mode: NormalizationChoice::Track,
            ..auto
        };
        assert_eq!(track.for_track(true).mode, NormalizationChoice::Track);
        // Untagged halves of one album, measured 2 dB apart: album gain from the album's
        // measurement levels them; track gain does not.
        let half = |lufs: f32| Loudness {
            measured_lufs: Some(lufs),
            measured_peak: Some(0.5),
            album_measured_lufs: Some(-12.0),
            album_measured_peak: Some(0.6),
            ..Default::default()
        };
        let (a, b) = (half(-11.0), half(-13.0));
        let album = auto.for_track(true);
        assert!((db(normalization_gain(&album, &a)) - -6.0).abs() < 1e-4);
        assert!((db(normalization_gain(&album, &b)) - -6.0).abs() < 1e-4);
        let shuffled = auto.for_track(false);
        assert!((db(normalization_gain(&shuffled, &a)) - -7.0).abs() < 1e-4);
        assert!((db(normalization_gain(&shuffled, &b)) - -5.0).abs() < 1e-4);
        // Album tags come before the album's measurement.
        let tagged_album = Loudness {
            replay_gain: ReplayGain {
                album_gain_db: Some(-3.0),
                ..Default::default()
            },
            ..a
        };
        assert!((db(normalization_gain(&album, &tagged_album)) - -3.0).abs() < 1e-4);
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
