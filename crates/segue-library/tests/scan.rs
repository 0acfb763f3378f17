//! The scanner on real files: the demo library's recordings (every supported format), copied,
//! moved, damaged and deleted in temporary folders, with a real SQLite database.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use segue_core::{Codec, IssueKind, PlayEnd, ScanPhase, ScanReport};
use segue_library::{ScanOptions, scan};
use segue_store::{FileChange, FileStat, ImportedTrack, PlayRecord, Store, TrackQuery};

fn demo_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/demo")
}

fn demo_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = walk(&demo_dir())
        .into_iter()
        .filter(|p| {
            segue_library::AUDIO_EXTENSIONS
                .contains(&p.extension().and_then(|e| e.to_str()).unwrap_or(""))
        })
        .collect();
    files.sort();
    files
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).expect("read demo dir").flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// A demo file with this extension (the demo library has every supported format).
fn demo(ext: &str) -> PathBuf {
    demo_files()
        .into_iter()
        .find(|p| p.extension().is_some_and(|e| e == ext))
        .unwrap_or_else(|| panic!("the demo library has no .{ext} file"))
}

/// Paths `segue report` would list.
fn stored_issue_paths(store: &Store) -> HashSet<String> {
    store
        .issues()
        .expect("issues")
        .into_iter()
        .map(|i| i.path)
        .collect()
}

fn run_scan(store: &mut Store, roots: &[&Path]) -> ScanReport {
    let roots: Vec<PathBuf> = roots.iter().map(|r| r.to_path_buf()).collect();
    scan(
        store,
        &roots,
        &ScanOptions::default(),
        &AtomicBool::new(false),
        &mut |_| {},
    )
    .expect("scan")
}

fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
    std::fs::copy(from, to).expect("copy");
}

struct Fixture {
    _tmp: tempfile::TempDir,
    music: PathBuf,
    store: Store,
}

fn fixture() -> Fixture {
    let tmp = tempfile::tempdir().expect("tempdir");
    let music = tmp.path().join("music");
    std::fs::create_dir_all(&music).expect("mkdir");
    let store = Store::open(&tmp.path().join("library.sqlite")).expect("open store");
    Fixture {
        _tmp: tmp,
        music,
        store,
    }
}

#[test]
fn demo_library_imports_every_format_with_tags_covers_and_fallbacks() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut store = Store::open(&tmp.path().join("db.sqlite")).expect("open");
    let report = run_scan(&mut store, &[&demo_dir()]);
    let files = demo_files();
    assert_eq!(report.failed, 0, "issues: {:?}", report.issues);
    assert_eq!(report.added as usize, files.len());

    let tracks = store.tracks(&TrackQuery::default()).expect("tracks");
    assert_eq!(tracks.len(), files.len());
    let codecs: HashSet<Codec> = tracks.iter().map(|t| t.audio.codec).collect();
    for c in [
        Codec::Flac,
        Codec::Mp3,
        Codec::Vorbis,
        Codec::Opus,
        Codec::Aac,
        Codec::Alac,
        Codec::Pcm,
    ] {
        assert!(codecs.contains(&c), "no {c:?} track imported");
    }
    for t in &tracks {
        assert!(!t.tags.title.is_empty(), "{} has no title", t.path);
        assert!(t.audio.duration_ms > 1000, "{} too short", t.path);
        assert!(t.audio.sample_rate.is_some_and(|r| r >= 8000));
        assert!(t.audio.channels.is_some());
        assert!(t.tags.album.is_some(), "{} has no album", t.path);
        assert!(t.tags.artist.is_some() || t.tags.album_artist.is_some());
    }
    // Lossless and PCM streams report their bit depth.
    assert!(
        tracks
            .iter()
            .any(|t| t.audio.codec == Codec::Flac && t.audio.bit_depth.is_some())
    );
    // Tagged files carry their tags; ReplayGain is read where present.
    assert!(
        tracks
            .iter()
            .any(|t| t.tags.year.is_some() && t.tags.genre.is_some() && !t.tags.inferred_from_path)
    );
    assert!(tracks.iter().any(|t| t.replay_gain.track_gain_db.is_some()));
    // Covers: embedded and cover.jpg, each distinct image stored once.
    let with_cover = tracks.iter().filter(|t| t.cover_id.is_some()).count();
    assert!(with_cover > 0);
    let distinct: HashSet<i64> = tracks.iter().filter_map(|t| t.cover_id).collect();
    assert_eq!(
        store.stats().expect("stats").covers as usize,
        distinct.len()
    );
    assert!(
        distinct.len() < with_cover,
        "a shared cover must be stored once"
    );
    for id in distinct {
        let (mime, data) = store.cover(id).expect("cover").expect("exists");
        assert!(mime.starts_with("image/"));
        assert!(data.len() > 1000);
    }
}

