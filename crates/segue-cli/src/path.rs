//! `segue path`: a sonic path from one track to another track or a tag, each step with why;
//! saved as a playlist, added to the queue the app plays, or played here.

use anyhow::Result;
use segue_core::Track;
use segue_service::queue::QueueChange;
use segue_service::{PathGoal, PathRequest, Service};

/// `segue path`'s options.
#[derive(clap::Args)]
pub struct PathArgs {
    /// Where the path starts: a track id, a file, or search words (quoted as one argument).
    pub from: String,
    /// Where it ends: a track (id, file or search words), or a tag as `tag:NAME`
    /// (`tag:ambient`); words that name no track but are a tag's name are taken as the tag.
    pub to: String,
    /// Tracks in the path, both ends included.
    #[arg(short = 'n', default_value_t = 12)]
    pub count: usize,
    /// Save the path as a new playlist with this name.
    #[arg(long, value_name = "NAME")]
    pub save: Option<String>,
    /// Add the path to the end of the queue the app plays (a running app picks it up).
    #[arg(long)]
    pub queue: bool,
    /// Play the path here, in the terminal (as `segue play`, without autoplay after it).
    #[arg(long, conflicts_with = "queue")]
    pub play: bool,
    #[arg(long)]
    pub json: bool,
}

/// The end the user named: `tag:NAME`, else a track, else (naming no track) a tag's name.
fn goal(service: &Service, to: &str) -> Result<(PathGoal, Option<Track>)> {
    if let Some(tag) = to.strip_prefix("tag:") {
        return Ok((PathGoal::Tag(tag.trim().to_owned()), None));
    }
    match crate::suggest::track(service, &[to.to_owned()]) {
        Ok(track) => Ok((PathGoal::Track(track.id), Some(track))),
        Err(e) => {
            let library = service.recommend_library()?;
            let is_tag = library
                .tag_names()
                .iter()
                .any(|n| n.eq_ignore_ascii_case(to.trim()));
            if is_tag && crate::play::resolve(service, &[to.to_owned()]).is_err() {
                Ok((PathGoal::Tag(to.trim().to_owned()), None))
            } else {
                Err(e)
            }
        }
    }
}

pub fn path(service: &Service, args: PathArgs) -> Result<i32> {
    let from = crate::suggest::track(service, std::slice::from_ref(&args.from))?;
    let (to, to_track) = goal(service, &args.to)?;
    let path = service.sonic_path(&PathRequest {
        from: from.id,
        to: to.clone(),
        count: args.count,
    })?;
    let tracks: Vec<Track> = path
        .steps
        .iter()
        .map(|s| service.track(s.track_id))
        .collect::<Result<_, _>>()?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&path)?);
    } else {
        let end = match (&to, &to_track) {
            (_, Some(t)) => format!("{} — {}", t.tags.title.as_str(), t.display_artist()),
            (PathGoal::Tag(tag), None) => format!("the tag {tag}"),
            (PathGoal::Track(id), None) => format!("track {id}"),
        };
        println!(
            "From {} — {} to {end}, {} tracks:",
            from.tags.title.as_str(),
            from.display_artist(),
            tracks.len()
        );
        for (i, (s, t)) in path.steps.iter().zip(&tracks).enumerate() {
            println!(
                "{:>2}. [{}] {} — {}{}\n      {}",
                i + 1,
                t.id,
                t.tags.title.as_str(),
                t.display_artist(),
                if i == 0 {
                    String::new()
                } else {
                    format!("  (step {:.2})", s.distance)
                },
                s.reason
            );
        }
        let settings = service.suggest_settings()?;
        if (path.artist_gap as usize, path.album_gap as usize)
            != (settings.artist_gap, settings.album_gap)
        {
            println!(
                "No way kept your gaps ({} tracks between an artist's, {} between an album's): this one keeps {} and {}.",
                settings.artist_gap, settings.album_gap, path.artist_gap, path.album_gap
            );
        }
    }
    let ids: Vec<i64> = tracks.iter().map(|t| t.id).collect();
    // Status lines go to stderr with --json, so the JSON stays whole.
    let say = |line: String| {
        if args.json {
            eprintln!("{line}");
        } else {
            println!("{line}");
        }
    };
    if let Some(name) = &args.save {
        let playlist = service.save_path(name, &path)?;
        say(format!(
            "Saved as the playlist \"{}\" ({} tracks).",
            playlist.name,
            ids.len()
        ));
    }
    if args.queue {
        let session = service.change_saved_queue(&QueueChange::Add(ids))?;
        say(format!(
            "Added to the queue ({} queued; a running app picks it up).",
            session.queue.len()
        ));
    }
    if args.play {
        return crate::play::play_tracks(service, &tracks, false);
    }
    Ok(0)
}
