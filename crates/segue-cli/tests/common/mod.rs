//! What every `segue` command-line test needs: the real binary on a database of the test's
//! own, and its exit checked with what it printed shown when it is not the expected one.
// Each test file uses some of these.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository's root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The demo library the app starts with.
pub fn demo_dir() -> PathBuf {
    root().join("assets/demo")
}

/// `segue --db DB`, ignoring any `SEGUE_DB` of the environment.
pub fn segue(db: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_segue"));
    c.arg("--db").arg(db).env_remove("SEGUE_DB");
    c
}

pub fn run(db: &Path, args: &[&str]) -> Output {
    segue(db).args(args).output().expect("run segue")
}

/// The demo library imported into `db`, not analysed (most tests need tracks, not tags).
pub fn scan_demo(db: &Path) {
    ok(segue(db)
        .args(["scan", "--no-analyze"])
        .arg(demo_dir())
        .output()
        .expect("scan"));
}

/// Standard output of a run that succeeded.
pub fn ok(out: Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

/// Standard error of a run that exited with `code`.
pub fn refused_with(code: i32, out: Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(code),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stderr).expect("utf-8 output")
}

/// Standard error of a run refused as bad input (exit 1).
pub fn refused(out: Output) -> String {
    refused_with(1, out)
}
