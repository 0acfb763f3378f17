//! The library's analysis model setting (`analysis.model`) on a real SQLite file, with the
//! real decoder and ONNX Runtime on the committed models: choosing the student makes every
//! analysis stale, the background jobs re-analyse with it, switching back re-analyses again,
//! and an unknown name changes nothing.

use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use segue_core::{LibraryEvent, ModelChoice};
use segue_service::analysis::{AnalysisVersion, AnalyzerConfig, Device, Model};
use segue_service::{JobOptions, LibraryJobs, Service, ServiceError};
use segue_store::Store;

const PATCHES: usize = 2;

/// The version analysis with `model` writes, as the jobs run it here.
fn version(model: Model) -> String {
    let config = AnalyzerConfig {
        model,
        max_patches: PATCHES,
        ..Default::default()
    };
    AnalysisVersion::with_models(&config).expect("models").0
}

fn stale(db: &Path, model: Model) -> usize {
    Store::open(db)
        .expect("store")
        .analysis_todo(&version(model))
        .expect("todo")
        .len()
}

/// Two demo tracks imported into a fresh library, analysed by the jobs as the app runs them.
fn library(dir: &Path) -> (Arc<LibraryJobs>, Arc<Mutex<Vec<LibraryEvent>>>) {
    let music = dir.join("music");
    std::fs::create_dir(&music).expect("dir");
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/demo");
    for name in [
        "Wansti/SuperTux Soundtrack/04 Boss Attack.wav",
        "Muldjord/Frets on Fire Soundtrack/01 Armygeddon.mp3",
    ] {
        let src = demo.join(name);
        std::fs::copy(&src, music.join(src.file_name().expect("name"))).expect("copy");
    }
    let service = Service::open(&dir.join("library.sqlite")).expect("open");
    service.add_folders(&[music]).expect("folder");
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = {
        let events = events.clone();
        Arc::new(move |e: &LibraryEvent| {
            events
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(e.clone())
        })
    };
    let options = JobOptions {
        device: Some(Device::Cpu),
        workers: 2,
        max_patches: Some(PATCHES),
        ..Default::default()
    };
    let jobs = LibraryJobs::new(Arc::new(service), options, sink);
    jobs.scan_all();
    assert!(
        jobs.wait_idle(Duration::from_secs(300)),
        "import and analysis"
    );
    (jobs, events)
}

fn analysed_with(jobs: &LibraryJobs, expected: Model) {
    let report = jobs
        .take_analysis_result()
        .expect("an analysis ran")
        .expect("analysis");
    assert_eq!(report.version, version(expected), "{report:?}");
    assert!(report.failed.is_empty(), "{report:?}");
}

#[test]
fn choosing_the_student_re_analyses_with_it_and_switching_back_re_analyses_again() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("library.sqlite");
    let (jobs, events) = library(dir.path());
    let service = jobs.service().clone();

    // A new library analyses with the reference.
    assert_eq!(
        service.app_settings().expect("settings").analysis_model,
        ModelChoice::Reference
    );
    analysed_with(&jobs, Model::Reference);
    assert_eq!(
        (stale(&db, Model::Reference), stale(&db, Model::Student)),
        (0, 2)
    );
    let rows = service.track_rows().expect("rows");
    let reference_tags = service
        .analysis(rows[0].id)
        .expect("query")
        .expect("analysed")
        .tags_msd;

    // The student: saved, every track stale for it, and the background pass writes its version.
    assert!(
        service
            .set_analysis_model(ModelChoice::Student)
            .expect("set")
    );
    assert!(
        !service
            .set_analysis_model(ModelChoice::Student)
            .expect("set again")
    );
    assert_eq!(service.analysis_model(), Model::Student);
    assert_eq!(
        service.app_settings().expect("settings").analysis_model,
        ModelChoice::Student
    );
    events.lock().expect("events").clear();
    jobs.restart_analysis();
    assert!(jobs.wait_idle(Duration::from_secs(300)), "student analysis");
    analysed_with(&jobs, Model::Student);
    assert_eq!(
        (stale(&db, Model::Student), stale(&db, Model::Reference)),
        (0, 2)
    );
    let student_tags = service
        .analysis(rows[0].id)
        .expect("query")
        .expect("analysed")
        .tags_msd;
    assert_eq!(student_tags.len(), 50);
    assert_ne!(
        student_tags, reference_tags,
        "the student's tags were not written"
    );
    // The progress started from none of the two tracks now stale.
    let progress: Vec<(u64, u64)> = events
        .lock()
        .expect("events")
        .iter()
        .filter_map(|e| match e {
            LibraryEvent::AnalysisProgress { status } if status.total > 0 => {
                Some((status.done, status.total))
            }
            _ => None,
        })
        .collect();
    assert_eq!(progress.first(), Some(&(0, 2)), "{progress:?}");
    assert_eq!(progress.last(), Some(&(2, 2)), "{progress:?}");

    // Switching while a pass runs (held paused) stops it and analyses everything with the
    // model chosen now, whatever the stopped pass wrote.
    assert!(
        service
            .set_analysis_model(ModelChoice::Reference)
            .expect("set")
    );
    jobs.analyse();
    jobs.pause_analysis(true);
    assert!(
        service
            .set_analysis_model(ModelChoice::Student)
            .expect("again")
    );
    jobs.restart_analysis();
    assert!(jobs.wait_idle(Duration::from_secs(300)), "student again");
    let report = jobs
        .take_analysis_result()
        .expect("an analysis ran")
        .expect("analysis");
    assert!(!report.cancelled, "{report:?}");
    assert_eq!(stale(&db, Model::Student), 0);
    let status = jobs.analysis_status();
    assert!(!status.running && !status.paused, "{status:?}");

    // Back to the reference: everything again, with the reference's tags.
    assert!(
        service
            .set_analysis_model(ModelChoice::Reference)
            .expect("back")
    );
    assert_eq!(stale(&db, Model::Reference), 2);
    jobs.restart_analysis();
    assert!(jobs.wait_idle(Duration::from_secs(300)), "reference again");
    analysed_with(&jobs, Model::Reference);
    assert_eq!(
        (stale(&db, Model::Reference), stale(&db, Model::Student)),
        (0, 2)
    );
    let again = service
        .analysis(rows[0].id)
        .expect("query")
        .expect("analysed")
        .tags_msd;
    let largest_difference = again
        .iter()
        .zip(&reference_tags)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    assert!(largest_difference < 1e-4, "{largest_difference}");
}

