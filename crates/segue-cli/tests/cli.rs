//! The `segue` binary end to end: real files, a real database file, a real process.

mod common;

use common::{demo_dir, ok, scan_demo, segue};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn demo_files() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).expect("read dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p
                .extension()
                .is_some_and(|e| e != "md" && e != "jpg" && e != "png")
            {
                out.push(p);
            }
        }
    }
    let mut v = Vec::new();
    walk(&demo_dir(), &mut v);
    v.sort();
    v
}

/// Every file under `dir`, at any depth.
fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn scan_then_stats_tracks_search_and_report() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let music = tmp.path().join("music");
    std::fs::create_dir_all(&music).expect("mkdir");
    for (i, f) in demo_files().iter().enumerate() {
        std::fs::copy(
            f,
            music.join(format!(
                "{i:02}-{}",
                f.file_name().expect("name").to_string_lossy()
            )),
        )
        .expect("copy");
    }
    std::fs::write(music.join("broken.mp3"), "not music").expect("write");
    let db = tmp.path().join("lib.sqlite");
    let n = demo_files().len();

    let summary = ok(segue(&db).arg("scan").arg(&music).output().expect("run"));
    assert!(summary.contains(&format!("{n} added")), "{summary}");
    assert!(summary.contains("1 failed"), "{summary}");
    assert!(
        summary.contains("broken.mp3"),
        "the summary names the bad file: {summary}"
    );
    // The import is followed by analysis of every imported track.
    assert!(
        summary.contains(&format!("Analysed {n} tracks")),
        "scan analyses what it imported: {summary}"
    );

    let stats: serde_json::Value = serde_json::from_str(&ok(segue(&db)
        .args(["stats", "--json"])
        .output()
        .expect("run")))
    .expect("json");
    assert_eq!(stats["tracks"], n);
    assert_eq!(stats["failed"], 1);

    let tracks: Vec<serde_json::Value> = serde_json::from_str(&ok(segue(&db)
        .args(["tracks", "--json"])
        .output()
        .expect("run")))
    .expect("json");
    assert_eq!(tracks.len(), n);
    for key in [
        "id",
        "path",
        "title",
        "artist",
        "album",
        "album_artist",
        "track_number",
        "track_total",
        "disc_number",
        "disc_total",
        "year",
        "genre",
        "composer",
        "duration_ms",
        "codec",
        "container",
        "sample_rate",
        "channels",
        "bit_depth",
        "bitrate_kbps",
        "replay_gain",
        "cover_id",
    ] {
        assert!(
            tracks[0].get(key).is_some(),
            "JSON lacks {key}: {}",
            tracks[0]
        );
    }
    let first_title = tracks[0]["title"].as_str().expect("title").to_owned();
    let found: Vec<serde_json::Value> = serde_json::from_str(&ok(segue(&db)
        .args(["tracks", "--json", "--search", &first_title])
        .output()
        .expect("run")))
    .expect("json");
    assert!(!found.is_empty() && found.len() < n);
    assert!(found.iter().any(|t| t["title"] == first_title.as_str()));

    // Suggestions from the analysis the scan ran, each with a reason; a rating shows up in
    // the next ones; a bad rating is refused.
    let first_id = tracks[0]["id"].as_i64().expect("id").to_string();
    let suggest = |db: &Path| -> Vec<serde_json::Value> {
        serde_json::from_str(&ok(segue(db)
            .args(["suggest", "--after", &first_id, "-n", "4", "--json"])
            .output()
            .expect("run")))
        .expect("json")
    };
    let list = suggest(&db);
    assert_eq!(list.len(), 4, "{list:?}");
    assert!(
        list.iter()
            .all(|s| !s["reason"].as_str().unwrap_or("").is_empty())
    );
    let rated = list[3]["track_id"].as_i64().expect("id").to_string();
    ok(segue(&db)
        .args(["rate", &rated, "5"])
        .output()
        .expect("run"));
    let after = suggest(&db);
    assert_eq!(
        after[0]["track_id"].as_i64().map(|i| i.to_string()),
        Some(rated.clone())
    );
    assert!(
        after[0]["reason"]
            .as_str()
            .unwrap_or("")
            .contains("5 stars"),
        "{after:?}"
    );
    let bad = segue(&db)
        .args(["rate", &rated, "7"])
        .output()
        .expect("run");
    assert!(!bad.status.success());

    let report = ok(segue(&db).arg("report").output().expect("run"));
    assert!(
        report.contains("broken.mp3") && report.contains("not_audio"),
        "{report}"
    );

    // A rescan with no folder argument rescans the library's folders, reading nothing new.
    let again = ok(segue(&db)
        .args(["scan", "--no-analyze"])
        .output()
        .expect("run"));
    assert!(again.contains(&format!("{n} unchanged")), "{again}");
    assert!(
        again.contains("1 failed") && again.contains("broken.mp3"),
        "still reported: {again}"
    );
}

