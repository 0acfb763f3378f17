//! How long a smart playlist takes to evaluate over a large library (the rules, the order and
//! the reasons; the facts are loaded once and kept, as the service does).
//!
//! `cargo run --release -p segue-core --example smart_eval -- [TRACKS]` (default 100,000)
//! prints the median and slowest of 20 runs for a few typical playlists. Target: ≤ 50 ms.

use std::time::Instant;

use segue_core::KeyMode;
use segue_core::smart::{
    AnalysisFacts, SmartOrder, SmartQuery, SmartRule, TextField, TrackFacts, evaluate,
};

const NOW: i64 = 1_800_000_000_000;

/// A deterministic pseudo-random library: 100 tag labels, tempos, keys, plays and dates.
fn library(n: usize) -> (Vec<TrackFacts>, Vec<String>) {
    let labels: Vec<String> = (0..100).map(|i| format!("tag{i}")).collect();
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let facts = (0..n)
        .map(|i| {
            let plays = (next() * 20.0) as u32;
            TrackFacts {
                id: i as i64 + 1,
                title: format!("Track {i}"),
                artist: Some(format!("Artist {}", i % 5_000)),
                album: Some(format!("Album {}", i % 9_000)),
                genre: Some(["Rock", "Ambient", "Jazz"][i % 3].to_owned()),
                year: Some(1960 + (i % 60) as i32),
                duration_ms: 60_000 + (next() * 400_000.0) as u64,
                format: ["FLAC", "MP3", "Opus"][i % 3].to_owned(),
                added_at_s: NOW / 1000 - (next() * 800.0 * 86_400.0) as i64,
                rating: (next() < 0.2).then(|| 1 + (next() * 5.0) as u8),
                liked: (next() < 0.05).then_some(1),
                plays,
                skips: (f64::from(plays) * next()) as u32,
                last_played_ms: (plays > 0).then(|| NOW - (next() * 400.0 * 86_400_000.0) as i64),
                analysis: (next() < 0.95).then(|| AnalysisFacts {
                    bpm: 60.0 + (next() * 120.0) as f32,
                    key: (next() * 12.0) as u8,
                    mode: if next() < 0.5 {
                        KeyMode::Major
                    } else {
                        KeyMode::Minor
                    },
                    energy: next() as f32,
                    loudness_lufs: Some(-30.0 + (next() * 25.0) as f32),
                    tags: (0..100).map(|_| next() as f32 * 0.5).collect(),
                }),
                library_rank: i,
            }
        })
        .collect();
    (facts, labels)
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let (facts, labels) = library(n);
    let playlists = [
        (
            "tempo 110-130, tag42 ≥ 0.3, not played for 30 days, least recently played, 50",
            SmartQuery {
                match_all: true,
                rules: vec![
                    SmartRule::Tempo {
                        min: 110.0,
                        max: 130.0,
                    },
                    SmartRule::Tag {
                        label: "tag42".into(),
                        min: 0.3,
                    },
                    SmartRule::NotPlayedFor { days: 30 },
                ],
                limit: Some(50),
                order: SmartOrder::LeastRecentlyPlayed,
            },
        ),
        (
            "rated 4+ or liked, most played",
            SmartQuery {
                match_all: false,
                rules: vec![
                    SmartRule::Rating { min: 4 },
                    SmartRule::Liked { liked: true },
                ],
                limit: None,
                order: SmartOrder::MostPlayed,
            },
        ),
        (
            "artist contains '12', FLAC, 1990-1999, by title (text rules)",
            SmartQuery {
                match_all: true,
                rules: vec![
                    SmartRule::Text {
                        field: TextField::Artist,
                        contains: "12".into(),
                    },
                    SmartRule::Format {
                        format: "flac".into(),
                    },
                    SmartRule::Year {
                        min: 1990,
                        max: 1999,
                    },
                ],
                limit: None,
                order: SmartOrder::Title,
            },
        ),
    ];
    println!("smart playlists over {n} tracks (20 runs each):");
    for (name, query) in &playlists {
        let mut times: Vec<f64> = (0..20)
            .map(|_| {
                let start = Instant::now();
                let members = evaluate(query, &facts, &labels, NOW);
                std::hint::black_box(members);
                start.elapsed().as_secs_f64() * 1000.0
            })
            .collect();
        times.sort_by(f64::total_cmp);
        let members = evaluate(query, &facts, &labels, NOW).len();
        println!(
            "  {name}: {members} tracks, median {:.1} ms, slowest {:.1} ms",
            times[times.len() / 2],
            times[times.len() - 1]
        );
    }
}
