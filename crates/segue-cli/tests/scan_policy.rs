//! `segue scan` and the app run one policy, the service's `LibraryJobs`: import, then analyse
//! what is new, where the library's settings say analysis runs. They used to differ: the CLI
//! always analysed with `auto`, whatever the app's Settings said.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use segue_core::DeviceChoice;
use segue_service::{JobOptions, LibraryJobs, Service};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/gapless/part1.ogg")
}

/// A library over one folder with one track, whose settings say analysis runs on CUDA.
fn library_set_to_cuda(dir: &Path) -> (PathBuf, PathBuf) {
    let music = dir.join("music");
    std::fs::create_dir_all(&music).expect("mkdir");
    std::fs::copy(fixture(), music.join("song.ogg")).expect("copy");
    let db = dir.join("library.sqlite");
    let service = Service::open(&db).expect("open");
    let mut settings = service.app_settings().expect("settings");
    settings.analysis_device = DeviceChoice::Cuda;
    service.set_app_settings(&settings).expect("save settings");
    (db, music)
}

/// What analysis after an import gave, in terms both paths share: the provider that ran, or
/// the error's kind and message.
#[derive(Debug, PartialEq)]
enum Outcome {
    Ran { provider: String, analysed: u64 },
    Failed { kind: String, message: String },
}

fn through_the_service(dir: &Path) -> Outcome {
    let (db, music) = library_set_to_cuda(dir);
    let service = Service::open(&db).expect("open");
    service.add_folders(&[music]).expect("add");
    let jobs = LibraryJobs::new(
        Arc::new(service),
        JobOptions::default(),
        Arc::new(|_: &segue_core::LibraryEvent| {}),
    );
    jobs.scan_all();
    assert!(jobs.wait_idle(Duration::from_secs(300)), "jobs finish");
    jobs.take_scan_result()
        .expect("an import ran")
        .expect("import");
    match jobs.take_analysis_result().expect("analysis followed") {
        Ok(r) => Outcome::Ran {
            provider: r.provider,
            analysed: r.analysed,
        },
        Err(e) => Outcome::Failed {
            kind: e.kind().to_owned(),
            message: e.to_string(),
        },
    }
}

fn through_the_cli(dir: &Path, extra: &[&str]) -> Outcome {
    let (db, music) = library_set_to_cuda(dir);
    let out = Command::new(env!("CARGO_BIN_EXE_segue"))
        .env_remove("SEGUE_DB")
        .arg("--db")
        .arg(&db)
        .args(["scan", "--json"])
        .args(extra)
        .arg(&music)
        .output()
        .expect("run segue");
    assert!(
        out.status.success(),
        "segue scan: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(json["added"], 1, "{json}");
    let analysis = &json["analysis"];
    match analysis.get("error") {
        Some(e) => Outcome::Failed {
            kind: e["kind"].as_str().expect("kind").to_owned(),
            message: e["message"].as_str().expect("message").to_owned(),
        },
        None => Outcome::Ran {
            provider: analysis["provider"].as_str().expect("provider").to_owned(),
            analysed: analysis["analysed"].as_u64().expect("analysed"),
        },
    }
}

#[test]
fn segue_scan_analyses_where_the_library_settings_say_as_the_app_does() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let service = through_the_service(&tmp.path().join("service"));
    let cli = through_the_cli(&tmp.path().join("cli"), &[]);
    assert_eq!(cli, service, "the CLI and the service took different paths");
    // Where CUDA runs, it ran there; elsewhere the CUDA attempt failed and said so. Never the
    // quiet CPU fallback `auto` would have taken.
    match &cli {
        Outcome::Ran { provider, analysed } => {
            assert!(provider.starts_with("cuda"), "{provider}");
            assert_eq!(*analysed, 1);
        }
        Outcome::Failed { message, .. } => {
            assert!(message.contains("CUDA"), "{message}")
        }
    }
}

#[test]
fn segue_scan_device_overrides_the_library_setting() {
    let tmp = tempfile::tempdir().expect("tempdir");
    match through_the_cli(tmp.path(), &["--device", "cpu"]) {
        Outcome::Ran { provider, analysed } => {
            assert!(provider.starts_with("cpu"), "{provider}");
            assert_eq!(analysed, 1);
        }
        failed => panic!("{failed:?}"),
    }
}