#[test]
fn an_unusable_database_is_a_clear_error() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = tmp.path().join("lib.sqlite");
    std::fs::write(&db, "garbage ".repeat(200)).expect("write");
    let out = segue(&db).arg("stats").output().expect("run");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("segue:") && err.contains("lib.sqlite"),
        "{err}"
    );
}

#[cfg(unix)]
#[test]
fn an_unreadable_file_is_reported() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().expect("tempdir");
    let music = tmp.path().join("music");
    std::fs::create_dir_all(&music).expect("mkdir");
    let files = demo_files();
    std::fs::copy(&files[0], music.join("fine.flac")).expect("copy");
    let locked = music.join("locked.mp3");
    std::fs::copy(&files[1], &locked).expect("copy");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    let db = tmp.path().join("lib.sqlite");
    let mut cmd = segue(&db);
    cmd.args(["scan", "--no-analyze"]).arg(&music);
    // Root reads any file, so run as an unprivileged user: the permission check is real.
    if effective_uid() == 0 {
        use std::os::unix::process::CommandExt;
        for dir in [tmp.path(), &music] {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o777)).expect("chmod");
        }
        std::fs::set_permissions(
            music.join("fine.flac"),
            std::fs::Permissions::from_mode(0o644),
        )
        .expect("chmod");
        cmd.uid(65534).gid(65534);
    }
    let out = ok(cmd.output().expect("run"));
    assert!(out.contains("1 added"), "{out}");
    assert!(
        out.contains("locked.mp3")
            && out.contains("unreadable")
            && out.contains("permission denied"),
        "{out}"
    );
}

#[cfg(unix)]
fn effective_uid() -> u32 {
    use std::os::unix::fs::MetadataExt;
    // The owner of a file we just created is our effective uid.
    let probe = tempfile::NamedTempFile::new().expect("probe");
    probe.as_file().metadata().expect("meta").uid()
}

