//! The user's taste: a signed weight per track the user rated, liked, disliked, played through
//! or skipped, and through the similarity of sound, on every other track.
//!
//! Explicit feedback (stars, like, dislike, "not this", "more like this") sets a track's
//! weight; implicit feedback (full listens, skips) adds up until explicit feedback exists.
//! The latest explicit feedback wins, so un-disliking works. A candidate's taste term is its
//! own weight plus a kernel-weighted vote of the tracks with weights (similar sound counts, the
//! closest most): it changes with the very next feedback, and names the track it came from.

use std::collections::HashMap;

use segue_core::TrackId;

use crate::{Library, dot};

/// Where a taste signal came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignalSource {
    Stars(u8),
    Like,
    Dislike,
    NotThis,
    MoreLikeThis,
    /// Played through (a full listen).
    FullListen,
    /// Skipped before 30 % (early) or after.
    Skip {
        early: bool,
    },
}

/// One piece of feedback on one track, in time order.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Signal {
    pub track: TrackId,
    pub source: SignalSource,
    pub at_ms: i64,
}

#[derive(Debug, Clone, Copy, Default)]
struct TrackTaste {
    /// Explicit feedback's weight, when there is some: it overrides the implicit sum.
    explicit: Option<(f32, SignalSource)>,
    implicit: f32,
    listens: u32,
    skips: u32,
    excluded: bool,
    played: bool,
}

impl TrackTaste {
    fn weight(&self) -> f32 {
        match self.explicit {
            Some((w, _)) => w,
            None => self.implicit.clamp(-1.0, 0.75),
        }
    }
}

/// The taste model: built from signals, updated one signal at a time.
#[derive(Debug, Clone, Default)]
pub struct Taste {
    tracks: HashMap<TrackId, TrackTaste>,
}

impl Taste {
    pub fn from_signals(signals: impl IntoIterator<Item = Signal>) -> Taste {
        let mut t = Taste::default();
        for s in signals {
            t.apply(s);
        }
        t
    }

    /// Folds in one signal (they must come in time order).
    pub fn apply(&mut self, signal: Signal) {
        let t = self.tracks.entry(signal.track).or_default();
        match signal.source {
            SignalSource::Stars(stars) => {
                let w = (f32::from(stars.clamp(1, 5)) - 3.0) / 2.0;
                t.explicit = Some((w, signal.source));
                t.excluded = false;
            }
            SignalSource::Like => {
                t.explicit = Some((1.0, signal.source));
                t.excluded = false;
            }
            SignalSource::MoreLikeThis => {
                t.explicit = Some((0.8, signal.source));
                t.excluded = false;
            }
            SignalSource::Dislike => {
                t.explicit = Some((-1.0, signal.source));
                t.excluded = true;
            }
            SignalSource::NotThis => {
                t.explicit = Some((-0.6, signal.source));
                t.excluded = true;
            }
            SignalSource::FullListen => {
                t.implicit += 0.25;
                t.listens += 1;
                t.played = true;
            }
            SignalSource::Skip { early } => {
                t.implicit -= if early { 0.4 } else { 0.1 };
                t.skips += 1;
                t.played = true;
            }
        }
    }

    /// Disliked or "not this": never suggested.
    pub fn is_excluded(&self, track: TrackId) -> bool {
        self.tracks.get(&track).is_some_and(|t| t.excluded)
    }

    /// Whether the track was ever played (for novelty).
    pub fn has_history(&self, track: TrackId) -> bool {
        self.tracks.get(&track).is_some_and(|t| t.played)
    }

    /// The track's own taste weight, -1..1 (0 when unknown).
    pub fn weight(&self, track: TrackId) -> f32 {
        self.tracks.get(&track).map_or(0.0, TrackTaste::weight)
    }

    /// Tracks with any feedback.
    pub fn len(&self) -> usize {
        self.tracks.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tracks.is_empty()
    }

    /// The taste against one library, ready to score candidates.
    pub(crate) fn resolve<'a>(&'a self, library: &Library) -> ResolvedTaste<'a> {
        let voters = self
            .tracks
            .iter()
            .filter_map(|(id, t)| {
                let w = t.weight();
                (w.abs() > 1e-3).then_some((library.index(*id)?, w, t))
            })
            .collect();
        ResolvedTaste {
            voters,
            taste: self,
        }
    }
}

pub(crate) struct ResolvedTaste<'a> {
    voters: Vec<(usize, f32, &'a TrackTaste)>,
    taste: &'a Taste,
}

impl ResolvedTaste<'_> {
    /// The taste term's value for library track `i` (about -1..1), and what drove it.
    pub(crate) fn score(&self, library: &Library, i: usize) -> (f32, String) {
        let id = library.tracks[i].id;
        let own = self.taste.tracks.get(&id);
        let own_weight = own.map_or(0.0, TrackTaste::weight);
        let mut total = 0.0f32;
        let mut mass = 1.0f32;
        let mut strongest: Option<(f32, usize, &TrackTaste)> = None;
        for &(j, w, t) in &self.voters {
            if j == i {
                continue;
            }
            let similarity = dot(&library.sound[i], &library.sound[j]).max(0.0);
            let k = similarity * similarity;
            if k < 1e-4 {
                continue;
            }
            total += w * k;
            mass += k;
            if strongest.is_none_or(|(c, _, _)| (w * k).abs() > c.abs()) {
                strongest = Some((w * k, j, t));
            }
        }
        let neighbours = total / mass;
        let own_part = 0.7 * own_weight;
        let value = own_part + neighbours;
        let text = match (own, strongest) {
            (Some(t), Some((c, _, _))) if own_part.abs() >= c.abs() / mass => {
                describe(t, None, own_part)
            }
            (Some(t), None) => describe(t, None, own_part),
            (_, Some((c, j, t))) => describe(t, Some(&library.tracks[j].title), c),
            (None, None) => String::new(),
        };
        (value, text)
    }
}

/// Words for a taste signal: about the candidate itself (`other` None) or another track.
fn describe(t: &TrackTaste, other: Option<&str>, contribution: f32) -> String {
    let it = other.map_or_else(|| "it".to_string(), str::to_string);
    match t.explicit {
        Some((_, SignalSource::Stars(s))) => {
            format!("you rated {it} {s} star{}", if s == 1 { "" } else { "s" })
        }
        Some((_, SignalSource::Like)) => format!("you liked {it}"),
        Some((_, SignalSource::MoreLikeThis)) => format!("you asked for more like {it}"),
        Some((_, SignalSource::Dislike)) => format!("unlike {it}, which you disliked"),
        Some((_, SignalSource::NotThis)) => format!("unlike {it}, which you turned down"),
        _ if contribution >= 0.0 => match other {
            Some(o) => format!("like {o}, which you play through"),
            None => format!(
                "you played it through {} time{}",
                t.listens,
                if t.listens == 1 { "" } else { "s" }
            ),
        },
        _ => match other {
            Some(o) => format!("unlike {o}, which you skip"),
            None => "you often skip it".into(),
        },
    }
}
