//! The repetition rules: what may not be suggested, and the artist and album gaps.
//!
//! One home for them: [`crate::suggest`] keeps them, and so do the yardsticks a benchmark
//! compares it with ([`pick_keeping_rules`]), so that a figure never depends on a copy.
//! - Never suggested: the playing track, what is queued, what the user disliked or turned
//!   down, and anything played within [`Settings::track_gap_hours`]; nor the same recording
//!   under another name, and never two of one recording in a list.
//! - The artist and album gaps hold over this session's plays, the playing track, the queue
//!   and the list so far ([`sequence`]). They keep variety among what the listener is likely
//!   to enjoy, not at its cost: a pick relaxes them, in [`Settings::gap_steps`] order, only
//!   when no track that keeps them is within [`YIELD_MARGIN`] of the best chance of pleasing
//!   the listener ([`gaps_for_pick`]), or when no track keeps them at all. With
//!   [`Settings::strict_gaps`] only the second reason counts.
//! - What the listener has just asked for comes first (`asked_now`), within the gaps.

use segue_core::TrackId;

use crate::{Context, Library, Taste};

/// The user's settings for suggestions.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// 0: stay close to the current sound; 1: explore.
    pub exploration: f32,
    /// A track is not suggested again within this many hours of being played.
    pub track_gap_hours: f32,
    /// Tracks between two by the same artist.
    pub artist_gap: usize,
    /// Tracks between two from the same album.
    pub album_gap: usize,
    /// Keep the artist and album gaps even when every track that keeps them is much less
    /// likely to please than one that does not (they then yield only when no track keeps them).
    pub strict_gaps: bool,
}

/// How much less likely to please (a chance, 0-1) the best track that keeps the gaps may be
/// than the best track of all before the gaps yield: 0.2 is the difference between "likely"
/// and "a coin toss".
pub const YIELD_MARGIN: f32 = 0.2;

impl Settings {
    /// The (artist, album) gaps a pick tries in turn: strict first, then without the album
    /// gap, then a third of the artist gap, then none (only when nothing qualifies).
    pub fn gap_steps(&self) -> [(usize, usize); 4] {
        [
            (self.artist_gap, self.album_gap),
            (self.artist_gap, 0),
            (self.artist_gap / 3, 0),
            (0, 0),
        ]
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            exploration: 0.3,
            track_gap_hours: 24.0,
            artist_gap: 15,
            album_gap: 25,
            strict_gaps: false,
        }
    }
}

/// Whether `candidate` (a library index) would repeat an artist within `artist_gap` tracks,
/// or an album within `album_gap` tracks, of the end of `sequence` (library indices, newest
/// last). Unknown artists are nobody's artist; an album is its title under its artist.
pub fn clashes(
    library: &Library,
    sequence: &[usize],
    candidate: usize,
    artist_gap: usize,
    album_gap: usize,
) -> (bool, bool) {
    let c = &library.tracks[candidate];
    let artist = c.artist.is_some()
        && sequence
            .iter()
            .rev()
            .take(artist_gap)
            .any(|&i| library.tracks[i].artist == c.artist);
    let album =
        c.album.is_some()
            && sequence.iter().rev().take(album_gap).any(|&i| {
                library.tracks[i].album == c.album && library.tracks[i].artist == c.artist
            });
    (artist, album)
}

pub(crate) fn gaps_ok(
    library: &Library,
    sequence: &[usize],
    candidate: usize,
    artist_gap: usize,
    album_gap: usize,
) -> bool {
    clashes(library, sequence, candidate, artist_gap, album_gap) == (false, false)
}

/// Whether library track `i` was asked for in this session (4 or 5 stars, a like, "more like
/// this") and not heard since. Such a track is wanted now: it comes first in the very next
/// list, before any ranking, as far as the gaps allow; what resembles it is lifted through the
/// listener model like any evidence.
pub(crate) fn asked_now(
    taste: &Taste,
    context: &Context,
    recency: &crate::terms::Recency,
    library: &Library,
    i: usize,
) -> bool {
    taste.asked_at(library.tracks[i].id).is_some_and(|at| {
        at >= context.session_start() && recency.last_played[i].is_none_or(|p| p < at)
    })
}

