//! What the tests that listen to the PulseAudio null sink share: decoding a reference,
//! recording the sink's monitor, and taking the sink one test at a time.
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

/// Records the null sink's monitor as 48 kHz stereo f32 until stopped.
pub struct Capture {
    child: Child,
    file: PathBuf,
    _dir: tempfile::TempDir,
}

impl Capture {
    pub fn start() -> Capture {
        let sink_ok = Command::new("pactl")
            .arg("info")
            .output()
            .is_ok_and(|o| o.status.success());
        assert!(
            sink_ok,
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
            .arg("--device=segue_test_sink.monitor")
            .arg(&file)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("parecord");
        // Wait until the recorder is really writing (0.3 s of the idle sink's silence), so
        // nothing played afterwards is missed.
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0) < 48_000 * 8 * 3 / 10 {
            assert!(
                Instant::now() < deadline,
                "parecord never started recording"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Capture {
            child,
            file,
            _dir: dir,
        }
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
