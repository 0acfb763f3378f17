//! The equaliser as a person sets it: ten graphic bands, a preamp, optional parametric bands.
//! The filters themselves (and the response curve drawn from them) live in `segue-playback`;
//! these are the settings that cross to the UI and are kept per output device.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The graphic equaliser's band centres, in Hz: the ISO octave centres from 31.5 Hz to 16 kHz.
pub const EQ_BAND_CENTRES_HZ: [f32; 10] = [
    31.5, 63.0, 125.0, 250.0, 500.0, 1000.0, 2000.0, 4000.0, 8000.0, 16000.0,
];

/// The most a graphic band, a parametric band or the preamp may boost or cut, in dB.
pub const EQ_MAX_GAIN_DB: f32 = 12.0;

/// How many parametric bands one setting may hold.
pub const EQ_MAX_PARAMETRIC: usize = 16;

/// One parametric band: a peaking filter at any frequency.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ParametricBand {
    pub frequency_hz: f32,
    pub gain_db: f32,
    /// Sharpness: the centre frequency over the bandwidth (0.1 to 10; 1.41 is one octave).
    pub q: f32,
}

/// The equaliser's settings for one output device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct EqualiserSettings {
    /// Off: the music passes untouched, whatever the bands say.
    pub enabled: bool,
    /// Gain before the filters, in dB. The engine lowers it further by itself when the bands
    /// would push the loudest frequency above full scale (see [`EqualiserResponse::headroom_db`]).
    pub preamp_db: f32,
    /// One gain per [`EQ_BAND_CENTRES_HZ`] entry, in dB.
    pub bands_db: Vec<f32>,
    pub parametric: Vec<ParametricBand>,
    /// The preset the bands came from (a [`EqualiserPreset::id`]); `None` once changed by hand.
    pub preset: Option<String>,
}

impl Default for EqualiserSettings {
    fn default() -> Self {
        EqualiserSettings {
            enabled: false,
            preamp_db: 0.0,
            bands_db: vec![0.0; EQ_BAND_CENTRES_HZ.len()],
            parametric: Vec::new(),
            preset: Some("flat".into()),
        }
    }
}

/// A named set of band gains.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct EqualiserPreset {
    /// Stable id (`bass_boost`), used in settings and on the command line.
    pub id: String,
    /// English name ("Bass boost"); the window translates by id.
    pub name: String,
    pub bands_db: Vec<f32>,
}

/// What the equaliser does to each frequency, computed from the filters the engine runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct EqualiserResponse {
    /// Log-spaced frequencies from 20 Hz to 20 kHz.
    pub frequencies_hz: Vec<f32>,
    /// The gain at each of `frequencies_hz`, in dB, preamp and headroom included: what is
    /// heard. All zeros when the equaliser is off.
    pub gains_db: Vec<f32>,
    /// The band centres ([`EQ_BAND_CENTRES_HZ`]), for labels.
    pub band_centres_hz: Vec<f32>,
    /// The gain at each band centre, in dB, the same way.
    pub band_gains_db: Vec<f32>,
    /// How far the engine lowered the preamp by itself so the loudest frequency stays at or
    /// below full scale (0 or negative), in dB.
    pub headroom_db: f32,
    /// The sample rate the filters were designed for.
    pub sample_rate: u32,
}

/// One output device's equaliser as the settings panel and `segue eq show` present it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct EqualiserView {
    /// The device these settings are for (an [`crate::AudioOutput::id`]).
    pub device_id: String,
    pub device_name: String,
    pub settings: EqualiserSettings,
    pub response: EqualiserResponse,
}
