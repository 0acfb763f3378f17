//! `segue suggest`, `segue rate`, `segue like`, `segue dislike`, `segue taste`.

use anyhow::{Result, bail};
use segue_core::RadioSeed;
use segue_core::{FeedbackKind, Track, TrackId};
use segue_service::Service;
use segue_service::suggest::SuggestRequest;

/// The most tracks an ambiguous TRACK lists.
const CANDIDATES_SHOWN: usize = 10;

/// One track from an id, a file, or search words. Words must name one track: the only one
/// they match, or the only one whose title they are exactly (ignoring case). Words that match
/// several are refused with the candidates and their ids, rather than taking one the user may
/// not have meant; empty words name nothing.
pub fn track(service: &Service, words: &[String]) -> Result<Track> {
    if let [one] = words
        && let Ok(id) = one.trim().parse::<i64>()
    {
        return Ok(service.track(id)?);
    }
    let query = words.join(" ");
    let mut found = crate::play::resolve(service, words)?;
    if found.len() == 1 {
        return Ok(found.remove(0));
    }
    let wanted = query.trim().to_lowercase();
    let exact: Vec<usize> = (0..found.len())
        .filter(|&i| found[i].tags.title.trim().to_lowercase() == wanted)
        .collect();
    if let [i] = exact[..] {
        return Ok(found.swap_remove(i));
    }
    let mut message = format!(
        "\"{query}\" matches {} tracks; name one by its id (or with more words):",
        found.len()
    );
    for t in found.iter().take(CANDIDATES_SHOWN) {
        message.push('\n');
        message.push_str(&crate::track_line(t));
    }
    if found.len() > CANDIDATES_SHOWN {
        message.push_str(&format!(
            "\n   ... and {} more: `segue tracks --search \"{query}\"` lists them all",
            found.len() - CANDIDATES_SHOWN
        ));
    }
    bail!(message)
}

/// `segue suggest`'s options.
#[derive(clap::Args)]
pub struct SuggestArgs {
    /// Follow this track instead (an id, a file, or search words).
    #[arg(long, num_args = 1..)]
    pub after: Vec<String>,
    /// How many suggestions: 1 to 1000.
    #[arg(short = 'n', default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..=1000))]
    pub count: u16,
    /// Radio from a tag (e.g. "ambient", "guitar").
    #[arg(long, conflicts_with_all = ["after", "artist", "album"])]
    pub tag: Option<String>,
    /// Radio from an artist.
    #[arg(long, conflicts_with_all = ["after", "album"])]
    pub artist: Option<String>,
    /// Radio from an album.
    #[arg(long, conflicts_with = "after")]
    pub album: Option<String>,
    /// What is queued after the track followed, as in the app (not suggested again, and
    /// counted for the repetition rules): ids (`--queue 12,40`), a file, or search words in one
    /// argument (`--queue "boss attack"`); repeat the option for more.
    #[arg(long, value_name = "IDS_OR_WORDS")]
    pub queue: Vec<String>,
    #[arg(long)]
    pub json: bool,
}

/// The tracks one `--queue` names: comma-separated ids, or else a file or search words (one
/// track, as [`track`]).
fn queued(service: &Service, value: &str) -> Result<Vec<TrackId>> {
    let ids: Option<Vec<TrackId>> = value
        .split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| part.parse().ok())
        .collect();
    match ids {
        Some(ids) if !ids.is_empty() => ids
            .into_iter()
            .map(|id| Ok(service.track(id)?.id))
            .collect(),
        _ if value.trim().is_empty() => anyhow::bail!("--queue needs track ids, a file or words"),
        _ => Ok(vec![track(service, &[value.to_owned()])?.id]),
    }
}

pub fn suggest(service: &Service, args: SuggestArgs) -> Result<i32> {
    let after = if args.after.is_empty() {
        None
    } else {
        Some(track(service, &args.after)?)
    };
    let seed = match (args.tag, args.artist, args.album) {
        (Some(t), _, _) => Some(RadioSeed::Tag(t)),
        (_, Some(a), _) => Some(RadioSeed::Artist(a)),
        (_, _, Some(a)) => Some(RadioSeed::Album(a)),
        _ => None,
    };
    let mut queue = Vec::new();
    for value in &args.queue {
        queue.extend(queued(service, value)?);
    }
    // The app's Up Next request for the same state: the service picks its draw.
    let request = SuggestRequest {
        after: after.as_ref().map(|t| t.id),
        seed,
        queued: queue,
        count: usize::from(args.count),
        draw: None,
    };
    let list = service.suggest(&request)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&list)?);
        return Ok(0);
    }
    if let Some(t) = &after {
        println!("After {} — {}:", t.tags.title.as_str(), t.display_artist());
    }
    for (i, s) in list.iter().enumerate() {
        let t = service.track(s.track_id)?;
        println!(
            "{:>2}. [{}] {} — {}\n      {}",
            i + 1,
            t.id,
            t.tags.title.as_str(),
            t.display_artist(),
            s.reason
        );
    }
    Ok(0)
}

pub fn rate(service: &Service, words: &[String], stars: u8) -> Result<i32> {
    let t = track(service, words)?;
    service.rate(t.id, (stars > 0).then_some(stars))?;
    let title = t.tags.title.as_str();
    if stars == 0 {
        println!("Cleared the rating of {title}.");
    } else {
        println!(
            "Rated {title} {stars} star{}.",
            if stars == 1 { "" } else { "s" }
        );
    }
    Ok(0)
}

pub fn feedback(service: &Service, words: &[String], kind: FeedbackKind) -> Result<i32> {
    let t = track(service, words)?;
    service.feedback(t.id, kind)?;
    let title = t.tags.title.as_str();
    match kind {
        FeedbackKind::Like => println!("Liked {title}."),
        FeedbackKind::Dislike => println!("Disliked {title}: it will not be suggested."),
        FeedbackKind::NotThis => println!("{title} will not be suggested."),
        FeedbackKind::MoreLikeThis => println!("More like {title}."),
    }
    Ok(0)
}
