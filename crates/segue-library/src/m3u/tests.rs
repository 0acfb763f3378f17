use super::*;

fn parse(text: &str) -> M3uFile {
    parse_m3u(
        text.as_bytes(),
        Encoding::Utf8,
        Path::new("/home/ann/Playlists"),
    )
    .expect("parse")
}

fn targets(file: &M3uFile) -> Vec<Target> {
    file.entries.iter().map(|e| e.target.clone()).collect()
}

fn local(path: &str) -> Target {
    Target::Local(PathBuf::from(path))
}

fn foreign(parts: &[&str]) -> Target {
    Target::Foreign(parts.iter().map(|p| p.to_string()).collect())
}

#[test]
fn relative_locations_resolve_against_the_playlist_folder() {
    let file =
        parse("a.flac\n./Sub/b.flac\n../Music/c.flac\n/srv/music/d.flac\n../../../../e.flac\n");
    assert_eq!(
        targets(&file),
        [
            local("/home/ann/Playlists/a.flac"),
            local("/home/ann/Playlists/Sub/b.flac"),
            local("/home/ann/Music/c.flac"),
            local("/srv/music/d.flac"),
            local("/e.flac"),
        ]
    );
    assert_eq!(file.entries[2].location, "../Music/c.flac");
    assert_eq!(file.entries[2].line, 3);
}

#[test]
fn windows_paths_are_read_with_backslashes_drives_and_shares() {
    let file = parse(
        "C:\\Music\\Ann\\First\\01 Dawn.flac\r\n\
         ..\\Music\\Ann\\First\\02 Noon.flac\r\n\
         Ann\\First\\03 Dusk.flac\r\n\
         \\\\nas\\music\\Ann\\04 Night.flac\r\n\
         d:/Rips/Ann/05 Late.flac\r\n",
    );
    assert_eq!(
        targets(&file),
        [
            foreign(&["Music", "Ann", "First", "01 Dawn.flac"]),
            local("/home/ann/Music/Ann/First/02 Noon.flac"),
            local("/home/ann/Playlists/Ann/First/03 Dusk.flac"),
            foreign(&["nas", "music", "Ann", "04 Night.flac"]),
            foreign(&["Rips", "Ann", "05 Late.flac"]),
        ]
    );
}

#[test]
fn file_urls_are_percent_decoded_and_other_urls_stay_urls() {
    let file = parse(
        "file:///home/ann/Music/Zo%C3%AB/caf%C3%A9%20del%20mar.ogg\n\
         FILE://localhost/srv/a%2Bb.flac\n\
         file:///C:/Users/Bob/Music/a%20b.mp3\n\
         file://nas/music/x.flac\n\
         file:/home/ann/single-slash.ogg\n\
         https://radio.example/stream?x=1\n\
         100%25.flac\n",
    );
    assert_eq!(
        targets(&file),
        [
            local("/home/ann/Music/Zoë/café del mar.ogg"),
            local("/srv/a+b.flac"),
            foreign(&["Users", "Bob", "Music", "a b.mp3"]),
            foreign(&["nas", "music", "x.flac"]),
            local("/home/ann/single-slash.ogg"),
            Target::Url,
            // A plain path keeps its percent signs.
            local("/home/ann/Playlists/100%25.flac"),
        ]
    );
}

#[cfg(unix)]
#[test]
fn a_file_url_may_name_a_path_that_is_not_utf8() {
    use std::os::unix::ffi::OsStrExt;
    let file = parse("file:///music/caf%E9.ogg\n");
    let Target::Local(path) = &file.entries[0].target else {
        panic!("{:?}", file.entries[0].target)
    };
    assert_eq!(path.as_os_str().as_bytes(), b"/music/caf\xe9.ogg");
}

#[test]
fn extinf_gives_the_next_location_its_duration_and_title() {
    let file = parse(
        "#EXTM3U\n\
         #EXTINF:215,Ann - Dawn - Live\n\
         a.flac\n\
         #EXTVLCOPT:network-caching=1000\n\
         #extinf:-1,Unknown length\n\
         b.flac\n\
         #EXTINF:12.6 tvg-name=\"x, y\" group-title=\"z\",Bob - Noon\n\
         c.flac\n\
         # a comment\n\
         d.flac\n",
    );
    let infos: Vec<Option<ExtInf>> = file.entries.iter().map(|e| e.info.clone()).collect();
    assert_eq!(
        infos,
        [
            Some(ExtInf {
                duration_ms: Some(215_000),
                title: Some("Ann - Dawn - Live".into())
            }),
            Some(ExtInf {
                duration_ms: None,
                title: Some("Unknown length".into())
            }),
            Some(ExtInf {
                duration_ms: Some(12_600),
                title: Some("Bob - Noon".into())
            }),
            None,
        ]
    );
    assert!(file.notes.is_empty(), "{:?}", file.notes);
}