#[test]
fn untagged_files_fall_back_to_folder_and_file_names() {
    let mut f = fixture();
    // A real recording with every tag removed, in an Artist/Album/NN Title layout.
    let target = f.music.join("Ann Example/Quiet Hours/07 Night Walk.wav");
    copy(&demo("wav"), &target);
    strip_tags(&target);
    let report = run_scan(&mut f.store, &[&f.music]);
    assert_eq!(report.added, 1, "{:?}", report.issues);
    let t = &f.store.tracks(&TrackQuery::default()).expect("tracks")[0];
    assert_eq!(t.tags.title, "Night Walk");
    assert_eq!(t.tags.track_number, Some(7));
    assert_eq!(t.tags.album.as_deref(), Some("Quiet Hours"));
    assert_eq!(t.tags.artist.as_deref(), Some("Ann Example"));
    assert!(t.tags.inferred_from_path);
}

fn strip_tags(path: &Path) {
    use lofty::file::TaggedFileExt;
    let file = lofty::read_from_path(path).expect("read");
    for tag in file.tags() {
        tag.tag_type()
            .remove_from_path(path, lofty::config::WriteOptions::default())
            .expect("strip tag");
    }
    assert!(
        lofty::read_from_path(path)
            .expect("reread")
            .tags()
            .is_empty()
    );
}

/// Writes these credits (artist, album artist, composer) and a title into the file's main tag.
fn tag_credits(path: &Path, title: &str, artist: &str, album_artist: &str, composer: &str) {
    use lofty::file::{AudioFile, TaggedFileExt};
    use lofty::prelude::{Accessor, ItemKey};
    let mut file = lofty::read_from_path(path).expect("read");
    if file.primary_tag().is_none() {
        file.insert_tag(lofty::tag::Tag::new(file.primary_tag_type()));
    }
    let tag = file.primary_tag_mut().expect("tag");
    tag.set_title(title.into());
    tag.set_artist(artist.into());
    tag.insert_text(ItemKey::AlbumArtist, album_artist.into());
    tag.insert_text(ItemKey::Composer, composer.into());
    file.save_to_path(path, lofty::config::WriteOptions::default())
        .expect("save");
}

fn gapless_fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/gapless")
        .join(name)
}

#[test]
fn placeholder_artists_import_as_unknown_and_real_ones_stay() {
    let mut f = fixture();
    let unknown = f.music.join("Quiet Hours/01 Night.mp3");
    copy(&gapless_fixture("part1.mp3"), &unknown);
    tag_credits(
        &unknown,
        "Night",
        "<Unknown>",
        "Unknown Artist",
        "[unknown]",
    );
    let compilation = f.music.join("Quiet Hours/02 Day.ogg");
    copy(&gapless_fixture("part1.ogg"), &compilation);
    tag_credits(
        &compilation,
        "Day",
        "Ann Example",
        "Various Artists",
        "Bob Example",
    );

    let report = run_scan(&mut f.store, &[&f.music]);
    assert_eq!(report.added, 2, "{:?}", report.issues);
    let tracks = f.store.tracks(&TrackQuery::default()).expect("tracks");
    let by_title = |title: &str| {
        tracks
            .iter()
            .find(|t| t.tags.title == title)
            .unwrap_or_else(|| panic!("{title} not imported: {tracks:#?}"))
    };
    let night = &by_title("Night").tags;
    assert_eq!(
        (&night.artist, &night.album_artist, &night.composer),
        (&None, &None, &None),
        "{night:?}"
    );
    let day = &by_title("Day").tags;
    assert_eq!(day.artist.as_deref(), Some("Ann Example"));
    assert_eq!(day.album_artist.as_deref(), Some("Various Artists"));
    assert_eq!(day.composer.as_deref(), Some("Bob Example"));
    assert_eq!(
        f.store.stats().expect("stats").artists,
        1,
        "no artist called \"Unknown Artist\""
    );
}

