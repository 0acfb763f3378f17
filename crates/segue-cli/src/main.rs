//! `segue`: the command line over the Segue service.

mod analyze;
mod eq;
mod history;
mod path;
mod play;
mod playlist;
mod queue;
mod review;
mod smart;
mod suggest;

use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use segue_core::{LibraryEvent, ScanCause, ScanPhase, ScanReport, Track};
use segue_service::{JobOptions, LibraryJobs, Service, ServiceError, StoreError};

#[derive(Parser)]
#[command(
    name = "segue",
    version,
    about = "Segue: your music library, on your machine"
)]
struct Cli {
    /// Library database (default: $SEGUE_DB, else segue/library.sqlite in the data directory).
    /// Only `segue scan` creates one; other commands refuse a database that does not exist.
    #[arg(long, global = true, value_name = "PATH", value_parser = db_path)]
    db: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Import music folders (adds them to the library); with no folders, rescan the library.
    /// New and changed tracks are then analysed (as `segue analyze`) unless --no-analyze.
    /// Creates the library database if there is none. Every FOLDER must be a folder: a
    /// missing one or a file is refused before anything is imported.
    Scan {
        folders: Vec<PathBuf>,
        /// Print the report as JSON (with an "analysis" member when analysis ran).
        #[arg(long)]
        json: bool,
        /// Only import; leave analysis for `segue analyze`.
        #[arg(long)]
        no_analyze: bool,
        /// Where analysis runs: auto (CUDA if it works, else CPU), cpu or cuda. Default: the
        /// library's setting (the app's Settings → where analysis runs), as the app uses it.
        #[arg(long)]
        device: Option<String>,
    },
    /// Library counts.
    Stats {
        #[arg(long)]
        json: bool,
    },
    /// List tracks.
    Tracks {
        /// Only tracks whose title, artist, album, genre, composer or file name contain all words.
        #[arg(long, short)]
        search: Option<String>,
        #[arg(long, short = 'n')]
        limit: Option<u32>,
        #[arg(long)]
        json: bool,
    },
    /// Play tracks in the terminal: a search (words) or files already in the library.
    /// Keys: space pause, arrows seek, n next, p previous, +/- volume, q quit. When the list
    /// ends, suggestions carry on (autoplay) unless --no-autoplay.
    Play {
        #[arg(required = true)]
        query: Vec<String>,
        /// Stop when the list ends instead of going on with suggestions.
        #[arg(long)]
        no_autoplay: bool,
        /// Crossfade tracks that end by themselves for this run: 4s, 2.5s, 1500ms or off
        /// (default: the library's setting, see `segue crossfade`). An album played in order
        /// stays gapless.
        #[arg(long, value_name = "LENGTH", value_parser = play::parse_crossfade)]
        crossfade: Option<Duration>,
    },
    /// Show the crossfade the app and `segue play` use, or set it: 4s, 2.5s, 1500ms or off
    /// (up to 12 s; off by default). A running app: Settings.
    Crossfade {
        #[arg(value_name = "LENGTH", value_parser = play::parse_crossfade)]
        length: Option<Duration>,
        /// Smart: trim the silence at the ends and start the fade where the outgoing track's
        /// energy falls (from analysis). Kept until --plain.
        #[arg(long, conflicts_with = "plain")]
        smart: bool,
        /// A plain crossfade: from where the file ends, as it is.
        #[arg(long)]
        plain: bool,
    },
    /// Files that could not be imported, and why.
    Report {
        #[arg(long)]
        json: bool,
    },
    /// Analyse tracks not analysed yet (or analysed by an older version): loudness, tempo,
    /// key, timbre, and musicnn tags and embedding. Ctrl-C stops; the next run resumes.
    Analyze {
        /// Where the models run: auto (CUDA if it works, else CPU), cpu or cuda. Default: the
        /// library's setting (the app's Settings → where analysis runs).
        #[arg(long)]
        device: Option<String>,
        /// Worker threads (0: one per core).
        #[arg(long, default_value_t = 0)]
        workers: usize,
        /// 3 s patches scored per track (default 16; more is slower and closer to scoring all).
        #[arg(long)]
        patches: Option<usize>,
        /// Which tagger: reference (the two musicnn models) or student (Segue's distilled model,
        /// about 1/80 of their work per patch; see models/segue-student.md for how closely it
        /// agrees). Default: the library's setting (the app's Settings → analysis model, the
        /// reference until changed). Switching re-analyses.
        #[arg(long)]
        model: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// A track's analysis: features and top tags. TRACK: an id, a file, or search words.
    Show {
        #[arg(required = true)]
        track: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// What to play next, each with its reason. Follows the last played track by default.
    Suggest(suggest::SuggestArgs),
    /// A sonic path: N tracks that travel evenly from one track to another track or a tag
    /// (`segue path 12 "Dawn" -n 12`, `segue path 12 tag:ambient`), each with why it is there;
    /// --save NAME keeps it as a playlist, --queue adds it to the app's queue, --play plays it.
    Path(path::PathArgs),
    /// Rate a track: `segue rate TRACK STARS`, 1-5 stars (0 clears). TRACK: an id, a file,
    /// or search words.
    Rate {
        #[arg(required = true, num_args = 2.., value_name = "TRACK... STARS")]
        args: Vec<String>,
    },
    /// Like a track: suggestions move towards its sound.
    Like {
        #[arg(required = true)]
        track: Vec<String>,
    },
    /// Dislike a track: never suggested, and its sound counts against.
    Dislike {
        #[arg(required = true)]
        track: Vec<String>,
    },
    /// "Not this": never suggest the track again (weaker than dislike).
    NotThis {
        #[arg(required = true)]
        track: Vec<String>,
    },
    /// "More like this": suggestions lean towards the track's sound.
    MoreLike {
        #[arg(required = true)]
        track: Vec<String>,
    },
    /// The listening history: `segue history add` records a listen without playing.
    History {
        #[command(subcommand)]
        command: history::HistoryCommand,
    },
    /// Playlists: list, show, create, rename, duplicate, delete, add, remove, move, and M3U
    /// import and export.
    Playlist {
        #[command(subcommand)]
        command: playlist::PlaylistCommand,
    },
    /// The play queue the app plays and restores: show, add, next (play next), remove, move,
    /// clear. A running app picks up a change within a second.
    Queue {
        #[command(subcommand)]
        command: queue::QueueCommand,
    },
    /// List the audio outputs (the one this library plays on marked *), or choose one: the
    /// app and `segue play` use it from their next start (a running app: Settings).
    Devices {
        /// Play on this output (an id from the list).
        #[arg(long = "use", value_name = "ID", conflicts_with = "default")]
        use_id: Option<String>,
        /// Play on the system's default output.
        #[arg(long)]
        default: bool,
        #[arg(long)]
        json: bool,
    },
    /// Smart playlists: saved rules over analysis, tags and history (tempo, key, energy,
    /// rating, plays, last played, …); their tracks are worked out when shown, each with why.
    Smart {
        #[command(subcommand)]
        command: smart::SmartCommand,
    },
    /// The equaliser of an output device: show, set bands and preamp, a preset, or off. Kept
    /// per device in the library; the app and `segue play` use it from their next start (a
    /// running app: Settings).
    Eq {
        #[command(subcommand)]
        command: eq::EqCommand,
    },
    /// A year of listening at a glance: plays, hours, favourites, the hours of the day and the
    /// months, artists first heard. With no YEAR, the latest year with plays.
    Review {
        year: Option<i32>,
        #[arg(long)]
        json: bool,
    },
    /// The artists rising in your listening and the favourites fading from it (the last 4
    /// weeks against each artist's usual rate).
    Rotation {
        #[arg(long)]
        json: bool,
    },
    /// Forget the learned taste (ratings stay, and count again when changed).
    ResetTaste,
    /// Show or change how suggestions behave.
    SuggestSettings {
        /// 0 stays close to the current sound, 1 explores.
        #[arg(long)]
        exploration: Option<f32>,
        /// Hours before a played track is suggested again.
        #[arg(long)]
        track_gap_hours: Option<f32>,
        /// Tracks between two by the same artist.
        #[arg(long)]
        artist_gap: Option<usize>,
        /// Tracks between two from the same album.
        #[arg(long)]
        album_gap: Option<usize>,
        /// Keep the artist and album gaps even where every track that keeps them is much
        /// less likely to please you (true), or let them yield to your taste (false, default).
        #[arg(long)]
        strict_gaps: Option<bool>,
    },
    /// Check the analysis set-up: ONNX Runtime, execution providers, models and checksums.
    Doctor {
        #[arg(long, default_value = "auto")]
        device: String,
    },
}

#[allow(unsafe_code)]
fn main() {
    let (name, value) = segue_service::analysis::TELEMETRY_OPT_OUT;
    // SAFETY: the first statement of `main`: no other thread exists to read the environment.
    unsafe { std::env::set_var(name, value) };
    // A reader that stops early (`segue tracks | head`) ends the output quietly, as for any
    // Unix tool; Rust's runtime ignores SIGPIPE, so each print would panic instead.
    // SAFETY: before any other thread exists; restores the signal's default disposition.
    #[cfg(unix)]
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SEGUE_LOG").unwrap_or_else(|_| {
                tracing_subscriber::EnvFilter::new("warn,lofty=error,symphonia_core=error")
            }),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("segue: {}", error_text(&e));
            std::process::exit(1);
        }
    }
}

