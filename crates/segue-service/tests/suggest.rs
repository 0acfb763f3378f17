//! Suggestions through the service on the analysed demo library: the real models, a real
//! SQLite file, feedback stored and read back across a restart.

mod common;

use segue_core::{FeedbackKind, TermKind};
use segue_service::Service;
use segue_service::suggest::SuggestRequest;

fn id(service: &Service, words: &str) -> i64 {
    service.tracks(Some(words), None).expect("search")[0].id
}

#[test]
fn suggestions_follow_the_music_and_learn_from_feedback() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = tmp.path().join("library.sqlite");
    let service = common::analysed_demo(&db, 4);

    let boss = id(&service, "boss attack");
    let ask = |after: i64| SuggestRequest {
        after: Some(after),
        count: 8,
        ..Default::default()
    };
    let before = service.suggest(&ask(boss)).expect("suggest");
    assert_eq!(service.ranker_status(), Ok(()), "ranked by the ONNX ranker");
    assert_eq!(before.len(), 8);
    assert!(
        before
            .iter()
            .all(|s| s.track_id != boss && !s.reason.is_empty())
    );
    // The demo's other rock track leads after a rock track, for its sound.
    let feelings = id(&service, "feelings");
    assert_eq!(before[0].track_id, feelings, "{before:#?}");
    assert!(matches!(
        before[0].terms[0].kind,
        TermKind::Sound | TermKind::Tags
    ));

    // A 5-star rating on an ambient track: the very next list moves towards it, and says so.
    let awakening = id(&service, "awakening");
    service.rate(awakening, Some(5)).expect("rate");
    let after = service.suggest(&ask(boss)).expect("suggest");
    let rank = |list: &[segue_core::Suggestion], t: i64| list.iter().position(|s| s.track_id == t);
    let awakening_rank = rank(&after, awakening).expect("the rated track is suggested");
    assert!(
        rank(&before, awakening).is_none_or(|r| awakening_rank < r),
        "rating lifts it: {before:#?} -> {after:#?}"
    );
    assert!(
        after
            .iter()
            .any(|s| s.reason.contains("rated") && s.reason.contains("5 stars")),
        "{after:#?}"
    );

    // Dislike: gone from the list, also after a restart (taste lives in SQLite).
    service
        .feedback(feelings, FeedbackKind::Dislike)
        .expect("dislike");
    drop(service);
    let service = Service::open(&db).expect("reopen");
    let again = service.suggest(&ask(boss)).expect("suggest");
    assert!(rank(&again, feelings).is_none(), "{again:#?}");
    assert!(rank(&again, awakening).is_some());

    // What the user does with suggestions teaches the ranker's offsets, kept in SQLite:
    // play the first two through, skip the next two early.
    let unlearned = |service: &Service| {
        service
            .ranker_offsets()
            .expect("offsets")
            .iter()
            .all(|(_, o)| *o == 0.0)
    };
    assert!(unlearned(&service), "nothing learned before any outcome");
    let store = segue_store::Store::open(&db).expect("store");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_millis() as i64;
    for (k, s) in again.iter().take(4).enumerate() {
        let duration = service.track(s.track_id).expect("track").audio.duration_ms as i64;
        let through = k < 2;
        store
            .record_play(&segue_store::PlayRecord {
                track_id: s.track_id,
                started_at_ms: now + 1_000 * k as i64,
                ms_listened: if through { duration } else { duration / 10 },
                end: if through {
                    segue_store::PlayEnd::Completed
                } else {
                    segue_store::PlayEnd::Skipped
                },
                position_ms: Some(if through { duration } else { duration / 10 }),
            })
            .expect("play");
    }
    service.suggest(&ask(boss)).expect("suggest");
    let offsets = service.ranker_offsets().expect("offsets");
    assert_eq!(offsets.len(), 9);
    assert!(offsets.iter().any(|(_, o)| *o != 0.0), "{offsets:?}");

    // Resetting the taste forgets the rating's pull (the dislike's ban goes with it).
    service.reset_taste().expect("reset");
    let reset = service.suggest(&ask(boss)).expect("suggest");
    assert!(unlearned(&service), "a reset forgets the learned offsets");
    assert!(
        reset.iter().all(|s| !s.reason.contains("rated")),
        "{reset:#?}"
    );

    // Settings round-trip and are checked.
    let mut settings = service.suggest_settings().expect("settings");
    settings.exploration = 0.9;
    service.set_suggest_settings(&settings).expect("set");
    assert_eq!(
        service.suggest_settings().expect("settings").exploration,
        0.9
    );
    settings.exploration = 2.0;
    assert!(service.set_suggest_settings(&settings).is_err());
}
