//! `segue analyze`, `segue show`, `segue doctor`.

use std::sync::atomic::AtomicBool;
use std::time::Duration;

use anyhow::{Result, bail};
use segue_core::{PITCH_CLASSES, camelot};
use segue_service::Service;
use segue_service::analysis::{AnalysisOptions, AnalysisReport, Device, Model};

/// `--device`: auto, cpu or cuda.
pub fn device(name: &str) -> Result<Device> {
    Ok(name.parse::<Device>()?)
}

/// `--model`: student or reference.
pub fn model(name: &str) -> Result<Model> {
    Ok(name.parse::<Model>()?)
}

/// Where analysis runs: `--device` when given, else the library's setting (the app's
/// Settings → where analysis runs), as the app and `segue scan` use it.
pub fn device_for(service: &Service, name: Option<&str>) -> Result<Device> {
    name.map_or_else(|| Ok(service.analysis_device()), device)
}

/// Which tagger: `--model` when given, else the library's setting (the app's Settings →
/// analysis model), as the app and `segue scan` use it.
pub fn model_for(service: &Service, name: Option<&str>) -> Result<Model> {
    name.map_or_else(|| Ok(service.analysis_model()), model)
}

pub fn options(device: Device, workers: usize, patches: Option<usize>) -> AnalysisOptions {
    let mut o = AnalysisOptions {
        workers,
        ..Default::default()
    };
    o.analyzer.device = device;
    if let Some(p) = patches {
        o.analyzer.max_patches = p.max(1);
    }
    o
}

pub fn analyze(service: &Service, options: &AnalysisOptions, json: bool) -> Result<i32> {
    let cancel = crate::cancel_on_ctrl_c(
        "Stopping after the current tracks (the next run resumes; Ctrl-C again to quit at once)...",
    )?;
    let report = run_with_progress(service, options, &cancel)?;
    if json {
        println!("{}", report_json(&report));
    } else {
        print_report(&report);
    }
    Ok(if report.failed.is_empty() { 0 } else { 2 })
}

/// Runs an analysis with a progress bar on the terminal.
pub fn run_with_progress(
    service: &Service,
    options: &AnalysisOptions,
    cancel: &AtomicBool,
) -> Result<AnalysisReport, segue_service::ServiceError> {
    let pause = AtomicBool::new(false);
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "Analysing [{bar:30}] {pos}/{len} tracks  {per_sec}  eta {eta}  {msg}",
        )
        .map(|s| s.progress_chars("=> "))
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar.enable_steady_tick(Duration::from_millis(200));
    let report = service.analyze(options, cancel, &pause, &mut |p| {
        bar.set_length(p.total);
        bar.set_position(p.done);
        if p.failed > 0 {
            bar.set_message(format!("{} failed", p.failed));
        }
    });
    bar.finish_and_clear();
    report
}

pub fn report_json(report: &AnalysisReport) -> serde_json::Value {
    let secs = report.elapsed.as_secs_f64().max(1e-9);
    serde_json::json!({
        "analysed": report.analysed,
        "failed": report.failed.iter().map(|(id, path, why)| serde_json::json!({
            "track_id": id, "path": path, "reason": why})).collect::<Vec<_>>(),
        "cancelled": report.cancelled,
        "audio_seconds": report.audio_seconds,
        "elapsed_seconds": secs,
        "times_real_time": report.audio_seconds / secs,
        "provider": report.provider,
        "version": report.version,
    })
}

pub fn print_report(report: &AnalysisReport) {
    let secs = report.elapsed.as_secs_f64().max(1e-9);
    if report.analysed == 0 && report.failed.is_empty() && !report.cancelled {
        println!("Analysis is up to date.");
        return;
    }
    println!(
        "Analysed {} tracks ({:.0} s of audio) in {:.1} s: {:.0}x real time, on {}",
        report.analysed,
        report.audio_seconds,
        secs,
        report.audio_seconds / secs,
        report.provider
    );
    for (_, path, why) in &report.failed {
        println!("  failed: {}: {why}", path.display());
    }
    if report.cancelled {
        println!("Stopped early; run `segue analyze` again to finish.");
    }
}

