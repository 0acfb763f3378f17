//! How long a smart playlist takes to open through the service over a made-up library
//! (100,000 tracks by default, 5,000 of them rated): the first time, which loads every
//! track's facts, and again, from the facts kept until something they come from changes.
//!
//! `cargo run --release -p segue-service --example smart_members -- [TRACKS]`. Target: ≤ 50 ms.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use segue_core::{AudioProperties, Codec, Container, ReplayGain, TrackTags};
use segue_service::Service;
use segue_store::{FileChange, FileStat, ImportedTrack, Store};

fn made_up_track(i: usize) -> FileChange {
    let artist = format!("Artist {}", i % 500);
    let album = format!("Album {}", i % 1500);
    FileChange::Imported {
        id: None,
        stat: FileStat {
            path: PathBuf::from(format!(
                "/music/{artist}/{album}/{:02} Track {i}.flac",
                i % 12
            )),
            size: 30_000_000,
            mtime_ns: 1,
        },
        fingerprint: (i as u128).to_le_bytes(),
        track: Box::new(ImportedTrack {
            tags: TrackTags {
                title: format!("Track {i}"),
                artist: Some(artist),
                album: Some(album),
                track_number: Some((i % 12) as u32 + 1),
                year: Some(1990 + (i % 30) as i32),
                genre: Some("Ambient".into()),
                ..Default::default()
            },
            audio: AudioProperties {
                container: Container::Flac,
                codec: Codec::Flac,
                duration_ms: 180_000 + (i as u64 % 120) * 1000,
                sample_rate: Some(44_100),
                channels: Some(2),
                bit_depth: Some(16),
                bitrate_kbps: Some(900),
            },
            replay_gain: ReplayGain::default(),
            cover: None,
            warning: None,
        }),
    }
}

fn timed<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, Duration) {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(f());
            start.elapsed()
        })
        .collect();
    times.sort();
    (times[times.len() / 2], times[times.len() - 1])
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let count: usize = std::env::args()
        .nth(1)
        .map(|n| n.parse())
        .transpose()?
        .unwrap_or(100_000);
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("library.sqlite");
    {
        let mut store = Store::open(&db)?;
        let changes: Vec<FileChange> = (0..count).map(made_up_track).collect();
        for batch in changes.chunks(1000) {
            store.apply(batch)?;
        }
    }
    let service = Service::open(&db)?;
    let ids: Vec<i64> = service.tracks(None, None)?.iter().map(|t| t.id).collect();
    for id in ids.iter().step_by(7).take(5000) {
        service.rate(*id, Some(4))?;
    }
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
        // A rating changes the facts: the next opening loads them again.
        service.rate(ids[0], Some(3))?;
        let start = Instant::now();
        let n = service.smart_members(&query)?.len();
        let first = start.elapsed();
        let (median, slowest) = timed(10, || service.smart_members(&query).map(|m| m.len()));
        println!(
            "{rules:?} over {count} tracks: {n} members; after a change {first:.1?}, then median {median:.1?}, slowest {slowest:.1?}"
        );
    }
    Ok(())
}