#[cfg(unix)]
#[test]
fn killing_the_importer_mid_write_leaves_a_consistent_database_and_the_next_scan_completes() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let music = tmp.path().join("music");
    let files = demo_files();
    // Many paths (hard links: same bytes, distinct files to the scanner) so the scan takes a while.
    let copies = 150;
    for c in 0..copies {
        let dir = music.join(format!("copy{c:03}"));
        std::fs::create_dir_all(&dir).expect("mkdir");
        for (i, f) in files.iter().enumerate() {
            let to = dir.join(format!(
                "{i:02}.{}",
                f.extension().expect("ext").to_string_lossy()
            ));
            std::fs::hard_link(f, &to)
                .or_else(|_| std::fs::copy(f, &to).map(|_| ()))
                .expect("link");
        }
    }
    let total = (copies * files.len()) as u64;
    let db = tmp.path().join("lib.sqlite");
    let mut child = segue(&db)
        .args(["scan", "--no-analyze"])
        .arg(&music)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");

    // Kill as soon as some batches are committed, while the importer is still writing.
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut committed = 0;
    while Instant::now() < deadline {
        if db.exists()
            && let Ok(store) = segue_store::Store::open(&db)
            && let Ok(stats) = store.stats()
        {
            committed = stats.tracks;
            if committed > 0 {
                break;
            }
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(
        child.try_wait().expect("wait").is_none(),
        "the scan finished before it could be killed"
    );
    child.kill().expect("kill -9");
    child.wait().expect("reap");

    let store = segue_store::Store::open(&db).expect("reopen after kill");
    assert_eq!(store.integrity_check().expect("check"), "ok");
    let after_kill = store.stats().expect("stats").tracks;
    assert!(
        after_kill >= committed && after_kill < total,
        "{after_kill} of {total}"
    );
    drop(store);

    let out = ok(segue(&db)
        .args(["scan", "--no-analyze"])
        .output()
        .expect("rescan"));
    assert!(out.contains(&format!("{} unchanged", after_kill)), "{out}");
    let store = segue_store::Store::open(&db).expect("open");
    assert_eq!(store.stats().expect("stats").tracks, total);
}

#[test]
fn doctor_checks_every_committed_model() {
    let tmp = tempfile::tempdir().expect("tempdir");
    // A home of its own: ONNX Runtime must not write its telemetry store there.
    let home = tmp.path().join("home");
    std::fs::create_dir(&home).expect("home");
    let out = ok(segue(&tmp.path().join("lib.sqlite"))
        .args(["doctor", "--device", "cpu"])
        .env("HOME", &home)
        .env("XDG_CACHE_HOME", home.join(".cache"))
        .env_remove("ORT_DISABLE_TELEMETRY")
        .output()
        .expect("run"));
    let written = files_under(&home);
    assert!(
        written.is_empty(),
        "written under the home folder: {written:?}"
    );
    for model in [
        "segue-student.onnx",
        "musicnn-msd.onnx",
        "musicnn-mtt.onnx",
        "segue-ranker.onnx",
    ] {
        assert!(
            out.lines()
                .any(|l| l.contains(model) && l.contains("matches SHA256SUMS")),
            "{model} is not checked: {out}"
        );
    }
    assert!(
        out.contains("analysis model        reference (the default: no library yet)"),
        "{out}"
    );
    // What the next play starts with: a library that never dropped out, or none at all.
    assert!(
        out.contains("playback buffering    the next play starts with 1500 ms decoded ahead"),
        "{out}"
    );
}

/// A library of two real tracks (not analysed) in `dir`; their ids and durations by title.
fn small_library(dir: &Path) -> (PathBuf, Vec<(String, i64, i64)>) {
    let music = dir.join("music");
    std::fs::create_dir_all(&music).expect("mkdir");
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/gapless");
    std::fs::copy(fixtures.join("part1.flac"), music.join("01 First.flac")).expect("copy");
    std::fs::copy(fixtures.join("part2.ogg"), music.join("02 Second.ogg")).expect("copy");
    let db = dir.join("lib.sqlite");
    ok(segue(&db)
        .args(["scan", "--no-analyze"])
        .arg(&music)
        .output()
        .expect("scan"));
    let tracks: Vec<serde_json::Value> = serde_json::from_str(&ok(segue(&db)
        .args(["tracks", "--json"])
        .output()
        .expect("run")))
    .expect("json");
    let mut tracks: Vec<(String, i64, i64)> = tracks
        .iter()
        .map(|t| {
            (
                t["title"].as_str().expect("title").to_owned(),
                t["id"].as_i64().expect("id"),
                t["duration_ms"].as_i64().expect("duration"),
            )
        })
        .collect();
    tracks.sort();
    (db, tracks)
}

#[test]
fn history_add_records_a_listen_as_the_player_would() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (db, tracks) = small_library(tmp.path());
    let [(_, first, first_ms), (_, second, _)] = tracks[..] else {
        panic!("two tracks: {tracks:?}")
    };
    let out = ok(segue(&db)
        .args(["history", "add", &first.to_string(), "--listened", "100%"])
        .args(["--ended", "completed", "--at", "2023-11-14T23:13:20+01:00"])
        .output()
        .expect("run"));
    assert!(
        out.contains("First") && out.contains("completed") && out.contains("2023-11-14T22:13:20Z"),
        "{out}"
    );
    // Search words name the track, as in other commands; the start defaults to now.
    ok(segue(&db)
        .args(["history", "add", "second", "--listened", "0:01"])
        .args(["--ended", "skipped"])
        .output()
        .expect("run"));

    let plays = segue_store::Store::open(&db)
        .expect("open")
        .plays_since(0, 10)
        .expect("plays");
    let rows: Vec<_> = plays
        .iter()
        .map(|p| (p.track_id, p.ms_listened, p.end))
        .collect();
    assert_eq!(
        rows,
        [
            (first, first_ms, segue_core::PlayEnd::Completed),
            (second, 1_000, segue_core::PlayEnd::Skipped),
        ]
    );
    assert_eq!(plays[0].started_at_ms, 1_700_000_000_000);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_millis() as i64;
    assert!((now - plays[1].started_at_ms).abs() < 60_000, "{plays:?}");
}

