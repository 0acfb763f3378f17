//! Real playback into a PulseAudio null sink, captured from its monitor and compared with the
//! decoded source. Needs the sink from `scripts/pulse-test-sink.sh` (the test command starts
//! it); ALSA's default device routes there, which is what the engine opens.

mod common;

use common::{Capture, decode, exclusive};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use segue_core::PlayEnd;
use segue_playback::{Player, PlayerEvent, QueueItem};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/gapless")
        .join(name)
}

/// Plays `items` to the end of the queue while capturing the sink; returns events and audio.
fn play_through(player: &Player, items: Vec<QueueItem>) -> (Vec<PlayerEvent>, Vec<f32>) {
    let capture = Capture::start();
    player.play_queue(items, 0).expect("play");
    let events = events_until(player, Duration::from_secs(40), |e| {
        *e == PlayerEvent::QueueFinished
    });
    // Let the device play out what it holds before the recorder stops.
    std::thread::sleep(Duration::from_millis(300));
    (events, capture.stop())
}

/// The `TrackEnded` events as (track, reason, position ms).
fn ended_plays(events: &[PlayerEvent]) -> Vec<(i64, PlayEnd, u64)> {
    events
        .iter()
        .filter_map(|e| match e {
            PlayerEvent::TrackEnded {
                track_id,
                reason,
                position_ms,
                ..
            } => Some((*track_id, *reason, *position_ms)),
            _ => None,
        })
        .collect()
}

/// Collects events until `done` returns true for one, or the timeout passes.
fn events_until(
    player: &Player,
    timeout: Duration,
    done: impl Fn(&PlayerEvent) -> bool,
) -> Vec<PlayerEvent> {
    let deadline = Instant::now() + timeout;
    let mut seen = Vec::new();
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match player.events().recv_timeout(left) {
            Ok(e) => {
                let stop = done(&e);
                seen.push(e);
                if stop {
                    return seen;
                }
            }
            Err(_) => break,
        }
    }
    panic!("timed out; events so far: {seen:?}");
}

/// Normalised correlation of `reference[from..from+len]` with `captured` shifted by `off`
/// frames (left channel; `step` subsamples the sum for the coarse search).
fn correlation(
    captured: &[f32],
    reference: &[f32],
    from: usize,
    len: usize,
    off: i64,
    step: usize,
) -> f64 {
    let start = from as i64 + off;
    if start < 0 || (start as usize + len) * 2 > captured.len() {
        return f64::MIN;
    }
    let (mut dot, mut ce, mut re) = (0.0f64, 0.0f64, 0.0f64);
    for i in (0..len).step_by(step) {
        let c = f64::from(captured[(start as usize + i) * 2]);
        let r = f64::from(reference[(from + i) * 2]);
        dot += c * r;
        ce += c * c;
        re += r * r;
    }
    dot / (ce * re).sqrt().max(1e-12)
}

/// Offset (in frames) at which `reference[from..from+len]` appears in `captured`, searched
/// over ±`range` around `guess` (coarse, then exact), with the correlation there.
fn locate(
    captured: &[f32],
    reference: &[f32],
    from: usize,
    len: usize,
    guess: i64,
    range: i64,
) -> (i64, f64) {
    let best_of = |offsets: &mut dyn Iterator<Item = i64>, step: usize| {
        offsets
            .map(|off| (off, correlation(captured, reference, from, len, off, step)))
            .fold((guess, f64::MIN), |a, b| if b.1 > a.1 { b } else { a })
    };
    let (coarse, _) = best_of(&mut (guess - range..=guess + range).step_by(4), 4);
    let (exact, _) = best_of(&mut (coarse - 8..=coarse + 8), 1);
    (exact, correlation(captured, reference, from, len, exact, 1))
}

/// Frame index of the first clearly audible sample.
fn onset(x: &[f32]) -> usize {
    x.chunks_exact(2)
        .position(|f| f[0].abs() > 0.01 || f[1].abs() > 0.01)
        .expect("the capture is silent")
}

fn rms(x: &[f32]) -> f64 {
    (x.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>() / x.len().max(1) as f64).sqrt()
}

