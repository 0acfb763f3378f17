use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::TrackId;

/// One of the things a suggestion's score is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum TermKind {
    /// Sounds like the track it follows (musicnn embedding).
    Sound,
    /// Shares its style tags (musicnn tags).
    Tags,
    /// Sounds like what this session played through (and unlike what it skipped).
    Session,
    /// Tempo close to the track it follows (half and double time count).
    Tempo,
    /// Key that mixes harmonically (Camelot wheel neighbours).
    Key,
    /// Similar energy and loudness.
    Energy,
    /// How much the listener is expected to enjoy it: learned from what they rated, liked,
    /// played through, skipped or disliked, over sound, style, timbre and metadata.
    Taste,
    /// Not played yet, or not for a long time.
    Novelty,
    /// What a plausible version of the listener's taste adds beyond what is known: a pick that
    /// may teach the most (Thompson sampling; the exploration setting scales it).
    Explore,
    /// Sounds like what the user played through at this time of day on other days (and
    /// unlike what they skipped then).
    TimeOfDay,
    /// By an artist the listener has been playing more lately than their own usual rate (the
    /// rotation's rising artists). Hand-weighted, outside [`RANKED_TERMS`]: the learned ranker
    /// reads a fixed row of terms and was trained without it.
    Momentum,
}

/// Metadata two tracks can share, which the listener's taste may follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Facet {
    Artist,
    /// An album title under its album artist (else its artist).
    Album,
    Composer,
    Genre,
    /// The folder a file is in.
    Folder,
    /// Five years, 2005-2009.
    Era,
}

/// A part of the day, for saying when the user tends to play something.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Daypart {
    /// 05:00-11:59
    Morning,
    /// 12:00-16:59
    Afternoon,
    /// 17:00-21:59
    Evening,
    /// 22:00-04:59
    Night,
}

impl Daypart {
    /// The part of the day a local clock hour (0-23) falls in.
    pub fn of_hour(hour: u8) -> Daypart {
        match hour {
            5..=11 => Daypart::Morning,
            12..=16 => Daypart::Afternoon,
            17..=21 => Daypart::Evening,
            _ => Daypart::Night,
        }
    }
}

/// One term's part in a suggestion's score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ScoreTerm {
    pub kind: TermKind,
    /// The term's value before weighting (a similarity, a match, a taste lean; see the ranker's
    /// model card).
    pub value: f32,
    /// Weight × value: what this term added to the score (negative: took away).
    pub contribution: f32,
    /// The contribution minus this term's average over every candidate: how much it lifted
    /// this track above the others (a term equal for all tracks ranks nothing).
    pub lift: f32,
    /// What it is about, in English words ("92 → 90 BPM", "you rated Dawn 5 stars"):
    /// `about` in English, for the command line.
    pub detail: String,
    /// What it is about, as a message the UI says in the user's language.
    pub about: Detail,
}

/// Which way a key joins the track before (Camelot wheel).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum KeyJoin {
    Same,
    Neighbouring,
    Other,
}

/// How a track's tempo follows the one before it. A join counts twice or half the tempo as the
/// same beat, so a reason says which it was: "85 → 172 BPM" alone reads as a jump.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum TempoFeel {
    /// The two tempos as they are, with no octave between them to mention.
    #[default]
    Plain,
    /// About twice as fast (double time).
    Double,
    /// About half as fast (half time).
    Half,
}

impl TempoFeel {
    /// Double or half time where the tempos are an octave apart within about 8 % (0.12 of an
    /// octave: where a join's tempo match has fallen to nothing); otherwise plain.
    pub fn between(from_bpm: f32, to_bpm: f32) -> TempoFeel {
        let octaves = (to_bpm / from_bpm).log2();
        if (octaves - 1.0).abs() <= 0.12 {
            TempoFeel::Double
        } else if (octaves + 1.0).abs() <= 0.12 {
            TempoFeel::Half
        } else {
            TempoFeel::Plain
        }
    }
}

