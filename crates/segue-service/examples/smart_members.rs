//! How long a smart playlist takes to open through the service over a made-up library
//! (100,000 tracks by default, 5,000 of them rated): the first time, which loads every
//! track's facts; after those were read ahead (as the library jobs do once an import or
//! analysis ends); after a rating and after a play, which read only the listening facts again;
//! and again with nothing changed, from the facts kept.
//!
//! `cargo run --release -p segue-service --example smart_members -- [TRACKS]`. Target: ≤ 50 ms.

use std::time::Instant;

use made_up::timed;
use segue_core::PlayEnd;
use segue_service::{Listen, Service};

mod made_up;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let count: usize = std::env::args()
        .nth(1)
        .map(|n| n.parse())
        .transpose()?
        .unwrap_or(100_000);
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("library.sqlite");
    made_up::made_up_library(&db, count)?;
    let service = Service::open(&db)?;
    let ids: Vec<i64> = service.tracks(None, None)?.iter().map(|t| t.id).collect();
    for id in ids.iter().step_by(7).take(5000) {
        service.rate(*id, Some(4))?;
    }
    // Opened in a fresh service after the facts were read ahead, as the library jobs do once
    // an import or analysis ends (a smart playlist must exist for that).
    let fresh = Service::open(&db)?;
    let ahead = segue_core::smart::SmartQuery {
        match_all: true,
        rules: vec!["rating:4".parse()?],
        limit: None,
        order: segue_core::smart::SmartOrder::Rating,
    };
    fresh.create_smart_playlist("Read ahead", &ahead)?;
    let start = Instant::now();
    fresh.warm_smart_facts();
    let warming = start.elapsed();
    let start = Instant::now();
    let n = fresh.smart_members(&ahead)?.len();
    println!(
        "read ahead after an import: {warming:.1?} in the background, then the first opening {:.1?} ({n} members)",
        start.elapsed()
    );
    fresh.delete_smart_playlist("Read ahead")?;
    drop(fresh);

    let mut stars = 1;
    for rules in [
        vec!["rating:4"],
        vec!["rating:4", "year:1995..2000", "duration:..250"],
        vec!["artist:artist 42", "not-played-for:30"],
    ] {
        let query = segue_core::smart::SmartQuery {
            match_all: true,
            rules: rules
                .iter()
                .map(|r| r.parse())
                .collect::<Result<Vec<_>, _>>()?,
            limit: None,
            order: segue_core::smart::SmartOrder::Rating,
        };
        let start = Instant::now();
        let n = service.smart_members(&query)?.len();
        let first = start.elapsed();
        // A rating, then a play, change the listening facts: the next opening reads them again.
        stars = stars % 5 + 1;
        service.rate(ids[0], Some(stars))?;
        let start = Instant::now();
        service.smart_members(&query)?;
        let after_rating = start.elapsed();
        service.record_listen(&Listen {
            track: ids[1],
            listened_ms: 1_000,
            ended: PlayEnd::Skipped,
            started_at_ms: now_ms(),
        })?;
        let start = Instant::now();
        service.smart_members(&query)?;
        let after_play = start.elapsed();
        let (median, slowest) = timed(10, || service.smart_members(&query).map(|m| m.len()));
        println!(
            "{rules:?} over {count} tracks: {n} members; first {first:.1?}, after a rating {after_rating:.1?}, after a play {after_play:.1?}, unchanged median {median:.1?}, slowest {slowest:.1?}"
        );
    }
    Ok(())
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}
