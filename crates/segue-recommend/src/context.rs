//! What is happening now: the playing track, this session's plays, the queue, radio seeds,
//! and the time of day; and what the list follows (its anchor) and steers by.

use segue_core::{Detail, RadioSeed, TrackId};

use crate::library::{Library, Linear, Space};
use crate::vector::{add_scaled, normalise};

/// How a play ended, for the session and novelty terms.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Play {
    pub track: TrackId,
    pub started_at_ms: i64,
    /// Share of the track heard, 0-1.
    pub fraction: f32,
    pub skipped: bool,
}

impl Play {
    /// Skipped before [`segue_core::EARLY_SKIP_SHARE`] of the track: the listener did not
    /// want it (a later skip says little).
    pub fn skipped_early(&self) -> bool {
        self.skipped && self.fraction < segue_core::EARLY_SKIP_SHARE
    }
}

/// A pause this long between two plays (start to start, or from the last start to now) ends a
/// listening session: the next one keeps no artist and album gaps from it and does not steer
/// by its sound. One hour: longer than nearly any track, shorter than a night.
pub const SESSION_BREAK_MS: i64 = 3_600_000;

impl Context {
    /// This session's plays, oldest first: the recent plays since the last break of
    /// [`SESSION_BREAK_MS`] (none if the newest is that long ago).
    pub fn session(&self) -> &[Play] {
        let mut start = self.recent.len();
        let mut later = self.now_ms;
        while start > 0 && later - self.recent[start - 1].started_at_ms < SESSION_BREAK_MS {
            start -= 1;
            later = self.recent[start].started_at_ms;
        }
        &self.recent[start..]
    }

    /// When this session began: its first play, or an hour ago when nothing has played since
    /// the last break (feedback given within it belongs to this session).
    pub fn session_start(&self) -> i64 {
        self.session()
            .first()
            .map_or(self.now_ms - SESSION_BREAK_MS, |p| p.started_at_ms)
    }
}

/// What is happening now.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// The playing (or last played) track: the one suggestions follow.
    pub current: Option<TrackId>,
    /// Recent plays, oldest first: every play within the track gap, and the last few (about
    /// 20) besides. Those since the last break of [`SESSION_BREAK_MS`] make the session.
    pub recent: Vec<Play>,
    /// Tracks already queued after `current`: not suggested, and they count for the gaps.
    pub queued: Vec<TrackId>,
    pub now_ms: i64,
    /// Radio: the list follows this instead of the playing track.
    pub seed: Option<RadioSeed>,
    /// Varies the exploration draws between calls.
    pub draw: u64,
    /// The time of day, and what the user played around it on earlier days.
    pub time_of_day: Option<TimeOfDay>,
}

/// The local time of day now, and plays on earlier days at about this time.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TimeOfDay {
    /// The local clock hour now, 0-23.
    pub local_hour: u8,
    pub earlier: Vec<EarlierPlay>,
}

/// A play on an earlier day, at about this time of day.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EarlierPlay {
    pub track: TrackId,
    /// How far its clock time was from now's (0-12 hours, either way round the clock).
    pub hours_apart: f32,
    /// Played through (true) or skipped early (false).
    pub played_through: bool,
}

/// What the list follows.
pub(crate) struct Anchor {
    pub(crate) index: Option<usize>,
    /// For artist, album and tag radio: a target in tag space, and its label.
    pub(crate) style: Option<Vec<f32>>,
    pub(crate) label: Detail,
}

pub(crate) fn anchor(library: &Library, context: &Context) -> Anchor {
    let none = Anchor {
        index: None,
        style: None,
        label: Detail::Nothing,
    };
    let centroid = |members: Vec<usize>, label: Detail| -> Anchor {
        if members.is_empty() {
            return Anchor {
                index: None,
                style: None,
                label,
            };
        }
        let mut v = vec![0.0f32; library.style_dim()];
        for m in &members {
            for (x, y) in v.iter_mut().zip(library.style_row(*m)) {
                *x += y;
            }
        }
        normalise(&mut v);
        Anchor {
            index: None,
            style: Some(v),
            label,
        }
    };
    match &context.seed {
        Some(RadioSeed::Track(id)) => Anchor {
            index: library.index(*id),
            ..none
        },
        Some(RadioSeed::Artist(name)) => centroid(
            (0..library.len())
                .filter(|&i| {
                    library.tracks[i]
                        .artist
                        .as_deref()
                        .is_some_and(|a| a.eq_ignore_ascii_case(name))
                })
                .collect(),
            Detail::InTheVeinOf { name: name.clone() },
        ),
        Some(RadioSeed::Album(name)) => centroid(
            (0..library.len())
                .filter(|&i| {
                    library.tracks[i]
                        .album
                        .as_deref()
                        .is_some_and(|a| a.eq_ignore_ascii_case(name))
                })
                .collect(),
            Detail::InTheVeinOf { name: name.clone() },
        ),
        Some(RadioSeed::Tag(tag)) => match tag_members(library, tag) {
            Some(members) => centroid(members, Detail::TagRadio { tag: tag.clone() }),
            None => none,
        },
        None => {
            // After an early skip, follow the last track the user listened to instead: the
            // skipped one is what they did not want more of. If they skipped everything
            // lately, nothing is followed (taste and novelty lead).
            let skipped_now = context
                .recent
                .last()
                .is_some_and(|p| Some(p.track) == context.current && p.skipped_early());
            let index = if skipped_now {
                context
                    .session()
                    .iter()
                    .rev()
                    .take(20)
                    .find(|p| !p.skipped_early())
                    .and_then(|p| library.index(p.track))
            } else {
                context.current.and_then(|c| library.index(c))
            };
            Anchor { index, ..none }
        }
    }
}

