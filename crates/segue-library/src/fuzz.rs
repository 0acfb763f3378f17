//! Fuzz targets: every parser that takes bytes from files, fed real files mutated at random
//! and arbitrary input, as property tests (proptest) bounded for the test command. Each must
//! answer with a result or a typed failure: no panic, no hang, nothing read without bound.
//! `PROPTEST_CASES=5000 cargo test -p segue-library fuzz` runs them longer.

use std::path::{Path, PathBuf};

use proptest::prelude::*;

use crate::cover::{CoverCache, sniff_mime};
use crate::history_file::parse_history;
use crate::m3u::{Encoding, parse_m3u};
use crate::read::read_file;
use crate::walk::WalkedFile;

/// Cases per target in the test command: about a second for all of them.
const CASES: u32 = 400;

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(CASES);
    ProptestConfig {
        cases,
        // Shrunk failures are printed; a file in the source tree would go stale.
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
    let path = find(&demo, ext).unwrap_or_else(|| panic!("no .{ext} in the demo library"));
    std::fs::read(path).expect("demo file")
}

/// How a real file is damaged: bytes overwritten, a cut, bytes inserted near the start (the
/// headers and tags, where parsers trust lengths).
#[derive(Debug, Clone)]
enum Damage {
    Overwrite(Vec<(usize, u8)>),
    Truncate(usize),
    Insert(usize, Vec<u8>),
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        prop::collection::vec((0usize..8192, any::<u8>()), 1..32).prop_map(Damage::Overwrite),
        (0usize..1 << 20).prop_map(Damage::Truncate),
        (0usize..4096, prop::collection::vec(any::<u8>(), 1..64))
            .prop_map(|(at, bytes)| Damage::Insert(at, bytes)),
    ]
}

fn apply(mut data: Vec<u8>, damage: &Damage) -> Vec<u8> {
    match damage {
        Damage::Overwrite(edits) => {
            let len = data.len().max(1);
            for &(at, byte) in edits {
                if let Some(b) = data.get_mut(at % len) {
                    *b = byte;
                }
            }
        }
        Damage::Truncate(len) => data.truncate(len % data.len().max(1)),
        Damage::Insert(at, bytes) => {
            let at = (*at).min(data.len());
            data.splice(at..at, bytes.iter().copied());
        }
    }
    data
}