/// What a score term is about: a message id and its values, so that every language can say
/// it. [`Detail::english`] is the English text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "id", rename_all = "snake_case")]
#[ts(export)]
pub enum Detail {
    Nothing,
    SoundsLike {
        track: String,
    },
    CloseTo {
        track: String,
        tags: Vec<String>,
    },
    StylesUnlike {
        track: String,
    },
    /// Radio from an artist or album.
    InTheVeinOf {
        name: String,
    },
    TagRadio {
        tag: String,
    },
    Tempo {
        from_bpm: u32,
        to_bpm: u32,
        /// Absent in reasons stored before it existed (a restored session's queue).
        #[serde(default)]
        feel: TempoFeel,
    },
    Key {
        join: KeyJoin,
    },
    SimilarEnergy,
    FitsSession,
    /// `track` is `None` when the rating is the suggested track's own.
    Rated {
        track: Option<String>,
        stars: u8,
    },
    Liked {
        track: Option<String>,
    },
    AskedMoreLike {
        track: Option<String>,
    },
    UnlikeDisliked {
        track: Option<String>,
    },
    UnlikeTurnedDown {
        track: Option<String>,
    },
    LikePlayedThrough {
        track: String,
    },
    PlayedThrough {
        times: u32,
    },
    UnlikeSkipped {
        track: String,
    },
    OftenSkipped,
    NotPlayedYet,
    NotPlayedLately,
    NotPlayedFor {
        days: u32,
    },
    /// Exploring: a plausible version of the listener's taste likes it, and the answer will
    /// teach Segue something (its strongest tags, if any).
    Exploring {
        tags: Vec<String>,
    },
    /// The listener likes tracks that share this (an artist, an album, a folder...).
    YouLike {
        facet: Facet,
        name: String,
    },
    /// Like what the user plays at this time of day.
    AtThisTime {
        daypart: Daypart,
    },
    /// By an artist played more lately than usual.
    PlayingMore {
        artist: String,
    },
    /// A sonic path's first track, on the way to the track `to`.
    PathStart {
        to: String,
    },
    /// A sonic path's first track, on the way towards the tag `tag`.
    PathStartTowardsTag {
        tag: String,
    },
    /// A step of a sonic path between the track before it (`from`) and the one after (`to`):
    /// from `from` to `to` the tag `leaving` fades most and `towards` grows most (each when it
    /// changes by at least 0.05).
    Bridges {
        from: String,
        to: String,
        leaving: Option<String>,
        towards: Option<String>,
    },
    /// A sonic path's last track: the end the listener chose, reached from the track `from`.
    PathEnd {
        from: String,
    },
    /// A sonic path's last track, where the tag `tag` is strong, reached from the track `from`.
    PathEndAtTag {
        tag: String,
        from: String,
    },
}

impl Detail {
    /// The message in English.
    pub fn english(&self) -> String {
        let it = |t: &Option<String>| t.clone().unwrap_or_else(|| "it".into());
        match self {
            Detail::Nothing => String::new(),
            Detail::SoundsLike { track } => format!("sounds like {track}"),
            Detail::CloseTo { track, tags } => format!("close to {track}: {}", tags.join(", ")),
            Detail::StylesUnlike { track } => format!("styles unlike {track}"),
            Detail::InTheVeinOf { name } => format!("in the vein of {name}"),
            Detail::TagRadio { tag } => format!("{tag} radio"),
            Detail::Tempo {
                from_bpm,
                to_bpm,
                feel,
            } => match feel {
                TempoFeel::Plain => format!("{from_bpm} → {to_bpm} BPM"),
                TempoFeel::Double => format!("{from_bpm} → {to_bpm} BPM, double time"),
                TempoFeel::Half => format!("{from_bpm} → {to_bpm} BPM, half time"),
            },
            Detail::Key { join } => match join {
                KeyJoin::Same => "same key",
                KeyJoin::Neighbouring => "neighbouring key",
                KeyJoin::Other => "another key",
            }
            .into(),
            Detail::SimilarEnergy => "similar energy".into(),
            Detail::FitsSession => "fits this session".into(),
            Detail::Rated { track, stars } => {
                format!(
                    "you rated {} {stars} star{}",
                    it(track),
                    plural(u32::from(*stars))
                )
            }
            Detail::Liked { track } => format!("you liked {}", it(track)),
            Detail::AskedMoreLike { track } => format!("you asked for more like {}", it(track)),
            Detail::UnlikeDisliked { track } => format!("unlike {}, which you disliked", it(track)),
            Detail::UnlikeTurnedDown { track } => {
                format!("unlike {}, which you turned down", it(track))
            }
            Detail::LikePlayedThrough { track } => format!("like {track}, which you play through"),
            Detail::PlayedThrough { times } => {
                format!("you played it through {times} time{}", plural(*times))
            }
            Detail::UnlikeSkipped { track } => format!("unlike {track}, which you skip"),
            Detail::OftenSkipped => "you often skip it".into(),
            Detail::NotPlayedYet => "not played yet".into(),
            Detail::NotPlayedLately => "not played lately".into(),
            Detail::NotPlayedFor { days } => format!("not played for {days} days"),
            Detail::Exploring { tags } if tags.is_empty() => "trying something new for you".into(),
            Detail::Exploring { tags } => {
                format!("trying something new for you: {}", tags.join(", "))
            }
            Detail::YouLike { facet, name } => match facet {
                Facet::Artist | Facet::Composer | Facet::Genre => format!("you like {name}"),
                Facet::Album => format!("from {name}, which you like"),
                Facet::Folder => format!("from {name}, a folder you like"),
                Facet::Era => format!("from {name}, years you like"),
            },
            Detail::PlayingMore { artist } => {
                format!("you've been playing more {artist} lately")
            }
            Detail::AtThisTime { daypart } => format!(
                "like what you play {}",
                match daypart {
                    Daypart::Morning => "in the morning",
                    Daypart::Afternoon => "in the afternoon",
                    Daypart::Evening => "in the evening",
                    Daypart::Night => "at night",
                }
            ),
            Detail::PathStart { to } => format!("sets out towards {to}"),
            Detail::PathStartTowardsTag { tag } => format!("sets out towards {tag}"),
            Detail::Bridges {
                from,
                to,
                leaving,
                towards,
            } => {
                let movement = match (leaving, towards) {
                    (Some(l), Some(t)) => format!(": {l} towards {t}"),
                    (Some(l), None) => format!(": less {l}"),
                    (None, Some(t)) => format!(": towards {t}"),
                    (None, None) => String::new(),
                };
                format!("bridges {from} → {to}{movement}")
            }
            Detail::PathEnd { from } => format!("arrives from {from}"),
            Detail::PathEndAtTag { tag, from } => format!("arrives at {tag} from {from}"),
        }
    }
}

