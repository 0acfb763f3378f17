//! Peak memory of analysing one long track (DSP stage: decode, loudness, features).
//!
//! `cargo run --release -p segue-analysis --example long_track_memory -- MINUTES [RATE]`
//! writes a mono 16-bit WAV of MINUTES at RATE Hz (default 44100) into a temporary folder,
//! analyses it and prints the process's peak resident memory (VmHWM). Tracks longer than
//! `signal::WHOLE_UP_TO` are analysed from excerpts, so the figure levels off there.

use std::io::{BufWriter, Write};
use std::time::Instant;

use segue_analysis::FeatureExtractor;

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let minutes: u32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(180);
    let rate: u32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(44_100);
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("long.wav");
    let frames = u64::from(rate) * 60 * u64::from(minutes);
    let data = u32::try_from(frames * 2).expect("a WAV holds at most 4 GiB");
    let mut f = BufWriter::new(std::fs::File::create(&path)?);
    for part in [&b"RIFF"[..], &(36 + data).to_le_bytes(), b"WAVEfmt "] {
        f.write_all(part)?;
    }
    f.write_all(&16u32.to_le_bytes())?;
    f.write_all(&1u16.to_le_bytes())?;
    f.write_all(&1u16.to_le_bytes())?;
    f.write_all(&rate.to_le_bytes())?;
    f.write_all(&(rate * 2).to_le_bytes())?;
    f.write_all(&2u16.to_le_bytes())?;
    f.write_all(&16u16.to_le_bytes())?;
    f.write_all(b"data")?;
    f.write_all(&data.to_le_bytes())?;
    // A tone whose pitch and level wander, so every stage has work to do.
    let mut phase = 0.0f64;
    for i in 0..frames {
        let t = i as f64 / f64::from(rate);
        let freq = 220.0 * (1.0 + 0.5 * (t / 37.0).sin());
        phase += 2.0 * std::f64::consts::PI * freq / f64::from(rate);
        let level = 0.3 + 0.2 * (t / 11.0).sin();
        f.write_all(&(((level * phase.sin()) * 32_767.0) as i16).to_le_bytes())?;
    }
    f.flush()?;
    drop(f);
    let before = peak_rss_mib();
    let start = Instant::now();
    match FeatureExtractor::default().extract(&path) {
        Ok(x) => println!(
            "{minutes} min at {rate} Hz: analysed in {:.1} s, length {:.0} s, peak memory {:.0} MiB (before analysis {:.0} MiB)",
            start.elapsed().as_secs_f64(),
            x.dsp.duration_s,
            peak_rss_mib(),
            before
        ),
        Err(e) => println!("{minutes} min at {rate} Hz: {e}"),
    }
    Ok(())
}