#[test]
fn a_placeholder_artist_stored_by_an_older_reader_is_cleared_by_the_next_scan_with_its_history_kept()
 {
    let mut f = fixture();
    let path = f.music.join("Quiet Hours/01 Night.mp3");
    copy(&gapless_fixture("part1.mp3"), &path);
    tag_credits(&path, "Night", "<Unknown>", "Unknown Artist", "[unknown]");
    run_scan(&mut f.store, &[&f.music]);
    let track = f.store.tracks(&TrackQuery::default()).expect("tracks")[0].clone();
    let known = f.store.known_files().expect("files")[0].clone();
    // The row as an older reader wrote it, marked for reading again as migration 6 marks it.
    let mut old_tags = track.tags.clone();
    old_tags.artist = Some("<Unknown>".into());
    f.store
        .apply(&[FileChange::Imported {
            id: Some(track.id),
            stat: FileStat {
                path: known.path.clone(),
                size: known.size,
                mtime_ns: -1,
            },
            fingerprint: known.fingerprint.expect("fingerprint"),
            track: Box::new(ImportedTrack {
                tags: old_tags,
                audio: track.audio,
                replay_gain: track.replay_gain,
                cover: None,
                warning: None,
            }),
        }])
        .expect("old row");
    f.store
        .record_play(&PlayRecord {
            track_id: track.id,
            started_at_ms: 1,
            ms_listened: 2_000,
            end: PlayEnd::Completed,
            position_ms: Some(2_000),
        })
        .expect("play");

    let report = run_scan(&mut f.store, &[&f.music]);
    assert_eq!((report.updated, report.added), (1, 0), "{report:?}");
    let again = f.store.track(track.id).expect("track").expect("same id");
    assert_eq!(again.tags.artist, None);
    assert_eq!(f.store.play_count(track.id).expect("plays"), 1);
}

#[test]
fn unicode_tags_and_paths_round_trip() {
    let mut f = fixture();
    let target = f
        .music
        .join("Сергей Прокофьев/交响曲 No. 1/01 Allegro — «ça va».flac");
    copy(&demo("flac"), &target);
    {
        use lofty::file::TaggedFileExt;
        use lofty::prelude::Accessor;
        let mut file = lofty::read_from_path(&target).expect("read");
        let tag = file.primary_tag_mut().expect("tag");
        tag.set_title("Allegro — «ça va» 🎻".into());
        tag.set_artist("Сергей Прокофьев".into());
        tag.set_album("交响曲 No. 1".into());
        lofty::file::AudioFile::save_to_path(
            &file,
            &target,
            lofty::config::WriteOptions::default(),
        )
        .expect("save");
    }
    run_scan(&mut f.store, &[&f.music]);
    let t = &f
        .store
        .tracks(&TrackQuery {
            search: Some("сергей 交响曲".into()),
            ..Default::default()
        })
        .expect("search")[0];
    assert_eq!(t.tags.title, "Allegro — «ça va» 🎻");
    assert_eq!(t.path, target.to_string_lossy());
}

#[test]
fn rescan_reads_only_what_changed() {
    let mut f = fixture();
    for (i, src) in demo_files().iter().take(6).enumerate() {
        copy(
            src,
            &f.music.join(format!(
                "a/{i}-{}",
                src.file_name().expect("name").to_string_lossy()
            )),
        );
    }
    let first = run_scan(&mut f.store, &[&f.music]);
    assert_eq!((first.added, first.failed), (6, 0));

    let again = run_scan(&mut f.store, &[&f.music]);
    assert_eq!((again.added, again.updated, again.unchanged), (0, 0, 6));

    // Touch one file: only it is read again.
    let one = walk(&f.music)[0].clone();
    let later = std::time::SystemTime::now() + std::time::Duration::from_secs(5);
    std::fs::File::options()
        .write(true)
        .open(&one)
        .expect("open")
        .set_modified(later)
        .expect("set mtime");
    let changed = run_scan(&mut f.store, &[&f.music]);
    assert_eq!((changed.updated, changed.unchanged), (1, 5));
}

#[test]
fn moved_and_renamed_files_keep_id_rating_and_history() {
    let mut f = fixture();
    let src = demo("ogg");
    let old = f.music.join("Inbox/track.ogg");
    copy(&src, &old);
    copy(&demo("mp3"), &f.music.join("Inbox/other.mp3"));
    run_scan(&mut f.store, &[&f.music]);
    let id = f
        .store
        .tracks(&TrackQuery {
            search: Some("track.ogg".into()),
            ..Default::default()
        })
        .expect("tracks")[0]
        .id;
    f.store.set_rating(id, Some(4)).expect("rate");
    f.store
        .record_play(&PlayRecord {
            track_id: id,
            started_at_ms: 1,
            ms_listened: 30_000,
            end: PlayEnd::Skipped,
            position_ms: Some(30_000),
        })
        .expect("play");

    let new = f.music.join("Sorted/Artist/Album/01 Renamed.ogg");
    std::fs::create_dir_all(new.parent().expect("parent")).expect("mkdir");
    std::fs::rename(&old, &new).expect("move");
    let report = run_scan(&mut f.store, &[&f.music]);
    assert_eq!(
        (report.moved, report.added, report.missing),
        (1, 0, 0),
        "{report:?}"
    );
    let t = f.store.track(id).expect("track").expect("same id");
    assert_eq!(t.path, new.to_string_lossy());
    assert!(!t.missing);
    assert_eq!(f.store.rating(id).expect("rating"), Some(4));
    assert_eq!(f.store.play_count(id).expect("plays"), 1);
    assert_eq!(f.store.stats().expect("stats").tracks, 2);
}