#[test]
fn playback_reaches_the_device_intact_and_gapless() {
    let _sink = exclusive();
    let player = Player::start().expect("an output device (the PulseAudio null sink)");
    assert_eq!(
        (player.device().sample_rate, player.device().channels),
        (48_000, 2)
    );

    // (1) A real recording comes back intact.
    let source = decode(&fixture("source-48k.flac"));
    let (events, captured) = play_through(
        &player,
        vec![QueueItem {
            track_id: 7,
            path: fixture("source-48k.flac"),
            gain: 1.0,
            known_length_ms: None,
            album: None,
            edges: None,
        }],
    );
    assert!(
        matches!(
            events.first(),
            Some(PlayerEvent::TrackStarted {
                index: 0,
                track_id: 7,
                ..
            })
        ),
        "{events:?}"
    );
    assert!(events.iter().any(|e| matches!(
        e,
        PlayerEvent::TrackEnded {
            track_id: 7,
            reason: PlayEnd::Completed,
            ..
        }
    )));
    let guess = onset(&captured) as i64 - onset(&source) as i64;
    let frames = source.len() / 2;
    let (offset, _) = locate(&captured, &source, 48_000, 24_000, guess, 24_000);
    let corr = correlation(&captured, &source, 0, frames, offset, 1);
    assert!(corr >= 0.99, "correlation {corr:.4} at offset {offset}");

    // (2) Two halves of one recording play as one: measure the gap at the join in samples.
    let p1 = decode(&fixture("part1.opus"));
    let p2 = decode(&fixture("part2.opus"));
    let joined: Vec<f32> = p1.iter().chain(&p2).copied().collect();
    let join = p1.len() / 2;
    let (events, captured) = play_through(
        &player,
        vec![
            QueueItem {
                track_id: 1,
                path: fixture("part1.opus"),
                gain: 1.0,
                known_length_ms: None,
                album: None,
                edges: None,
            },
            QueueItem {
                track_id: 2,
                path: fixture("part2.opus"),
                gain: 1.0,
                known_length_ms: None,
                album: None,
                edges: None,
            },
        ],
    );
    let guess = onset(&captured) as i64 - onset(&joined) as i64;
    let window = 24_000;
    let (before, c1) = locate(
        &captured,
        &joined,
        join - window - 4_800,
        window,
        guess,
        2_000,
    );
    let (after, c2) = locate(&captured, &joined, join + 4_800, window, before, 200);
    let gap = after - before;
    eprintln!(
        "gapless: offset before the join {before}, after {after}: gap {gap} samples (corr {c1:.4} / {c2:.4})"
    );
    assert_eq!(gap, 0, "the join added {gap} samples");
    assert!(c1 >= 0.99 && c2 >= 0.99, "correlations {c1:.4} / {c2:.4}");
    let whole = correlation(&captured, &joined, 0, joined.len() / 2, before, 1);
    assert!(whole >= 0.99, "whole-stream correlation {whole:.4}");
    let order: Vec<String> = events
        .iter()
        .filter(|e| !matches!(e, PlayerEvent::Position { .. }))
        .map(|e| format!("{e:?}"))
        .collect();
    assert!(
        matches!(
            events
                .iter()
                .find(|e| matches!(e, PlayerEvent::TrackEnded { track_id: 1, .. })),
            Some(PlayerEvent::TrackEnded {
                reason: PlayEnd::Completed,
                ..
            })
        ),
        "{order:?}"
    );
    assert!(
        events.iter().any(|e| matches!(
            e,
            PlayerEvent::TrackStarted {
                index: 1,
                track_id: 2,
                ..
            }
        )),
        "{order:?}"
    );
}