#[test]
fn malformed_extinf_lines_are_noted_and_the_entries_kept() {
    let file = parse(
        "#EXTINF:abc,Ann - Dawn\n\
         a.flac\n\
         #EXTINF:10,Lost\n\
         #EXTINF:20,Bob - Noon\n\
         b.flac\n\
         #EXTINF:30,At the end\n",
    );
    assert_eq!(file.entries.len(), 2);
    assert_eq!(
        file.entries[0]
            .info
            .as_ref()
            .and_then(|i| i.title.as_deref()),
        Some("Ann - Dawn")
    );
    assert_eq!(
        file.notes,
        [
            ImportNote::UnreadableDuration { line: 1 },
            ImportNote::InfoWithoutLocation { line: 3 },
            ImportNote::InfoWithoutLocation { line: 6 },
        ]
    );
}

#[test]
fn a_legacy_m3u_is_read_as_windows_1252_with_a_note() {
    // "Café – Zoë.mp3" and "Œuvre €.mp3" as a Windows player writes them.
    let bytes = b"#EXTINF:61,Zo\xeb - Caf\xe9\r\nCaf\xe9 \x96 Zo\xeb.mp3\r\n\x8cuvre \x80.mp3\r\n";
    let file = parse_m3u(bytes, Encoding::Utf8OrWindows1252, Path::new("/m")).expect("parse");
    assert_eq!(file.notes, [ImportNote::ReadAsWindows1252]);
    assert_eq!(file.entries[0].location, "Café – Zoë.mp3");
    assert_eq!(file.entries[1].location, "Œuvre €.mp3");
    assert_eq!(
        file.entries[0]
            .info
            .as_ref()
            .and_then(|i| i.title.as_deref()),
        Some("Zoë - Café")
    );
}

#[test]
fn an_m3u8_that_is_not_utf8_is_refused_with_its_line() {
    let bytes = b"#EXTM3U\nok.mp3\nCaf\xe9.mp3\n";
    assert_eq!(
        parse_m3u(bytes, Encoding::Utf8, Path::new("/m")),
        Err(ContentError::NotUtf8 { line: 3 })
    );
}

#[test]
fn binary_data_is_not_a_playlist() {
    let bytes = b"ID3\x04\x00\x00\x00\x00\x00\x00a.mp3\n";
    assert_eq!(
        parse_m3u(bytes, Encoding::Utf8OrWindows1252, Path::new("/m")),
        Err(ContentError::NotText { line: 1 })
    );
}

#[test]
fn a_file_without_locations_has_no_entries() {
    assert_eq!(
        parse_m3u(b"#EXTM3U\n\n#EXTINF:1,x\n", Encoding::Utf8, Path::new("/m")),
        Err(ContentError::NoEntries)
    );
    assert_eq!(
        parse_m3u(b"", Encoding::Utf8, Path::new("/m")),
        Err(ContentError::NoEntries)
    );
}