#[test]
fn removed_files_are_kept_as_missing_and_come_back() {
    let mut f = fixture();
    let path = f.music.join("x/song.flac");
    copy(&demo("flac"), &path);
    run_scan(&mut f.store, &[&f.music]);
    let id = f.store.tracks(&TrackQuery::default()).expect("tracks")[0].id;
    f.store.set_rating(id, Some(5)).expect("rate");

    let parked = f._tmp.path().join("parked.flac");
    std::fs::rename(&path, &parked).expect("park");
    let gone = run_scan(&mut f.store, &[&f.music]);
    assert_eq!(gone.missing, 1);
    let stats = f.store.stats().expect("stats");
    assert_eq!((stats.tracks, stats.missing), (0, 1));
    assert_eq!(f.store.rating(id).expect("rating"), Some(5));

    // A second scan does not count it again.
    assert_eq!(run_scan(&mut f.store, &[&f.music]).missing, 0);

    std::fs::rename(&parked, &path).expect("restore");
    let back = run_scan(&mut f.store, &[&f.music]);
    assert_eq!(back.added, 0, "{back:?}");
    let t = f.store.track(id).expect("track").expect("same id");
    assert!(!t.missing);
    assert_eq!(f.store.rating(id).expect("rating"), Some(5));
}

#[test]
fn a_missing_library_folder_is_reported_and_its_tracks_untouched() {
    let mut f = fixture();
    let drive = f.music.join("usb");
    copy(&demo("mp3"), &drive.join("a.mp3"));
    run_scan(&mut f.store, &[&drive]);
    let unplugged = f._tmp.path().join("unplugged");
    std::fs::rename(&drive, &unplugged).expect("unplug");
    let other = f.music.join("other");
    copy(&demo("ogg"), &other.join("b.ogg"));
    let report = run_scan(&mut f.store, &[&drive, &other]);
    assert_eq!(report.added, 1);
    assert_eq!(
        report.missing, 0,
        "an absent folder must not mark its tracks missing"
    );
    assert_eq!(report.issues.len(), 1);
    assert_eq!(report.issues[0].kind, IssueKind::FolderNotFound);
    assert_eq!(f.store.stats().expect("stats").tracks, 2);
}

/// Writes a file whose ID3v2 tag holds a picture of `bytes` bytes, followed by real MP3 audio.
fn mp3_with_picture(path: &Path, bytes: usize) {
    let audio = std::fs::read(demo("mp3")).expect("read mp3");
    // Skip the demo file's own ID3v2 tag so ours is the only one.
    let start = if audio.starts_with(b"ID3") {
        10 + audio[6..10]
            .iter()
            .fold(0usize, |a, &b| (a << 7) | usize::from(b & 0x7F))
    } else {
        0
    };
    let mut frame = vec![0u8]; // text encoding
    frame.extend_from_slice(b"image/png\0");
    frame.push(3); // front cover
    frame.push(0); // empty description
    frame.extend_from_slice(b"\x89PNG\r\n\x1a\n");
    frame.resize(frame.len() + bytes, 0x55);
    let mut tag = b"APIC".to_vec();
    tag.extend_from_slice(&(frame.len() as u32).to_be_bytes()); // ID3v2.3: plain size
    tag.extend_from_slice(&[0, 0]);
    tag.extend_from_slice(&frame);
    let size = tag.len();
    let mut out = b"ID3\x03\x00\x00".to_vec();
    out.extend_from_slice(&[
        (size >> 21) as u8 & 0x7F,
        (size >> 14) as u8 & 0x7F,
        (size >> 7) as u8 & 0x7F,
        size as u8 & 0x7F,
    ]);
    out.extend_from_slice(&tag);
    out.extend_from_slice(&audio[start..]);
    std::fs::write(path, out).expect("write");
}