#[test]
fn seek_lands_on_its_target() {
    let _sink = exclusive();
    let player = Player::start().expect("an output device (the PulseAudio null sink)");
    let source = decode(&fixture("source-48k.flac"));
    let capture = Capture::start();
    player
        .play_queue(
            vec![QueueItem {
                track_id: 3,
                path: fixture("source-48k.flac"),
                gain: 1.0,
                known_length_ms: None,
                album: None,
                edges: None,
            }],
            0,
        )
        .expect("play");
    events_until(&player, Duration::from_secs(10), |e| {
        matches!(e, PlayerEvent::TrackStarted { .. })
    });
    std::thread::sleep(Duration::from_millis(1000));
    let target_ms = 5_000u64;
    player.seek(Duration::from_millis(target_ms)).expect("seek");
    std::thread::sleep(Duration::from_millis(1500));
    player.stop().expect("stop");
    std::thread::sleep(Duration::from_millis(200));
    let captured = capture.stop();

    // Before the seek the capture follows the source at offset `a`, after it at offset `b`.
    let guess = onset(&captured) as i64 - onset(&source) as i64;
    let (a, ca) = locate(&captured, &source, 28_800, 9_600, guess, 24_000);
    let (b, cb) = locate(
        &captured,
        &source,
        240_000 + 9_600,
        9_600,
        a - 240_000 + 48_000,
        96_000,
    );
    assert!(ca > 0.99 && cb > 0.99, "alignment {ca:.4} / {cb:.4}");
    // The first captured frame that no longer follows offset `a` is where the seek took effect.
    let follows = |i: usize, off: i64| {
        let r = (i as i64 - off) as usize;
        r < source.len() / 2
            && (captured[i * 2] - source[r * 2]).abs() < 2e-3
            && (captured[i * 2 + 1] - source[r * 2 + 1]).abs() < 2e-3
    };
    let mut jump = (28_800 + a) as usize;
    while follows(jump, a) {
        jump += 1;
    }
    // The ring is flushed and refilled: skip the short silence before the new audio (the
    // seek's latency), then read where the source resumed.
    let silent_from = jump;
    while captured[jump * 2].abs() < 1e-4 && captured[jump * 2 + 1].abs() < 1e-4 {
        jump += 1;
    }
    let latency_ms = (jump - silent_from) as f64 / 48.0;
    let landed = jump as i64 - b;
    let error_ms = (landed - 240_000).abs() as f64 / 48.0;
    eprintln!(
        "seek to {target_ms} ms landed at frame {landed} ({error_ms:.2} ms off) after {latency_ms:.1} ms of silence"
    );
    assert!(
        error_ms <= 20.0,
        "seek landed {error_ms:.1} ms from its target"
    );
    assert!(
        follows(jump + 10, b),
        "after the seek the capture follows the source"
    );
}

#[test]
fn volume_and_track_gain_change_the_level_by_the_expected_db() {
    let _sink = exclusive();
    let player = Player::start().expect("an output device (the PulseAudio null sink)");
    let source = decode(&fixture("source-48k.flac"));
    // (volume, track gain) and the level change they must give.
    for (volume, gain_db, expected_db) in [
        (1.0f32, 0.0f32, 0.0f64),
        (0.5, 0.0, -6.02),
        (1.0, -3.0, -3.0),
        (0.5, -3.0, -9.02),
    ] {
        player.set_volume(volume).expect("volume");
        let capture = Capture::start();
        let gain = 10f32.powf(gain_db / 20.0);
        player
            .play_queue(
                vec![QueueItem {
                    track_id: 4,
                    path: fixture("source-48k.flac"),
                    gain,
                    known_length_ms: None,
                    album: None,
                    edges: None,
                }],
                0,
            )
            .expect("play");
        events_until(&player, Duration::from_secs(10), |e| {
            matches!(e, PlayerEvent::TrackStarted { .. })
        });
        std::thread::sleep(Duration::from_millis(2500));
        player.stop().expect("stop");
        std::thread::sleep(Duration::from_millis(200));
        let captured = capture.stop();
        // The recorder runs 0.3 s before the play command: search the first two seconds.
        let (off, corr) = locate(&captured, &source, 24_000, 24_000, 48_000, 48_000);
        assert!(corr > 0.99, "{volume}/{gain_db}: alignment {corr:.4}");
        let window = 24_000..72_000;
        let got = rms(&captured
            [((window.start as i64 + off) as usize) * 2..((window.end as i64 + off) as usize) * 2]);
        let want = rms(&source[window.start * 2..window.end * 2]);
        let db = 20.0 * (got / want).log10();
        eprintln!(
            "volume {volume}, gain {gain_db} dB: level {db:+.2} dB (expected {expected_db:+.2})"
        );
        assert!(
            (db - expected_db).abs() <= 0.5,
            "level {db:+.2} dB, expected {expected_db:+.2}"
        );
    }
}

