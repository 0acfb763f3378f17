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
    /// Close to tracks the user rated, liked, or played through; away from dislikes and skips.
    Taste,
    /// Not played yet, or not for a long time.
    Novelty,
    /// A deliberate step away from the current sound (the exploration setting).
    Explore,
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
    /// What it is about, in words ("ambient, chillout", "92 → 90 BPM", "you rated Dawn 5 stars").
    pub detail: String,
}

/// A track suggested to play next.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Suggestion {
    #[ts(type = "number")]
    pub track_id: TrackId,
    pub score: f32,
    /// One line built from the terms that ranked it highest.
    pub reason: String,
    /// Every term, largest lift first.
    pub terms: Vec<ScoreTerm>,
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
pub const RANKED_TERMS: [TermKind; 9] = [
    TermKind::Sound,
    TermKind::Tags,
    TermKind::Tempo,
    TermKind::Key,
    TermKind::Energy,
    TermKind::Session,
    TermKind::Taste,
    TermKind::Novelty,
    TermKind::Explore,
];

/// Scores a short list of suggestion candidates from their term values.
///
/// Contract: `terms` holds `n` rows of [`RANKED_TERMS`]`.len()` values (a term a candidate
/// lacks is 0); `exploration` is the user's setting (0..1) and `user` the user's learned
/// offsets to the term weights (one per term). The result is each term's contribution, same
/// shape as `terms`; a candidate's score is the sum of its row. The model is deterministic and
/// must not reorder rows. Errors are messages for the log (the caller falls back).
pub trait RankingModel {
    fn rank(&mut self, terms: &[f32], exploration: f32, user: &[f32]) -> Result<Vec<f32>, String>;
}
