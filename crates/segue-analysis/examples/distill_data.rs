//! Training data for the distilled student model (`models/student/`): log-mel patches of real
//! music with both musicnn teachers' outputs for each.
//!
//! `cargo run --release -p segue-analysis --example distill_data -- OUT_DIR CLEAN AUGMENTED
//! [--hold-out PKG,PKG] [--max-tracks N] MUSIC_DIR...`
//!
//! Each audio file under a MUSIC_DIR is decoded and turned into mel power exactly as analysis
//! does ([`FeatureExtractor::extract`]); its package is the folder under MUSIC_DIR. Per track:
//! - CLEAN patches where analysis would score them ([`patches::select`]),
//! - AUGMENTED variants (none for a held-out package), each a patch from a random frame with,
//!   in the mel power domain: a gain (-12..+6 dB), an EQ tilt (±6 dB from the lowest to the
//!   highest band), a pitch shift (±1.5 mel bands, linear interpolation across bands), a time
//!   stretch (×0.85..1.15, linear interpolation across frames), and for one in three a mix
//!   with a patch of the previous track of the same package (power sum at -9..0 dB; power
//!   adds for uncorrelated sources, and a package never mixes into another, so held-out
//!   packages stay unseen).
//!
//! Every patch goes through [`segue_analysis::model_input`] (musicnn's log compression) and
//! both teachers through the crate's own ONNX Runtime session ([`Analyzer::score_patches`]).
//! Written per track, float16 `.npy`: `PKG/NNN.mel.npy` `[n,187,96]` (log-mel, the models'
//! input), `.msd.npy` `[n,50]`, `.mtt.npy` `[n,50]`, `.emb.npy` `[n,200]`, and `.aug.npy`
//! `[n]` uint8 (0 clean, 1 augmented, 2 augmented and mixed); `index.tsv` lists the tracks.
//! A track already written is skipped, so a run can be resumed. `--max-tracks N` stops after N
//! tracks written: the student's data (`models/segue-student.md`) was made with AUGMENTED 72
//! for the first 46 tracks, then a second run with 40 for the rest, which this reproduces
//! (`--max-tracks 46` with 72, then the same command with 40: the second run starts the random
//! generator afresh and skips the 46, as the resumed original run did).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use segue_analysis::musicnn::{EMBEDDING, PATCH_FRAMES, TAGS};
use segue_analysis::spectrum::MEL_BANDS;
use segue_analysis::{Analyzer, AnalyzerConfig, Device, FeatureExtractor, model_input, patches};

/// A small seeded generator (SplitMix64): the data set is the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn uniform(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * (self.next() >> 40) as f32 / (1u64 << 24) as f32
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// A `.npy` file (format 1.0) of `shape`, with `descr` ("<f2", "|u1") and raw little-endian data.
fn write_npy(path: &Path, descr: &str, shape: &[usize], data: &[u8]) -> std::io::Result<()> {
    let dims: Vec<String> = shape.iter().map(usize::to_string).collect();
    let shape = if dims.len() == 1 {
        format!("({},)", dims[0])
    } else {
        format!("({})", dims.join(", "))
    };
    let mut header = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
    // Magic (6) + version (2) + length (2) + header + newline, padded to a multiple of 64.
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut f = std::io::BufWriter::new(std::fs::File::create(path)?);
    f.write_all(b"\x93NUMPY\x01\x00")?;
    f.write_all(&(header.len() as u16).to_le_bytes())?;
    f.write_all(header.as_bytes())?;
    f.write_all(data)?;
    f.flush()
}

fn f16_bytes(values: &[f32]) -> Vec<u8> {
    values
        .iter()
        .flat_map(|v| half::f16::from_f32(*v).to_le_bytes())
        .collect()
}

/// Mel power at fractional frame `t` and band `b` of `mel` (`[frame][band]`), linearly
/// interpolated, zero outside.
fn sample(mel: &[f32], frames: usize, t: f32, b: f32) -> f32 {
    let at = |t: isize, b: isize| -> f32 {
        if t < 0 || b < 0 || t as usize >= frames || b as usize >= MEL_BANDS {
            0.0
        } else {
            mel[t as usize * MEL_BANDS + b as usize]
        }
    };
    let (t0, b0) = (t.floor(), b.floor());
    let (ft, fb) = (t - t0, b - b0);
    let (t0, b0) = (t0 as isize, b0 as isize);
    (1.0 - ft) * ((1.0 - fb) * at(t0, b0) + fb * at(t0, b0 + 1))
        + ft * ((1.0 - fb) * at(t0 + 1, b0) + fb * at(t0 + 1, b0 + 1))
}

/// One augmented patch (mel power, `PATCH_FRAMES × MEL_BANDS`) from a random place in `mel`,
/// and whether it was mixed with `partner`.
fn augmented(mel: &[f32], partner: Option<&[f32]>, rng: &mut Rng) -> (Vec<f32>, bool) {
    let frames = mel.len() / MEL_BANDS;
    let stretch = rng.uniform(0.85, 1.15);
    let span = (PATCH_FRAMES as f32 * stretch).ceil() as usize + 1;
    let start = rng.below(frames.saturating_sub(span) + 1) as f32;
    let shift = rng.uniform(-1.5, 1.5);
    let gain_db = rng.uniform(-12.0, 6.0);
    let tilt_db = rng.uniform(-6.0, 6.0);
    let mut out = vec![0.0f32; PATCH_FRAMES * MEL_BANDS];
    for t in 0..PATCH_FRAMES {
        for b in 0..MEL_BANDS {
            let tilt = tilt_db * (b as f32 / (MEL_BANDS - 1) as f32 - 0.5);
            let scale = 10f32.powf((gain_db + tilt) / 10.0);
            out[t * MEL_BANDS + b] =
                scale * sample(mel, frames, start + t as f32 * stretch, b as f32 + shift);
        }
    }
    let mixed = match partner {
        Some(other) if rng.below(3) == 0 => {
            let other_frames = other.len() / MEL_BANDS;
            let from = rng.below(other_frames.saturating_sub(PATCH_FRAMES) + 1);
            let level = 10f32.powf(rng.uniform(-9.0, 0.0) / 10.0);
            for (i, v) in out.iter_mut().enumerate() {
                let (t, b) = (from + i / MEL_BANDS, i % MEL_BANDS);
                if t < other_frames {
                    *v += level * other[t * MEL_BANDS + b];
                }
            }
            true
        }
        _ => false,
    };
    (out, mixed)
}