#[test]
fn byte_order_marks_and_every_line_ending_are_read() {
    let with_bom = parse_m3u(
        "\u{feff}Zoë\\a.flac\r\nb.flac".as_bytes(),
        Encoding::Utf8,
        Path::new("/m"),
    )
    .expect("utf-8 bom");
    assert_eq!(
        targets(&with_bom),
        [local("/m/Zoë/a.flac"), local("/m/b.flac")]
    );
    assert!(with_bom.notes.is_empty());

    let old_mac = parse_m3u(b"a.flac\rb.flac\r", Encoding::Utf8, Path::new("/m")).expect("cr");
    assert_eq!(old_mac.entries.len(), 2);

    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain("Zoë.flac\r\n".encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let file = parse_m3u(&utf16, Encoding::Utf8, Path::new("/m")).expect("utf-16");
    assert_eq!(targets(&file), [local("/m/Zoë.flac")]);
    assert_eq!(file.notes, [ImportNote::ReadAsUtf16]);
}

fn row(path: &str, title: &str, duration_ms: u64) -> ExportRow {
    ExportRow {
        path: Some(PathBuf::from(path)),
        location: None,
        title: Some(title.into()),
        duration_ms: Some(duration_ms),
    }
}

#[test]
fn written_paths_are_relative_when_the_folders_share_more_than_the_root() {
    let rows = [
        row("/home/ann/Music/Ann/a.flac", "Ann - Dawn", 61_400),
        row("/home/ann/Playlists/here.flac", "Bob - Noon", 1_600),
        row("/mnt/usb/Zoë/c.flac", "Zoë - Dusk", 0),
        ExportRow {
            path: None,
            location: Some("C:\\Music\\gone.flac".into()),
            title: Some("Cat - Gone".into()),
            duration_ms: None,
        },
        ExportRow {
            path: None,
            location: Some("http://radio.example/stream".into()),
            title: None,
            duration_ms: None,
        },
    ];
    let (text, written) = m3u8_text(&rows, Path::new("/home/ann/Playlists"));
    assert_eq!(
        text,
        "#EXTM3U\n\
         #EXTINF:61,Ann - Dawn\n../Music/Ann/a.flac\n\
         #EXTINF:2,Bob - Noon\nhere.flac\n\
         #EXTINF:0,Zoë - Dusk\n/mnt/usb/Zoë/c.flac\n\
         #EXTINF:-1,Cat - Gone\nC:\\Music\\gone.flac\n\
         http://radio.example/stream\n"
    );
    assert_eq!(
        written,
        Written {
            entries: 5,
            relative: 2
        }
    );
}

#[test]
fn paths_a_line_cannot_hold_are_written_as_file_urls_and_read_back() {
    let awkward = [
        "/home/ann/Playlists/ leading space.flac",
        "/home/ann/Music/ inner space.flac",
        "/home/ann/Music/two\nlines.flac",
        "/home/ann/Music/#1 hit.flac",
        "/home/ann/Music/100% Zoë.flac",
    ];
    let rows: Vec<ExportRow> = awkward.iter().map(|p| row(p, "x", 1000)).collect();
    let (text, _) = m3u8_text(&rows, Path::new("/home/ann/Playlists"));
    assert!(
        text.contains("\nfile:///home/ann/Playlists/%20leading%20space.flac\n"),
        "{text}"
    );
    assert!(text.contains("\n../Music/ inner space.flac\n"), "{text}");
    assert!(text.contains("\n../Music/#1 hit.flac\n"), "{text}");
    let back = parse(&text);
    assert_eq!(
        targets(&back),
        awkward.iter().map(|p| local(p)).collect::<Vec<_>>()
    );

    // A relative name starting with '#' is not read as a comment.
    let (text, _) = m3u8_text(&[row("/p/#2.flac", "x", 1)], Path::new("/p"));
    assert!(text.ends_with("\n./#2.flac\n"), "{text}");
    assert_eq!(
        targets(&parse_m3u(text.as_bytes(), Encoding::Utf8, Path::new("/p")).expect("parse")),
        [local("/p/#2.flac")]
    );
}

#[cfg(unix)]
#[test]
fn a_path_that_is_not_utf8_round_trips_through_a_file_url() {
    use std::os::unix::ffi::OsStrExt;
    let path = PathBuf::from(std::ffi::OsStr::from_bytes(b"/music/caf\xe9.ogg"));
    let rows = [ExportRow {
        path: Some(path.clone()),
        location: None,
        title: None,
        duration_ms: None,
    }];
    let (text, _) = m3u8_text(&rows, Path::new("/music"));
    assert_eq!(text, "#EXTM3U\nfile:///music/caf%E9.ogg\n");
    assert_eq!(
        targets(&parse_m3u(text.as_bytes(), Encoding::Utf8, Path::new("/x")).expect("parse")),
        [Target::Local(path)]
    );
}

#[test]
fn any_bytes_parse_to_entries_or_an_error_without_panicking() {
    // Pieces of real playlists and of trouble, joined at random (a fixed-seed generator, so
    // a failure reproduces).
    const PIECES: &[&[u8]] = &[
        b"#EXTINF:",
        b"#EXTM3U",
        b"-1",
        b"12.5",
        b",",
        b"\"",
        b" - ",
        b"file://",
        b"file:/",
        b"localhost",
        b"%",
        b"%C3%A9",
        b"%zz",
        b"C:",
        b"\\",
        b"\\\\",
        b"/",
        b"..",
        b".",
        b"a",
        b"\r",
        b"\n",
        b"\r\n",
        b" ",
        b"\t",
        b"\xef\xbb\xbf",
        b"\xff\xfe",
        b"\xfe\xff",
        b"\xe9",
        b"\x00",
        b"\x80",
        b"\xc3",
        b"https://",
        b"#",
    ];
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..20_000 {
        let mut bytes = Vec::new();
        for _ in 0..next() % 24 {
            bytes.extend_from_slice(PIECES[(next() % PIECES.len() as u64) as usize]);
        }
        for encoding in [Encoding::Utf8, Encoding::Utf8OrWindows1252] {
            if let Ok(file) = parse_m3u(&bytes, encoding, Path::new("/base")) {
                let rows: Vec<ExportRow> = file
                    .entries
                    .iter()
                    .filter_map(|e| match &e.target {
                        Target::Local(path) => Some(row(&path.to_string_lossy(), "t", 1)),
                        _ => None,
                    })
                    .collect();
                m3u8_text(&rows, Path::new("/base/list"));
            }
        }
    }
}
