//! Crossfades through the real engine into the PulseAudio null sink, captured from its monitor
//! and compared with the decoded sources. Needs the sink from `scripts/pulse-test-sink.sh`.
//!
//! The two tracks are steady noise of equal power from different seeds (so they do not
//! correlate): in the capture each one's offset is found by correlation where it plays alone,
//! which gives the overlap to the sample, and the power of their sum shows the curve. The
//! smart crossfade's test plays a real recording with digital silence added after it.

mod common;

use common::{Capture, decode, exclusive};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use segue_core::PlayEnd;
use segue_playback::{AlbumPlace, Player, PlayerEvent, QueueItem, SMART_EARLIEST, TrackEdges};

const RATE: usize = 48_000;

/// Writes `seconds` of stereo white noise (16-bit WAV, 48 kHz) at about -12 dBFS RMS.
fn noise_wav(path: &Path, seconds: f64, seed: u64) {
    let frames = (seconds * RATE as f64) as usize;
    let mut state = seed.max(1);
    let mut data = Vec::with_capacity(frames * 2);
    for _ in 0..frames * 2 {
        // xorshift64: reproducible noise without a dependency.
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let uniform = (state >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0;
        data.push((uniform * 0.43 * f64::from(i16::MAX)) as i16);
    }
    common::write_stereo_wav(path, data);
}

/// Plays `items` to the end of the queue while capturing the sink; returns events and audio.
fn play_through(player: &Player, items: Vec<QueueItem>) -> (Vec<PlayerEvent>, Vec<f32>) {
    let capture = Capture::start();
    player.play_queue(items, 0).expect("play");
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut events = Vec::new();
    loop {
        let left = deadline
            .checked_duration_since(Instant::now())
            .unwrap_or_else(|| panic!("timed out; events so far: {events:?}"));
        let e = player.events().recv_timeout(left).expect("an event");
        let finished = e == PlayerEvent::QueueFinished;
        events.push(e);
        if finished {
            break;
        }
    }
    std::thread::sleep(Duration::from_millis(300));
    (events, capture.stop())
}

/// Normalised correlation of `reference[from..from+len]` (left channel) with `captured`
/// shifted by `off` frames.
fn correlation(captured: &[f32], reference: &[f32], from: usize, len: usize, off: i64) -> f64 {
    let start = from as i64 + off;
    if start < 0 || (start as usize + len) * 2 > captured.len() {
        return f64::MIN;
    }
    let (mut dot, mut ce, mut re) = (0.0f64, 0.0f64, 0.0f64);
    for i in 0..len {
        let c = f64::from(captured[(start as usize + i) * 2]);
        let r = f64::from(reference[(from + i) * 2]);
        dot += c * r;
        ce += c * c;
        re += r * r;
    }
    dot / (ce * re).sqrt().max(1e-12)
}

/// The offset (capture frame minus source frame) at which `reference[from..from+len]` is in
/// `captured`, searched over `guess ± range` (noise peaks sharply, so the best match is
/// exact), with its correlation.
fn locate(
    captured: &[f32],
    reference: &[f32],
    from: usize,
    len: usize,
    guess: i64,
    range: i64,
) -> (i64, f64) {
    // Coarse: a short stretch over every offset; then the whole stretch around the best.
    let short = len.min(1_000);
    let coarse = (guess - range..=guess + range)
        .map(|off| (off, correlation(captured, reference, from, short, off)))
        .fold((guess, f64::MIN), |a, b| if b.1 > a.1 { b } else { a })
        .0;
    (coarse - 2..=coarse + 2)
        .map(|off| (off, correlation(captured, reference, from, len, off)))
        .fold((coarse, f64::MIN), |a, b| if b.1 > a.1 { b } else { a })
}

/// Frame index of the first clearly audible sample.
fn onset(x: &[f32]) -> i64 {
    x.chunks_exact(2)
        .position(|f| f[0].abs() > 0.01 || f[1].abs() > 0.01)
        .expect("the capture is silent") as i64
}

fn power(x: &[f32]) -> f64 {
    x.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>() / x.len().max(1) as f64
}

fn db(ratio: f64) -> f64 {
    10.0 * ratio.log10()
}

fn item(track_id: i64, path: &Path, album: Option<AlbumPlace>) -> QueueItem {
    QueueItem {
        track_id,
        path: path.to_path_buf(),
        gain: 1.0,
        known_length_ms: None,
        album,
        edges: None,
    }
}

/// Where the music of `path` is, as analysis finds it (segue-analysis, every sample).
fn analysed_edges(path: &Path) -> TrackEdges {
    let e = segue_analysis::signal::prepare(path)
        .expect("analysable")
        .edges;
    TrackEdges {
        music_start: Duration::from_secs_f64(e.music_start_s),
        music_end: Duration::from_secs_f64(e.music_end_s),
        fade_out: Duration::from_secs_f64(e.fade_out_s),
    }
}

/// Writes interleaved stereo samples (multiples of 1/32768, as a 16-bit source decodes) as a
/// 16-bit 48 kHz WAV, unchanged.
fn write_wav(path: &Path, samples: &[f32]) {
    common::write_stereo_wav(path, samples.iter().map(|&s| common::to_i16(s)));
}

/// A smart crossfade out of a track that ends in 3 s of digital silence starts where its music
/// ends (or falls), not where its file ends: the next track is heard from the fade's start in
/// A's music, found in the capture. A plain crossfade of the same tracks, for contrast, starts
/// the next track in the silence.
#[test]
fn a_smart_crossfade_fades_from_where_the_music_ends_not_the_file() {
    let _sink = exclusive();
    let dir = tempfile::tempdir().expect("tempdir");
    let source = decode(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/gapless/source-48k.flac"),
    );
    // A: the recording's first 4 s, then 3 s of digital silence; B: its next 4 s.
    let split = 4 * RATE;
    let mut a: Vec<f32> = source[..2 * split].to_vec();
    a.extend(std::iter::repeat_n(0.0, 2 * 3 * RATE));
    let b: Vec<f32> = source[2 * split..2 * (split + 4 * RATE)].to_vec();
    let (a_path, b_path) = (dir.path().join("a.wav"), dir.path().join("b.wav"));
    write_wav(&a_path, &a);
    write_wav(&b_path, &b);
    let (a_edges, b_edges) = (analysed_edges(&a_path), analysed_edges(&b_path));
    eprintln!("analysis: A {a_edges:?}, B {b_edges:?}");
    let music_end = a_edges.music_end.as_secs_f64();
    assert!(
        (music_end - 4.0).abs() < 0.01,
        "A's music ends at {music_end:.3} s"
    );

    let setting = Duration::from_secs(2);
    // Where the fade starts in A, by the rule Player::set_smart_crossfade states.
    let latest = a_edges.music_end - setting;
    let fade_from = a_edges
        .fade_out
        .clamp(latest.saturating_sub(SMART_EARLIEST), latest);
    let items = |a_edges, b_edges| {
        vec![
            QueueItem {
                edges: a_edges,
                ..item(1, &a_path, None)
            },
            QueueItem {
                edges: b_edges,
                ..item(2, &b_path, None)
            },
        ]
    };
    let player = Player::start().expect("an output device (the PulseAudio null sink)");
    player.set_crossfade(setting).expect("crossfade");
    player.set_smart_crossfade(true).expect("smart");
    let (events, captured) = play_through(&player, items(Some(a_edges), Some(b_edges)));

    // A found in its second second (alone: the fade starts 2 s in), B 2.2 s into itself.
    let guess = onset(&captured) - onset(&a);
    let (a_off, a_corr) = locate(&captured, &a, RATE, RATE / 2, guess, RATE as i64);
    let expected_b = a_off + (fade_from.as_secs_f64() * RATE as f64) as i64;
    let b_from = (setting.as_millis() as usize + 200) * 48;
    let (b_off, b_corr) = locate(&captured, &b, b_from, RATE / 2, expected_b, RATE as i64);
    assert!(
        a_corr > 0.99 && b_corr > 0.99,
        "{a_corr:.4} / {b_corr:.4} ({} dropouts counted)",
        player.dropouts()
    );
    let b_starts_in_a_ms = (b_off - a_off) as f64 * 1000.0 / RATE as f64;
    let overlap_ms = music_end * 1000.0 - b_starts_in_a_ms;
    eprintln!(
        "smart, {} ms set: B starts {b_starts_in_a_ms:.2} ms into A (the fade from {} ms), {overlap_ms:.2} ms before A's music ends at {:.2} ms; A's file ends at 7000 ms",
        setting.as_millis(),
        fade_from.as_millis(),
        music_end * 1000.0
    );
    assert!(
        (b_starts_in_a_ms - fade_from.as_secs_f64() * 1000.0).abs() <= 5.0,
        "B started {b_starts_in_a_ms:.2} ms into A, not at the fade's start {} ms ({} dropouts counted)",
        fade_from.as_millis(),
        player.dropouts()
    );
    assert!(
        overlap_ms >= setting.as_millis() as f64 - 5.0,
        "B must overlap A's music by the whole fade: {overlap_ms:.2} ms"
    );
    assert!(
        events.iter().any(|e| matches!(
            e,
            PlayerEvent::TrackEnded {
                track_id: 1,
                reason: PlayEnd::Completed,
                ..
            }
        )),
        "A cut at its fade's end is a full listen: {events:?}"
    );

    // The same tracks with a plain crossfade: B starts 2 s before the file ends, in the silence.
    player.set_smart_crossfade(false).expect("plain");
    let (_, captured) = play_through(&player, items(Some(a_edges), Some(b_edges)));
    let guess = onset(&captured) - onset(&a);
    let (a_off, _) = locate(&captured, &a, 2 * RATE, RATE / 2, guess, RATE as i64);
    let (b_off, b_corr) = locate(
        &captured,
        &b,
        b_from,
        RATE / 2,
        a_off + 5 * RATE as i64,
        RATE as i64,
    );
    let plain_ms = (b_off - a_off) as f64 * 1000.0 / RATE as f64;
    eprintln!("plain: B starts {plain_ms:.2} ms into A (corr {b_corr:.4})");
    assert!(
        b_corr > 0.99 && (plain_ms - 5000.0).abs() <= 5.0,
        "plain crossfade: B at {plain_ms:.2} ms (corr {b_corr:.4})"
    );
}

fn place(track: u32) -> Option<AlbumPlace> {
    AlbumPlace::of(&segue_core::TrackTags {
        title: format!("part {track}"),
        album: Some("One Recording".into()),
        track_number: Some(track),
        ..Default::default()
    })
}

#[test]
fn a_crossfade_overlaps_the_tracks_for_its_length_with_constant_power() {
    let _sink = exclusive();
    let dir = tempfile::tempdir().expect("tempdir");
    let (a_path, b_path) = (dir.path().join("a.wav"), dir.path().join("b.wav"));
    noise_wav(&a_path, 6.0, 0x5e_6e_01);
    noise_wav(&b_path, 6.0, 0x5e_6e_02);
    let (a, b) = (decode(&a_path), decode(&b_path));
    let player = Player::start().expect("an output device (the PulseAudio null sink)");
    assert_eq!(player.device().sample_rate, RATE as u32);
    let setting = Duration::from_millis(2_000);
    player.set_crossfade(setting).expect("crossfade");
    let (events, captured) = play_through(
        &player,
        vec![item(1, &a_path, None), item(2, &b_path, None)],
    );

    // Where each track is in the capture, found where it plays alone.
    // Each is found close to the fade (A in the second before it, B in the half second after
    // it), so a dropout elsewhere on a busy machine cannot move one against the other.
    let guess = onset(&captured) - onset(&a);
    let (a_off, a_corr) = locate(&captured, &a, 3 * RATE, RATE / 2, guess, RATE as i64);
    let b_guess = a_off + (a.len() / 2) as i64 - (setting.as_millis() as i64 * 48);
    let b_from = (setting.as_millis() as usize + 200) * 48;
    let (b_off, b_corr) = locate(&captured, &b, b_from, RATE / 2, b_guess, RATE as i64 / 2);
    assert!(
        a_corr > 0.99 && b_corr > 0.99,
        "{a_corr:.4} / {b_corr:.4} ({} dropouts counted)",
        player.dropouts()
    );
    let a_end = a_off + (a.len() / 2) as i64;
    let overlap = a_end - b_off;
    let overlap_ms = overlap as f64 * 1000.0 / RATE as f64;
    eprintln!(
        "crossfade set to {} ms: A ends at capture frame {a_end}, B starts at {b_off}: overlap {overlap} frames = {overlap_ms:.2} ms",
        setting.as_millis()
    );
    assert!(
        (overlap_ms - setting.as_millis() as f64).abs() <= 5.0,
        "overlap {overlap_ms:.2} ms for a {} ms setting ({} dropouts counted)",
        setting.as_millis(),
        player.dropouts()
    );

    // Equal power: the level across the fade stays that of either track alone. Each track's
    // gain in the mix, from projecting the capture on it, follows cos and sin.
    // A alone, in the second before the fade (where it was found).
    let steady_from = a_off as usize + 3 * RATE;
    let steady = power(&captured[steady_from * 2..(steady_from + RATE) * 2]);
    let window = RATE / 20;
    let mut worst_dip: f64 = 0.0;
    let fade = overlap as usize;
    for w in 0..fade / window {
        let at = b_off as usize + w * window;
        let level = db(power(&captured[at * 2..(at + window) * 2]) / steady);
        worst_dip = worst_dip.min(level);
    }
    let mid = b_off as usize + fade / 2 - window / 2;
    let mid_level = db(power(&captured[mid * 2..(mid + window) * 2]) / steady);
    let gain_of = |source: &[f32], off: i64| {
        let (mut dot, mut energy) = (0.0f64, 0.0f64);
        for i in mid..mid + window {
            let s = f64::from(source[(i as i64 - off) as usize * 2]);
            dot += f64::from(captured[i * 2]) * s;
            energy += s * s;
        }
        dot / energy
    };
    let (a_gain, b_gain) = (gain_of(&a, a_off), gain_of(&b, b_off));
    eprintln!(
        "equal power: {mid_level:+.2} dB at the midpoint, {worst_dip:+.2} dB at the lowest 50 ms across the fade; gains at the midpoint A {a_gain:.3}, B {b_gain:.3}"
    );
    assert!(mid_level > -1.0, "dip of {mid_level:.2} dB at the midpoint");
    assert!(worst_dip > -1.0, "dip of {worst_dip:.2} dB in the fade");
    let half = std::f64::consts::FRAC_1_SQRT_2;
    assert!(
        (a_gain - half).abs() < 0.03 && (b_gain - half).abs() < 0.03,
        "gains at the midpoint {a_gain:.3} / {b_gain:.3}, not {half:.3} each"
    );

    // B is heard from the fade's start, and A ended there as a full listen.
    assert!(
        events.iter().any(|e| matches!(
            e,
            PlayerEvent::TrackEnded {
                track_id: 1,
                reason: PlayEnd::Completed,
                ..
            }
        )),
        "{events:?}"
    );
    assert!(
        events
            .iter()
            .any(|e| matches!(e, PlayerEvent::TrackStarted { track_id: 2, .. })),
        "{events:?}"
    );
}

#[test]
fn an_album_played_in_order_stays_gapless_with_a_crossfade_set() {
    let _sink = exclusive();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/gapless");
    let (p1, p2) = (fixtures.join("part1.opus"), fixtures.join("part2.opus"));
    let joined: Vec<f32> = decode(&p1).into_iter().chain(decode(&p2)).collect();
    let join = decode(&p1).len() / 2;
    let player = Player::start().expect("an output device (the PulseAudio null sink)");
    player
        .set_crossfade(Duration::from_secs(2))
        .expect("crossfade");
    // Smart too, with what analysis knows of each half: an album in order is never trimmed.
    player.set_smart_crossfade(true).expect("smart");
    let (_, captured) = play_through(
        &player,
        vec![
            QueueItem {
                edges: Some(analysed_edges(&p1)),
                ..item(1, &p1, place(1))
            },
            QueueItem {
                edges: Some(analysed_edges(&p2)),
                ..item(2, &p2, place(2))
            },
        ],
    );
    let window = RATE / 2;
    let guess = onset(&captured) - onset(&joined);
    let (before, c1) = locate(
        &captured,
        &joined,
        join - window - RATE / 10,
        window,
        guess,
        RATE as i64,
    );
    let (after, c2) = locate(&captured, &joined, join + RATE / 10, window, before, 2_000);
    eprintln!(
        "album join with a 2 s crossfade set: offset before {before}, after {after}: gap {} samples (corr {c1:.4} / {c2:.4})",
        after - before
    );
    assert!(c1 > 0.99 && c2 > 0.99, "correlations {c1:.4} / {c2:.4}");
    assert!(
        (after - before).abs() <= 1,
        "the join moved by {} samples",
        after - before
    );
    // And the whole join, not just both sides of it, is the recording itself.
    let across = correlation(&captured, &joined, join - RATE, 2 * RATE, before);
    assert!(across > 0.99, "correlation across the join {across:.4}");
}

#[test]
fn a_track_shorter_than_the_crossfade_is_faded_in_and_out_and_the_queue_goes_on() {
    let _sink = exclusive();
    let dir = tempfile::tempdir().expect("tempdir");
    let paths: Vec<PathBuf> = ["a", "short", "c"]
        .iter()
        .map(|n| dir.path().join(format!("{n}.wav")))
        .collect();
    noise_wav(&paths[0], 5.0, 11);
    noise_wav(&paths[1], 1.0, 12);
    noise_wav(&paths[2], 5.0, 13);
    let c = decode(&paths[2]);
    let player = Player::start().expect("an output device (the PulseAudio null sink)");
    player
        .set_crossfade(Duration::from_secs(3))
        .expect("crossfade");
    let items = paths
        .iter()
        .enumerate()
        .map(|(i, p)| item(i as i64 + 1, p, None))
        .collect();
    let (events, captured) = play_through(&player, items);
    let started: Vec<i64> = events
        .iter()
        .filter_map(|e| match e {
            PlayerEvent::TrackStarted { track_id, .. } => Some(*track_id),
            _ => None,
        })
        .collect();
    assert_eq!(started, [1, 2, 3], "{events:?}");
    let completed = events
        .iter()
        .filter(|e| {
            matches!(
                e,
                PlayerEvent::TrackEnded {
                    reason: PlayEnd::Completed,
                    ..
                }
            )
        })
        .count();
    assert_eq!(completed, 3, "{events:?}");
    // The last track's end plays out whole after the fades. It starts 3.75 s in: the first
    // fade is 2.5 s (half of the first track), the short track's 1 s and the rest of that fade
    // end the stream 5 s in, and half of those 2.5 s fade into the last. Searched ±3 s around
    // that, so a dropout or a stalled device on a busy machine does not lose it.
    let guess = onset(&captured) + (3.75 * RATE as f64) as i64;
    let (_, corr) = locate(&captured, &c, 4 * RATE, RATE / 2, guess, 3 * RATE as i64);
    assert!(corr > 0.99, "the last track's end: correlation {corr:.4}");
}

/// RMS level (dB against `reference`) of the capture's 10 ms windows, from frame `from`.
fn window_levels(captured: &[f32], from: usize, reference: f64) -> Vec<f64> {
    let window = RATE / 100;
    captured[from * 2..]
        .chunks_exact(window * 2)
        .map(|w| db(power(w) / reference))
        .collect()
}

/// How long the level takes, from the first window 1 dB below its steady level after `from`,
/// to fall 30 dB below it (ms), in `captured` that plays noise from `onset`.
fn fall_time_ms(captured: &[f32], onset: usize) -> f64 {
    let steady_from = onset + RATE / 5;
    let steady = power(&captured[steady_from * 2..(steady_from + RATE / 2) * 2]);
    let levels = window_levels(captured, steady_from, steady);
    let starts = levels
        .iter()
        .position(|&l| l < -1.0)
        .expect("the level falls");
    let ends = starts
        + levels[starts..]
            .iter()
            .position(|&l| l < -30.0)
            .expect("down to silence");
    // And the next track (noise of the same level) follows.
    assert!(
        levels[ends..].iter().any(|&l| l.abs() < 1.5),
        "the next track is not heard after the skip: {:?}",
        levels[ends..]
            .iter()
            .step_by(5)
            .map(|l| l.round())
            .collect::<Vec<_>>()
    );
    (ends - starts) as f64 * 10.0
}

/// With a crossfade on, skipping fades the track out over 200 ms (a quarter sine: -1 dB to
/// -30 dB takes 136 ms of it) instead of cutting it, and the next track follows; with it off a
/// skip cuts at once, as before.
#[test]
fn a_skip_fades_out_briefly_when_a_crossfade_is_on_and_cuts_when_it_is_off() {
    let _sink = exclusive();
    let dir = tempfile::tempdir().expect("tempdir");
    let (a_path, b_path) = (dir.path().join("a.wav"), dir.path().join("b.wav"));
    noise_wav(&a_path, 6.0, 21);
    noise_wav(&b_path, 6.0, 22);
    let player = Player::start().expect("an output device (the PulseAudio null sink)");
    let mut falls = Vec::new();
    for crossfade in [Duration::from_secs(2), Duration::ZERO] {
        player.set_crossfade(crossfade).expect("crossfade");
        let capture = Capture::start();
        player
            .play_queue(vec![item(1, &a_path, None), item(2, &b_path, None)], 0)
            .expect("play");
        std::thread::sleep(Duration::from_millis(1500));
        player.next().expect("next");
        std::thread::sleep(Duration::from_millis(1500));
        player.stop().expect("stop");
        std::thread::sleep(Duration::from_millis(300));
        let captured = capture.stop();
        let fall = fall_time_ms(&captured, onset(&captured) as usize);
        eprintln!(
            "skip with the crossfade at {} ms: A falls from -1 dB to -30 dB in {fall:.0} ms ({} dropouts counted)",
            crossfade.as_millis(),
            player.dropouts()
        );
        falls.push(fall);
    }
    assert!(
        (120.0..=260.0).contains(&falls[0]),
        "with a crossfade the skip fades over about 200 ms, not {} ms",
        falls[0]
    );
    assert!(falls[1] <= 30.0, "without one it cuts: {} ms", falls[1]);
}
