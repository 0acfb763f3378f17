//! `segue history add`: records a listen without playing, for scripts and imports.
//! `segue history import` / `export`: other services' history files (ListenBrainz, Last.fm).

use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::Ordering;

use anyhow::Result;
use segue_service::segue_core::{
    HistoryExportFormat, HistoryFormat, HistoryImportPhase, HistoryImportReport, PlayEnd,
};
use segue_service::{Listen, Service};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// `segue history`'s subcommands.
#[derive(clap::Subcommand)]
pub enum HistoryCommand {
    /// Record a listen without playing it; it counts for suggestions as a played one.
    /// TRACK: an id, a file, or search words that name one track.
    Add {
        #[arg(required = true)]
        track: Vec<String>,
        /// How long: 45s, 3m20s, 1h2m, 1:05, 1:02:05, or a share of the track such as 100%.
        #[arg(long, value_parser = parse_listened, allow_hyphen_values = true)]
        listened: Listened,
        /// How it ended: skipped, completed or stopped.
        #[arg(long, value_parser = parse_ended)]
        ended: PlayEnd,
        /// When it started: RFC 3339 (2025-03-01T18:30:00+01:00) or Unix milliseconds
        /// (default: now).
        #[arg(long, value_parser = parse_at, allow_hyphen_values = true)]
        at: Option<i64>,
    },
    /// Import a ListenBrainz or Last.fm export: each listen is matched to a library track by
    /// artist, title and album; listens already in the history are not added again. Prints
    /// what was imported, what was already there, and what did not match and why.
    Import {
        file: PathBuf,
        /// listenbrainz, lastfm-csv or lastfm-json (default: told from the file's content).
        #[arg(long)]
        format: Option<HistoryFormat>,
        /// The whole report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Export the history's full listens (half the track or four minutes), oldest first.
    Export {
        /// listenbrainz (a JSON array of listens) or csv.
        #[arg(long)]
        format: HistoryExportFormat,
        /// The file to write (default: standard output).
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Replace FILE if it exists.
        #[arg(long)]
        overwrite: bool,
    },
}

/// How long a listen lasted, as given on the command line.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Listened {
    Ms(i64),
    /// Percent of the track's duration.
    ShareOfTrack(f64),
}

impl Listened {
    fn ms_of(self, duration_ms: u64) -> i64 {
        match self {
            Listened::Ms(ms) => ms,
            Listened::ShareOfTrack(percent) => {
                (duration_ms as f64 * percent / 100.0).round() as i64
            }
        }
    }
}

pub fn history(service: &Service, command: HistoryCommand) -> Result<i32> {
    match command {
        HistoryCommand::Add {
            track,
            listened,
            ended,
            at,
        } => {
            let track = crate::suggest::track(service, &track)?;
            let listened_ms = listened.ms_of(track.audio.duration_ms);
            let started_at_ms = at.unwrap_or_else(now_ms);
            service.record_listen(&Listen {
                track: track.id,
                listened_ms,
                ended,
                started_at_ms,
            })?;
            println!(
                "Recorded a listen of [{}] {} — {}: {} of {}, {}, started {}.",
                track.id,
                track.tags.title,
                track.display_artist(),
                crate::format_duration(listened_ms.max(0) as u64),
                crate::format_duration(track.audio.duration_ms),
                ended_name(ended),
                rfc3339(started_at_ms)
            );
            Ok(0)
        }
        HistoryCommand::Import { file, format, json } => import(service, &file, format, json),
        HistoryCommand::Export {
            format,
            output,
            overwrite,
        } => {
            match output {
                Some(path) => {
                    let report = service.export_history(&path, format, overwrite)?;
                    eprintln!("Wrote {} listens to {}.", report.listens, report.path);
                }
                None => {
                    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
                    service.export_history_to(&mut out, format)?;
                    out.flush()?;
                }
            }
            Ok(0)
        }
    }
}

fn import(
    service: &Service,
    file: &std::path::Path,
    format: Option<HistoryFormat>,
    json: bool,
) -> Result<i32> {
    let cancel = crate::cancel_on_ctrl_c("Stopping after the current batch...")?;
    let mut last_phase = None;
    let report = service.import_history(file, format, &cancel, &mut |p| {
        if !json && last_phase != Some(p.phase) {
            last_phase = Some(p.phase);
            eprintln!(
                "{}",
                match p.phase {
                    HistoryImportPhase::Reading => "Reading the file...".to_owned(),
                    HistoryImportPhase::Matching =>
                        format!("Matching {} listens to the library...", p.total),
                    HistoryImportPhase::Writing =>
                        format!("Adding {} matched listens to the history...", p.total),
                }
            );
        }
    })?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_import(&report);
    }
    Ok(if cancel.load(Ordering::SeqCst) || report.cancelled {
        130
    } else {
        0
    })
}

