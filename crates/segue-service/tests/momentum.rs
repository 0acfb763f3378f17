//! The momentum term on a real SQLite history: an artist played more lately than usual is
//! lifted in suggestions and the reason says so; an artist played as usual is not.

mod common;

use segue_core::{Detail, PlayEnd, Suggestion, TermKind};
use segue_service::Service;
use segue_service::suggest::SuggestRequest;
use segue_store::{PlayRecord, Store};

use common::track_id;

fn artist_of(service: &Service, track: i64) -> String {
    service
        .track(track)
        .expect("track")
        .tags
        .artist
        .unwrap_or_default()
}

#[test]
fn an_artist_played_more_lately_gets_the_momentum_reason_and_one_played_as_usual_does_not() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = tmp.path().join("library.sqlite");
    let service = common::analysed_demo(&db, 4);
    common::without_exploration(&service);
    let ask = SuggestRequest {
        after: Some(track_id(&service, "boss attack")),
        count: 30,
        ..Default::default()
    };
    let before = service.suggest(&ask).expect("suggest");
    assert!(
        before
            .iter()
            .all(|s| s.terms.iter().all(|t| t.kind != TermKind::Momentum)),
        "no history, no term"
    );

    // The demo's artists as their tags name them: one to rise, one to stay as usual.
    let rising_artist = artist_of(&service, track_id(&service, "traveling minstrels"));
    let usual_artist = artist_of(&service, track_id(&service, "coherence"));
    assert_ne!(rising_artist, usual_artist);
    let by = |artist: &str| -> Vec<i64> {
        service
            .tracks(None, None)
            .expect("tracks")
            .iter()
            .filter(|t| t.tags.artist.as_deref() == Some(artist))
            .map(|t| t.id)
            .collect()
    };
    let (rising_tracks, usual_tracks) = (by(&rising_artist), by(&usual_artist));

    // Twenty weeks of history: the usual artist twice a week all along, the rising one twice
    // long ago and then a dozen times in the last three weeks. Nothing in the last three days,
    // so the repetition rules leave both artists' tracks free to suggest.
    let store = Store::open(&db).expect("store");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_millis() as i64;
    let day = 86_400_000;
    let play = |track: i64, days_ago: i64| {
        let duration = service.track(track).expect("track").audio.duration_ms as i64;
        store
            .record_play(&PlayRecord {
                track_id: track,
                started_at_ms: now - days_ago * day,
                ms_listened: duration,
                end: PlayEnd::Completed,
                position_ms: Some(duration),
            })
            .expect("play");
    };
    // The newest play first, and suggestions read the momentum then; every play after it is
    // older, as an imported history's are, and must still be read.
    play(usual_tracks[0], 3);
    service.suggest(&ask).expect("suggest");
    for week in 0..20 {
        let track = usual_tracks[week % usual_tracks.len()];
        if week > 0 {
            play(track, 3 + week as i64 * 7);
        }
        play(track, 6 + week as i64 * 7);
    }
    play(rising_tracks[0], 140);
    play(rising_tracks[0], 90);
    for d in 3..15 {
        play(
            rising_tracks[d % rising_tracks.len()],
            d as i64 + d as i64 / 2,
        );
    }
    let rotation = service.rotation().expect("rotation");
    let rising: Vec<&str> = rotation.rising.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(rising, [rising_artist.as_str()], "the rotation card agrees");

    let after = service.suggest(&ask).expect("suggest");
    let lifted = after
        .iter()
        .find(|s| rising_tracks.contains(&s.track_id))
        .expect("a track by the rising artist is suggested");
    let term = lifted
        .terms
        .iter()
        .find(|t| t.kind == TermKind::Momentum)
        .expect("the momentum term");
    assert!(term.value > 0.4 && term.contribution > 0.0, "{term:?}");
    assert_eq!(
        term.about,
        Detail::PlayingMore {
            artist: rising_artist.clone()
        }
    );
    assert_eq!(
        term.detail,
        format!("you've been playing more {rising_artist} lately")
    );
    // The reason is true: only the rising artist's tracks say it, and at least one does.
    let said: Vec<&Suggestion> = after
        .iter()
        .filter(|s| {
            s.why
                .iter()
                .flat_map(|p| &p.details)
                .any(|d| matches!(d, Detail::PlayingMore { .. }))
        })
        .collect();
    assert!(!said.is_empty(), "{after:#?}");
    let reason = format!("you've been playing more {rising_artist} lately");
    for s in &said {
        assert!(rising_tracks.contains(&s.track_id), "{s:#?}");
        // (Capitalised where it leads the line.)
        assert!(
            s.reason.to_lowercase().contains(&reason.to_lowercase()),
            "{}",
            s.reason
        );
    }
    // The artist played as usual gets no momentum: nothing added, nothing said.
    let usual: Vec<&Suggestion> = after
        .iter()
        .filter(|s| usual_tracks.contains(&s.track_id))
        .collect();
    assert!(!usual.is_empty(), "{after:#?}");
    for s in usual {
        let none = s
            .terms
            .iter()
            .filter(|t| t.kind == TermKind::Momentum)
            .all(|t| t.value == 0.0 && t.contribution == 0.0 && t.about == Detail::Nothing);
        assert!(none, "{s:#?}");
        assert!(!s.reason.to_lowercase().contains("playing more"), "{s:#?}");
    }
}