/// Reads `data` as a library file named `name`, as the scan does.
fn read_bytes(name: &str, data: &[u8]) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join(name);
    std::fs::write(&path, data).expect("write");
    let walked = WalkedFile {
        path,
        size: data.len() as u64,
        mtime_ns: 0,
        depth: 1,
    };
    let covers = CoverCache::new(Default::default());
    if let Ok((_, track)) = read_file(&walked, &covers) {
        // Whatever was accepted is plausible.
        assert!(track.audio.duration_ms > 0);
        assert!(track.audio.sample_rate.is_some());
        if let Some(cover) = &track.cover {
            assert!(cover.mime.starts_with("image/"), "{}", cover.mime);
        }
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn fuzz_tags_and_headers_of_damaged_flac(d in damage()) {
        read_bytes("a.flac", &apply(demo_file("flac"), &d));
    }

    #[test]
    fn fuzz_tags_and_headers_of_damaged_mp3(d in damage()) {
        read_bytes("a.mp3", &apply(demo_file("mp3"), &d));
    }

    #[test]
    fn fuzz_tags_and_headers_of_damaged_ogg(d in damage()) {
        read_bytes("a.ogg", &apply(demo_file("ogg"), &d));
    }

    #[test]
    fn fuzz_tags_and_headers_of_damaged_opus(d in damage()) {
        read_bytes("a.opus", &apply(demo_file("opus"), &d));
    }

    #[test]
    fn fuzz_tags_and_headers_of_damaged_m4a(d in damage()) {
        read_bytes("a.m4a", &apply(demo_file("m4a"), &d));
    }

    #[test]
    fn fuzz_tags_and_headers_of_damaged_wav(d in damage()) {
        read_bytes("a.wav", &apply(demo_file("wav"), &d));
    }

    #[test]
    fn fuzz_ogg_flac_headers(d in damage()) {
        let real = std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../tests/fixtures/formats/ogg-flac.oga"),
        )
        .expect("fixture");
        read_bytes("a.oga", &apply(real, &d));
    }

    #[test]
    fn fuzz_apev2_tags_on_raw_aac(d in damage()) {
        let real = std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../tests/fixtures/formats/adts-apev2.aac"),
        )
        .expect("fixture");
        // The tag is at the end: damage it there (the file reversed, damaged, turned back).
        let mut tail_first: Vec<u8> = real.into_iter().rev().collect();
        tail_first = apply(tail_first, &d);
        tail_first.reverse();
        read_bytes("a.aac", &tail_first);
    }

    #[test]
    fn fuzz_arbitrary_bytes_named_like_audio(
        data in prop::collection::vec(any::<u8>(), 1..4096),
        ext in prop::sample::select(vec!["flac", "mp3", "ogg", "opus", "m4a", "wav", "aiff", "aac", "oga"]),
    ) {
        read_bytes(&format!("a.{ext}"), &data);
    }

    #[test]
    fn fuzz_embedded_pictures(
        head in prop::sample::select(vec![
            b"\xff\xd8\xff\xe0".to_vec(),
            b"\x89PNG\r\n\x1a\n".to_vec(),
            b"GIF89a".to_vec(),
            b"BM".to_vec(),
            b"RIFF\0\0\0\0WEBP".to_vec(),
            Vec::new(),
        ]),
        rest in prop::collection::vec(any::<u8>(), 0..2048),
    ) {
        let data: Vec<u8> = head.into_iter().chain(rest).collect();
        let picture = lofty::picture::Picture::unchecked(data.clone()).build();
        let found = CoverCache::new(Default::default()).embedded(&picture);
        prop_assert_eq!(found.is_some(), sniff_mime(&data).starts_with("image/"));
    }

    #[test]
    fn fuzz_m3u_text(
        lines in prop::collection::vec(
            prop_oneof![
                Just("#EXTM3U".to_string()),
                "#EXTINF:[-0-9]{0,6},[^\n]{0,40}",
                "[^\n]{0,80}",
                "file:///[a-z%0-9/]{0,40}",
                "[A-Z]:\\\\[a-z\\\\]{0,30}",
            ],
            0..40,
        ),
        raw in prop::collection::vec(any::<u8>(), 0..256),
        legacy in any::<bool>(),
    ) {
        let encoding = if legacy { Encoding::Utf8OrWindows1252 } else { Encoding::Utf8 };
        let text = lines.join("\n");
        let parsed = parse_m3u(text.as_bytes(), encoding, Path::new("/music/lists"));
        if let Ok(file) = parsed {
            // An entry per line at most, where a CR alone also ends a line (old Mac files).
            prop_assert!(file.entries.len() <= text.split(['\n', '\r']).count());
        }
        let _ = parse_m3u(&raw, encoding, Path::new("/music/lists"));
    }

    #[test]
    fn fuzz_history_exports(
        name in prop::sample::select(vec![
            "listenbrainz-export.json",
            "listenbrainz-listens.jsonl",
            "listenbrainz-cut.json",
            "lastfm-to-csv.csv",
            "lastfm-export.csv",
            "lastfm-recenttracks.json",
            "lastfm-recenttracks-cut.json",
        ]),
        d in damage(),
        raw in prop::collection::vec(any::<u8>(), 0..1024),
        format in prop::sample::select(vec![
            None,
            Some(segue_core::HistoryFormat::ListenBrainz),
            Some(segue_core::HistoryFormat::LastfmCsv),
            Some(segue_core::HistoryFormat::LastfmJson),
        ]),
    ) {
        let real = std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../tests/fixtures/history")
                .join(name),
        )
        .expect("fixture");
        const NOW_S: i64 = 1_800_000_000;
        for bytes in [apply(real, &d), raw] {
            if let Some(file) = parse_history(&bytes, format, NOW_S) {
                // Whatever was accepted is a listen: names and a plausible time.
                for listen in &file.listens {
                    prop_assert!(!listen.artist.is_empty() && !listen.title.is_empty());
                    prop_assert!(listen.listened_at_s <= NOW_S + 86_400);
                    prop_assert!(listen.line >= 1);
                }
                // A record is read at most once: never more records than bytes.
                prop_assert!(file.records() <= bytes.len());
            }
        }
    }
}
