//! A track longer than `signal::WHOLE_UP_TO` (a mix, a live set) is analysed from excerpts
//! in bounded memory, while its length, loudness and waveform still cover the whole file.
//! Real WAV files decoded by symphonia.

use std::io::Write;
use std::path::Path;

use segue_analysis::FeatureExtractor;
use segue_analysis::signal::{ANALYSIS_RATE, WHOLE_UP_TO};
use segue_analysis::spectrum::{HOP, MEL_BANDS};

/// Writes a mono 16-bit WAV of `seconds` at `rate`: a quiet 440 Hz tone for the first
/// `quiet_share` of it, then the same tone loud.
fn write_wav(path: &Path, rate: u32, seconds: u32, quiet_share: f64) {
    let frames = rate as usize * seconds as usize;
    let mut pcm = Vec::with_capacity(frames * 2);
    for i in 0..frames {
        let level = if (i as f64) < frames as f64 * quiet_share {
            0.1
        } else {
            0.8
        };
        let x = level * (2.0 * std::f64::consts::PI * 440.0 * i as f64 / f64::from(rate)).sin();
        pcm.extend_from_slice(&((x * 32_767.0) as i16).to_le_bytes());
    }
    let mut f = std::fs::File::create(path).expect("create");
    let data = u32::try_from(pcm.len()).expect("size");
    f.write_all(b"RIFF").expect("write");
    f.write_all(&(36 + data).to_le_bytes()).expect("write");
    f.write_all(b"WAVEfmt ").expect("write");
    f.write_all(&16u32.to_le_bytes()).expect("write");
    f.write_all(&1u16.to_le_bytes()).expect("write"); // PCM
    f.write_all(&1u16.to_le_bytes()).expect("write"); // mono
    f.write_all(&rate.to_le_bytes()).expect("write");
    f.write_all(&(rate * 2).to_le_bytes()).expect("write");
    f.write_all(&2u16.to_le_bytes()).expect("write");
    f.write_all(&16u16.to_le_bytes()).expect("write");
    f.write_all(b"data").expect("write");
    f.write_all(&data.to_le_bytes()).expect("write");
    f.write_all(&pcm).expect("write");
}

#[test]
fn a_track_longer_than_the_bound_is_analysed_from_excerpts_but_measured_whole() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("long mix.wav");
    let seconds = WHOLE_UP_TO.as_secs() as u32 + 4 * 60;
    write_wav(&path, 8_000, seconds, 0.5);

    let extracted = FeatureExtractor::default()
        .extract(&path)
        .expect("analysed");

    // The whole file's length, not the excerpts'.
    assert!(
        (extracted.dsp.duration_s - f64::from(seconds)).abs() < 0.01,
        "{} s",
        extracted.dsp.duration_s
    );
    // Features come from at most WHOLE_UP_TO of audio.
    let frames = extracted.mel.len() / MEL_BANDS;
    let analysed_s = frames as f64 * HOP as f64 / f64::from(ANALYSIS_RATE);
    assert!(
        analysed_s <= WHOLE_UP_TO.as_secs_f64() + 1.0,
        "{analysed_s} s analysed"
    );
    assert!(
        analysed_s >= WHOLE_UP_TO.as_secs_f64() / 2.0,
        "{analysed_s} s analysed"
    );
    // The waveform spans the whole file: quiet first half, loud second half.
    let w = &extracted.dsp.waveform;
    let half = w.len() / 2;
    assert!(
        w[..half - 2].iter().all(|p| (20..=30).contains(p)),
        "{:?}",
        &w[..half]
    );
    assert!(
        w[half + 2..].iter().all(|p| (195..=210).contains(p)),
        "{:?}",
        &w[half..]
    );
    // Loudness is the whole file's: the quiet half (about -23 LUFS) falls under the relative
    // gate of the whole, so the figure is the loud half's (about -5 LUFS), wherever in the
    // file the excerpts were taken.
    let loudness = extracted.loudness.expect("loudness");
    assert!(
        loudness.integrated_lufs > -8.0 && loudness.integrated_lufs < -2.0,
        "{} LUFS",
        loudness.integrated_lufs
    );
}

/// A track within the bound is analysed whole: every frame of it reaches the features.
#[test]
fn a_track_within_the_bound_is_analysed_whole() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("song.wav");
    write_wav(&path, 8_000, 90, 0.5);
    let extracted = FeatureExtractor::default()
        .extract(&path)
        .expect("analysed");
    let frames = extracted.mel.len() / MEL_BANDS;
    let analysed_s = frames as f64 * HOP as f64 / f64::from(ANALYSIS_RATE);
    assert!((analysed_s - 90.0).abs() < 0.5, "{analysed_s} s analysed");
    assert!((extracted.dsp.duration_s - 90.0).abs() < 0.01);
}