#[test]
fn bad_files_are_reported_with_reasons_and_never_stop_the_import() {
    let mut f = fixture();
    let m = &f.music;
    let mut expected: HashMap<PathBuf, IssueKind> = HashMap::new();
    let mut good = 0u64;

    // Good files of every format alongside the bad ones.
    for (i, src) in demo_files().iter().enumerate() {
        copy(
            src,
            &m.join(format!(
                "good/{i:02}.{}",
                src.extension().expect("ext").to_string_lossy()
            )),
        );
        good += 1;
    }
    // Zero bytes.
    std::fs::write(m.join("empty.flac"), b"").expect("write");
    expected.insert(m.join("empty.flac"), IssueKind::Empty);
    // Truncated: the first half of a real file of each format. Each is reported; all but the
    // MP4 (its index is at the end, cut off) are imported and play the half that is there.
    let mut truncated_imported = 0u64;
    for ext in ["flac", "mp3", "ogg", "opus", "m4a", "wav", "aiff"] {
        let data = std::fs::read(demo(ext)).expect("read");
        let p = m.join(format!("truncated.{ext}"));
        std::fs::write(&p, &data[..data.len() / 2]).expect("write");
        expected.insert(p, IssueKind::Truncated);
        if ext != "m4a" {
            truncated_imported += 1;
        }
    }
    // Mislabelled: text named .mp3 is rejected; a real Ogg file named .mp3 imports as Vorbis.
    std::fs::write(
        m.join("notes.mp3"),
        "this is a text file, not music\n".repeat(50),
    )
    .expect("write");
    expected.insert(m.join("notes.mp3"), IssueKind::NotAudio);
    copy(&demo("ogg"), &m.join("actually-vorbis.mp3"));
    good += 1;
    // Corrupt: a real FLAC whose stream header is overwritten (magic kept).
    let mut flac = std::fs::read(demo("flac")).expect("read");
    flac[8..42].fill(0);
    std::fs::write(m.join("corrupt.flac"), &flac).expect("write");
    expected.insert(m.join("corrupt.flac"), IssueKind::Corrupt);
    // Absurd tag size: an ID3v2 header declaring 256 MB in a 1 MB file.
    let mut huge = b"ID3\x04\x00\x00\x7f\x7f\x7f\x7f".to_vec();
    huge.extend(std::fs::read(demo("mp3")).expect("read"));
    std::fs::write(m.join("absurd-tag.mp3"), &huge).expect("write");
    expected.insert(m.join("absurd-tag.mp3"), IssueKind::TooLarge);
    // A real 20 MB picture in a real tag: the track imports, the oversized cover is skipped.
    mp3_with_picture(&m.join("poster.mp3"), 20 * 1024 * 1024);
    good += 1;
    // Broken symlink, a symlink loop, a FIFO named like audio, a non-UTF-8 file name.
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        std::os::unix::fs::symlink(m.join("nowhere.flac"), m.join("broken.flac")).expect("symlink");
        expected.insert(m.join("broken.flac"), IssueKind::BrokenLink);
        std::os::unix::fs::symlink(m, m.join("good/loop")).expect("symlink");
        expected.insert(m.join("good/loop"), IssueKind::LinkLoop);
        let status = std::process::Command::new("mkfifo")
            .arg(m.join("pipe.flac"))
            .status()
            .expect("mkfifo");
        assert!(status.success());
        expected.insert(m.join("pipe.flac"), IssueKind::NotAFile);
        let raw = m.join(std::ffi::OsStr::from_bytes(b"caf\xe9 \xff.ogg"));
        copy(&demo("ogg"), &raw);
        good += 1;
    }

    let mut phases = Vec::new();
    let report = scan(
        &mut f.store,
        std::slice::from_ref(m),
        &ScanOptions::default(),
        &AtomicBool::new(false),
        &mut |p| {
            if phases.last() != Some(&p.phase) {
                phases.push(p.phase);
            }
        },
    )
    .expect("the scan itself succeeds");
    assert_eq!(
        phases,
        [
            ScanPhase::Walking,
            ScanPhase::Reading,
            ScanPhase::Finishing,
            ScanPhase::Done
        ]
    );

    let got: HashMap<PathBuf, IssueKind> = report
        .issues
        .iter()
        .map(|i| (PathBuf::from(&i.path), i.kind))
        .collect();
    for (path, kind) in &expected {
        assert_eq!(
            got.get(path),
            Some(kind),
            "{} — all issues: {:#?}",
            path.display(),
            report.issues
        );
    }
    for i in &report.issues {
        assert!(i.message.len() > 15, "reason too thin: {i:?}");
    }
    assert_eq!(
        report.added,
        good + truncated_imported,
        "every good file imports, and what is there of the truncated ones: {:#?}",
        report.issues
    );
    assert_eq!(report.failed, expected.len() as u64 - truncated_imported);
    assert_eq!(
        report.issues.iter().filter(|i| i.imported).count() as u64,
        truncated_imported
    );

    // The report survives in the database (`segue report`).
    let stored = stored_issue_paths(&f.store);
    for path in expected.keys() {
        assert!(
            stored.contains(&*path.to_string_lossy()),
            "{} not stored",
            path.display()
        );
    }
    // The mislabelled Ogg is read by content; the oversized picture was not stored.
    let tracks = f.store.tracks(&TrackQuery::default()).expect("tracks");
    let by_name = |n: &str| {
        tracks
            .iter()
            .find(|t| t.path.ends_with(n))
            .unwrap_or_else(|| panic!("{n} missing"))
    };
    assert_eq!(by_name("actually-vorbis.mp3").audio.codec, Codec::Vorbis);
    assert_eq!(by_name("poster.mp3").cover_id, None);
    // The non-UTF-8 name round-trips exactly.
    #[cfg(unix)]
    {
        let known = f.store.known_files().expect("known");
        assert!(known.iter().any(|k| {
            k.path
                .as_os_str()
                .as_encoded_bytes()
                .ends_with(b"caf\xe9 \xff.ogg")
        }));
    }

    // Fixing a file clears its issue on the next scan; deleting one forgets it.
    copy(&demo("flac"), &m.join("corrupt.flac"));
    std::fs::remove_file(m.join("notes.mp3")).expect("rm");
    let again = run_scan(&mut f.store, &[m]);
    let stored = stored_issue_paths(&f.store);
    assert!(!stored.contains(&*m.join("corrupt.flac").to_string_lossy()));
    assert!(!stored.contains(&*m.join("notes.mp3").to_string_lossy()));
    assert_eq!(again.updated, 1, "{again:?}");
}