#[test]
fn an_unknown_model_is_refused_and_changes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("library.sqlite");
    let service = Service::open(&db).expect("open");
    service
        .set_analysis_model(ModelChoice::Student)
        .expect("student");
    match segue_service::parse_model_choice("turbo") {
        Err(e @ ServiceError::InvalidInput(_)) => {
            let message = e.to_string();
            assert!(
                message.contains("\"turbo\"") && message.contains("student, reference"),
                "{message}"
            );
        }
        other => panic!("expected invalid input, got {other:?}"),
    }
    assert_eq!(
        service.analysis_model_choice().expect("model"),
        ModelChoice::Student
    );
    for name in ["student", "reference"] {
        let choice = segue_service::parse_model_choice(name).expect("known");
        assert_eq!(segue_service::model_choice_name(choice), name);
    }
    // A value written by another version: the settings page still opens, on the reference.
    Store::open(&db)
        .expect("store")
        .set_setting("analysis.model", "turbo")
        .expect("write");
    assert_eq!(
        service.app_settings().expect("settings").analysis_model,
        ModelChoice::Reference
    );
    assert_eq!(service.analysis_model(), Model::Reference);
    // Saving the rest of the settings page leaves the model as it is.
    service
        .set_analysis_model(ModelChoice::Student)
        .expect("student");
    let mut settings = service.app_settings().expect("settings");
    settings.analysis_model = ModelChoice::Reference;
    settings.autoplay = false;
    service.set_app_settings(&settings).expect("save page");
    assert_eq!(service.analysis_model(), Model::Student);
}

#[test]
fn the_estimate_counts_the_library_and_the_student_is_quicker() {
    let dir = tempfile::tempdir().expect("tempdir");
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/demo");
    let service = Service::open(&dir.path().join("library.sqlite")).expect("open");
    let empty = service.analysis_estimate().expect("estimate");
    assert_eq!((empty.tracks, empty.reference_minutes), (0, 0.0));
    service.add_folders(&[demo]).expect("folder");
    let never = AtomicBool::new(false);
    service.scan(&[], &never, &mut |_| {}).expect("scan");
    let rows = service.track_rows().expect("rows");
    let estimate = service.analysis_estimate().expect("estimate");
    assert_eq!(estimate.tracks as usize, rows.len());
    assert!(estimate.reference_minutes > 0.0, "{estimate:?}");
    // The minutes scale with the measured speeds: the student is quicker by their ratio.
    let ratio = estimate.reference_minutes / estimate.student_minutes;
    let measured =
        segue_service::analysis::STUDENT_SPEED / segue_service::analysis::REFERENCE_SPEED;
    assert!(
        measured > 1.0 && (f64::from(ratio) - measured).abs() < 1e-3,
        "{estimate:?}"
    );
}