#[test]
fn damaged_and_unplayable_files_do_not_stop_the_queue() {
    let _sink = exclusive();
    let tmp = tempfile::tempdir().expect("tempdir");
    // A real FLAC with 64 KiB of garbage in the middle of its audio.
    let mut damaged = std::fs::read(fixture("source-48k.flac")).expect("read");
    let mid = damaged.len() / 2;
    for (i, b) in damaged[mid..mid + 65_536].iter_mut().enumerate() {
        *b = (i as u32).wrapping_mul(2_654_435_761).to_le_bytes()[1];
    }
    let damaged_path = tmp.path().join("damaged.flac");
    std::fs::write(&damaged_path, &damaged).expect("write");
    let text_path = tmp.path().join("not-audio.mp3");
    std::fs::write(&text_path, "plain text, not music\n".repeat(100)).expect("write");

    let player = Player::start().expect("an output device (the PulseAudio null sink)");
    let (events, captured) = play_through(
        &player,
        vec![
            QueueItem {
                track_id: 1,
                path: text_path,
                gain: 1.0,
                known_length_ms: None,
                album: None,
                edges: None,
            },
            QueueItem {
                track_id: 2,
                path: damaged_path,
                gain: 1.0,
                known_length_ms: None,
                album: None,
                edges: None,
            },
            QueueItem {
                track_id: 3,
                path: fixture("part2.opus"),
                gain: 1.0,
                known_length_ms: None,
                album: None,
                edges: None,
            },
        ],
    );
    // The text file is reported and skipped; the damaged FLAC plays through its end; the
    // next track follows.
    assert!(
        events.iter().any(|e| matches!(
            e,
            PlayerEvent::Error {
                track_id: Some(1),
                ..
            }
        )),
        "{events:?}"
    );
    let ended = ended_plays(&events);
    assert_eq!(ended.len(), 2, "{events:?}");
    assert_eq!((ended[0].0, ended[0].1), (2, PlayEnd::Completed));
    assert!(
        ended[0].2 >= 7_000,
        "the damaged track stopped early: {ended:?}"
    );
    assert_eq!((ended[1].0, ended[1].1), (3, PlayEnd::Completed));
    // Audio from both played tracks reached the device.
    let audible = captured
        .chunks_exact(2)
        .filter(|f| f[0].abs() > 0.01)
        .count();
    assert!(audible > 48_000 * 9, "only {audible} audible frames");
}

#[test]
fn choosing_another_output_device_carries_on_where_it_was() {
    let _sink = exclusive();
    let devices = segue_playback::output_devices().expect("devices");
    // ALSA's PulseAudio device also reaches the null sink; the engine starts on "default".
    assert!(
        devices.iter().any(|d| d.id == "alsa:pulse"),
        "devices: {devices:?}"
    );
    assert_eq!(devices.iter().filter(|d| d.is_default).count(), 1);
    let player = Player::start().expect("an output device (the PulseAudio null sink)");
    assert_eq!(player.device().id, "alsa:default");
    let capture = Capture::start();
    player
        .play_queue(
            vec![QueueItem {
                track_id: 5,
                path: fixture("source-48k.flac"),
                gain: 1.0,
                known_length_ms: None,
                album: None,
                edges: None,
            }],
            0,
        )
        .expect("play");
    let before = events_until(
        &player,
        Duration::from_secs(10),
        |e| matches!(e, PlayerEvent::Position { position_ms, .. } if *position_ms >= 1000),
    );
    player
        .set_output_device(Some("alsa:pulse".into()))
        .expect("switch");
    let switched = events_until(&player, Duration::from_secs(10), |e| {
        matches!(e, PlayerEvent::Position { .. })
    });
    assert!(
        matches!(&switched[0], PlayerEvent::OutputChanged { device } if device.id == "alsa:pulse"),
        "{switched:?}"
    );
    assert_eq!(player.device().id, "alsa:pulse");
    // Same play, same place: no new start, and the position carries on from about 1 s.
    let Some(PlayerEvent::Position { position_ms, .. }) = switched.last() else {
        unreachable!("events_until stops on a Position");
    };
    assert!(
        (900..2000).contains(position_ms),
        "{position_ms} ms after the switch; before: {before:?}"
    );
    // A device that is not there: an error, and playback stays where it is.
    player
        .set_output_device(Some("alsa:no-such-device".into()))
        .expect("send");
    let after = events_until(&player, Duration::from_secs(10), |e| {
        matches!(e, PlayerEvent::Error { .. })
    });
    assert!(
        !after.iter().any(|e| matches!(
            e,
            PlayerEvent::TrackStarted { .. } | PlayerEvent::TrackEnded { .. }
        )),
        "{after:?}"
    );
    std::thread::sleep(Duration::from_millis(700));
    player.stop().expect("stop");
    assert_eq!(player.device().id, "alsa:pulse");
    let captured = capture.stop();
    // The last second before stopping played through the chosen device.
    let tail = &captured[captured.len().saturating_sub(2 * 48_000 + 2 * 24_000)..];
    assert!(rms(&tail[..2 * 24_000]) > 0.01, "audible after switching");
}