#[test]
fn a_cancelled_scan_keeps_what_it_read_and_the_next_scan_resumes() {
    let mut f = fixture();
    let files = demo_files();
    for copy_no in 0..4 {
        for (i, src) in files.iter().enumerate() {
            copy(
                src,
                &f.music.join(format!(
                    "c{copy_no}/{i:02}.{}",
                    src.extension().expect("ext").to_string_lossy()
                )),
            );
        }
    }
    let total = (files.len() * 4) as u64;
    let cancel = AtomicBool::new(false);
    let options = ScanOptions {
        threads: Some(1),
        batch_size: 3,
        ..Default::default()
    };
    let report = scan(
        &mut f.store,
        std::slice::from_ref(&f.music),
        &options,
        &cancel,
        &mut |p| {
            if p.phase == ScanPhase::Reading && p.files_read >= 5 {
                cancel.store(true, Ordering::SeqCst);
            }
        },
    )
    .expect("scan");
    assert!(report.cancelled);
    assert!(report.added >= 5 && report.added < total, "{report:?}");
    assert_eq!(report.missing, 0);
    let stored = f.store.stats().expect("stats").tracks;
    assert_eq!(stored, report.added, "everything read was committed");

    let resumed = run_scan(&mut f.store, &[&f.music]);
    assert!(!resumed.cancelled);
    assert_eq!(resumed.unchanged, report.added);
    assert_eq!(resumed.added, total - report.added);
    assert_eq!(f.store.stats().expect("stats").tracks, total);
}

/// Runs a scan on another thread and fails the test if it has not finished within `limit`
/// (a scan that blocks on a pipe would otherwise hang the test run).
fn scan_within(
    store: Store,
    roots: Vec<PathBuf>,
    limit: std::time::Duration,
) -> (Store, ScanReport) {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut store = store;
        let report = scan(
            &mut store,
            &roots,
            &ScanOptions::default(),
            &AtomicBool::new(false),
            &mut |_| {},
        )
        .expect("scan");
        let _ = tx.send((store, report));
    });
    rx.recv_timeout(limit)
        .unwrap_or_else(|_| panic!("the scan did not finish within {limit:?}"))
}

