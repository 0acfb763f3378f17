//! ONNX Runtime as Microsoft builds it (the PyPI wheel's library) records usage events for
//! upload, in a database under the user's cache folder. Segue's binaries turn that off with
//! `TELEMETRY_OPT_OUT` (the CLI's test checks a binary); this checks that it works with the
//! runtime the set-up script fetches.

use segue_analysis::AnalyzerConfig;
use segue_analysis::ranker::OnnxRanker;
use segue_core::{RANKED_TERMS, RankingModel};

#[test]
fn onnx_runtime_records_no_telemetry() {
    // The runtime runs in a child process whose home and cache are an empty folder.
    let home = tempfile::tempdir().expect("tempdir");
    let status = std::process::Command::new(std::env::current_exe().expect("test binary"))
        .args(["--exact", "run_the_runtime", "--ignored", "--quiet"])
        .env("HOME", home.path())
        .env("XDG_CACHE_HOME", home.path().join(".cache"))
        .env(
            segue_analysis::TELEMETRY_OPT_OUT.0,
            segue_analysis::TELEMETRY_OPT_OUT.1,
        )
        .status()
        .expect("child");
    assert!(status.success(), "the child run failed");
    let written = walk(home.path());
    assert!(written.is_empty(), "ONNX Runtime wrote {written:?}");
}

/// Loads ONNX Runtime and runs a model (run by the test above, in its own process).
#[test]
#[ignore = "run by onnx_runtime_records_no_telemetry with its own home folder"]
fn run_the_runtime() {
    let config = AnalyzerConfig::default();
    let runtime = segue_analysis::Runtime::get(&config.runtime_library).expect("ONNX Runtime");
    let mut ranker = OnnxRanker::load(runtime, &config.models_dir).expect("ranker");
    let k = RANKED_TERMS.len();
    ranker
        .rank(&vec![1.0; 4 * k], 0.3, &vec![0.0; k])
        .expect("rank");
}

fn walk(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path.display().to_string());
        }
    }
    out
}