/// The tracks where the tag `tag` (any of [`Library::tag_names`], ignoring case) is strong:
/// the top tenth of the library by that tag (at least 3), strongest first. None when no tag
/// has that name. What tag radio follows and a path towards a tag ends among.
pub(crate) fn tag_members(library: &Library, tag: &str) -> Option<Vec<usize>> {
    let columns: Vec<usize> = library
        .tag_names
        .iter()
        .enumerate()
        .filter(|(_, n)| n.eq_ignore_ascii_case(tag))
        .map(|(i, _)| i)
        .collect();
    if columns.is_empty() {
        return None;
    }
    let strength: Vec<f32> = library
        .tracks
        .iter()
        .map(|t| {
            columns
                .iter()
                .map(|&c| t.tags.get(c).copied().unwrap_or(0.0))
                .fold(0.0, f32::max)
        })
        .collect();
    // Strongest first; ties in library order.
    let by = |a: &usize, b: &usize| strength[*b].total_cmp(&strength[*a]).then(a.cmp(b));
    let mut order: Vec<usize> = (0..library.len()).collect();
    let keep = (library.len() / 10).max(3).min(order.len());
    if keep < order.len() {
        order.select_nth_unstable_by(keep, by);
        order.truncate(keep);
    }
    order.sort_by(by);
    Some(order)
}

/// The session's direction in sound: its full listens pull, skips push, newest count most.
pub(crate) fn session_vector(library: &Library, context: &Context) -> Option<Vec<f32>> {
    let plays: Vec<&Play> = context.session().iter().rev().take(20).collect();
    if plays.len() < 2 {
        return None;
    }
    let dim = library.sound_dim();
    if library.is_empty() {
        return None;
    }
    let mut v = vec![0.0f32; dim];
    for (age, p) in plays.iter().enumerate() {
        let Some(i) = library.index(p.track) else {
            continue;
        };
        let recency = 0.85f32.powi(age as i32);
        let sign = if p.skipped_early() { -1.0 } else { 1.0 };
        for (x, y) in v.iter_mut().zip(library.sound_row(i)) {
            *x += sign * recency * y;
        }
    }
    normalise(&mut v).then_some(v)
}

/// How far from now's clock time an earlier play counts for the time of day.
pub const TIME_OF_DAY_HOURS: f32 = 3.0;

/// Plays within [`TIME_OF_DAY_HOURS`] of now's clock time on earlier days pull towards their
/// sound (played through) or push away from it (skipped early); the closer in time, the more.
/// The result is a direction in sound and style scaled by how sure it is: a track's term value
/// is its rows dotted with it (linear, so the first stage folds it in).
pub(crate) fn time_of_day_lean(library: &Library, context: &Context) -> Option<Linear> {
    let time = context.time_of_day.as_ref()?;
    let mut sound = vec![0.0f32; library.sound_dim()];
    let mut style = vec![0.0f32; library.style_dim()];
    let mut evidence = 0.0f32;
    for p in &time.earlier {
        let Some(i) = library.index(p.track) else {
            continue;
        };
        if p.hours_apart > TIME_OF_DAY_HOURS {
            continue;
        }
        let closeness = (-(p.hours_apart / 1.5).powi(2)).exp();
        let weight = if p.played_through {
            evidence += closeness;
            closeness
        } else {
            -0.5 * closeness
        };
        add_scaled(&mut sound, weight, library.sound_row(i));
        add_scaled(&mut style, weight, library.style_row(i));
    }
    // A habit needs a few listens: three close ones count fully.
    let confidence = (evidence / 3.0).min(1.0);
    if confidence == 0.0 || !(normalise(&mut sound) | normalise(&mut style)) {
        return None;
    }
    let scale = 0.5 * confidence;
    let mut lean = Linear::zero(library);
    lean.add(scale, Space::Sound, &sound);
    lean.add(scale, Space::Style, &style);
    Some(lean)
}