#[test]
fn a_file_deleted_or_truncated_while_playing_does_not_stop_the_queue() {
    let _sink = exclusive();
    let tmp = tempfile::tempdir().expect("tempdir");
    let deleted = tmp.path().join("deleted.flac");
    let truncated = tmp.path().join("truncated.flac");
    std::fs::copy(fixture("source-48k.flac"), &deleted).expect("copy");
    std::fs::copy(fixture("source-48k.flac"), &truncated).expect("copy");
    let full_ms = decode(&truncated).len() as u64 / 2 * 1000 / 48_000;

    let player = Player::start().expect("an output device (the PulseAudio null sink)");
    let item = |track_id, path: &Path| QueueItem {
        track_id,
        path: path.to_path_buf(),
        gain: 1.0,
        known_length_ms: None,
        album: None,
        edges: None,
    };
    player
        .play_queue(
            vec![
                item(1, &deleted),
                item(2, &truncated),
                item(3, &fixture("part2.opus")),
            ],
            0,
        )
        .expect("play");
    events_until(&player, Duration::from_secs(10), |e| {
        matches!(e, PlayerEvent::TrackStarted { track_id: 1, .. })
    });
    // Deleted while open: what is already open plays on to its end (as on any Unix).
    std::fs::remove_file(&deleted).expect("delete");
    player
        .seek(Duration::from_millis(full_ms - 1500))
        .expect("seek");
    let mut events = events_until(&player, Duration::from_secs(10), |e| {
        matches!(e, PlayerEvent::TrackStarted { track_id: 2, .. })
    });
    // Cut to 40% while its start plays: the track ends early and the queue goes on.
    let len = std::fs::metadata(&truncated).expect("meta").len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&truncated)
        .and_then(|f| f.set_len(len * 2 / 5))
        .expect("truncate");
    events.extend(events_until(&player, Duration::from_secs(20), |e| {
        *e == PlayerEvent::QueueFinished
    }));
    let ended = ended_plays(&events);
    assert_eq!(ended.len(), 3, "{events:?}");
    assert_eq!((ended[0].0, ended[0].1), (1, PlayEnd::Completed));
    assert_eq!((ended[1].0, ended[1].1), (2, PlayEnd::Error));
    assert!(events.iter().any(|e| matches!(
        e,
        PlayerEvent::Error { track_id: Some(2), message } if message.contains("truncated")
    )));
    assert!(
        ended[1].2 < full_ms * 3 / 5,
        "the truncated track stopped at {} of {full_ms} ms",
        ended[1].2
    );
    assert_eq!((ended[2].0, ended[2].1), (3, PlayEnd::Completed));
}

#[test]
fn repeat_one_plays_the_track_again_and_repeat_all_wraps_around() {
    let _sink = exclusive();
    let player = Player::start().expect("player on the null sink");
    let item = |track_id: i64, name: &str| QueueItem {
        track_id,
        path: fixture(name),
        gain: 1.0,
        known_length_ms: None,
        album: None,
        edges: None,
    };
    let started = |events: &[PlayerEvent]| -> Vec<(usize, i64)> {
        events
            .iter()
            .filter_map(|e| match e {
                PlayerEvent::TrackStarted {
                    index, track_id, ..
                } => Some((*index, *track_id)),
                _ => None,
            })
            .collect()
    };

    // Repeat one: the same entry starts again, and the engine never asks for more.
    player
        .set_repeat(segue_playback::RepeatMode::One)
        .expect("repeat");
    player
        .play_queue(vec![item(1, "part1.opus"), item(2, "part2.opus")], 0)
        .expect("play");
    let seen = std::cell::Cell::new(0);
    let events = events_until(&player, Duration::from_secs(40), |e| {
        if matches!(e, PlayerEvent::TrackStarted { track_id: 1, .. }) {
            seen.set(seen.get() + 1);
        }
        seen.get() == 2
    });
    assert_eq!(started(&events), vec![(0, 1), (0, 1)], "{events:?}");
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, PlayerEvent::UpNextEmpty { .. })),
        "{events:?}"
    );
    let completed = ended_plays(&events);
    assert_eq!(
        completed.first().map(|p| (p.0, p.1)),
        Some((1, PlayEnd::Completed))
    );

    // Repeat all: after the last entry, the first plays again.
    player
        .set_repeat(segue_playback::RepeatMode::All)
        .expect("repeat");
    player
        .play_queue(vec![item(1, "part1.opus"), item(2, "part2.opus")], 1)
        .expect("play");
    let events = events_until(&player, Duration::from_secs(40), |e| {
        matches!(e, PlayerEvent::TrackStarted { index: 0, .. })
    });
    assert_eq!(started(&events), vec![(1, 2), (0, 1)], "{events:?}");

    // Off again: the queue ends.
    player
        .set_repeat(segue_playback::RepeatMode::Off)
        .expect("repeat");
    player
        .play_queue(vec![item(2, "part2.opus")], 0)
        .expect("play");
    events_until(&player, Duration::from_secs(40), |e| {
        *e == PlayerEvent::QueueFinished
    });
}