#[test]
fn history_add_refuses_listens_that_cannot_have_happened() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (db, tracks) = small_library(tmp.path());
    let first = tracks[0].1.to_string();
    let in_an_hour = (std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_millis()
        + 3_600_000)
        .to_string();
    for (args, says) in [
        (
            vec![first.as_str(), "--listened", "10m"],
            "longer than the track",
        ),
        (
            vec![first.as_str(), "--listened", "101%"],
            "longer than the track",
        ),
        (vec![first.as_str(), "--listened", "-5s"], "negative"),
        (
            vec![first.as_str(), "--listened", "1"],
            "not a listening time",
        ),
        (
            vec!["999999", "--listened", "1s"],
            "no track with id 999999",
        ),
        (
            vec!["no such words", "--listened", "1s"],
            "no track matches",
        ),
        (
            vec![first.as_str(), "--listened", "1s", "--at", &in_an_hour],
            "in the future",
        ),
        (
            vec![first.as_str(), "--listened", "1s", "--at", "1700000000"],
            "Unix seconds",
        ),
    ] {
        let out = segue(&db)
            .args(["history", "add"])
            .args(&args)
            .args(["--ended", "stopped"])
            .output()
            .expect("run");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?} was accepted");
        assert!(err.contains(says), "{args:?}: {err}");
    }
    let store = segue_store::Store::open(&db).expect("open");
    assert!(store.plays_since(0, 10).expect("plays").is_empty());
}

#[test]
fn suggest_after_a_track_with_a_queue_is_the_apps_up_next_list() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = tmp.path().join("lib.sqlite");
    scan_demo(&db);
    ok(segue(&db)
        .args(["analyze", "--device", "cpu", "--patches", "2"])
        .output()
        .expect("analyze"));
    let service = segue_service::Service::open(&db).expect("open");
    let id = |words: &str| service.tracks(Some(words), None).expect("search")[0].id;
    let (boss, feelings) = (id("boss attack"), id("feelings"));
    // Queued: what would otherwise come first after the track, and one more.
    let first = service
        .suggest(&segue_service::suggest::SuggestRequest {
            after: Some(boss),
            count: 2,
            ..Default::default()
        })
        .expect("suggest");
    let queued = vec![first[0].track_id, first[1].track_id, feelings];

    // Ids, comma separated, and search words, as the options allow.
    let cli: Vec<serde_json::Value> = serde_json::from_str(&ok(segue(&db)
        .args(["suggest", "--after", &boss.to_string(), "-n", "6", "--json"])
        .args(["--queue", &format!("{},{}", queued[0], queued[1])])
        .args(["--queue", "feelings"])
        .output()
        .expect("run")))
    .expect("json");
    // What the app's Up Next asks for the same state: the track playing and the queue.
    let up_next = service
        .suggest(&segue_service::suggest::SuggestRequest {
            after: Some(boss),
            queued: queued.clone(),
            count: 6,
            draw: None,
            ..Default::default()
        })
        .expect("up next");
    let from_cli: Vec<(i64, String)> = cli
        .iter()
        .map(|s| {
            (
                s["track_id"].as_i64().expect("id"),
                s["reason"].as_str().expect("reason").to_owned(),
            )
        })
        .collect();
    let from_service: Vec<(i64, String)> = up_next
        .iter()
        .map(|s| (s.track_id, s.reason.clone()))
        .collect();
    assert_eq!(from_cli, from_service);
    assert_eq!(cli.len(), 6);
    assert!(
        up_next.iter().all(|s| !queued.contains(&s.track_id)),
        "queued tracks are not suggested: {up_next:#?}"
    );
}