#[cfg(unix)]
#[test]
fn folder_art_that_is_a_pipe_a_device_or_a_folder_never_stops_a_scan_and_the_real_cover_is_found() {
    let f = fixture();
    let real_cover = demo_dir().join("Wansti/SuperTux Soundtrack/cover.jpg");
    let real = std::fs::read(&real_cover).expect("demo cover");
    // Every track is the same demo Ogg, which carries no picture of its own (an embedded one
    // would win over any folder image).
    let mkfifo = |p: &Path| {
        let made = std::process::Command::new("mkfifo")
            .arg(p)
            .status()
            .expect("mkfifo");
        assert!(made.success());
    };
    // A pipe named cover.jpg (the best name) beside a real folder.jpg.
    let piped = f.music.join("piped");
    copy(&demo("ogg"), &piped.join("a.ogg"));
    mkfifo(&piped.join("cover.jpg"));
    std::fs::write(piped.join("folder.jpg"), &real).expect("write");
    // folder.jpg linked to /dev/zero (endless), beside a real front.jpg.
    let endless = f.music.join("endless");
    copy(&demo("ogg"), &endless.join("b.ogg"));
    std::os::unix::fs::symlink("/dev/zero", endless.join("folder.jpg")).expect("symlink");
    std::fs::write(endless.join("front.jpg"), &real).expect("write");
    // A folder named cover.jpg hiding nothing: the real folder.jpg is used.
    let foldered = f.music.join("foldered");
    copy(&demo("ogg"), &foldered.join("c.ogg"));
    std::fs::create_dir_all(foldered.join("cover.jpg")).expect("mkdir");
    std::fs::write(foldered.join("folder.jpg"), &real).expect("write");
    // A cover far over the size cap, sparse so the test stays small on disk: skipped.
    let poster = f.music.join("poster");
    copy(&demo("ogg"), &poster.join("d.ogg"));
    let huge = std::fs::File::create(poster.join("cover.png")).expect("create");
    huge.set_len(1 << 30).expect("sparse 1 GB");

    let (store, report) = scan_within(
        f.store,
        vec![f.music.clone()],
        std::time::Duration::from_secs(60),
    );
    assert_eq!(report.failed, 0, "{:?}", report.issues);
    let tracks = store.tracks(&TrackQuery::default()).expect("tracks");
    assert_eq!(tracks.len(), 4);
    for t in &tracks {
        let name = Path::new(&t.path)
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("");
        let cover = t
            .cover_id
            .map(|id| store.cover(id).expect("cover").expect("stored").1);
        if name == "d.ogg" {
            assert_eq!(cover, None, "{name}: the oversized picture is skipped");
        } else {
            assert_eq!(
                cover.as_deref(),
                Some(&real[..]),
                "{name} gets the real image"
            );
        }
    }
}

fn formats_fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/formats")
        .join(name)
}

#[test]
fn ogg_flac_imports_as_flac_in_ogg_with_its_tags_and_cover() {
    let mut f = fixture();
    copy(
        &formats_fixture("ogg-flac.oga"),
        &f.music.join("excerpt.oga"),
    );
    let report = run_scan(&mut f.store, &[&f.music]);
    assert_eq!((report.added, report.failed), (1, 0), "{:?}", report.issues);
    let tracks = f.store.tracks(&TrackQuery::default()).expect("tracks");
    let t = &tracks[0];
    assert_eq!(t.tags.title, "Awakening (Ogg FLAC excerpt)");
    assert_eq!(t.tags.artist.as_deref(), Some("Maxstack"));
    assert_eq!(t.tags.track_number, Some(1));
    assert_eq!(
        (t.audio.container.as_str(), t.audio.codec),
        ("ogg", Codec::Flac)
    );
    assert_eq!(
        (t.audio.sample_rate, t.audio.duration_ms),
        (Some(44_100), 2_000)
    );
    let cover = f
        .store
        .cover(t.cover_id.expect("a cover"))
        .expect("read")
        .expect("stored");
    let demo_cover =
        std::fs::read(demo_dir().join("Wansti/SuperTux Soundtrack/cover.jpg")).expect("demo cover");
    assert_eq!(cover.1, demo_cover);
}

#[test]
fn raw_aac_keeps_its_apev2_tags() {
    let mut f = fixture();
    copy(
        &formats_fixture("adts-apev2.aac"),
        &f.music.join("excerpt.aac"),
    );
    let report = run_scan(&mut f.store, &[&f.music]);
    assert_eq!((report.added, report.failed), (1, 0), "{:?}", report.issues);
    let tracks = f.store.tracks(&TrackQuery::default()).expect("tracks");
    let t = &tracks[0];
    assert_eq!(t.audio.codec, Codec::Aac);
    assert_eq!(t.tags.title, "Escape from chaosland (ADTS excerpt)");
    assert!(!t.tags.inferred_from_path);
    assert_eq!(t.tags.artist.as_deref(), Some("Sectoid"));
    assert_eq!(t.tags.album.as_deref(), Some("Frets on Fire Soundtrack"));
    assert_eq!(
        (t.tags.track_number, t.tags.track_total),
        (Some(1), Some(4))
    );
    assert_eq!(t.tags.year, Some(2006));
    assert_eq!(t.tags.genre.as_deref(), Some("Rock"));
    assert_eq!(t.replay_gain.track_gain_db, Some(-6.5));
}

