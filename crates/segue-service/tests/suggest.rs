//! Suggestions through the service on the analysed demo library: the real models, a real
//! SQLite file, feedback stored and read back across a restart.

mod common;

use segue_core::{FeedbackKind, TermKind};
use segue_service::Service;
use segue_service::suggest::SuggestRequest;

use common::track_id;

#[test]
fn suggestions_follow_the_music_and_learn_from_feedback() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = tmp.path().join("library.sqlite");
    let service = common::analysed_demo(&db, 4);
    common::without_exploration(&service);

    let boss = track_id(&service, "boss attack");
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
    let feelings = track_id(&service, "feelings");
    assert_eq!(before[0].track_id, feelings, "{before:#?}");
    assert!(matches!(
        before[0].terms[0].kind,
        TermKind::Sound | TermKind::Tags
    ));

    // A 5-star rating on an ambient track: the very next list moves towards it, and says so.
    let awakening = track_id(&service, "awakening");
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
                    segue_core::PlayEnd::Completed
                } else {
                    segue_core::PlayEnd::Skipped
                },
                position_ms: Some(if through { duration } else { duration / 10 }),
            })
            .expect("play");
    }
    service.suggest(&ask(boss)).expect("suggest");
    let offsets = service.ranker_offsets().expect("offsets");
    assert_eq!(offsets.len(), segue_core::TERM_COUNT);
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
    assert!(!settings.strict_gaps, "the gaps yield to taste by default");
    settings.exploration = 0.9;
    settings.strict_gaps = true;
    service.set_suggest_settings(&settings).expect("set");
    let stored = service.suggest_settings().expect("settings");
    assert_eq!((stored.exploration, stored.strict_gaps), (0.9, true));
    assert!(service.app_settings().expect("app settings").strict_gaps);
    settings.exploration = 2.0;
    assert!(service.set_suggest_settings(&settings).is_err());
}

#[test]
fn what_was_played_at_this_time_on_earlier_days_counts_and_says_so() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = tmp.path().join("library.sqlite");
    let service = common::analysed_demo(&db, 4);
    let boss = track_id(&service, "boss attack");
    let ask = SuggestRequest {
        after: Some(boss),
        count: 30,
        ..Default::default()
    };
    let time_of_day = |list: &[segue_core::Suggestion], track: i64| {
        list.iter()
            .find(|s| s.track_id == track)
            .and_then(|s| s.terms.iter().find(|t| t.kind == TermKind::TimeOfDay))
            .cloned()
    };
    let (awakening, metal) = (
        track_id(&service, "awakening"),
        track_id(&service, "metal madness"),
    );
    let before = service.suggest(&ask).expect("suggest");
    assert!(
        time_of_day(&before, awakening).is_none(),
        "no history, no term"
    );

    // On five earlier days, at about this clock time, ambient played through and metal skipped.
    let store = segue_store::Store::open(&db).expect("store");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_millis() as i64;
    let day = 86_400_000;
    for d in 2..=6 {
        for (words, offset_min, through) in [
            ("coherence", 10, true),
            ("inevitable", -20, true),
            ("metal madness", 5, false),
        ] {
            let track = track_id(&service, words);
            let duration = service.track(track).expect("track").audio.duration_ms as i64;
            let listened = if through { duration } else { duration / 10 };
            store
                .record_play(&segue_store::PlayRecord {
                    track_id: track,
                    started_at_ms: now - d * day + offset_min * 60_000,
                    ms_listened: listened,
                    end: if through {
                        segue_core::PlayEnd::Completed
                    } else {
                        segue_core::PlayEnd::Skipped
                    },
                    position_ms: Some(listened),
                })
                .expect("play");
        }
    }
    let after = service.suggest(&ask).expect("suggest");
    let ambient = time_of_day(&after, awakening).expect("the term, for the other ambient track");
    assert!(ambient.value > 0.2, "{ambient:?}");
    assert!(matches!(
        ambient.about,
        segue_core::Detail::AtThisTime { .. }
    ));
    assert!(
        ambient.detail.starts_with("like what you play "),
        "{}",
        ambient.detail
    );
    if let Some(metal) = time_of_day(&after, metal) {
        assert!(metal.value < 0.0, "{metal:?}");
    }
    // Where it lifted a track most, the reason says so.
    let led: Vec<&segue_core::Suggestion> = after
        .iter()
        .filter(|s| s.terms[0].kind == TermKind::TimeOfDay)
        .collect();
    assert!(
        led.iter()
            .all(|s| s.reason.starts_with("Like what you play ")),
        "{led:#?}"
    );
    // A taste reset forgets these habits too.
    service.reset_taste().expect("reset");
    let reset = service.suggest(&ask).expect("suggest");
    assert!(
        time_of_day(&reset, awakening).is_none(),
        "the habit outlived a reset"
    );
}