#[test]
fn the_queue_finishes_only_once_its_last_samples_are_heard() {
    let _sink = exclusive();
    let source = decode(&fixture("source-48k.flac"));
    let frames = source.len() / 2;
    let capture = Capture::start();
    {
        let player = Player::start().expect("an output device (the PulseAudio null sink)");
        player
            .play_queue(
                vec![QueueItem {
                    track_id: 3,
                    path: fixture("source-48k.flac"),
                    gain: 1.0,
                    known_length_ms: None,
                    album: None,
                    edges: None,
                }],
                0,
            )
            .expect("play");
        events_until(&player, Duration::from_secs(10), |e| {
            matches!(e, PlayerEvent::TrackStarted { .. })
        });
        player
            .seek(Duration::from_millis(frames as u64 * 1000 / 48_000 - 1_500))
            .expect("seek");
        events_until(&player, Duration::from_secs(10), |e| {
            *e == PlayerEvent::QueueFinished
        });
        // A command-line player exits here, closing the device with whatever it still holds.
    }
    std::thread::sleep(Duration::from_millis(300));
    let captured = capture.stop();
    // Align on the second before the last 200 ms, then look at the last 60 ms.
    let align_from = frames - 48_000 - 9_600;
    let guess = captured.len() as i64 / 2 - frames as i64;
    let (offset, corr) = locate(
        &captured,
        &source,
        align_from,
        48_000,
        guess,
        captured.len() as i64 / 2,
    );
    assert!(corr > 0.99, "the ending is not in the capture ({corr:.3})");
    let tail = 2_880;
    let tail_corr = correlation(&captured, &source, frames - tail, tail, offset, 1);
    let start = ((frames - tail) as i64 + offset) as usize * 2;
    let heard = rms(&captured[start.min(captured.len())..(start + tail * 2).min(captured.len())]);
    let played = rms(&source[(frames - tail) * 2..]);
    assert!(
        tail_corr > 0.99 && heard > 0.5 * played,
        "the last 60 ms were cut: correlation {tail_corr:.3}, level {heard:.4} of {played:.4}"
    );
}

fn item(track_id: i64, name: &str) -> QueueItem {
    QueueItem {
        track_id,
        path: fixture(name),
        gain: 1.0,
        known_length_ms: None,
        album: None,
        edges: None,
    }
}

/// The `TrackStarted` events as (index, track).
fn started(events: &[PlayerEvent]) -> Vec<(usize, i64)> {
    events
        .iter()
        .filter_map(|e| match e {
            PlayerEvent::TrackStarted {
                index, track_id, ..
            } => Some((*index, *track_id)),
            _ => None,
        })
        .collect()
}

/// Plays `items` from entry 0, seeks `part1.opus` (entry 0) to 1.5 s before its end and waits
/// a second, so the ring holds the rest of it and the start of the entry after it (the
/// look-ahead); then makes `edit` and plays on until `part2.opus` (track 2) has played a
/// second. Returns the events and the capture.
fn edit_before_the_join(
    player: &Player,
    items: Vec<QueueItem>,
    edit: impl FnOnce(&Player),
) -> (Vec<PlayerEvent>, Vec<f32>) {
    let p1_ms = decode(&fixture("part1.opus")).len() as u64 / 2 * 1000 / 48_000;
    let capture = Capture::start();
    player.play_queue(items, 0).expect("play");
    let mut events = events_until(player, Duration::from_secs(10), |e| {
        matches!(e, PlayerEvent::TrackStarted { track_id: 1, .. })
    });
    player
        .seek(Duration::from_millis(p1_ms - 1500))
        .expect("seek");
    std::thread::sleep(Duration::from_millis(1000));
    edit(player);
    events.extend(events_until(player, Duration::from_secs(10), |e| {
        matches!(e, PlayerEvent::TrackStarted { track_id: 2, .. })
    }));
    std::thread::sleep(Duration::from_millis(1000));
    player.stop().expect("stop");
    std::thread::sleep(Duration::from_millis(200));
    (events, capture.stop())
}