#[test]
fn audio_segue_cannot_decode_is_listed_with_its_format_named() {
    let mut f = fixture();
    for name in [
        "a.ape", "b.wv", "c.mpc", "d.dsf", "e.wma", "f.caf", "g.spx", "h.webm",
    ] {
        std::fs::write(f.music.join(name), b"not decoded here").expect("write");
    }
    // Named like MP3, but Monkey's Audio inside: the content names the format.
    let mut ape = b"MAC \x96\x0f".to_vec();
    ape.resize(4096, 0);
    std::fs::write(f.music.join("i.mp3"), &ape).expect("write");
    // Neither audio nor named like it: not a library file at all.
    std::fs::write(f.music.join("notes.txt"), b"liner notes").expect("write");
    let report = run_scan(&mut f.store, &[&f.music]);
    assert_eq!(report.added, 0);
    let issues: HashMap<String, (IssueKind, String)> = f
        .store
        .issues()
        .expect("issues")
        .into_iter()
        .map(|i| {
            let name = Path::new(&i.path)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            (name, (i.kind, i.message))
        })
        .collect();
    for (name, format) in [
        ("a.ape", "Monkey's Audio"),
        ("b.wv", "WavPack"),
        ("c.mpc", "Musepack"),
        ("d.dsf", "DSD"),
        ("e.wma", "Windows Media Audio"),
        ("f.caf", "Core Audio Format"),
        ("g.spx", "Speex"),
        ("h.webm", "WebM"),
        ("i.mp3", "Monkey's Audio"),
    ] {
        let (kind, message) = issues
            .get(name)
            .unwrap_or_else(|| panic!("{name} is listed: {issues:?}"));
        assert_eq!(*kind, IssueKind::Unsupported, "{name}: {message}");
        assert!(message.contains(format), "{name}: {message}");
    }
    assert!(!issues.contains_key("notes.txt"));
}

/// Embeds `data` as the front cover of the Ogg at `path`, declared as `declared`.
fn embed_picture(path: &Path, declared: lofty::picture::MimeType, data: Vec<u8>) {
    use lofty::file::TaggedFileExt;
    use lofty::picture::{Picture, PictureType};
    use lofty::tag::TagExt;
    let tagged = lofty::read_from_path(path).expect("read tags");
    let mut tag = tagged
        .primary_tag()
        .cloned()
        .unwrap_or_else(|| lofty::tag::Tag::new(tagged.primary_tag_type()));
    tag.push_picture(
        Picture::unchecked(data)
            .pic_type(PictureType::CoverFront)
            .mime_type(declared)
            .build(),
    );
    tag.save_to_path(path, lofty::config::WriteOptions::default())
        .expect("write tags");
}

#[test]
fn a_cover_is_stored_as_the_image_type_its_bytes_are_not_the_type_a_tag_declares() {
    let mut f = fixture();
    let jpeg =
        std::fs::read(demo_dir().join("Wansti/SuperTux Soundtrack/cover.jpg")).expect("demo cover");
    // A real JPEG declared as PNG, and a page of script declared as PNG.
    let mislabelled = f.music.join("mislabelled/a.ogg");
    copy(&demo("ogg"), &mislabelled);
    embed_picture(&mislabelled, lofty::picture::MimeType::Png, jpeg.clone());
    let hostile = f.music.join("hostile/b.ogg");
    copy(&demo("ogg"), &hostile);
    embed_picture(
        &hostile,
        lofty::picture::MimeType::Png,
        b"<html><script>alert(document.cookie)</script></html>".to_vec(),
    );
    let report = run_scan(&mut f.store, &[&f.music]);
    assert_eq!((report.added, report.failed), (2, 0), "{:?}", report.issues);
    for t in f.store.tracks(&TrackQuery::default()).expect("tracks") {
        let stored = t
            .cover_id
            .map(|id| f.store.cover(id).expect("read").expect("stored"));
        if t.path.ends_with("a.ogg") {
            let (mime, data) = stored.expect("the JPEG is the cover");
            assert_eq!((mime.as_str(), data), ("image/jpeg", jpeg.clone()));
        } else {
            assert_eq!(stored, None, "the script is no cover");
        }
    }
}
