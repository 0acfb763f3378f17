//! How long opening a 10,000-track playlist takes (its entries with their tracks, as the
//! playlist page asks for them), and the list of playlists, export and import around it.
//!
//! ```sh
//! cargo run -p segue-service --example playlist_open [TRACKS]
//! ```
//!
//! Builds a library of TRACKS (default 10,000) made-up tracks in a temporary SQLite file, a
//! playlist of all of them in a shuffled order, then prints the median and the slowest of 20
//! openings. The issue's target is 100 ms for 10,000 entries.

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
        .unwrap_or(10_000);
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
    let mut ids: Vec<i64> = service.tracks(None, None)?.iter().map(|t| t.id).collect();
    // A playlist's order is not the library's.
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    for i in (1..ids.len()).rev() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        ids.swap(i, (state % (i as u64 + 1)) as usize);
    }
    let playlist = service.create_playlist("Everything", &ids)?;

    let (median, slowest) = timed(20, || service.playlist_entries(playlist.id));
    println!(
        "open a {count}-entry playlist (entries with their tracks): median {median:.1?}, slowest {slowest:.1?}"
    );
    let (median, slowest) = timed(20, || service.playlists());
    println!(
        "list playlists (count, duration, covers): median {median:.1?}, slowest {slowest:.1?}"
    );
    let (median, slowest) = timed(5, || {
        service.add_to_playlist(playlist.id, &ids[..1], Some(0))
    });
    println!("insert one entry at the front: median {median:.1?}, slowest {slowest:.1?}");
    let file = dir.path().join("everything.m3u8");
    let start = Instant::now();
    service.export_playlist(playlist.id, &file, true)?;
    println!("export as M3U8: {:.1?}", start.elapsed());
    let start = Instant::now();
    let report = service.import_playlist(&file, Some("Everything again"))?;
    println!(
        "import it back: {:.1?} ({} matched by path)",
        start.elapsed(),
        report.matched_by_path
    );
    Ok(())
}
