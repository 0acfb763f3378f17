//! What the tests that listen to the PulseAudio null sink share (and the dropout benchmark):
//! writing and decoding a reference, recording the sink's monitor, and taking the sink one
//! test at a time.
// Each test file uses some of these.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use segue_decode::Decoder;

/// A whole file decoded, interleaved as the engine plays it.
pub fn decode(path: &Path) -> Vec<f32> {
    let mut d = Decoder::open(path).expect("open");
    let mut out = Vec::new();
    while d.read(&mut out).expect("decode") > 0 {}
    out
}

/// The null sink's rate: fixtures written at it play without resampling.
pub const SINK_RATE: u32 = 48_000;

/// A sample as a 16-bit source would hold it (`s` in -1..1, multiples of 1/32768 unchanged).
pub fn to_i16(s: f32) -> i16 {
    (s * 32768.0).round().clamp(-32768.0, 32767.0) as i16
}

/// Writes interleaved stereo 16-bit samples as a WAV at [`SINK_RATE`].
pub fn write_stereo_wav(path: &Path, samples: impl IntoIterator<Item = i16>) {
    let mut data = Vec::new();
    for v in samples {
        data.extend_from_slice(&v.to_le_bytes());
    }
    let mut wav = Vec::with_capacity(44 + data.len());
    wav.extend_from_slice(b"RIFF");
    wav.extend_from_slice(&(36 + data.len() as u32).to_le_bytes());
    wav.extend_from_slice(b"WAVEfmt ");
    wav.extend_from_slice(&16u32.to_le_bytes());
    wav.extend_from_slice(&1u16.to_le_bytes()); // PCM
    wav.extend_from_slice(&2u16.to_le_bytes()); // channels
    wav.extend_from_slice(&SINK_RATE.to_le_bytes());
    wav.extend_from_slice(&(SINK_RATE * 4).to_le_bytes()); // bytes a second
    wav.extend_from_slice(&4u16.to_le_bytes()); // bytes a frame
    wav.extend_from_slice(&16u16.to_le_bytes()); // bits a sample
    wav.extend_from_slice(b"data");
    wav.extend_from_slice(&(data.len() as u32).to_le_bytes());
    wav.extend_from_slice(&data);
    std::fs::write(path, wav).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
}

/// The null sink `scripts/pulse-test-sink.sh` makes.
pub const TEST_SINK: &str = "segue_test_sink";

/// Records a sink's monitor as 48 kHz stereo f32 until stopped (the one home of `parecord` for
/// the playback tests and benchmarks).
pub struct Capture {
    child: Child,
    file: PathBuf,
    _dir: tempfile::TempDir,
}

impl Capture {
    /// Records the test sink.
    pub fn start() -> Capture {
        Capture::start_from(TEST_SINK)
    }

    /// Records `sink`'s monitor, returning once the recorder is really writing (0.3 s of the
    /// idle sink's silence), so nothing played afterwards is missed.
    pub fn start_from(sink: &str) -> Capture {
        let server_up = Command::new("pactl")
            .arg("info")
            .output()
            .is_ok_and(|o| o.status.success());
        assert!(
            server_up,
            "no PulseAudio server: run `source scripts/pulse-test-sink.sh` first (the test command does)"
        );
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("capture.raw");
        let child = Command::new("parecord")
            .args([
                "--raw",
                "--format=float32le",
                "--rate=48000",
                "--channels=2",
                "--latency-msec=20",
            ])
            .arg(format!("--device={sink}.monitor"))
            .arg(&file)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("parecord");
        let capture = Capture {
            child,
            file,
            _dir: dir,
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while capture.frames() < 48_000 * 3 / 10 {
            assert!(
                Instant::now() < deadline,
                "parecord never started recording"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        capture
    }

    /// Frames recorded so far.
    pub fn frames(&self) -> usize {
        std::fs::metadata(&self.file).map_or(0, |m| m.len() as usize / 8)
    }

    /// What was recorded, interleaved stereo.
    pub fn stop(mut self) -> Vec<f32> {
        let _ = Command::new("kill")
            .arg("-INT")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
        let bytes = std::fs::read(&self.file).expect("capture file");
        bytes
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect()
    }
}

/// The left channel of interleaved stereo.
pub fn left(stereo: &[f32]) -> Vec<f32> {
    stereo.iter().step_by(2).copied().collect()
}

static SINK: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// The sink, for one test at a time (a test that failed holding it leaves it usable).
pub fn exclusive() -> std::sync::MutexGuard<'static, ()> {
    SINK.lock().unwrap_or_else(|p| p.into_inner())
}
