//! Fuzz targets for the decoder: the demo library's real files damaged at random (bytes
//! overwritten, cut, bytes inserted), opened, read and sought as the player and analysis do.
//! Each must give samples or a typed error: no panic, no endless loop, values in range.
//! `PROPTEST_CASES=2000 cargo test -p segue-decode --test fuzz` runs them longer.

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use segue_decode::Decoder;

const CASES: u32 = 64;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(CASES),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn demo_file(ext: &str) -> Vec<u8> {
    fn find(dir: &Path, ext: &str) -> Option<PathBuf> {
        let mut entries: Vec<_> = std::fs::read_dir(dir).ok()?.flatten().collect();
        entries.sort_by_key(|e| e.path());
        entries.into_iter().find_map(|e| {
            let p = e.path();
            if p.is_dir() {
                find(&p, ext)
            } else {
                (p.extension().and_then(|e| e.to_str()) == Some(ext)).then_some(p)
            }
        })
    }
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/demo");
    std::fs::read(find(&demo, ext).expect("demo file")).expect("read")
}

fn damaged(ext: &'static str) -> impl Strategy<Value = (Vec<u8>, u64)> {
    let real = demo_file(ext);
    let len = real.len();
    (
        prop::collection::vec((0..len, any::<u8>()), 1..24),
        prop::option::of(0..len),
        any::<u64>(),
    )
        .prop_map(move |(edits, cut, seek)| {
            let mut data = real.clone();
            for (at, byte) in edits {
                data[at] = byte;
            }
            if let Some(cut) = cut {
                data.truncate(cut);
            }
            (data, seek)
        })
}

/// Decodes `data` as the player would: open, read a few seconds, seek, read on.
fn decode(ext: &str, data: &[u8], seek: u64) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join(format!("a.{ext}"));
    std::fs::write(&path, data).expect("write");
    let Ok(mut decoder) = Decoder::open(&path) else {
        return;
    };
    let rate = u64::from(decoder.info().sample_rate);
    let mut out = Vec::new();
    // The demo files last under a minute: more reads than that holds would be a loop.
    for _ in 0..20_000 {
        out.clear();
        match decoder.read(&mut out) {
            Ok(0) | Err(_) => break,
            Ok(_) => assert!(out.iter().all(|s| s.is_finite())),
        }
        if decoder.position() > 5 * rate {
            break;
        }
    }
    if decoder.seek(seek % (60 * rate.max(1))).is_ok() {
        out.clear();
        let _ = decoder.read(&mut out);
        assert!(out.iter().all(|s| s.is_finite()));
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn fuzz_decoding_damaged_flac((data, seek) in damaged("flac")) { decode("flac", &data, seek); }

    #[test]
    fn fuzz_decoding_damaged_mp3((data, seek) in damaged("mp3")) { decode("mp3", &data, seek); }

    #[test]
    fn fuzz_decoding_damaged_ogg((data, seek) in damaged("ogg")) { decode("ogg", &data, seek); }

    #[test]
    fn fuzz_decoding_damaged_opus((data, seek) in damaged("opus")) { decode("opus", &data, seek); }

    #[test]
    fn fuzz_decoding_damaged_m4a((data, seek) in damaged("m4a")) { decode("m4a", &data, seek); }

    #[test]
    fn fuzz_decoding_damaged_wav((data, seek) in damaged("wav")) { decode("wav", &data, seek); }
}
