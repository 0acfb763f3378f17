//! How long one `suggest(n = 10)` takes on a synthetic library of a given size, as the app
//! calls it (with the ONNX ranker when one is given): a user with 200 pieces of feedback, a
//! 20-play session and 200 plays at this time of day on earlier days.

use std::time::Instant;

use segue_analysis::ranker::OnnxRanker;
use segue_core::{KeyMode, RankingModel, TrackId};
use segue_recommend::{
    Context, EarlierPlay, Library, Play, Settings, Signal, SignalSource, Taste, TimeOfDay,
    TrackProfile, suggest_with,
};

use crate::suggest_eval::Rng;

/// `n` tracks around 50 sounds, by 1000 artists on 5000 albums, each album in its artist's
/// folder, with genres, years, composers and DSP timbre: every view the listener model reads.
pub(crate) fn synthetic(n: usize, rng: &mut Rng) -> Library {
    let normal = |rng: &mut Rng| {
        let (u, v) = (rng.unit().max(1e-7), rng.unit());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f32::consts::PI * v).cos()
    };
    let centres: Vec<Vec<f32>> = (0..50)
        .map(|_| (0..200).map(|_| normal(rng)).collect())
        .collect();
    let tracks = (0..n)
        .map(|i| {
            let c = &centres[i % 50];
            let (artist, album) = (i % 1000, i % 5000);
            TrackProfile {
                id: i as TrackId,
                title: format!("track {i}"),
                artist: Some(format!("artist {artist}")),
                album: Some(format!("album {album}")),
                composer: (i % 3 == 0).then(|| format!("composer {}", i % 400)),
                genre: Some(format!("genre {}", i % 20)),
                year: Some(1960 + (i % 60) as i32),
                folder: Some(format!("/music/artist {artist}/album {album}")),
                embedding: c.iter().map(|x| x + 0.7 * normal(rng)).collect(),
                tags: (0..100).map(|_| rng.unit()).collect(),
                timbre: (0..34).map(|_| normal(rng)).collect(),
                bpm: 60.0 + 120.0 * rng.unit(),
                key: rng.below(12) as u8,
                mode: if rng.unit() < 0.5 {
                    KeyMode::Major
                } else {
                    KeyMode::Minor
                },
                energy: 0.05 + 0.2 * rng.unit(),
                loudness_lufs: Some(-20.0 + 12.0 * f64::from(rng.unit())),
                ..Default::default()
            }
        })
        .collect();
    Library::new(tracks, (0..100).map(|i| format!("tag {i}")).collect())
}

/// p50, p99 and the slowest of `calls` calls, in milliseconds.
pub fn latency(n: usize, calls: usize, mut ranker: Option<&mut OnnxRanker>) -> (f64, f64, f64) {
    let mut rng = Rng(7);
    let library = synthetic(n, &mut rng);
    let now_ms = 2_000_000_000;
    let taste = Taste::from_signals((0..200).map(|k| Signal {
        track: rng.below(n) as TrackId,
        source: if k % 3 == 0 {
            SignalSource::Skip { early: true }
        } else {
            SignalSource::Stars(4)
        },
        at_ms: now_ms - 3_600_000 + k,
    }));
    let mut times = Vec::with_capacity(calls);
    // The first calls start the thread pool and fault the library's pages in: not timed.
    for c in 0..calls + 5 {
        let context = Context {
            current: Some(rng.below(n) as TrackId),
            recent: (0..20)
                .map(|k| Play {
                    track: rng.below(n) as TrackId,
                    started_at_ms: now_ms - 1_200_000 + 60_000 * k,
                    fraction: 1.0,
                    skipped: false,
                })
                .collect(),
            now_ms,
            draw: c as u64,
            time_of_day: Some(TimeOfDay {
                local_hour: 21,
                earlier: (0..200)
                    .map(|k| EarlierPlay {
                        track: rng.below(n) as TrackId,
                        hours_apart: 0.015 * k as f32,
                        played_through: k % 4 != 0,
                    })
                    .collect(),
            }),
            ..Context::default()
        };
        let t = Instant::now();
        let (list, error) = suggest_with(
            &library,
            &taste,
            &context,
            &Settings::default(),
            10,
            ranker.as_deref_mut().map(|r| r as &mut dyn RankingModel),
        );
        if c >= 5 {
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        assert!(error.is_none(), "{error:?}");
        assert!(!list.is_empty());
    }
    times.sort_by(f64::total_cmp);
    let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
    (at(0.5), at(0.99), times[times.len() - 1])
}
