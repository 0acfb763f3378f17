//! How fast a listening history imports, and how well its listens are matched to the library.
//!
//! ```sh
//! cargo run --release -p segue-service --example history_import [LISTENS] [MUSIC_DIR...]
//! ```
//!
//! The library is the real test music (`.cache/test-music`, `.cache/eval-music`,
//! `.cache/more-music`, whichever are there; see `scripts/fetch-test-music.sh`) scanned without
//! analysis into a real SQLite file in a temporary folder.
//! 1. Import speed: LISTENS (default 100,000) listens of the library's tracks written as a
//!    ListenBrainz JSON export (one every three minutes, names as the tags have them) and as
//!    a lastfm-to-csv CSV, each imported end to end (read, match, write) into the library by
//!    `Service::import_history`; then the JSON again (every listen a duplicate). The issue's
//!    target is 100k listens in at most 10 s.
//! 2. Matching: a fixture with known answers made from the same tags. For each track with an
//!    artist and a title, listens spelled as services spell them (case, punctuation,
//!    accents dropped, "feat." added to the artist, remaster / live / edit suffixes, an album
//!    edition, a cut "The"), each of which names that track; and listens that name no library
//!    track (an artist the library lacks, a title the artist lacks, a remix). Precision is
//!    right matches over all matches, recall right matches over the listens that name a track.
//!    The tags are the library's own, so where two tracks share artist and title (the test
//!    music has several "song" tracks by one artist) only album and duration can tell them
//!    apart, as in a real library.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use segue_core::{HistoryFormat, HistoryImportReport, TrackId};
use segue_library::history_match::ListenIndex;
use segue_service::Service;
use segue_store::{Store, TrackIdentity};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let listens: usize = match args.next() {
        Some(n) => n.parse()?,
        None => 100_000,
    };
    let mut dirs: Vec<PathBuf> = args.map(PathBuf::from).collect();
    if dirs.is_empty() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        dirs = [
            ".cache/test-music",
            ".cache/eval-music",
            ".cache/more-music",
        ]
        .iter()
        .map(|d| root.join(d))
        .filter(|d| d.is_dir())
        .collect();
    }
    if dirs.is_empty() {
        return Err("no test music: run scripts/fetch-test-music.sh (--evaluation, --more)".into());
    }

    let tmp = tempfile::tempdir()?;
    let db = tmp.path().join("library.sqlite");
    let service = Service::open(&db)?;
    service.add_folders(&dirs)?;
    let never = AtomicBool::new(false);
    let started = Instant::now();
    service.scan(&[], &never, &mut |_| {})?;
    let all = Store::open(&db)?.track_identities()?;
    let scanned = all.len();
    let tracks: Vec<TrackIdentity> = all
        .into_iter()
        .filter(|t| t.artist.is_some() || t.album_artist.is_some())
        .collect();
    println!(
        "library: {scanned} tracks, {} with an artist (the others cannot be named by a listen), \
         from {} (scanned in {:.1} s, not analysed)",
        tracks.len(),
        dirs.iter()
            .map(|d| d
                .file_name()
                .map_or(String::new(), |n| n.to_string_lossy().into_owned()))
            .collect::<Vec<_>>()
            .join(", "),
        started.elapsed().as_secs_f64()
    );

    import_speed(&service, &tracks, listens, tmp.path())?;
    matching(&tracks);
    Ok(())
}

/// A small deterministic generator (xorshift), so every run makes the same files.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }
}