/// `--db`: a database file; an empty value (a script's unset variable) is refused rather
/// than handed to SQLite, which would open a temporary database that vanishes on exit.
fn db_path(value: &str) -> Result<PathBuf, String> {
    if value.trim().is_empty() {
        return Err("an empty path names no database".into());
    }
    Ok(PathBuf::from(value))
}

/// An error and its causes, each said once. Errors here commonly print their cause in their
/// own message and return it as their source too (so the app's one-line message is whole),
/// and SQLite's restate theirs under a label ("file is not a database: Error code 26: file is
/// not a database"): a cause already said, or one that only puts a label before what was
/// said, is left out; one that says more than the cause before it replaces it.
fn error_text(e: &anyhow::Error) -> String {
    let already_said = |text: &str, cause: &str| {
        text.contains(cause)
            || cause
                .split_once(": ")
                .is_some_and(|(_, rest)| !rest.is_empty() && text.contains(rest))
    };
    let mut text = String::new();
    // The cause before this one, and where it starts in `text` when it was printed.
    let mut previous: Option<(String, Option<usize>)> = None;
    for cause in e.chain() {
        let said = cause.to_string();
        let mut printed_at = None;
        if !said.is_empty() && !already_said(&text, &said) {
            match &previous {
                Some((before, at)) if !before.is_empty() && said.contains(before.as_str()) => {
                    if let Some(at) = *at {
                        text.truncate(at);
                        text.push_str(&said);
                        printed_at = Some(at);
                    }
                }
                _ => {
                    if !text.is_empty() {
                        text.push_str(": ");
                    }
                    printed_at = Some(text.len());
                    text.push_str(&said);
                }
            }
        }
        previous = Some((said, printed_at));
    }
    text
}