fn print_import(r: &HistoryImportReport) {
    println!("{} records read as {}.", r.records, r.format);
    println!("  imported     {}", r.imported);
    println!("  duplicate    {} (already in the history)", r.duplicates);
    println!("  unmatched    {}", r.unmatched_listens());
    println!("    no track by the artist        {}", r.unknown_artist);
    println!("    the artist, not the title     {}", r.unknown_title);
    println!("    several tracks fit            {}", r.ambiguous);
    println!("  unreadable   {}", r.bad_records);
    if r.read_as_windows_1252 > 0 {
        println!(
            "  (lines not UTF-8, read as Windows-1252: {})",
            r.read_as_windows_1252
        );
    }
    if r.cancelled {
        println!("Stopped before the end: the listens added so far stay.");
    }
    if !r.unmatched.is_empty() {
        println!("Did not match (listens, artist — title: why):");
        for u in r.unmatched.iter().take(20) {
            println!(
                "  {:>5}  {} — {}: {}",
                u.listens, u.artist, u.title, u.reason
            );
        }
        if r.unmatched.len() > 20 {
            println!(
                "  ... and {} more (--json lists them)",
                r.unmatched.len() - 20
            );
        }
    }
    if !r.bad.is_empty() {
        println!("Could not read (line: why):");
        for b in r.bad.iter().take(20) {
            println!("  {:>6}: {}", b.line, b.problem);
        }
        if r.bad_records > 20 {
            println!("  ... and {} more (--json lists them)", r.bad_records - 20);
        }
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

fn ended_name(ended: PlayEnd) -> &'static str {
    match ended {
        PlayEnd::Completed => "completed",
        PlayEnd::Skipped => "skipped",
        PlayEnd::Stopped => "stopped",
        PlayEnd::Error => "ended by an error",
    }
}

fn parse_ended(text: &str) -> Result<PlayEnd, String> {
    match text.trim().to_lowercase().as_str() {
        "skipped" => Ok(PlayEnd::Skipped),
        "completed" => Ok(PlayEnd::Completed),
        "stopped" => Ok(PlayEnd::Stopped),
        other => Err(format!(
            "\"{other}\" is not how a listen ends: skipped, completed or stopped"
        )),
    }
}

/// `45s`, `3m20s`, `1h2m`, `1.5s`, `500ms`; `1:05`, `1:02:05`; `100%`. A leading `-` gives a
/// negative listen, which the service refuses with its own words.
fn parse_listened(text: &str) -> Result<Listened, String> {
    let trimmed = text.trim();
    let (sign, body) = match trimmed.strip_prefix('-') {
        Some(rest) => (-1.0, rest),
        None => (1.0, trimmed),
    };
    let invalid = || {
        format!("\"{text}\" is not a listening time: say 45s, 3m20s, 1:05 or a share such as 100%")
    };
    if let Some(percent) = body.strip_suffix('%') {
        let percent = plain_number(percent.trim()).ok_or_else(invalid)?;
        return finite(sign * percent)
            .map(Listened::ShareOfTrack)
            .ok_or_else(invalid);
    }
    let seconds = if body.contains(':') {
        clock_seconds(body)
    } else {
        unit_seconds(body)
    }
    .ok_or_else(invalid)?;
    finite(sign * seconds * 1000.0)
        .map(|ms| Listened::Ms(ms.round() as i64))
        .ok_or_else(invalid)
}

fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

/// `M:SS` or `H:MM:SS` (the seconds may have a fraction).
fn clock_seconds(text: &str) -> Option<f64> {
    let parts: Vec<&str> = text.split(':').collect();
    if !(2..=3).contains(&parts.len()) {
        return None;
    }
    let (last, leading) = parts.split_last()?;
    let seconds: f64 = plain_number(last)?;
    if seconds >= 60.0 {
        return None;
    }
    let mut total = 0.0;
    for (i, part) in leading.iter().enumerate() {
        let value: u32 = part.parse().ok()?;
        // Minutes after hours are at most 59; the leading field may be as large as it likes.
        if i > 0 && value >= 60 {
            return None;
        }
        total = total * 60.0 + f64::from(value);
    }
    Some(total * 60.0 + seconds)
}

/// `1h2m3s`, `3m20s`, `45s`, `1.5s`, `500ms`: numbers each followed by a unit, largest first.
fn unit_seconds(text: &str) -> Option<f64> {
    const UNITS: [(&str, f64); 4] = [("h", 3600.0), ("m", 60.0), ("s", 1.0), ("ms", 0.001)];
    let mut rest = text;
    let mut total = 0.0;
    // Each unit at most once and in order: "3s2m" is a typo, not 123 s.
    let mut next_unit = 0;
    while !rest.is_empty() {
        let number_end = rest.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
        let number = plain_number(&rest[..number_end])?;
        let after = &rest[number_end..];
        let unit_end = after
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(after.len());
        let unit = UNITS[next_unit..]
            .iter()
            .position(|(name, _)| *name == &after[..unit_end])?
            + next_unit;
        total += number * UNITS[unit].1;
        next_unit = unit + 1;
        rest = &after[unit_end..];
    }
    (next_unit > 0).then_some(total)
}

/// Digits with at most one decimal point; no sign, exponent or "inf".
fn plain_number(text: &str) -> Option<f64> {
    let valid = !text.is_empty()
        && text.chars().all(|c| c.is_ascii_digit() || c == '.')
        && text.matches('.').count() <= 1
        && text != ".";
    valid.then(|| text.parse().ok()).flatten()
}

/// Unix milliseconds below this are taken for a mistake (seconds given as milliseconds would
/// be a date in early 1970): 1973-03-03.
const EARLIEST_MS: i64 = 100_000_000_000;

fn parse_at(text: &str) -> Result<i64, String> {
    let text = text.trim();
    if let Ok(ms) = text.parse::<i64>() {
        if ms < EARLIEST_MS {
            return Err(format!(
                "{ms} would be before 1973 in Unix milliseconds (Unix seconds? multiply by 1000)"
            ));
        }
        return Ok(ms);
    }
    let at = OffsetDateTime::parse(text, &Rfc3339).map_err(|e| {
        format!(
            "\"{text}\" is neither an RFC 3339 time (2025-03-01T18:30:00+01:00) nor Unix milliseconds: {e}"
        )
    })?;
    i64::try_from(at.unix_timestamp_nanos() / 1_000_000)
        .map_err(|_| format!("{text} is out of range"))
}

fn rfc3339(ms: i64) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| format!("{ms} ms after 1970"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listening_times_read_as_people_write_them() {
        let ms = |text: &str| parse_listened(text);
        assert_eq!(ms("45s"), Ok(Listened::Ms(45_000)));
        assert_eq!(ms("3m20s"), Ok(Listened::Ms(200_000)));
        assert_eq!(ms("1h2m"), Ok(Listened::Ms(3_720_000)));
        assert_eq!(ms("1.5s"), Ok(Listened::Ms(1_500)));
        assert_eq!(ms("2m500ms"), Ok(Listened::Ms(120_500)));
        assert_eq!(ms("1:05"), Ok(Listened::Ms(65_000)));
        assert_eq!(ms("1:02:05"), Ok(Listened::Ms(3_725_000)));
        assert_eq!(ms("75:00"), Ok(Listened::Ms(4_500_000)));
        assert_eq!(ms("100%"), Ok(Listened::ShareOfTrack(100.0)));
        assert_eq!(ms("12.5%"), Ok(Listened::ShareOfTrack(12.5)));
        assert_eq!(ms("-45s"), Ok(Listened::Ms(-45_000)));
        for wrong in [
            "45", "", "s", "3s2m", "1:75", "1:60:00", "1::05", "abc", "45 s", "1e3s", "inf%", "5x",
        ] {
            assert!(ms(wrong).is_err(), "{wrong:?} was read as {:?}", ms(wrong));
        }
    }

    #[test]
    fn a_share_of_the_track_is_rounded_to_the_millisecond() {
        assert_eq!(Listened::ShareOfTrack(100.0).ms_of(201_333), 201_333);
        assert_eq!(Listened::ShareOfTrack(50.0).ms_of(1_001), 501);
        assert_eq!(Listened::Ms(45_000).ms_of(10_000), 45_000);
    }

    #[test]
    fn start_times_are_rfc3339_or_unix_milliseconds() {
        assert_eq!(parse_at("1700000000000"), Ok(1_700_000_000_000));
        assert_eq!(parse_at("2023-11-14T22:13:20Z"), Ok(1_700_000_000_000));
        assert_eq!(
            parse_at("2023-11-14T23:13:20.5+01:00"),
            Ok(1_700_000_000_500)
        );
        assert!(parse_at("1700000000").is_err(), "seconds, not milliseconds");
        assert!(parse_at("yesterday").is_err());
        assert!(parse_at("2023-11-14").is_err(), "a time of day is needed");
        assert_eq!(rfc3339(1_700_000_000_000), "2023-11-14T22:13:20Z");
    }

    #[test]
    fn endings_are_skipped_completed_or_stopped() {
        assert_eq!(parse_ended("skipped"), Ok(PlayEnd::Skipped));
        assert_eq!(parse_ended("Completed"), Ok(PlayEnd::Completed));
        assert_eq!(parse_ended("stopped"), Ok(PlayEnd::Stopped));
        assert!(parse_ended("error").is_err());
    }
}
