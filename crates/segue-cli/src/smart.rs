//! `segue smart`: smart playlists (saved rules; their tracks are worked out when shown), over
//! the same service as the app.

use anyhow::{Result, bail};
use segue_core::smart::{SmartOrder, SmartPlaylist, SmartQuery, SmartRule};
use segue_service::Service;

/// `segue smart`'s subcommands.
#[derive(clap::Subcommand)]
pub enum SmartCommand {
    /// Every smart playlist with its rules and how many tracks it holds now.
    List {
        #[arg(long)]
        json: bool,
    },
    /// The tracks a smart playlist holds now, each with why it is in.
    Show {
        name: String,
        #[arg(long)]
        json: bool,
    },
    /// Saves a smart playlist. Every --rule must hold (--any: one is enough). Rules: tag:LABEL
    /// or tag:LABEL:0.3, tempo:110..130, key:8A, energy:..0.4, loudness:-20..-8, rating:4,
    /// liked, disliked, plays:0..3, not-played-for:DAYS, played-within:DAYS, skip-rate:0.3,
    /// added-within:DAYS, duration:60..300 (seconds), format:flac, title:, artist:, album:,
    /// genre: (words), year:1990..1999.
    Create {
        name: String,
        #[arg(long = "rule", required = true, value_name = "RULE")]
        rules: Vec<String>,
        #[arg(long)]
        any: bool,
        /// At most this many tracks.
        #[arg(long)]
        limit: Option<u32>,
        /// library, title, added, least-recently-played, most-played, rating or tempo.
        #[arg(long, default_value = "library")]
        order: String,
    },
    /// Changes a smart playlist: each option given replaces what it has (--rule, given once or
    /// more, replaces all its rules); the rest is kept.
    Edit {
        name: String,
        /// A new name.
        #[arg(long, value_name = "NEW_NAME")]
        rename: Option<String>,
        #[arg(long = "rule", value_name = "RULE")]
        rules: Vec<String>,
        /// One rule is enough.
        #[arg(long, conflicts_with = "all")]
        any: bool,
        /// Every rule must hold.
        #[arg(long)]
        all: bool,
        #[arg(long, conflicts_with = "no_limit")]
        limit: Option<u32>,
        #[arg(long)]
        no_limit: bool,
        #[arg(long)]
        order: Option<String>,
    },
    Delete {
        name: String,
    },
}

fn parse_rules(texts: &[String]) -> Result<Vec<SmartRule>> {
    texts
        .iter()
        .map(|r| r.parse::<SmartRule>().map_err(anyhow::Error::msg))
        .collect()
}

fn order(name: &str) -> Result<SmartOrder> {
    Ok(match name {
        "library" => SmartOrder::Library,
        "title" => SmartOrder::Title,
        "added" => SmartOrder::Added,
        "least-recently-played" => SmartOrder::LeastRecentlyPlayed,
        "most-played" => SmartOrder::MostPlayed,
        "rating" => SmartOrder::Rating,
        "tempo" => SmartOrder::Tempo,
        other => bail!(
            "no order {other:?}: library, title, added, least-recently-played, most-played, rating or tempo"
        ),
    })
}

fn describe(p: &SmartPlaylist) -> String {
    let rules: Vec<String> = p.query.rules.iter().map(ToString::to_string).collect();
    format!(
        "{} of: {}",
        if p.query.match_all { "all" } else { "any" },
        rules.join("  ")
    )
}

pub fn smart(service: &Service, command: SmartCommand) -> Result<i32> {
    match command {
        SmartCommand::List { json } => {
            let playlists = service.smart_playlists()?;
            if json {
                println!("{}", serde_json::to_string_pretty(&playlists)?);
            } else if playlists.is_empty() {
                println!("No smart playlists yet: segue smart create NAME --rule RULE ...");
            }
            if !json {
                for p in &playlists {
                    let count = service.smart_members(&p.query)?.len();
                    println!("{}  ({count} tracks)\n    {}", p.name, describe(p));
                }
            }
        }
        SmartCommand::Show { name, json } => {
            let playlist = service.smart_playlist_named(&name)?;
            let members = service.smart_members(&playlist.query)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&members)?);
            } else {
                for (i, m) in members.iter().enumerate() {
                    let t = service.track(m.track_id)?;
                    println!(
                        "{:>3}. [{}] {} — {}\n       {}",
                        i + 1,
                        t.id,
                        t.display_artist(),
                        t.tags.title,
                        m.why_in_english()
                    );
                }
                println!("{} tracks", members.len());
            }
        }
        SmartCommand::Create {
            name,
            rules,
            any,
            limit,
            order: by,
        } => {
            let query = SmartQuery {
                match_all: !any,
                rules: parse_rules(&rules)?,
                limit,
                order: order(&by)?,
            };
            let saved = service.create_smart_playlist(&name, &query)?;
            let count = service.smart_members(&saved.query)?.len();
            println!("Saved {:?}: {count} tracks now.", saved.name);
        }
        SmartCommand::Edit {
            name,
            rename,
            rules,
            any,
            all,
            limit,
            no_limit,
            order: by,
        } => {
            let playlist = service.smart_playlist_named(&name)?;
            let kept = playlist.query;
            let query = SmartQuery {
                match_all: if any || all { all } else { kept.match_all },
                rules: if rules.is_empty() {
                    kept.rules
                } else {
                    parse_rules(&rules)?
                },
                limit: if no_limit { None } else { limit.or(kept.limit) },
                order: by.as_deref().map(order).transpose()?.unwrap_or(kept.order),
            };
            let saved = service.update_smart_playlist(
                playlist.id,
                rename.as_deref().unwrap_or(&playlist.name),
                &query,
            )?;
            let count = service.smart_members(&saved.query)?.len();
            println!(
                "Saved {:?}: {count} tracks now.\n    {}",
                saved.name,
                describe(&saved)
            );
        }
        SmartCommand::Delete { name } => {
            service.delete_smart_playlist(&name)?;
            println!("Deleted {name:?}.");
        }
    }
    Ok(0)
}
