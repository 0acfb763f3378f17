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

use std::time::Instant;

use made_up::timed;
use segue_service::Service;

mod made_up;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let count: usize = std::env::args()
        .nth(1)
        .map(|n| n.parse())
        .transpose()?
        .unwrap_or(10_000);
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("library.sqlite");
    made_up::made_up_library(&db, count)?;
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
