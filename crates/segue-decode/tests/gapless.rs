//! Gapless decoding: a continuous real recording cut into two files (tests/fixtures/gapless,
//! made by scripts/make-gapless-fixtures.sh) decodes, part 1 then part 2, to the continuous
//! source: the same length (no gap, no overlap) and no shift or jump at the join.

use std::path::{Path, PathBuf};

use segue_decode::Decoder;

const CUT: usize = 176_489; // frames at 44.1 kHz where the source was cut

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/gapless")
        .join(name)
}

fn decode(path: &Path) -> (Vec<f32>, usize, u32) {
    let mut d = Decoder::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut out = Vec::new();
    while d.read(&mut out).expect("decode") > 0 {}
    (out, usize::from(d.info().channels), d.info().sample_rate)
}

/// Best lag (frames) of `x` against `reference` over the 4096 frames from `from`, and the
/// relative error there.
fn alignment(x: &[f32], reference: &[f32], from: usize, ch: usize) -> (i64, f64) {
    let window = from..from + 4096;
    let mut best = (0i64, f64::MAX);
    for lag in -3000i64..=3000 {
        let err: f64 = window
            .clone()
            .map(|i| {
                let j = (i as i64 + lag) as usize;
                let d = f64::from(x[i * ch]) - f64::from(reference[j * ch]);
                d * d
            })
            .sum();
        if err < best.1 {
            best = (lag, err);
        }
    }
    let energy: f64 = window.map(|i| f64::from(reference[i * ch]).powi(2)).sum();
    (best.0, (best.1 / energy).sqrt())
}

#[test]
fn two_halves_decode_to_the_continuous_source() {
    let (source, ch, rate) = decode(&fixture("source.flac"));
    let (source48, _, _) = decode(&fixture("source-48k.flac"));
    assert_eq!((ch, rate), (2, 44_100));
    for ext in ["flac", "mp3", "ogg", "m4a", "opus"] {
        let (p1, c1, r1) = decode(&fixture(&format!("part1.{ext}")));
        let (p2, c2, r2) = decode(&fixture(&format!("part2.{ext}")));
        assert_eq!((c1, c2), (ch, ch));
        assert_eq!(r1, r2);
        let (reference, cut) = if r1 == 48_000 {
            (
                &source48,
                (CUT as f64 * 48_000.0 / 44_100.0).round() as usize,
            )
        } else {
            (&source, CUT)
        };
        let joined: Vec<f32> = p1.iter().chain(&p2).copied().collect();
        let (len, ref_len) = (joined.len() / ch, reference.len() / ch);
        assert!(
            len == ref_len,
            "{ext}: {len} frames joined vs {ref_len} in the source ({} gap)",
            ref_len as i64 - len as i64
        );
        // Each half, measured away from the cut (where the encoders saw the edge): a gap or an
        // overlap would shift the second half, a mis-trimmed start the first.
        assert_eq!(
            p1.len() / ch,
            cut,
            "{ext}: the first half must end exactly at the cut"
        );
        // Waveform alignment inside each half: a mis-trimmed start would shift it.
        for (side, from) in [("first", cut / 4), ("second", cut + cut / 4)] {
            if ext == "opus" {
                // Opus keeps band energies, not the waveform (ffmpeg's decode of these files
                // differs from the source as much, 0.2-0.7 relative error depending on the
                // music), so a waveform check says nothing. The exact lengths above do: an
                // untrimmed 312-frame pre-skip would make the first half 312 frames long.
                continue;
            }
            let (lag, err) = alignment(&joined, reference, from, ch);
            assert_eq!(lag, 0, "{ext}: the {side} half is shifted by {lag} frames");
            let limit = if ext == "flac" { 1e-6 } else { 0.1 };
            assert!(
                err < limit,
                "{ext}: relative error {err:.4} in the {side} half"
            );
        }
        if ext == "flac" {
            // Lossless: the join is the source, sample for sample.
            assert_eq!(
                &joined[..],
                &reference[..],
                "flac halves must rebuild the source exactly"
            );
        }
        // Lossy halves were encoded separately, so each codec smears a little error around its
        // own cut (its encoder saw silence beyond it); that is the file, not the player. The
        // player's part is length and alignment, asserted above.
    }
}

#[test]
fn ogg_flac_decodes_to_the_same_samples_as_native_flac() {
    // tests/fixtures/formats/ogg-flac.oga: the first 88,200 frames of source.flac in Ogg pages
    // (scripts/make-format-fixtures.sh). Lossless: every sample must match.
    let (source, ch, _) = decode(&fixture("source.flac"));
    let (ogg, ogg_ch, rate) = decode(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/formats/ogg-flac.oga"),
    );
    assert_eq!((ogg_ch, rate), (ch, 44_100));
    assert_eq!(ogg.len(), 88_200 * ch);
    assert!(ogg == source[..ogg.len()], "the samples differ");
}
