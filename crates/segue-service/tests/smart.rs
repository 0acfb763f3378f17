//! Smart playlists over the real demo library, analysed by the real models into a real SQLite
//! file: rules over analysis and history, kept across a reopen, and members that change as
//! soon as a track is rated.

mod common;

use segue_core::PlayEnd;
use segue_core::smart::{SmartOrder, SmartQuery, SmartRule};
use segue_service::{Listen, Service};

fn rules(text: &[&str]) -> Vec<SmartRule> {
    text.iter().map(|t| t.parse().expect("a rule")).collect()
}

#[test]
fn a_smart_playlist_follows_ratings_and_analysis_and_says_why() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = tmp.path().join("library.sqlite");
    let service = common::analysed_demo(&db, 1);
    let all = service.track_rows().expect("rows");

    // Rated 4 stars or more: nothing yet; rating a track brings it in at once.
    let favourites = SmartQuery {
        match_all: true,
        rules: rules(&["rating:4"]),
        limit: None,
        order: SmartOrder::Library,
    };
    service
        .create_smart_playlist("Favourites", &favourites)
        .expect("create");
    assert!(
        service
            .smart_members(&favourites)
            .expect("members")
            .is_empty()
    );
    service.rate(all[3].id, Some(5)).expect("rate");
    let members = service.smart_members(&favourites).expect("members");
    assert_eq!(
        members.iter().map(|m| m.track_id).collect::<Vec<_>>(),
        [all[3].id]
    );
    assert_eq!(members[0].why_in_english(), "rated 5 stars");
    // Taking the rating back takes it out again (only the listening facts are read again).
    service.rate(all[3].id, None).expect("unrate");
    assert!(
        service
            .smart_members(&favourites)
            .expect("members")
            .is_empty()
    );
    service.rate(all[3].id, Some(5)).expect("rate again");

    // Analysis rules: a tempo range, ordered by tempo, each member saying its tempo; every
    // member's measured tempo is in the range.
    let steady = SmartQuery {
        match_all: true,
        rules: rules(&["tempo:90..140", "not-played-for:30"]),
        limit: Some(5),
        order: SmartOrder::Tempo,
    };
    let members = service.smart_members(&steady).expect("members");
    assert!(!members.is_empty() && members.len() <= 5, "{members:?}");
    let mut last = 0.0;
    for m in &members {
        let bpm = service
            .analysis(m.track_id)
            .expect("query")
            .expect("analysed")
            .dsp
            .bpm;
        assert!((90.0..=140.0).contains(&bpm), "{bpm}");
        assert!(bpm >= last, "ordered by tempo");
        last = bpm;
        assert_eq!(
            m.why_in_english(),
            format!("tempo {bpm:.0}, never played"),
            "{m:?}"
        );
    }
    // A play takes the played track out of "not played for 30 days" at once.
    let played = members[0].track_id;
    service
        .record_listen(&Listen {
            track: played,
            listened_ms: 1_000,
            ended: PlayEnd::Skipped,
            started_at_ms: now_ms(),
        })
        .expect("listen");
    let members = service.smart_members(&steady).expect("members");
    assert!(members.iter().all(|m| m.track_id != played), "{members:?}");

    // Kept across a reopen; names are unique whatever their case; a playlist needs a rule.
    drop(service);
    let service = Service::open(&db).expect("reopen");
    let saved = service.smart_playlist_named("favourites").expect("saved");
    assert_eq!(saved.query, favourites);
    let taken = service
        .create_smart_playlist("FAVOURITES", &favourites)
        .expect_err("taken");
    assert_eq!(taken.kind(), "name_taken");
    let empty = SmartQuery {
        rules: Vec::new(),
        ..favourites.clone()
    };
    assert_eq!(
        service
            .create_smart_playlist("Nothing", &empty)
            .expect_err("refused")
            .kind(),
        "invalid_input"
    );
    // Edited in place: renamed (its own name in another case is fine), new rules; another
    // smart playlist's name and an unknown id are refused.
    let edited = service
        .update_smart_playlist(
            saved.id,
            "Five stars",
            &SmartQuery {
                rules: rules(&["rating:5"]),
                ..favourites.clone()
            },
        )
        .expect("edit");
    assert_eq!(
        service.smart_playlist_named("five STARS").expect("renamed"),
        edited
    );
    assert_eq!(
        service
            .smart_members(&edited.query)
            .expect("members")
            .iter()
            .map(|m| m.track_id)
            .collect::<Vec<_>>(),
        [all[3].id]
    );
    service
        .create_smart_playlist("Steady", &steady)
        .expect("create");
    let taken = service
        .update_smart_playlist(edited.id, "steady", &edited.query)
        .expect_err("taken");
    assert_eq!(taken.kind(), "name_taken");
    service
        .update_smart_playlist(edited.id, "FIVE stars", &edited.query)
        .expect("its own name in another case");
    let gone = service
        .update_smart_playlist(edited.id + 100, "Gone", &edited.query)
        .expect_err("unknown");
    assert_eq!(gone.kind(), "not_found");
    service.delete_smart_playlist("Steady").expect("delete");
    service.delete_smart_playlist("Five stars").expect("delete");
    assert!(service.smart_playlists().expect("list").is_empty());
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}
