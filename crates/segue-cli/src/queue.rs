//! `segue queue`: the play queue the app plays and restores (the saved play session), read and
//! edited through the same service rules as the app's queue panel. A running app picks up an
//! edit within a second (the session's revision tells it), the current track playing on.
//!
//! Positions on the command line count from 1, as `segue queue show` numbers entries.

use anyhow::{Context, Result, bail};
use segue_core::{QueueEntry, TrackId};
use segue_service::{QueueChange, SavedSession, Service};

/// `segue queue`'s subcommands.
#[derive(clap::Subcommand)]
pub enum QueueCommand {
    /// The queue, numbered: what played, the current track and where in it, what is queued,
    /// what autoplay added, and the Up Next suggestions shown after it.
    Show {
        #[arg(long)]
        json: bool,
    },
    /// Add tracks after what is queued, before autoplay's suggestions. TRACK: an id, a file,
    /// or search words in one argument that name one track; --search adds every match.
    Add {
        tracks: Vec<String>,
        /// Every track whose title, artist, album, genre, composer or file name has all the
        /// words, in library order.
        #[arg(long, short)]
        search: Option<String>,
    },
    /// Play tracks right after the current one (TRACK as for `add`).
    Next {
        tracks: Vec<String>,
        #[arg(long, short)]
        search: Option<String>,
    },
    /// Remove the entries at these positions (the current track stays: skip it first).
    Remove {
        #[arg(required = true)]
        positions: Vec<u32>,
    },
    /// Move the entry at FROM so that it is at TO.
    Move { from: u32, to: u32 },
    /// Remove everything but the current track.
    Clear,
}

pub fn queue(service: &Service, command: QueueCommand) -> Result<i32> {
    let change = match command {
        QueueCommand::Show { json } => {
            let session = service.saved_session()?;
            if json {
                println!("{}", serde_json::to_string_pretty(&as_json(&session))?);
            } else {
                print_queue(service, &session);
            }
            return Ok(0);
        }
        QueueCommand::Add { tracks, search } => {
            QueueChange::Add(resolve(service, &tracks, search.as_deref())?)
        }
        QueueCommand::Next { tracks, search } => {
            QueueChange::PlayNext(resolve(service, &tracks, search.as_deref())?)
        }
        QueueCommand::Remove { positions } => {
            let len = service.saved_session()?.queue.len();
            QueueChange::Remove(
                positions
                    .iter()
                    .map(|&p| index_of(p, len))
                    .collect::<Result<_>>()?,
            )
        }
        QueueCommand::Move { from, to } => {
            let len = service.saved_session()?.queue.len();
            QueueChange::Move {
                from: index_of(from, len)?,
                to: index_of(to, len)?,
            }
        }
        QueueCommand::Clear => QueueChange::Clear,
    };
    let before = service.saved_session()?.queue.len();
    let session = service.change_saved_queue(&change)?;
    let what = match &change {
        QueueChange::Add(ids) => format!("Added {} to the queue", plural(ids.len())),
        QueueChange::PlayNext(ids) => format!("{} will play next", plural(ids.len())),
        QueueChange::Remove(_) | QueueChange::Clear => format!(
            "Removed {} from the queue",
            plural(before.saturating_sub(session.queue.len()))
        ),
        QueueChange::Move { from, to } => format!("Moved entry {} to {}", from + 1, to + 1),
    };
    let n = session.queue.len();
    println!(
        "{what} (now {n} {}).",
        if n == 1 { "entry" } else { "entries" }
    );
    Ok(0)
}

/// The tracks named: one per argument (an id, a file, or search words), then every match of
/// `--search`.
fn resolve(service: &Service, args: &[String], search: Option<&str>) -> Result<Vec<TrackId>> {
    let mut ids = args
        .iter()
        .map(|arg| {
            Ok(crate::suggest::track(service, std::slice::from_ref(arg))
                .with_context(|| format!("queueing {arg:?}"))?
                .id)
        })
        .collect::<Result<Vec<_>>>()?;
    if let Some(words) = search {
        if words.trim().is_empty() {
            bail!("--search needs words (an empty search would queue the whole library)");
        }
        let found = service.tracks(Some(words), None)?;
        if found.is_empty() {
            bail!("no track matches \"{words}\"");
        }
        ids.extend(found.iter().map(|t| t.id));
    }
    if ids.is_empty() {
        bail!("name tracks to queue (ids, files or search words), or --search WORDS");
    }
    Ok(ids)
}

/// The 0-based index of a position counted from 1 in a queue of `len` entries.
fn index_of(position: u32, len: usize) -> Result<usize> {
    if len == 0 {
        bail!("the queue is empty");
    }
    if position == 0 || position as usize > len {
        bail!("position {position} is not in the queue (1 to {len})");
    }
    Ok(position as usize - 1)
}

fn plural(n: usize) -> String {
    format!("{n} {}", if n == 1 { "track" } else { "tracks" })
}

fn as_json(s: &SavedSession) -> serde_json::Value {
    serde_json::json!({
        "revision": s.revision,
        "current": s.current,
        "position_ms": s.position_ms,
        "queue": s.queue,
        "up_next": s.up_next.as_ref().map(|(after, list)| serde_json::json!({
            "after": after,
            "suggestions": list,
        })),
    })
}

fn title(service: &Service, track: TrackId) -> String {
    match service.track(track) {
        Ok(t) => format!("{} — {}", t.display_artist(), t.tags.title),
        Err(_) => format!("track {track} (no longer in the library)"),
    }
}

fn print_queue(service: &Service, s: &SavedSession) {
    if s.queue.is_empty() {
        println!("The queue is empty: `segue queue add TRACK` queues one.");
        return;
    }
    let current = s.current;
    for (i, entry) in s.queue.iter().enumerate() {
        println!("{}", entry_line(service, i, entry, current, s.position_ms));
    }
    if let Some((after, list)) = &s.up_next
        && !list.is_empty()
    {
        println!("Up Next after {}:", title(service, *after));
        for suggestion in list {
            println!(
                "        {}  ({})",
                title(service, suggestion.track_id),
                suggestion.reason
            );
        }
    }
}

fn entry_line(
    service: &Service,
    i: usize,
    entry: &QueueEntry,
    current: Option<usize>,
    position_ms: u64,
) -> String {
    let (mark, state) = match current {
        Some(c) if i == c => (
            ">",
            format!("  current, at {}", crate::format_duration(position_ms)),
        ),
        Some(c) if i < c => (" ", "  played".to_owned()),
        _ if entry.autoplay => (" ", "  added by autoplay".to_owned()),
        _ => (" ", "  queued".to_owned()),
    };
    format!(
        "{mark}{:>3}. [{}] {}{state}",
        i + 1,
        entry.track_id,
        title(service, entry.track_id)
    )
}