fn artist_of(t: &TrackIdentity) -> &str {
    t.artist
        .as_deref()
        .or(t.album_artist.as_deref())
        .unwrap_or("")
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

fn import_speed(
    service: &Service,
    tracks: &[TrackIdentity],
    listens: usize,
    dir: &Path,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut rng = Rng(0x5e9e_5e9e);
    // Listens every three minutes back from 2026-12-01, newest last.
    let first_s: i64 = 1_796_083_200 - 180 * listens as i64;
    let picks: Vec<&TrackIdentity> = (0..listens)
        .map(|_| &tracks[rng.below(tracks.len())])
        .collect();

    let json_path = dir.join("listens.json");
    let mut json = std::io::BufWriter::new(std::fs::File::create(&json_path)?);
    json.write_all(b"[\n")?;
    for (i, t) in picks.iter().enumerate() {
        let mut metadata = serde_json::json!({
            "artist_name": artist_of(t),
            "track_name": t.title,
            "additional_info": {"duration_ms": t.duration_ms, "submission_client": "bench"},
        });
        if let Some(album) = &t.album {
            metadata["release_name"] = album.as_str().into();
        }
        let listen = serde_json::json!({
            "listened_at": first_s + 180 * i as i64,
            "track_metadata": metadata,
            "user_name": "bench",
        });
        if i > 0 {
            json.write_all(b",\n")?;
        }
        serde_json::to_writer(&mut json, &listen)?;
    }
    json.write_all(b"\n]\n")?;
    json.flush()?;
    drop(json);

    let csv_path = dir.join("listens.csv");
    let mut csv = std::io::BufWriter::new(std::fs::File::create(&csv_path)?);
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    for (i, t) in picks.iter().enumerate() {
        // A minute apart at least, as lastfm-to-csv's dates have no seconds; a second set of
        // times so these are not duplicates of the JSON's.
        let at = first_s + 180 * i as i64 + 60;
        let days = at.div_euclid(86_400);
        let (y, m, d) = civil(days);
        let of_day = at.rem_euclid(86_400);
        writeln!(
            csv,
            "{},{},{},{:02} {} {} {:02}:{:02}",
            csv_field(artist_of(t)),
            csv_field(t.album.as_deref().unwrap_or("")),
            csv_field(&t.title),
            d,
            MONTHS[m as usize - 1],
            y,
            of_day / 3600,
            of_day % 3600 / 60
        )?;
    }
    csv.flush()?;
    drop(csv);

    let never = AtomicBool::new(false);
    let run =
        |path: &Path, what: &str| -> Result<HistoryImportReport, Box<dyn std::error::Error>> {
            let size = std::fs::metadata(path)?.len();
            let started = Instant::now();
            let report = service.import_history(path, None, &never, &mut |_| {})?;
            let seconds = started.elapsed().as_secs_f64();
            println!(
                "import {what}: {} listens ({:.1} MB, {}) in {:.2} s = {:.0} listens/s; \
             imported {}, duplicate {}, unmatched {}, unreadable {}",
                report.records,
                size as f64 / 1e6,
                report.format,
                seconds,
                f64::from(report.records) / seconds,
                report.imported,
                report.duplicates,
                report.unmatched_listens(),
                report.bad_records
            );
            Ok(report)
        };
    let json_report = run(&json_path, "ListenBrainz JSON")?;
    assert_eq!(json_report.format, HistoryFormat::ListenBrainz);
    run(&json_path, "the same file again")?;
    run(&csv_path, "lastfm-to-csv CSV")?;
    Ok(())
}

/// (year, month, day) of days since 1970-01-01.
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

/// A listen of the fixture and its known answer.
struct Case {
    variant: &'static str,
    artist: String,
    title: String,
    album: Option<String>,
    duration_ms: Option<u64>,
    answer: Option<TrackId>,
}

/// Drops accents from Latin letters, as a service's data sometimes has them dropped.
fn without_accents(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'í' | 'ì' | 'î' | 'ï' => 'i',
            'ó' | 'ò' | 'ô' | 'ö' | 'õ' | 'ø' => 'o',
            'ú' | 'ù' | 'û' | 'ü' => 'u',
            'ñ' => 'n',
            'ç' => 'c',
            'É' => 'E',
            'Ö' => 'O',
            'Ü' => 'U',
            c => c,
        })
        .collect()
}

fn cases(tracks: &[TrackIdentity]) -> Vec<Case> {
    let mut cases = Vec::new();
    for t in tracks {
        let artist = artist_of(t).to_owned();
        let album = t.album.clone();
        let positive = |variant, artist: String, title: String, album: Option<String>| Case {
            variant,
            artist,
            title,
            album,
            duration_ms: Some(t.duration_ms),
            answer: Some(t.id),
        };
        cases.push(positive(
            "as tagged",
            artist.clone(),
            t.title.clone(),
            album.clone(),
        ));
        cases.push(positive(
            "upper case, no album",
            artist.to_uppercase(),
            t.title.to_uppercase(),
            None,
        ));
        cases.push(positive(
            "punctuation and accents dropped",
            without_accents(&artist).replace(['\'', '.', ',', '!', '?'], ""),
            without_accents(&t.title)
                .replace(['\'', '.', ',', '!', '?'], "")
                .replace(['(', ')'], " "),
            album.clone(),
        ));
        cases.push(positive(
            "feat. on the artist",
            format!("{artist} feat. Someone Else"),
            t.title.clone(),
            album.clone(),
        ));
        cases.push(positive(
            "(Remastered 2011)",
            artist.clone(),
            format!("{} (Remastered 2011)", t.title),
            album.clone().map(|a| format!("{a} (Deluxe Edition)")),
        ));
        cases.push(positive(
            "- Live",
            artist.clone(),
            format!("{} - Live", t.title),
            album.clone(),
        ));
        cases.push(positive(
            "(feat. X) - Radio Edit",
            artist.clone(),
            format!("{} (feat. Someone) - Radio Edit", t.title),
            None,
        ));
        if let Some(rest) = artist.strip_prefix("The ") {
            cases.push(positive(
                "no leading The",
                rest.to_owned(),
                t.title.clone(),
                album.clone(),
            ));
        }
        // Listens of tracks the library does not have.
        let negative = |variant, artist: String, title: String| Case {
            variant,
            artist,
            title,
            album: None,
            duration_ms: None,
            answer: None,
        };
        cases.push(negative(
            "not in library: unknown artist",
            format!("{artist} Tribute Orchestra"),
            t.title.clone(),
        ));
        cases.push(negative(
            "not in library: unknown title",
            artist.clone(),
            format!("{} Part II", t.title),
        ));
        cases.push(negative(
            "not in library: a remix",
            artist.clone(),
            format!("{} (Someone Remix)", t.title),
        ));
    }
    cases
}

