//! `segue eq` end to end: a real library file, the real binary.

mod common;

use common::{ok, refused, segue};
use std::path::Path;
use std::process::Output;

fn json(out: Output) -> serde_json::Value {
    serde_json::from_str(&ok(out)).expect("json")
}

fn eq(db: &Path, args: &[&str]) -> Output {
    segue(db).arg("eq").args(args).output().expect("run segue")
}

#[test]
fn eq_sets_shows_and_switches_off_and_refuses_bad_values_keeping_the_settings() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("lib.sqlite");
    let music = dir.path().join("music");
    std::fs::create_dir(&music).expect("mkdir");
    let scan = segue(&db).arg("scan").arg(&music).output().expect("scan");
    assert!(scan.status.success(), "{scan:?}");

    let shown = json(eq(&db, &["show", "--json"]));
    assert_eq!(shown["settings"]["enabled"], false);

    let bass = json(eq(&db, &["preset", "bass_boost", "--json"]));
    assert_eq!(bass["settings"]["enabled"], true);
    assert_eq!(bass["settings"]["preset"], "bass_boost");
    assert_eq!(bass["settings"]["bands_db"][0], 6.0);
    // The boost is taken back by the automatic headroom: nothing is louder than full scale.
    let headroom = bass["response"]["headroom_db"].as_f64().expect("headroom");
    assert!(headroom < -5.0, "{headroom}");

    let set = json(eq(
        &db,
        &[
            "set",
            "--band",
            "1k=-3",
            "--preamp",
            "-2",
            "--parametric",
            "3150:-4:2",
            "--json",
        ],
    ));
    assert_eq!(set["settings"]["bands_db"][5], -3.0);
    assert_eq!(
        set["settings"]["bands_db"][0], 6.0,
        "the other bands are kept"
    );
    assert_eq!(set["settings"]["preset"], serde_json::Value::Null);
    assert_eq!(set["settings"]["parametric"][0]["frequency_hz"], 3150.0);

    for (args, says) in [
        (&["set", "--band", "900=3"][..], "no band at 900"),
        (&["set", "--band", "1k=20"][..], "out of range"),
        (&["set", "--all", "1,2,3"][..], "takes 10 gains"),
        (&["set", "--parametric", "3150:-4"][..], "HZ:DB:Q"),
        (&["preset", "disco"][..], "bass_boost"),
        (&["show", "--device", "nope"][..], "segue devices"),
    ] {
        let stderr = refused(eq(&db, args));
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }
    let kept = json(eq(&db, &["show", "--json"]));
    assert_eq!(
        kept["settings"], set["settings"],
        "a refusal changes nothing"
    );

    let off = eq(&db, &["off"]);
    assert!(off.status.success(), "{off:?}");
    let shown = json(eq(&db, &["show", "--json"]));
    assert_eq!(shown["settings"]["enabled"], false);
    assert_eq!(
        shown["settings"]["bands_db"][5], -3.0,
        "off keeps the bands"
    );
    assert!(
        shown["response"]["gains_db"]
            .as_array()
            .expect("curve")
            .iter()
            .all(|g| g.as_f64() == Some(0.0)),
        "off is flat"
    );
}