fn run(cli: Cli) -> Result<i32> {
    // Checking the analysis set-up needs no library, and must not create one.
    if let Command::Doctor { device } = &cli.command {
        let code = analyze::doctor(&analyze::options(analyze::device(device)?, 0, None))?;
        analyze::doctor_model(cli.db.as_deref());
        play::doctor_buffering(cli.db.as_deref());
        return Ok(code);
    }
    let db = match cli.db {
        Some(p) => p,
        None => segue_service::default_db_path()?,
    };
    let opening = || format!("opening the library {}", db.display());
    let service = match cli.command {
        // Only a scan, which adds folders, creates a library.
        Command::Scan { ref folders, .. } => {
            check_folders(folders)?;
            Service::open(&db).with_context(opening)?
        }
        // Everything else works on a library that exists: a mistyped --db is an error, not a
        // new empty library.
        _ => match Service::open_existing(&db) {
            Err(ServiceError::Store(StoreError::NoLibrary { .. })) => bail!(
                "no library at {}: `segue scan FOLDER` creates one (or check --db and {})",
                db.display(),
                segue_service::DB_ENV
            ),
            opened => opened.with_context(opening)?,
        },
    };
    match cli.command {
        Command::Scan {
            folders,
            json,
            no_analyze,
            device,
        } => {
            let options = JobOptions {
                analyse_after_import: !no_analyze,
                device: device.as_deref().map(analyze::device).transpose()?,
                ..Default::default()
            };
            scan(service, &folders, json, options)
        }
        Command::Stats { json } => {
            let s = service.stats()?;
            if json {
                println!("{}", serde_json::to_string_pretty(&s)?);
            } else {
                println!("Library  {}", service.db_path().display());
                for r in &s.roots {
                    println!("Folder   {r}");
                }
                println!(
                    "{} tracks, {} albums, {} artists, {} genres, {} covers",
                    s.tracks, s.albums, s.artists, s.genres, s.covers
                );
                println!(
                    "{} of music, {:.1} MB",
                    format_duration(s.total_duration_ms),
                    s.total_size_bytes as f64 / 1e6
                );
                if s.missing > 0 {
                    println!("{} tracks missing (kept with their history)", s.missing);
                }
                if s.failed > 0 {
                    println!(
                        "{} files could not be imported: see `segue report`",
                        s.failed
                    );
                }
            }
            Ok(0)
        }
        Command::Tracks {
            search,
            limit,
            json,
        } => {
            let tracks = service.tracks(search.as_deref(), limit)?;
            let mut out = std::io::stdout().lock();
            if json {
                serde_json::to_writer_pretty(&mut out, &tracks)?;
                writeln!(out)?;
            } else {
                for t in &tracks {
                    writeln!(out, "{}", track_line(t))?;
                }
            }
            Ok(0)
        }
        Command::Play {
            query,
            no_autoplay,
            crossfade,
        } => play::play(&service, &query, !no_autoplay, crossfade),
        Command::Crossfade {
            length,
            smart,
            plain,
        } => play::crossfade(&service, length, (smart || plain).then_some(smart)),
        Command::Analyze {
            device,
            workers,
            patches,
            model,
            json,
        } => {
            let mut options = analyze::options(
                analyze::device_for(&service, device.as_deref())?,
                workers,
                patches,
            );
            options.analyzer.model = analyze::model_for(&service, model.as_deref())?;
            analyze::analyze(&service, &options, json)
        }
        Command::Show { track, json } => analyze::show(&service, &track, json),
        Command::Suggest(args) => suggest::suggest(&service, args),
        Command::Path(args) => path::path(&service, args),
        Command::Rate { args } => {
            let (stars, track) = args.split_last().context("segue rate TRACK STARS")?;
            let stars: u8 = stars
                .parse()
                .ok()
                .filter(|s| *s <= 5)
                .with_context(|| format!("stars must be 0-5, not {stars:?}"))?;
            suggest::rate(&service, track, stars)
        }
        Command::Like { track } => {
            suggest::feedback(&service, &track, segue_core::FeedbackKind::Like)
        }
        Command::Dislike { track } => {
            suggest::feedback(&service, &track, segue_core::FeedbackKind::Dislike)
        }
        Command::NotThis { track } => {
            suggest::feedback(&service, &track, segue_core::FeedbackKind::NotThis)
        }
        Command::MoreLike { track } => {
            suggest::feedback(&service, &track, segue_core::FeedbackKind::MoreLikeThis)
        }
        Command::SuggestSettings {
            exploration,
            track_gap_hours,
            artist_gap,
            album_gap,
            strict_gaps,
        } => {
            let mut s = service.suggest_settings()?;
            if let Some(v) = strict_gaps {
                s.strict_gaps = v;
            }
            if let Some(v) = exploration {
                s.exploration = v;
            }
            if let Some(v) = track_gap_hours {
                s.track_gap_hours = v;
            }
            if let Some(v) = artist_gap {
                s.artist_gap = v;
            }
            if let Some(v) = album_gap {
                s.album_gap = v;
            }
            service.set_suggest_settings(&s)?;
            println!(
                "exploration {:.2} (0 close, 1 explore); a track again after {} h; {} tracks between \
                 an artist's, {} between an album's ({})",
                s.exploration,
                s.track_gap_hours,
                s.artist_gap,
                s.album_gap,
                if s.strict_gaps {
                    "strict"
                } else {
                    "yielding to your taste"
                }
            );
            Ok(0)
        }
        Command::History { command } => history::history(&service, command),
        Command::Playlist { command } => playlist::playlist(&service, command),
        Command::Queue { command } => queue::queue(&service, command),
        Command::Devices {
            use_id,
            default,
            json,
        } => {
            if use_id.is_some() || default {
                service.set_output_device_choice(use_id.as_deref())?;
            }
            let outputs = service.output_devices()?;
            if json {
                println!("{}", serde_json::to_string_pretty(&outputs)?);
            } else {
                for o in &outputs {
                    println!(
                        "{} {}{}{}\n    {}",
                        if o.chosen { "*" } else { " " },
                        o.name,
                        if o.is_default {
                            " (system default)"
                        } else {
                            ""
                        },
                        if o.connected { "" } else { " (not connected)" },
                        o.id
                    );
                }
                if !outputs.iter().any(|o| o.chosen) {
                    println!("Playing on the system default.");
                }
            }
            Ok(0)
        }
        Command::Smart { command } => smart::smart(&service, command),
        Command::Eq { command } => eq::eq(&service, command),
        Command::Review { year, json } => review::review(&service, year, json),
        Command::Rotation { json } => review::rotation(&service, json),
        Command::ResetTaste => {
            service.reset_taste()?;
            println!("Taste reset: suggestions start afresh.");
            Ok(0)
        }
        // Run above, before a library is opened.
        Command::Doctor { device } => {
            analyze::doctor(&analyze::options(analyze::device(&device)?, 0, None))
        }
        Command::Report { json } => {
            let issues = service.issues()?;
            if json {
                println!("{}", serde_json::to_string_pretty(&issues)?);
            } else if issues.is_empty() {
                println!("Every file imported.");
            } else {
                for i in &issues {
                    println!("{}\n    {}: {}", i.path, i.kind.as_str(), i.message);
                }
                let imported = issues.iter().filter(|i| i.imported).count();
                println!(
                    "{} files could not be imported; {imported} imported with a problem (they play what is there).",
                    issues.len() - imported
                );
            }
            Ok(0)
        }
    }
}