fn plural(n: u32) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// One part of a reason line: messages said together (", "), after "smooth join:" when the
/// part is about how the track joins the one before. Parts are joined with "; ".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ReasonPart {
    pub smooth_join: bool,
    pub details: Vec<Detail>,
}

/// The reason line in English, from its parts (first letter capitalised).
pub fn english_reason(parts: &[ReasonPart]) -> String {
    let line = parts
        .iter()
        .map(|p| {
            let said: Vec<String> = p.details.iter().map(Detail::english).collect();
            let said = said.join(", ");
            if p.smooth_join {
                format!("smooth join: {said}")
            } else {
                said
            }
        })
        .collect::<Vec<_>>()
        .join("; ");
    let mut chars = line.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => line,
    }
}

/// A track suggested to play next.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Suggestion {
    #[ts(type = "number")]
    pub track_id: TrackId,
    pub score: f32,
    /// The chance (0-1) that the listener enjoys it, as Segue estimates it from their feedback.
    pub chance: f32,
    /// One line built from the terms that ranked it highest (English; `why` in parts).
    pub reason: String,
    /// The reason line in parts, for the UI to say in the user's language.
    pub why: Vec<ReasonPart>,
    /// Every term, largest lift first.
    pub terms: Vec<ScoreTerm>,
}

impl Suggestion {
    /// Its term values in [`RANKED_TERMS`] order (0 for a term it lacks): what is logged when it
    /// is shown, and what the ranker's per-user offsets are learned from.
    pub fn term_values(&self) -> [f32; TERM_COUNT] {
        RANKED_TERMS.map(|kind| {
            self.terms
                .iter()
                .find(|t| t.kind == kind)
                .map_or(0.0, |t| t.value)
        })
    }
}

/// One track of a sonic path ("Segue from A to B"), with why it is there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct PathStep {
    #[ts(type = "number")]
    pub track_id: TrackId,
    /// How far it is from the step before in sound and style (0 for the first): the chord
    /// between the two tracks' unit rows, 0 (the same) to 2 (opposite).
    pub distance: f32,
    /// Why it is there, in English (`why` in parts).
    pub reason: String,
    /// Why it is there, in parts, for the UI to say in the user's language.
    pub why: Vec<ReasonPart>,
}

/// A sonic path: tracks that travel evenly from a start to an end (a track or a tag), each
/// joining the one before as well as the way allows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SonicPath {
    pub steps: Vec<PathStep>,
    /// The artist gap the path keeps (tracks between two by the same artist): the listener's
    /// setting, or less where the library left no way that keeps it.
    pub artist_gap: u32,
    /// The album gap the path keeps.
    pub album_gap: u32,
}

/// Explicit feedback on a track, besides star ratings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum FeedbackKind {
    Like,
    Dislike,
    /// "Not this": removed from suggestions and counted against its sound.
    NotThis,
    /// "More like this": counted for its sound.
    MoreLikeThis,
}

impl FeedbackKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FeedbackKind::Like => "like",
            FeedbackKind::Dislike => "dislike",
            FeedbackKind::NotThis => "not_this",
            FeedbackKind::MoreLikeThis => "more_like_this",
        }
    }

    pub fn parse(s: &str) -> Option<FeedbackKind> {
        Some(match s {
            "like" => FeedbackKind::Like,
            "dislike" => FeedbackKind::Dislike,
            "not_this" => FeedbackKind::NotThis,
            "more_like_this" => FeedbackKind::MoreLikeThis,
            _ => return None,
        })
    }
}

