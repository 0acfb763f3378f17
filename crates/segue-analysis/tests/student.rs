//! The student tagger (`models/segue-student.onnx`) through the analysis's own ONNX Runtime
//! path, against the reference (musicnn) on the demo library: each output lands where musicnn's
//! does (a swapped or misread output would not resemble the reference), and the analysis
//! version names the model. How closely it agrees on music it never saw is measured by
//! `examples/student_agreement.rs` (see `models/segue-student.md`).

use std::path::{Path, PathBuf};

use segue_analysis::{AnalysisVersion, Analyzer, AnalyzerConfig, Device, Model};

fn demo_tracks() -> Vec<PathBuf> {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/demo");
    let mut out = Vec::new();
    let mut dirs = vec![demo];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("demo folder") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "ogg" || e == "flac") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn config(model: Model) -> AnalyzerConfig {
    AnalyzerConfig {
        model,
        device: Device::Cpu,
        max_patches: 8,
        ..AnalyzerConfig::default()
    }
}

fn top5(tags: &[f32]) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..tags.len()).collect();
    idx.sort_by(|&a, &b| tags[b].total_cmp(&tags[a]));
    idx.truncate(5);
    idx
}

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let norm = |v: &[f32]| v.iter().map(|x| x * x).sum::<f32>().sqrt();
    dot / (norm(a) * norm(b)).max(1e-12)
}

#[test]
fn the_student_gives_what_musicnn_gives_in_the_same_places() {
    let mut student = Analyzer::new(&config(Model::Student))
        .expect("the committed student loads (scripts/fetch-onnxruntime.sh provides the runtime)");
    let mut reference = Analyzer::new(&config(Model::Reference)).expect("musicnn loads");
    let tracks = demo_tracks();
    assert!(tracks.len() >= 4, "{tracks:?}");
    let (mut top5_shared, mut compared) = (0usize, 0usize);
    for path in &tracks {
        let s = student.analyze(1, path).expect("student analysis");
        let r = reference.analyze(1, path).expect("reference analysis");
        assert_eq!(
            (s.tags_msd.len(), s.tags_mtt.len(), s.embedding.len()),
            (50, 50, 200)
        );
        assert!(
            s.tags_msd
                .iter()
                .chain(&s.tags_mtt)
                .all(|p| (0.0..=1.0).contains(p))
        );
        let cos = cosine(&s.embedding, &r.embedding);
        let shared = |a: &[f32], b: &[f32]| {
            let (a, b) = (top5(a), top5(b));
            a.iter().filter(|i| b.contains(i)).count()
        };
        let (msd, mtt) = (
            shared(&s.tags_msd, &r.tags_msd),
            shared(&s.tags_mtt, &r.tags_mtt),
        );
        eprintln!(
            "{}: top 5 shared {msd} {mtt}, cosine {cos:.3}",
            path.display()
        );
        assert!(cos >= 0.8, "{}: embedding cosine {cos}", path.display());
        top5_shared += msd + mtt;
        compared += 10;
    }
    // Swapping the two tag sets, or reading the embedding from another output, leaves far
    // fewer in common.
    assert!(
        top5_shared * 10 >= compared * 6,
        "top 5 shared {top5_shared} of {compared}"
    );
}

#[test]
fn the_analysis_version_names_the_student() {
    let student = AnalysisVersion::with_models(&config(Model::Student)).expect("version");
    let reference = AnalysisVersion::with_models(&config(Model::Reference)).expect("version");
    assert!(student.0.contains("/student-"), "{}", student.0);
    assert!(!reference.0.contains("student"), "{}", reference.0);
    assert_ne!(student, reference);
}
