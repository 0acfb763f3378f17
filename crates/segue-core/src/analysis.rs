use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::TrackId;

/// Major or minor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum KeyMode {
    Major,
    Minor,
}

/// Pitch class names, C = 0.
pub const PITCH_CLASSES: [&str; 12] = [
    "C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B",
];

/// A key in Camelot wheel notation ("8B" is C major, "5A" is C minor): neighbouring numbers
/// and the same number across A/B mix harmonically.
pub fn camelot(tonic: u8, mode: KeyMode) -> String {
    let number = camelot_number(tonic, mode);
    match mode {
        KeyMode::Major => format!("{number}B"),
        KeyMode::Minor => format!("{number}A"),
    }
}

/// The key's number on the Camelot wheel, 1-12 (the letter is the mode: A minor, B major).
pub fn camelot_number(tonic: u8, mode: KeyMode) -> u8 {
    // Camelot numbers of the major keys C, C#, ... B; a minor key shares its relative major's number.
    const MAJOR: [u8; 12] = [8, 3, 10, 5, 12, 7, 2, 9, 4, 11, 6, 1];
    let tonic = usize::from(tonic % 12);
    match mode {
        KeyMode::Major => MAJOR[tonic],
        KeyMode::Minor => MAJOR[(tonic + 3) % 12],
    }
}

/// What Segue's DSP measures on a track (mono, resampled to 16 kHz; loudness on the original).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct DspFeatures {
    /// Length of the analysed audio, seconds.
    pub duration_s: f64,
    /// Tempo, beats per minute (40-240).
    pub bpm: f32,
    /// How periodic the onsets are at that tempo, 0-1 (autocorrelation relative to lag 0).
    pub bpm_confidence: f32,
    /// Tonic pitch class, 0 = C … 11 = B.
    pub key: u8,
    pub mode: KeyMode,
    /// Correlation of the chroma with the key's profile (Krumhansl-Kessler), 0-1.
    pub key_confidence: f32,
    /// Mean RMS level of 16 ms frames, linear full scale (0-1).
    pub energy: f32,
    /// Mean spectral centroid (magnitude-weighted), Hz.
    pub spectral_centroid_hz: f32,
    /// Mean frequency below which 85% of the spectral magnitude lies, Hz.
    pub spectral_rolloff_hz: f32,
    /// Mean spectral flatness (geometric / arithmetic mean of the power spectrum), 0-1: 0 is
    /// tonal, 1 is noise.
    pub spectral_flatness: f32,
    /// Zero crossings per sample, 0-1.
    pub zero_crossing_rate: f32,
    /// Means of 13 MFCCs (DCT-II of 96 mel bands in dB).
    pub mfcc_mean: [f32; 13],
    /// Variances of the same 13 MFCCs.
    pub mfcc_var: [f32; 13],
    /// Energy per pitch class (C first), the strongest scaled to 1.
    pub chroma: [f32; 12],
    /// Note onsets per second.
    pub onset_rate: f32,
    /// Peak level of 256 equal slices of the track, 0-255 linear: the seek bar's waveform.
    pub waveform: Vec<u8>,
    /// Where the music starts (the leading silence, below -60 dBFS, ends), seconds. `None`:
    /// analysed before this was measured. A smart crossfade trims what comes before.
    #[serde(default)]
    pub music_start_s: Option<f64>,
    /// Where the music ends (the trailing silence begins), seconds.
    #[serde(default)]
    pub music_end_s: Option<f64>,
    /// Where the final fall of energy begins (a fade-out, a last chord ringing away), seconds;
    /// `music_end_s` for a track that ends at full level. A smart crossfade starts there.
    #[serde(default)]
    pub fade_out_s: Option<f64>,
}

/// Loudness as EBU R128 measures it on the original audio.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct LoudnessMeasure {
    /// Integrated loudness, LUFS.
    pub integrated_lufs: f64,
    /// True peak over all channels, dBTP.
    pub true_peak_dbtp: f64,
}

/// A track's complete analysis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct TrackAnalysis {
    #[ts(type = "number")]
    pub track_id: TrackId,
    /// `None` for a silent track (nothing to measure).
    pub loudness: Option<LoudnessMeasure>,
    pub dsp: DspFeatures,
    /// Probabilities of the MSD model's 50 tags, in label order.
    pub tags_msd: Vec<f32>,
    /// Probabilities of the MagnaTagATune model's 50 tags, in label order.
    pub tags_mtt: Vec<f32>,
    /// The MSD model's 200-d penultimate layer, averaged over the scored patches.
    pub embedding: Vec<f32>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn camelot_wheel() {
        assert_eq!(camelot(0, KeyMode::Major), "8B");
        assert_eq!(camelot(9, KeyMode::Minor), "8A"); // A minor, relative of C major
        assert_eq!(camelot(0, KeyMode::Minor), "5A");
        assert_eq!(camelot(7, KeyMode::Major), "9B");
        assert_eq!(camelot(11, KeyMode::Major), "1B");
    }
}
