//! A made-up library for the service's examples: tracks with tags spread over 500 artists
//! and 1,500 albums, written straight into a SQLite file, and a timer.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use segue_core::{AudioProperties, Codec, Container, ReplayGain, TrackTags};
use segue_store::{FileChange, FileStat, ImportedTrack, Store};

pub fn made_up_track(i: usize) -> FileChange {
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

/// The median and the slowest of `runs` calls.
pub fn timed<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, Duration) {
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

/// Writes `count` made-up tracks into the library database at `db`.
pub fn made_up_library(db: &Path, count: usize) -> Result<(), Box<dyn std::error::Error>> {
    let mut store = Store::open(db)?;
    let changes: Vec<FileChange> = (0..count).map(made_up_track).collect();
    for batch in changes.chunks(1000) {
        store.apply(batch)?;
    }
    Ok(())
}