/// Samples added (or lost) where `part1.opus` meets `part2.opus` in the capture, with the
/// correlations on each side: the end of part 1 and the start of part 2 are found in the
/// capture independently, so any other audio between them shows as a gap.
fn gap_at_the_join(captured: &[f32]) -> (i64, f64, f64) {
    let p1 = decode(&fixture("part1.opus"));
    let p2 = decode(&fixture("part2.opus"));
    let joined: Vec<f32> = p1.iter().chain(&p2).copied().collect();
    let join = p1.len() / 2;
    let window = 12_000;
    // The capture began with part 1 from its start, then jumped to its last 1.5 s: search
    // for the frames before the join over the whole capture.
    let frames = captured.len() as i64 / 2;
    let guess = frames / 2 - join as i64;
    let range = frames / 2;
    let (before, c1) = locate(
        captured,
        &joined,
        join - window - 2_400,
        window,
        guess,
        range,
    );
    let (after, c2) = locate(captured, &joined, join + 2_400, window, before, 24_000);
    (after - before, c1, c2)
}

#[test]
fn a_track_inserted_after_the_playing_one_is_heard_next_gaplessly() {
    let _sink = exclusive();
    let player = Player::start().expect("an output device (the PulseAudio null sink)");
    // Track 3 is next and already decoded into the ring when track 2 is put before it.
    let (events, captured) = edit_before_the_join(
        &player,
        vec![item(1, "part1.opus"), item(3, "source-48k.flac")],
        |p| p.insert(1, vec![item(2, "part2.opus")]).expect("insert"),
    );
    assert!(
        events.contains(&PlayerEvent::QueueEdited { current: Some(0) }),
        "{events:?}"
    );
    assert_eq!(started(&events), vec![(0, 1), (1, 2)], "{events:?}");
    let (gap, c1, c2) = gap_at_the_join(&captured);
    eprintln!("insert as next: gap {gap} samples (corr {c1:.4} / {c2:.4})");
    assert!(c1 >= 0.99 && c2 >= 0.99, "correlations {c1:.4} / {c2:.4}");
    assert_eq!(gap, 0, "the join added {gap} samples");
}

#[test]
fn removing_the_next_track_after_it_was_decoded_plays_the_one_after_it_gaplessly() {
    let _sink = exclusive();
    let player = Player::start().expect("an output device (the PulseAudio null sink)");
    let (events, captured) = edit_before_the_join(
        &player,
        vec![
            item(1, "part1.opus"),
            item(3, "source-48k.flac"),
            item(2, "part2.opus"),
        ],
        |p| p.remove(vec![1]).expect("remove"),
    );
    assert!(
        events.contains(&PlayerEvent::QueueEdited { current: Some(0) }),
        "{events:?}"
    );
    // Track 2 is entry 1 once track 3 is gone.
    assert_eq!(started(&events), vec![(0, 1), (1, 2)], "{events:?}");
    let (gap, c1, c2) = gap_at_the_join(&captured);
    eprintln!("remove the next: gap {gap} samples (corr {c1:.4} / {c2:.4})");
    assert!(c1 >= 0.99 && c2 >= 0.99, "correlations {c1:.4} / {c2:.4}");
    assert_eq!(gap, 0, "the join added {gap} samples");
}

#[test]
fn moving_a_track_to_play_next_after_the_next_was_decoded_is_gapless_and_keeps_the_rest() {
    let _sink = exclusive();
    let player = Player::start().expect("an output device (the PulseAudio null sink)");
    let (mut events, captured) = edit_before_the_join(
        &player,
        vec![
            item(1, "part1.opus"),
            item(3, "source-48k.flac"),
            item(2, "part2.opus"),
        ],
        |p| p.move_entry(2, 1).expect("move"),
    );
    assert_eq!(started(&events), vec![(0, 1), (1, 2)], "{events:?}");
    let (gap, c1, c2) = gap_at_the_join(&captured);
    eprintln!("move to next: gap {gap} samples (corr {c1:.4} / {c2:.4})");
    assert!(c1 >= 0.99 && c2 >= 0.99, "correlations {c1:.4} / {c2:.4}");
    assert_eq!(gap, 0, "the join added {gap} samples");

    // The moved-over track still follows: the queue is 1, 2, 3 now. Moving the playing entry
    // keeps it playing under its new index.
    player
        .play_queue(
            vec![
                item(1, "part1.opus"),
                item(3, "source-48k.flac"),
                item(2, "part2.opus"),
            ],
            0,
        )
        .expect("play");
    events = events_until(&player, Duration::from_secs(10), |e| {
        matches!(e, PlayerEvent::TrackStarted { track_id: 1, .. })
    });
    player.move_entry(0, 2).expect("move the playing entry");
    events.extend(events_until(&player, Duration::from_secs(5), |e| {
        matches!(e, PlayerEvent::QueueEdited { .. })
    }));
    assert!(
        events.contains(&PlayerEvent::QueueEdited { current: Some(2) }),
        "{events:?}"
    );
    // Nothing follows the last entry: the queue ends after it, as it would have at the end.
    events.extend(events_until(&player, Duration::from_secs(20), |e| {
        *e == PlayerEvent::QueueFinished
    }));
    // (The first play's stop may still be among the events: look from this play's start.)
    let from = events
        .iter()
        .position(|e| matches!(e, PlayerEvent::TrackStarted { .. }))
        .unwrap_or_default();
    let events = &events[from..];
    assert_eq!(started(events), vec![(0, 1)], "{events:?}");
    let ended = ended_plays(events);
    assert_eq!(
        ended.iter().map(|p| (p.0, p.1)).collect::<Vec<_>>(),
        vec![(1, PlayEnd::Completed)],
        "{events:?}"
    );
}