/// The terms a ranking model scores, in the order of its input columns.
pub const RANKED_TERMS: [TermKind; TERM_COUNT] = [
    TermKind::Sound,
    TermKind::Tags,
    TermKind::Tempo,
    TermKind::Key,
    TermKind::Energy,
    TermKind::Session,
    TermKind::Taste,
    TermKind::Novelty,
    TermKind::Explore,
    TermKind::TimeOfDay,
];

/// How many terms a ranking model scores.
pub const TERM_COUNT: usize = 10;

/// Scores a short list of suggestion candidates from their term values.
///
/// Contract: `terms` holds `n` rows of [`RANKED_TERMS`]`.len()` values (a term a candidate
/// lacks is 0); `exploration` is the user's setting (0..1) and `user` the user's learned
/// offsets to the terms (one per term). The result holds each term's contribution, same shape
/// as `terms` (a candidate's score is the sum of its row), and, where the model says it, the
/// chance (0-1) that the listener enjoys each candidate. The model is deterministic and must
/// not reorder rows. Errors are messages for the log (the caller falls back).
pub trait RankingModel {
    fn rank(&mut self, terms: &[f32], exploration: f32, user: &[f32]) -> Result<Ranked, String>;
}

/// What a [`RankingModel`] says of a short list.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Ranked {
    /// `n` rows of per-term contributions.
    pub contributions: Vec<f32>,
    /// `n` chances that the listener enjoys the candidate, when the model estimates them.
    pub chances: Option<Vec<f32>>,
}

#[cfg(test)]
mod reason_tests {
    use super::*;

    #[test]
    fn a_tempo_twice_or_half_the_one_before_is_said_to_be_double_or_half_time() {
        assert_eq!(TempoFeel::between(85.0, 172.0), TempoFeel::Double);
        assert_eq!(TempoFeel::between(172.0, 85.0), TempoFeel::Half);
        assert_eq!(TempoFeel::between(92.0, 96.0), TempoFeel::Plain);
        assert_eq!(
            TempoFeel::between(150.0, 52.0),
            TempoFeel::Plain,
            "a third, not half"
        );
        assert_eq!(
            TempoFeel::between(64.0, 110.0),
            TempoFeel::Plain,
            "1.7 times is not double"
        );
        assert_eq!(
            TempoFeel::between(0.0, 120.0),
            TempoFeel::Plain,
            "unknown tempo"
        );
        let said = |feel| {
            Detail::Tempo {
                from_bpm: 85,
                to_bpm: 172,
                feel,
            }
            .english()
        };
        assert_eq!(said(TempoFeel::Double), "85 → 172 BPM, double time");
        assert_eq!(said(TempoFeel::Half), "85 → 172 BPM, half time");
        // A queue's reasons stored before the field existed still read.
        let stored: Detail =
            serde_json::from_str(r#"{"id":"tempo","from_bpm":92,"to_bpm":90}"#).expect("parse");
        assert_eq!(
            stored,
            Detail::Tempo {
                from_bpm: 92,
                to_bpm: 90,
                feel: TempoFeel::Plain
            }
        );
    }

    #[test]
    fn the_english_line_joins_parts_and_capitalises() {
        let parts = [
            ReasonPart {
                smooth_join: true,
                details: vec![
                    Detail::Tempo {
                        from_bpm: 92,
                        to_bpm: 90,
                        feel: TempoFeel::Plain,
                    },
                    Detail::Key {
                        join: KeyJoin::Same,
                    },
                ],
            },
            ReasonPart {
                smooth_join: false,
                details: vec![Detail::Rated {
                    track: Some("Dawn".into()),
                    stars: 1,
                }],
            },
        ];
        assert_eq!(
            english_reason(&parts),
            "Smooth join: 92 → 90 BPM, same key; you rated Dawn 1 star"
        );
        assert_eq!(
            Detail::PlayedThrough { times: 2 }.english(),
            "you played it through 2 times"
        );
        assert_eq!(
            Detail::Exploring { tags: vec![] }.english(),
            "trying something new for you"
        );
        assert_eq!(english_reason(&[]), "");
    }

    #[test]
    fn hours_fall_in_their_part_of_the_day() {
        let parts: Vec<Daypart> = [0, 4, 5, 11, 12, 16, 17, 21, 22, 23]
            .into_iter()
            .map(Daypart::of_hour)
            .collect();
        use Daypart::*;
        assert_eq!(
            parts,
            [
                Night, Night, Morning, Morning, Afternoon, Afternoon, Evening, Evening, Night,
                Night
            ]
        );
        assert_eq!(
            Detail::AtThisTime { daypart: Evening }.english(),
            "like what you play in the evening"
        );
        assert_eq!(
            Detail::PlayingMore {
                artist: "Wesnoth".into()
            }
            .english(),
            "you've been playing more Wesnoth lately"
        );
    }
}
