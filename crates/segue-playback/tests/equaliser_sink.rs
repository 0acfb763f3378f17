//! The equaliser heard through the real engine: tones played into the PulseAudio null sink
//! (`source scripts/pulse-test-sink.sh` first), captured from its monitor and measured.

mod common;

use common::{Capture, exclusive, left};
use std::f64::consts::PI;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use segue_core::{EQ_BAND_CENTRES_HZ, EqualiserSettings};
use segue_playback::{Player, PlayerEvent, QueueItem, equaliser_response};

const RATE: u32 = 48_000;
/// Each tone's length: long enough to measure its middle well clear of both joins.
const TONE_FRAMES: usize = 28_800;

/// Writes a 16-bit stereo WAV of `samples` (one value per frame, both channels alike).
fn write_wav(path: &Path, samples: &[f64]) {
    common::write_stereo_wav(
        path,
        samples.iter().flat_map(|&s| {
            let v = (s * 32767.0).round().clamp(-32768.0, 32767.0) as i16;
            [v, v]
        }),
    );
}

fn tone(hz: f64, amplitude: f64, frames: usize) -> Vec<f64> {
    (0..frames)
        .map(|n| amplitude * (2.0 * PI * hz * n as f64 / f64::from(RATE)).sin())
        .collect()
}

fn item(track_id: i64, path: PathBuf) -> QueueItem {
    QueueItem {
        track_id,
        path,
        gain: 1.0,
        ..QueueItem::default()
    }
}

/// Plays `items` to the end while capturing; the left channel.
fn play_through(player: &Player, items: Vec<QueueItem>) -> Vec<f32> {
    let capture = Capture::start();
    player.play_queue(items, 0).expect("play");
    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        let left = deadline
            .checked_duration_since(Instant::now())
            .expect("the queue never finished");
        if let Ok(PlayerEvent::QueueFinished) = player.events().recv_timeout(left) {
            break;
        }
    }
    std::thread::sleep(Duration::from_millis(300));
    left(&capture.stop())
}

/// The level of each tone of a capture of the ten band tones played in a row, in dBFS: the
/// middle half of each, found from where the sound begins.
fn tone_levels(captured: &[f32]) -> Vec<f64> {
    let start = captured
        .iter()
        .position(|s| s.abs() > 0.003)
        .expect("the capture is silent");
    (0..EQ_BAND_CENTRES_HZ.len())
        .map(|i| {
            let from = start + i * TONE_FRAMES + TONE_FRAMES / 4;
            let window = &captured[from..from + TONE_FRAMES / 2];
            let mean_square =
                window.iter().map(|&s| f64::from(s).powi(2)).sum::<f64>() / window.len() as f64;
            10.0 * mean_square.log10()
        })
        .collect()
}

/// Tones at the ten band centres through the engine, with and without the equaliser: each
/// changes by what the response curve says, within 0.5 dB.
#[test]
fn tones_at_the_band_centres_change_by_the_set_response() {
    let _sink = exclusive();
    let dir = tempfile::tempdir().expect("tempdir");
    let items: Vec<QueueItem> = EQ_BAND_CENTRES_HZ
        .iter()
        .enumerate()
        .map(|(i, &hz)| {
            let path = dir.path().join(format!("tone-{hz}.wav"));
            // -20 dBFS: the limiter never touches it, whatever the bands do.
            write_wav(&path, &tone(f64::from(hz), 0.1, TONE_FRAMES));
            item(i as i64, path)
        })
        .collect();
    let player = Player::start().expect("an output device (the PulseAudio null sink)");
    let device = player.device().id;
    player
        .set_equaliser(&device, EqualiserSettings::default())
        .expect("off");
    let reference = tone_levels(&play_through(&player, items.clone()));
    let settings = EqualiserSettings {
        enabled: true,
        preamp_db: 2.0,
        bands_db: vec![6.0, -4.0, 3.0, 0.0, -8.0, 9.0, 2.0, -6.0, 5.0, 8.0],
        parametric: Vec::new(),
        preset: None,
    };
    player.set_equaliser(&device, settings.clone()).expect("on");
    let equalised = tone_levels(&play_through(&player, items));
    let expected = equaliser_response(&settings, player.device().sample_rate);
    let mut worst = 0.0f64;
    for (i, hz) in EQ_BAND_CENTRES_HZ.iter().enumerate() {
        let measured = equalised[i] - reference[i];
        let set = f64::from(expected.band_gains_db[i]);
        eprintln!(
            "{hz:>7} Hz: measured {measured:+6.2} dB, set response {set:+6.2} dB (band {:+} dB, headroom {:+.2} dB)",
            settings.bands_db[i], expected.headroom_db
        );
        // A sine of amplitude 0.1 has an RMS level of -23.01 dBFS.
        assert!(
            (reference[i] + 23.01).abs() < 1.0,
            "{hz} Hz played at {:.2} dBFS without the equaliser",
            reference[i]
        );
        worst = worst.max((measured - set).abs());
    }
    assert!(
        worst <= 0.5,
        "the heard response strays {worst:.2} dB from the set one"
    );
}

/// A full-scale track with every band and the preamp at +12 dB: nothing reaches full scale,
/// no sample is flattened, and the music is still there at nearly its level.
#[test]
fn plus_twelve_db_on_a_full_scale_track_does_not_clip() {
    let _sink = exclusive();
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("full-scale.wav");
    // Bass, middle and treble together, scaled so the peak is exactly full scale.
    let frames = 2 * RATE as usize;
    let mix: Vec<f64> = (0..frames)
        .map(|n| {
            let t = n as f64 / f64::from(RATE);
            (2.0 * PI * 63.0 * t).sin()
                + 0.7 * (2.0 * PI * 1000.0 * t).sin()
                + 0.5 * (2.0 * PI * 8000.0 * t).sin()
        })
        .collect();
    let peak = mix.iter().fold(0.0f64, |a, &b| a.max(b.abs()));
    let full_scale: Vec<f64> = mix.iter().map(|s| s / peak).collect();
    write_wav(&path, &full_scale);
    let player = Player::start().expect("an output device (the PulseAudio null sink)");
    for (what, settings) in [
        (
            "every band and the preamp at +12 dB",
            EqualiserSettings {
                enabled: true,
                preamp_db: 12.0,
                bands_db: vec![12.0; 10],
                parametric: Vec::new(),
                preset: None,
            },
        ),
        (
            "the 63 Hz band at +12 dB",
            EqualiserSettings {
                enabled: true,
                preamp_db: 0.0,
                bands_db: vec![0.0, 12.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
                parametric: Vec::new(),
                preset: None,
            },
        ),
    ] {
        player
            .set_equaliser(&player.device().id, settings)
            .expect("equaliser");
        let captured = play_through(&player, vec![item(1, path.clone())]);
        let loudest = captured.iter().fold(0.0f32, |a, &b| a.max(b.abs()));
        let flattened = captured
            .windows(2)
            .filter(|w| w[0].abs() >= 0.999 && w[0] == w[1])
            .count();
        let heard = captured.iter().filter(|s| s.abs() > 0.05).count();
        eprintln!("{what}: peak {loudest:.4}, {flattened} flattened samples");
        assert!(heard > frames / 2, "{what}: the track was not heard");
        assert!(loudest < 1.0, "{what}: a peak of {loudest}");
        assert!(loudest > 0.5, "{what}: too quiet, a peak of {loudest}");
        assert_eq!(flattened, 0, "{what}: clipped");
    }
}