#[test]
fn a_restored_queue_is_cued_paused_at_its_position_and_plays_from_there_on_resume() {
    let _sink = exclusive();
    let player = Player::start().expect("an output device (the PulseAudio null sink)");
    let source = decode(&fixture("source-48k.flac"));
    let capture = Capture::start();
    player
        .cue_queue(
            vec![item(2, "part2.opus"), item(3, "source-48k.flac")],
            1,
            Duration::from_millis(5_000),
        )
        .expect("cue");
    // Cued, not playing: nothing starts and nothing is heard.
    let quiet_until = Instant::now() + Duration::from_millis(1_000);
    let mut before = Vec::new();
    while let Some(left) = quiet_until.checked_duration_since(Instant::now()) {
        if let Ok(e) = player.events().recv_timeout(left) {
            before.push(e);
        }
    }
    assert!(
        !before.iter().any(|e| matches!(
            e,
            PlayerEvent::TrackStarted { .. } | PlayerEvent::Position { .. }
        )),
        "{before:?}"
    );
    player.resume().expect("resume");
    let events = events_until(&player, Duration::from_secs(10), |e| {
        matches!(e, PlayerEvent::Position { .. })
    });
    assert!(
        events.iter().any(|e| matches!(
            e,
            PlayerEvent::TrackStarted { index: 1, track_id: 3, position_ms } if *position_ms == 5_000
        )),
        "{events:?}"
    );
    let Some(PlayerEvent::Position { position_ms, .. }) = events.last() else {
        unreachable!("events_until stops on a Position");
    };
    assert!((5_000..5_600).contains(position_ms), "{events:?}");
    std::thread::sleep(Duration::from_millis(1_500));
    player.stop().expect("stop");
    std::thread::sleep(Duration::from_millis(200));
    let captured = capture.stop();

    // The first audible frame is the source's frame at 5 s (within 20 ms).
    let heard_from = onset(&captured);
    let silent_before = heard_from as f64 / 48.0;
    assert!(
        silent_before >= 1_000.0,
        "audio {silent_before:.0} ms after the recorder started: heard while cued"
    );
    let (b, corr) = locate(
        &captured,
        &source,
        240_000 + 9_600,
        24_000,
        heard_from as i64 - 240_000,
        9_600,
    );
    assert!(corr > 0.99, "alignment {corr:.4}");
    let landed = heard_from as i64 - b;
    let error_ms = (landed - 240_000).abs() as f64 / 48.0;
    eprintln!(
        "restored at 5000 ms: first heard frame is the source's {landed} ({error_ms:.2} ms off)"
    );
    assert!(
        error_ms <= 20.0,
        "resumed {error_ms:.1} ms from the position"
    );
}

/// Removing the entry that is current (it became current as the listener asked to remove it,
/// as the next track) is refused, and the refusal is told with the queue as it is, so a copy
/// that took the removal as done can put the entry back.
#[test]
fn removing_the_current_track_is_refused_and_says_so() {
    let _sink = exclusive();
    let player = Player::start().expect("an output device (the PulseAudio null sink)");
    player
        .play_queue(vec![item(1, "part1.opus"), item(2, "part2.opus")], 0)
        .expect("play");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let mut removed = false;
    let mut seen = Vec::new();
    while let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) {
        let Ok(e) = player.events().recv_timeout(left) else {
            break;
        };
        if matches!(e, PlayerEvent::TrackStarted { index: 0, .. }) && !removed {
            removed = true;
            player.remove(vec![0]).expect("remove");
        }
        if let PlayerEvent::EditRefused { track_ids } = &e {
            assert_eq!(track_ids.as_slice(), &[1, 2][..]);
            return;
        }
        seen.push(e);
    }
    panic!("no EditRefused after the refused removal: {seen:?}");
}