fn matching(tracks: &[TrackIdentity]) {
    let index = ListenIndex::new(tracks);
    let cases = cases(tracks);
    #[derive(Default)]
    struct Tally {
        listens: u32,
        right: u32,
        wrong: u32,
        missed: u32,
    }
    let mut by_variant: Vec<(&str, Tally)> = Vec::new();
    let mut at: HashMap<&str, usize> = HashMap::new();
    let started = Instant::now();
    for case in &cases {
        let found = index
            .find(
                &case.artist,
                &case.title,
                case.album.as_deref(),
                case.duration_ms,
            )
            .ok()
            .map(|(id, _)| id);
        let i = *at.entry(case.variant).or_insert_with(|| {
            by_variant.push((case.variant, Tally::default()));
            by_variant.len() - 1
        });
        let tally = &mut by_variant[i].1;
        tally.listens += 1;
        match (found, case.answer) {
            (Some(f), Some(a)) if f == a => tally.right += 1,
            (Some(_), _) => tally.wrong += 1,
            (None, Some(_)) => tally.missed += 1,
            (None, None) => {}
        }
    }
    let elapsed = started.elapsed();
    let mut examples = Vec::new();
    for case in &cases {
        let found = index.find(
            &case.artist,
            &case.title,
            case.album.as_deref(),
            case.duration_ms,
        );
        let name = |id: TrackId| {
            tracks
                .iter()
                .find(|t| t.id == id)
                .map_or(String::new(), |t| format!("{} — {}", artist_of(t), t.title))
        };
        match (found, case.answer) {
            (Ok((f, _)), a) if Some(f) != a => examples.push(format!(
                "  wrong: {} — {} ({}) taken for {}",
                case.artist,
                case.title,
                case.variant,
                name(f)
            )),
            (Err(why), Some(_)) if examples.len() < 12 => examples.push(format!(
                "  missed: {} — {} [{}] ({}): {why}",
                case.artist,
                case.title,
                case.album.as_deref().unwrap_or("no album"),
                case.variant
            )),
            _ => {}
        }
    }
    println!(
        "matching fixture: {} listens from {} tracks' tags ({} us per listen)",
        cases.len(),
        tracks.len(),
        elapsed.as_micros() / cases.len().max(1) as u128
    );
    println!(
        "{:<34} {:>7} {:>7} {:>7} {:>7}",
        "variant", "listens", "right", "wrong", "missed"
    );
    let (mut right, mut wrong, mut missed, mut named) = (0, 0, 0, 0);
    for (variant, t) in &by_variant {
        println!(
            "{variant:<34} {:>7} {:>7} {:>7} {:>7}",
            t.listens, t.right, t.wrong, t.missed
        );
        right += t.right;
        wrong += t.wrong;
        missed += t.missed;
        if !variant.starts_with("not in library") {
            named += t.listens;
        }
    }
    let precision = f64::from(right) / f64::from((right + wrong).max(1));
    let recall = f64::from(right) / f64::from(named.max(1));
    println!(
        "precision {:.3} ({right} right of {} matched), recall {:.3} ({right} of {named} listens \
         that name a library track; {missed} not matched)",
        precision,
        right + wrong,
        recall
    );
    println!("what went wrong (every wrong match; the first missed ones):");
    for line in examples {
        println!("{line}");
    }
}