/// The (artist, album) gaps the next pick keeps: the first of [`Settings::gap_steps`] that some
/// `open` track (library index, chance of pleasing the listener 0-1) keeps while being within
/// [`YIELD_MARGIN`] of the best chance among them (any track, with [`Settings::strict_gaps`]).
/// None when nothing is open.
pub fn gaps_for_pick(
    library: &Library,
    settings: &Settings,
    sequence: &[usize],
    open: &[(usize, f32)],
) -> Option<(usize, usize)> {
    let best = open.iter().map(|o| o.1).fold(f32::NEG_INFINITY, f32::max);
    let good = |chance: f32| settings.strict_gaps || chance >= best - YIELD_MARGIN;
    settings
        .gap_steps()
        .into_iter()
        .find(|&(artist_gap, album_gap)| {
            open.iter().any(|&(i, chance)| {
                good(chance) && gaps_ok(library, sequence, i, artist_gap, album_gap)
            })
        })
}

/// What the gaps look back on, as library indices, newest last: this session's plays, the
/// playing track (once: it is usually the session's last play already), and the queue.
pub fn sequence(library: &Library, context: &Context) -> Vec<usize> {
    let session = context.session();
    let mut sequence: Vec<usize> = session
        .iter()
        .filter_map(|p| library.index(p.track))
        .collect();
    if session.last().map(|p| p.track) != context.current {
        sequence.extend(context.current.and_then(|c| library.index(c)));
    }
    sequence.extend(context.queued.iter().filter_map(|&q| library.index(q)));
    sequence
}

/// Per library track, whether it may not be suggested now: playing, queued, excluded by the
/// user, or played within the track gap.
pub fn blocked(
    library: &Library,
    taste: &Taste,
    context: &Context,
    settings: &Settings,
) -> Vec<bool> {
    let recent_cutoff = context.now_ms - (settings.track_gap_hours * 3_600_000.0) as i64;
    let mut blocked = vec![false; library.len()];
    let recent = context
        .recent
        .iter()
        .filter(|p| p.started_at_ms >= recent_cutoff)
        .map(|p| p.track);
    let ids = recent
        .chain(context.current)
        .chain(context.queued.iter().copied())
        .chain(taste.excluded());
    for id in ids {
        if let Some(i) = library.index(id) {
            blocked[i] = true;
            // The same recording under another name is the same music.
            for &twin in library.twins.get(&i).into_iter().flatten() {
                blocked[twin] = true;
            }
        }
    }
    blocked
}

/// Whether `candidate` is the same recording as one of `picked` (library indices).
pub(crate) fn twin_of_any(library: &Library, candidate: usize, picked: &[usize]) -> bool {
    library
        .twins
        .get(&candidate)
        .is_some_and(|twins| twins.iter().any(|t| picked.contains(t)))
}

/// `n` tracks, best by `prefer` (a library index to a preference; first found on ties), under
/// the rules [`crate::suggest`] keeps, with `chance` (a library index to the picker's belief
/// that the listener enjoys it, 0-1) deciding where the gaps yield: what the yardsticks of an
/// evaluation pick with. A picker with no belief passes a constant: the gaps then yield only
/// when no track keeps them.
pub fn pick_keeping_rules(
    library: &Library,
    taste: &Taste,
    context: &Context,
    settings: &Settings,
    n: usize,
    prefer: impl Fn(usize) -> f32,
    chance: impl Fn(usize) -> f32,
) -> Vec<TrackId> {
    let blocked = blocked(library, taste, context, settings);
    let mut sequence = sequence(library, context);
    let mut open: Vec<(f32, usize)> = (0..library.len())
        .filter(|&i| !blocked[i])
        .map(|i| (prefer(i), i))
        .collect();
    // Best first; ties keep library order.
    open.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let chances: Vec<f32> = open.iter().map(|&(_, i)| chance(i)).collect();
    let mut taken = vec![false; open.len()];
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let left: Vec<(usize, f32)> = (0..open.len())
            .filter(|&k| !taken[k])
            .map(|k| (open[k].1, chances[k]))
            .collect();
        let Some((artist_gap, album_gap)) = gaps_for_pick(library, settings, &sequence, &left)
        else {
            break;
        };
        let Some(k) = (0..open.len()).find(|&k| {
            !taken[k]
                && gaps_ok(library, &sequence, open[k].1, artist_gap, album_gap)
                && !twin_of_any(library, open[k].1, &sequence)
        }) else {
            break;
        };
        taken[k] = true;
        out.push(library.tracks[open[k].1].id);
        sequence.push(open[k].1);
    }
    out
}