#[allow(unsafe_code)]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (name, value) = segue_analysis::TELEMETRY_OPT_OUT;
    // SAFETY: the first statement of `main`: no other thread exists to read the environment.
    unsafe { std::env::set_var(name, value) };
    let mut args = std::env::args().skip(1);
    let usage =
        "distill_data OUT_DIR CLEAN AUGMENTED [--hold-out PKG,PKG] [--max-tracks N] MUSIC_DIR...";
    let out_dir = PathBuf::from(args.next().ok_or(usage)?);
    let clean: usize = args.next().ok_or(usage)?.parse()?;
    let augment: usize = args.next().ok_or(usage)?.parse()?;
    let mut held_out: Vec<String> = Vec::new();
    let mut max_tracks = usize::MAX;
    let mut music_dirs = Vec::new();
    while let Some(a) = args.next() {
        if a == "--hold-out" {
            held_out = args
                .next()
                .ok_or(usage)?
                .split(',')
                .map(str::to_owned)
                .collect();
        } else if a == "--max-tracks" {
            max_tracks = args.next().ok_or(usage)?.parse()?;
        } else {
            music_dirs.push(PathBuf::from(a));
        }
    }
    std::fs::create_dir_all(&out_dir)?;
    let config = AnalyzerConfig {
        device: Device::Cpu,
        threads: 1,
        ..AnalyzerConfig::default()
    };
    let mut analyzer = Analyzer::new(&config)?;
    let extractor = FeatureExtractor::default();
    let mut index = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(out_dir.join("index.tsv"))?;
    let mut rng = Rng(0x5E9E_D157);
    let started = Instant::now();
    let (mut tracks, mut written) = (0usize, 0usize);
    for music in &music_dirs {
        let mut packages: Vec<PathBuf> = std::fs::read_dir(music)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_dir())
            .collect();
        packages.sort();
        for package_dir in packages {
            let package = package_dir
                .file_name()
                .and_then(|n| n.to_str())
                .ok_or("package folder name is not UTF-8")?
                .to_owned();
            let files = segue_core::files::audio_files_under(&package_dir)?;
            let hold = held_out.contains(&package);
            let pkg_out = out_dir.join(&package);
            std::fs::create_dir_all(&pkg_out)?;
            let mut partner: Option<Vec<f32>> = None;
            for (n, file) in files.iter().enumerate() {
                if tracks >= max_tracks {
                    break;
                }
                let stem = pkg_out.join(format!("{n:03}"));
                if stem.with_extension("aug.npy").exists() {
                    continue;
                }
                let mel = match extractor.extract(file) {
                    Ok(x) => x.mel,
                    Err(e) => {
                        eprintln!("skipped {}: {e}", file.display());
                        continue;
                    }
                };
                if mel.len() / MEL_BANDS < PATCH_FRAMES {
                    eprintln!("skipped {}: shorter than one patch", file.display());
                    continue;
                }
                let starts = patches::select(&mel, clean);
                let mut input = model_input(&mel, &starts);
                let mut scores = analyzer.score_patches(&mel, &starts)?;
                let mut kinds = vec![0u8; starts.len()];
                if !hold {
                    for _ in 0..augment {
                        let (patch, mixed) = augmented(&mel, partner.as_deref(), &mut rng);
                        input.extend(model_input(&patch, &[0]));
                        scores.append(analyzer.score_patches(&patch, &[0])?);
                        kinds.push(if mixed { 2 } else { 1 });
                    }
                }
                let count = kinds.len();
                let path = |ext: &str| stem.with_extension(ext);
                write_npy(
                    &path("mel.npy"),
                    "<f2",
                    &[count, PATCH_FRAMES, MEL_BANDS],
                    &f16_bytes(&input),
                )?;
                write_npy(
                    &path("msd.npy"),
                    "<f2",
                    &[count, TAGS],
                    &f16_bytes(&scores.msd),
                )?;
                write_npy(
                    &path("mtt.npy"),
                    "<f2",
                    &[count, TAGS],
                    &f16_bytes(&scores.mtt),
                )?;
                write_npy(
                    &path("emb.npy"),
                    "<f2",
                    &[count, EMBEDDING],
                    &f16_bytes(&scores.embedding),
                )?;
                // Written last: its presence marks the track done.
                write_npy(&path("aug.npy"), "|u1", &[count], &kinds)?;
                writeln!(
                    index,
                    "{package}\t{n:03}\t{}\t{count}\t{}",
                    file.display(),
                    if hold { "held-out" } else { "train" }
                )?;
                tracks += 1;
                written += count;
                eprintln!(
                    "{:>7.1}s {tracks} tracks, {written} patches: {package}/{n:03} ({count})",
                    started.elapsed().as_secs_f64()
                );
                partner = Some(mel);
            }
        }
    }
    println!(
        "{tracks} tracks, {written} patches in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