/// `segue devices` lists the outputs there are (the test's PulseAudio null sink among them),
/// keeps the one chosen for this library, refuses one that is not there and loses nothing.
#[test]
fn devices_lists_outputs_and_keeps_the_one_chosen() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = tmp.path().join("lib.sqlite");
    let music = tmp.path().join("music");
    std::fs::create_dir_all(&music).expect("mkdir");
    ok(segue(&db).arg("scan").arg(&music).output().expect("run"));
    let list = |args: &[&str]| -> Vec<serde_json::Value> {
        let out = ok(segue(&db)
            .args(["devices", "--json"])
            .args(args)
            .output()
            .expect("run"));
        serde_json::from_str(&out).expect("json")
    };
    let outputs = list(&[]);
    assert!(
        !outputs.is_empty(),
        "no audio output: run under scripts/pulse-test-sink.sh"
    );
    assert!(outputs.iter().all(|o| o["chosen"] == false));
    let id = outputs[0]["id"].as_str().expect("id").to_owned();

    let chosen = list(&["--use", &id]);
    let marked: Vec<&str> = chosen
        .iter()
        .filter(|o| o["chosen"] == true)
        .filter_map(|o| o["id"].as_str())
        .collect();
    assert_eq!(marked, [id.as_str()]);

    let refused = segue(&db)
        .args(["devices", "--use", "alsa:no-such-card"])
        .output()
        .expect("run");
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("no audio output"));
    assert!(
        list(&[])
            .iter()
            .any(|o| o["id"] == id.as_str() && o["chosen"] == true)
    );

    assert!(list(&["--default"]).iter().all(|o| o["chosen"] == false));
}

/// `segue smart`: a smart playlist saved from rules written on the command line, its tracks
/// worked out when shown (each with why), refused rules named, deleted.
#[test]
fn smart_playlists_from_the_command_line() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = tmp.path().join("lib.sqlite");
    scan_demo(&db);
    let saved = ok(segue(&db)
        .args(["smart", "create", "Short ones", "--rule", "duration:..30"])
        .args(["--rule", "format:flac", "--any", "--order", "title"])
        .output()
        .expect("run"));
    assert!(saved.starts_with("Saved \"Short ones\": "), "{saved}");

    let shown = ok(segue(&db)
        .args(["smart", "show", "short ONES", "--json"])
        .output()
        .expect("run"));
    let members: Vec<serde_json::Value> = serde_json::from_str(&shown).expect("json");
    assert!(!members.is_empty());
    let tracks: Vec<serde_json::Value> = serde_json::from_str(&ok(segue(&db)
        .args(["tracks", "--json"])
        .output()
        .expect("run")))
    .expect("json");
    let expected: Vec<i64> = tracks
        .iter()
        .filter(|t| {
            t["duration_ms"].as_u64().expect("duration") <= 30_999
                || t["codec"].as_str() == Some("flac")
        })
        .map(|t| t["id"].as_i64().expect("id"))
        .collect();
    let mut got: Vec<i64> = members
        .iter()
        .map(|m| m["track_id"].as_i64().expect("id"))
        .collect();
    got.sort_unstable();
    let mut expected_sorted = expected.clone();
    expected_sorted.sort_unstable();
    assert_eq!(got, expected_sorted);
    assert!(members.iter().all(|m| {
        let why = m["why"].as_array().expect("why");
        why.iter()
            .any(|w| w["id"] == "lasts" || (w["id"] == "format" && w["format"] == "FLAC"))
    }));

    let listed = ok(segue(&db).args(["smart", "list"]).output().expect("run"));
    assert!(
        listed.contains("Short ones") && listed.contains("any of: duration:0..30  format:flac"),
        "{listed}"
    );

    let refused = segue(&db)
        .args(["smart", "create", "Bad", "--rule", "tempo:fast"])
        .output()
        .expect("run");
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("\"tempo:fast\""));

    // Edited: only FLAC now (all of one rule), renamed, limited to one; the rest kept.
    let edited = ok(segue(&db)
        .args(["smart", "edit", "short ones", "--rename", "One FLAC"])
        .args(["--rule", "format:flac", "--all", "--limit", "1"])
        .output()
        .expect("run"));
    assert!(
        edited.starts_with("Saved \"One FLAC\": 1 tracks now.")
            && edited.contains("all of: format:flac"),
        "{edited}"
    );
    let shown: Vec<serde_json::Value> = serde_json::from_str(&ok(segue(&db)
        .args(["smart", "show", "one flac", "--json"])
        .output()
        .expect("run")))
    .expect("json");
    let first_flac = tracks
        .iter()
        .filter(|t| t["codec"].as_str() == Some("flac"))
        .min_by_key(|t| t["title"].as_str().map(str::to_lowercase))
        .expect("a FLAC track in the demo library");
    assert_eq!(shown.len(), 1);
    assert_eq!(
        shown[0]["track_id"], first_flac["id"],
        "ordered by title, kept"
    );
    let unknown = segue(&db)
        .args(["smart", "edit", "Short ones", "--no-limit"])
        .output()
        .expect("run");
    assert_eq!(unknown.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("Short ones"));

    ok(segue(&db)
        .args(["smart", "delete", "One FLAC"])
        .output()
        .expect("run"));
    assert!(
        ok(segue(&db).args(["smart", "list"]).output().expect("run"))
            .contains("No smart playlists")
    );
}