pub fn show(service: &Service, track: &[String], json: bool) -> Result<i32> {
    let t = crate::suggest::track(service, track)?;
    let Some(a) = service.analysis(t.id)? else {
        bail!(
            "\"{}\" is not analysed yet: run `segue analyze`",
            t.tags.title
        );
    };
    let config = AnalysisOptions::default().analyzer;
    // Without the models (or their label files) a track has features but no tags.
    let (msd, mtt) = if a.tags_msd.is_empty() {
        (Vec::new(), Vec::new())
    } else {
        service.tag_labels(&config)?
    };
    let top = |labels: &[String], scores: &[f32]| -> Vec<(String, f32)> {
        let mut idx: Vec<usize> = (0..scores.len().min(labels.len())).collect();
        idx.sort_by(|&x, &y| scores[y].total_cmp(&scores[x]));
        idx.iter()
            .take(5)
            .map(|&i| (labels[i].clone(), scores[i]))
            .collect()
    };
    let (top_msd, top_mtt) = (top(&msd, &a.tags_msd), top(&mtt, &a.tags_mtt));
    if json {
        println!(
            "{}",
            serde_json::json!({
                "track": t,
                "analysis": a,
                "top_tags": { "msd": top_msd, "mtt": top_mtt },
            })
        );
        return Ok(0);
    }
    let d = &a.dsp;
    println!("{} — {}", t.display_artist(), t.tags.title);
    println!("  file        {}", t.path);
    if let Some(l) = a.loudness {
        println!(
            "  loudness    {:.1} LUFS, true peak {:.1} dBTP",
            l.integrated_lufs, l.true_peak_dbtp
        );
    }
    println!(
        "  tempo       {:.1} BPM (confidence {:.2})",
        d.bpm, d.bpm_confidence
    );
    println!(
        "  key         {} {:?} ({}, confidence {:.2})",
        PITCH_CLASSES[usize::from(d.key % 12)],
        d.mode,
        camelot(d.key, d.mode),
        d.key_confidence
    );
    println!(
        "  energy      {:.3} RMS   onsets {:.2}/s   zero crossings {:.3}/sample",
        d.energy, d.onset_rate, d.zero_crossing_rate
    );
    println!(
        "  spectrum    centroid {:.0} Hz, roll-off {:.0} Hz, flatness {:.3}",
        d.spectral_centroid_hz, d.spectral_rolloff_hz, d.spectral_flatness
    );
    let fmt = |tags: &[(String, f32)]| {
        tags.iter()
            .map(|(l, s)| format!("{l} {s:.2}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if a.tags_msd.is_empty() {
        println!("  tags        none: analysed without the models (see `segue doctor`)");
    } else {
        println!("  tags (MSD)  {}", fmt(&top_msd));
        println!("  tags (MTT)  {}", fmt(&top_mtt));
    }
    Ok(0)
}

/// The tagger the library is set to use. Read from an existing library only: doctor runs
/// before the first scan and must not create one.
pub fn doctor_model(db: Option<&std::path::Path>) {
    const LINE: &str = "analysis model       ";
    let db = match db.map(std::path::Path::to_path_buf) {
        Some(p) => Ok(p),
        None => segue_service::default_db_path(),
    };
    let db = match db {
        Ok(db) if db.exists() => db,
        Ok(_) => {
            return println!("{LINE} reference (the default: no library yet)");
        }
        Err(e) => return println!("{LINE} unknown: {e}"),
    };
    match Service::open_existing(&db).and_then(|s| s.analysis_model_choice()) {
        Ok(choice) => println!(
            "{LINE} {} (the library's setting analysis.model, the app's Settings; `segue analyze --model` overrides it for one run)",
            segue_service::model_choice_name(choice)
        ),
        Err(e) => println!("{LINE} unknown: {e}"),
    }
}

pub fn doctor(options: &AnalysisOptions) -> Result<i32> {
    let d = segue_service::analysis::doctor(&options.analyzer);
    let mut ok = true;
    println!("ONNX Runtime library  {}", d.runtime_library.display());
    println!("  found               {}", d.runtime_origin);
    match &d.runtime {
        Ok(info) => println!("  loaded              {}", info.trim()),
        Err(e) => {
            ok = false;
            println!("  NOT LOADED          {e}");
        }
    }
    println!("  providers           {}", d.providers.join(", "));
    match &d.in_use {
        Ok(p) => println!("  in use              {p}"),
        Err(e) => {
            ok = false;
            println!("  models NOT LOADED   {e}");
        }
    }
    println!("models                {}", d.models_dir.display());
    println!("  found               {}", d.models_origin);
    for (path, sum, matches) in &d.models {
        let verdict = match matches {
            Some(true) => "matches SHA256SUMS",
            Some(false) => {
                ok = false;
                "DIFFERS from SHA256SUMS"
            }
            None => "not listed in SHA256SUMS",
        };
        println!("model {}  sha256 {sum}  {verdict}", path.display());
    }
    if d.models.is_empty() {
        ok = false;
        println!(
            "models: none found in {}",
            options.analyzer.models_dir.display()
        );
    }
    Ok(if ok { 0 } else { 1 })
}