/// Every folder named for `segue scan` must be one: a missing folder is most likely a typo and
/// a file is not a library folder (the library is folders that each rescan keeps up to
/// date; a lone file would have none). Refused before anything is created or imported.
fn check_folders(folders: &[PathBuf]) -> Result<()> {
    let mut refused = Vec::new();
    for folder in folders {
        let shown = folder.display();
        match std::fs::metadata(folder) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => refused.push(format!(
                "{shown} is a file, not a folder: `segue scan` imports folders (to import this \
                 file, scan the folder it is in)"
            )),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                refused.push(format!("there is no folder {shown}"))
            }
            Err(e) => refused.push(format!("cannot read the folder {shown}: {e}")),
        }
    }
    if refused.is_empty() {
        Ok(())
    } else {
        bail!("{}\nNothing was scanned.", refused.join("\n"))
    }
}

/// `segue scan`: the service's import-then-analyse policy ([`LibraryJobs`], as the app runs
/// it), drawn as progress bars; the import's report prints as soon as it is done, before
/// analysis starts.
fn scan(service: Service, folders: &[PathBuf], json: bool, options: JobOptions) -> Result<i32> {
    // Folders named on the command line join the library (`check_folders` has made sure they
    // are folders).
    let folders = service.add_folders(folders)?;

    let cancel =
        cancel_on_ctrl_c("Stopping after the current files (Ctrl-C again to quit at once)...")?;
    let bars = Arc::new(Mutex::new(ScanBars::default()));
    let sink = {
        let bars = bars.clone();
        Arc::new(move |e: &LibraryEvent| lock(&bars).show(e, json))
    };
    let jobs = LibraryJobs::new(Arc::new(service), options, sink);
    if folders.is_empty() {
        jobs.scan_all();
    } else {
        jobs.scan_folders(ScanCause::Requested, &folders);
    }
    // Ctrl-C stops whichever job runs; each keeps what it did.
    while !jobs.wait_idle(Duration::from_millis(100)) {
        if cancel.load(Ordering::SeqCst) {
            jobs.cancel();
        }
    }
    lock(&bars).clear();
    let report = jobs
        .take_scan_result()
        .context("the import did not run")??;
    // Analysis follows the import, so loudness (normalisation), tags and suggestions are ready
    // for what was just added. Its failures are reported and never fail the import.
    let analysis = match jobs.take_analysis_result() {
        Some(Ok(r)) => {
            if !json {
                analyze::print_report(&r);
            }
            Some(analyze::report_json(&r))
        }
        Some(Err(e)) => {
            eprintln!("Analysis skipped: {e} (see `segue doctor`)");
            Some(serde_json::json!({ "error": { "kind": e.kind(), "message": e.to_string() } }))
        }
        None => None,
    };
    if json {
        let mut value = serde_json::to_value(&report)?;
        if let (Some(obj), Some(a)) = (value.as_object_mut(), analysis) {
            obj.insert("analysis".into(), a);
        }
        println!("{}", serde_json::to_string_pretty(&value)?);
    }
    Ok(if report.cancelled { 130 } else { 0 })
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The terminal's view of the library jobs: a bar for the import, its report when it is done,
/// then a bar for analysis.
#[derive(Default)]
struct ScanBars {
    bar: Option<indicatif::ProgressBar>,
    reading_since: Option<std::time::Instant>,
}

impl ScanBars {
    fn show(&mut self, event: &LibraryEvent, json: bool) {
        match event {
            LibraryEvent::ScanStarted { .. } => {
                self.clear();
                let bar = indicatif::ProgressBar::new_spinner();
                bar.enable_steady_tick(Duration::from_millis(120));
                self.bar = Some(bar);
            }
            LibraryEvent::ScanProgress { progress: p, .. } => {
                let Some(bar) = &self.bar else { return };
                match p.phase {
                    ScanPhase::Walking => {
                        bar.set_message(format!("Looking for music: {} files", p.files_found))
                    }
                    ScanPhase::Reading => {
                        let since = *self.reading_since.get_or_insert_with(|| {
                            bar.set_style(style(
                                "{spinner} Importing [{bar:30}] {pos}/{len} files  {msg}",
                            ));
                            bar.set_length(p.files_to_read);
                            std::time::Instant::now()
                        });
                        bar.set_position(p.files_read);
                        let secs = since.elapsed().as_secs_f64();
                        let mut msg = if secs > 0.2 {
                            format!("{:.0} files/s", p.files_read as f64 / secs)
                        } else {
                            String::new()
                        };
                        if p.files_failed > 0 {
                            msg.push_str(&format!("  {} failed", p.files_failed));
                        }
                        bar.set_message(msg);
                    }
                    ScanPhase::Finishing | ScanPhase::Done => {}
                }
            }
            LibraryEvent::ScanFinished { report, .. } => {
                self.clear();
                if !json {
                    print_report(report);
                }
            }
            LibraryEvent::ScanFailed { .. } => self.clear(),
            LibraryEvent::AnalysisProgress { status } if status.running => {
                let bar = self.bar.get_or_insert_with(|| {
                    let bar = indicatif::ProgressBar::new(0);
                    bar.set_style(style(
                        "Analysing [{bar:30}] {pos}/{len} tracks  {per_sec}  eta {eta}  {msg}",
                    ));
                    bar.enable_steady_tick(Duration::from_millis(200));
                    bar
                });
                bar.set_length(status.total);
                bar.set_position(status.done);
                if status.failed > 0 {
                    bar.set_message(format!("{} failed", status.failed));
                }
            }
            LibraryEvent::AnalysisFinished { .. } => self.clear(),
            LibraryEvent::AnalysisProgress { .. }
            | LibraryEvent::Folder { .. }
            | LibraryEvent::MapProgress { .. }
            | LibraryEvent::MapFinished { .. } => {}
        }
    }

    fn clear(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
        self.reading_since = None;
    }
}

fn style(template: &str) -> indicatif::ProgressStyle {
    indicatif::ProgressStyle::with_template(template)
        .map(|s| s.progress_chars("=> "))
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
}

fn print_report(r: &ScanReport) {
    let secs = r.elapsed_ms as f64 / 1000.0;
    let read = r.added + r.updated + r.moved + r.failed;
    println!(
        "{} {} audio files in {:.2} s{}",
        if r.cancelled {
            "Cancelled after"
        } else {
            "Scanned"
        },
        r.files_found,
        secs,
        if read > 0 && secs > 0.0 {
            format!(" ({:.0} files read/s)", read as f64 / secs)
        } else {
            String::new()
        }
    );
    println!(
        "  {} added, {} updated, {} moved, {} unchanged, {} missing, {} failed",
        r.added, r.updated, r.moved, r.unchanged, r.missing, r.failed
    );
    const SHOWN: usize = 20;
    for i in r.issues.iter().take(SHOWN) {
        println!("  ! {}\n      {}: {}", i.path, i.kind.as_str(), i.message);
    }
    if r.issues.len() > SHOWN {
        println!(
            "  ... and {} more: see `segue report`",
            r.issues.len() - SHOWN
        );
    }
    if r.cancelled {
        println!("What was read is saved; run `segue scan` again to continue.");
    }
}

fn format_duration(ms: u64) -> String {
    let s = ms / 1000;
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

fn track_line(t: &Track) -> String {
    let artist = t.display_artist();
    let number = t
        .tags
        .track_number
        .map(|n| format!("{n:02}. "))
        .unwrap_or_default();
    format!(
        "{:>6}  {} - {} - {}{}  ({}, {})",
        t.id,
        artist,
        t.tags.album.as_deref().unwrap_or("-"),
        number,
        t.tags.title,
        format_duration(t.audio.duration_ms),
        t.audio.codec.as_str()
    )
}

/// A flag the first Ctrl-C sets (printing `message`); a second Ctrl-C quits at once. Long
/// jobs stop at a consistent point when the flag is set.
pub(crate) fn cancel_on_ctrl_c(message: &'static str) -> Result<Arc<AtomicBool>> {
    let cancel = Arc::new(AtomicBool::new(false));
    let flag = cancel.clone();
    ctrlc::set_handler(move || {
        if flag.swap(true, Ordering::SeqCst) {
            // Second Ctrl-C: the user wants out now. The database is consistent at any time.
            std::process::exit(130);
        }
        eprintln!("\n{message}");
    })
    .context("installing the Ctrl-C handler")?;
    Ok(cancel)
}