/// `segue review`: a year of listens recorded with `segue history add`, in words and as JSON;
/// a year without plays says so and names the others; an impossible year is refused.
#[test]
fn a_year_in_review_from_the_command_line() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = tmp.path().join("lib.sqlite");
    scan_demo(&db);
    // Noon and one o'clock UTC on 1 July 2024: 2024 and July in any time zone within ±11 h.
    for (track, ended, at) in [
        ("1", "completed", "2024-07-01T12:00:00Z"),
        ("2", "skipped", "2024-07-01T13:00:00Z"),
        ("1", "completed", "2024-07-01T13:05:00Z"),
    ] {
        let listened = if ended == "skipped" { "5s" } else { "100%" };
        ok(segue(&db)
            .args([
                "history",
                "add",
                track,
                "--listened",
                listened,
                "--ended",
                ended,
            ])
            .args(["--at", at])
            .output()
            .expect("run"));
    }
    let json: serde_json::Value = serde_json::from_str(&ok(segue(&db)
        .args(["review", "--json"])
        .output()
        .expect("run")))
    .expect("json");
    assert_eq!(json["year"], 2024);
    assert_eq!(
        (json["plays"].as_u64(), json["skipped"].as_u64()),
        (Some(3), Some(1))
    );
    assert_eq!(json["distinct_tracks"], 2);
    assert_eq!(json["top_tracks"][0]["track_id"], 1);
    assert_eq!(json["top_tracks"][0]["plays"], 2);
    assert_eq!(json["months"][6], 3);
    assert_eq!(json["hours"].as_array().map(Vec::len), Some(24));

    let text = ok(segue(&db).args(["review", "2024"]).output().expect("run"));
    assert!(
        text.starts_with("2024 in review: 3 plays of 2 tracks, ") && text.contains("33 % skipped"),
        "{text}"
    );
    assert!(text.contains("Top tracks:  "), "{text}");

    let empty = ok(segue(&db).args(["review", "2019"]).output().expect("run"));
    assert_eq!(
        empty,
        "Nothing was played in 2019.\n\nOther years: 2024 (segue review YEAR)\n"
    );

    let refused = segue(&db).args(["review", "0"]).output().expect("run");
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("0 is not a year"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
}

/// `segue tracks | head`: a reader that stops early ends the output quietly (the default for
/// a Unix tool), with no panic about a broken pipe.
#[cfg(unix)]
#[test]
fn a_reader_that_stops_early_ends_the_output_quietly() {
    use std::os::unix::process::ExitStatusExt;
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = tmp.path().join("lib.sqlite");
    scan_demo(&db);
    // The reader is gone before the command starts. (Dropping a piped stdout after the spawn
    // raced with the other tests' spawns: a child forked meanwhile held the read end until its
    // own exec, the short output fitted in the pipe, and the command exited 0 under CI's load.)
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    let out = segue(&db)
        .arg("tracks")
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(
        out.status.signal(),
        Some(libc_sigpipe()),
        "{:?}",
        out.status
    );
}

/// SIGPIPE's number on the Unix systems Segue runs on.
#[cfg(unix)]
fn libc_sigpipe() -> i32 {
    13
}
