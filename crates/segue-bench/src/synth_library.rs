//! A synthetic library database for measuring the app at scale: `n` tracks by 1 artist per
//! 100 tracks, 10-track albums, written through the store exactly as an import writes them.
//! The files do not exist, so open the app on it with `--no-scan` (a rescan would mark them
//! missing).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use segue_core::{AudioProperties, Codec, Container, ReplayGain, TrackTags};
use segue_store::{FileChange, FileStat, ImportedTrack, Store};

const WORDS: [&str; 24] = [
    "Amber", "Echo", "Harbor", "Lantern", "Meadow", "Neon", "Orbit", "Quartz", "Rain", "Signal",
    "Tide", "Velvet", "Winter", "Atlas", "Cinder", "Drift", "Ember", "Fable", "Glass", "Hollow",
    "Ivory", "Juniper", "Kite", "Lumen",
];

fn words(i: usize, count: usize) -> String {
    (0..count)
        .map(|k| WORDS[(i / 24usize.pow(k as u32) + k * 7) % WORDS.len()])
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn run(db: &Path, tracks: usize) -> Result<()> {
    if db.exists() {
        anyhow::bail!("{} exists; pick a new file", db.display());
    }
    let mut store = Store::open(db).context("open the database")?;
    let root = PathBuf::from("/synthetic/music");
    store.add_root(&root)?;
    let started = std::time::Instant::now();
    for batch in (0..tracks).collect::<Vec<_>>().chunks(5_000) {
        let changes: Vec<FileChange> = batch
            .iter()
            .map(|&i| {
                let artist = i / 100;
                let album = i / 10;
                let mut fingerprint = [0u8; 16];
                fingerprint[..8].copy_from_slice(&(i as u64).to_le_bytes());
                FileChange::Imported {
                    id: None,
                    stat: FileStat {
                        path: root.join(format!("{artist}/{album}/{i}.flac")),
                        size: 30_000_000,
                        mtime_ns: 0,
                    },
                    fingerprint,
                    track: Box::new(ImportedTrack {
                        tags: TrackTags {
                            title: format!("{} {i}", words(i, 2)),
                            artist: Some(format!("The {} Band {artist}", words(artist, 1))),
                            album: Some(format!("{} {album}", words(album, 2))),
                            track_number: Some((i % 10 + 1) as u32),
                            year: Some(1970 + (album % 55) as i32),
                            genre: Some(WORDS[artist % 8].to_owned()),
                            ..Default::default()
                        },
                        audio: AudioProperties {
                            container: Container::Flac,
                            codec: Codec::Flac,
                            duration_ms: 150_000 + (i as u64 * 7_919) % 240_000,
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
            })
            .collect();
        store.apply(&changes)?;
    }
    println!(
        "{tracks} tracks written to {} in {:.1} s; open it with `segue-app --db {} --no-scan`",
        db.display(),
        started.elapsed().as_secs_f64(),
        db.display()
    );
    Ok(())
}
