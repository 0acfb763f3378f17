//! The repetition rules: what may not be suggested, and the artist and album gaps.
//!
//! One home for them: [`crate::suggest`] keeps them, and so do the yardsticks a benchmark
//! compares it with ([`pick_keeping_rules`]), so that a figure never depends on a copy.
//! - Never suggested: the playing track, what is queued, what the user disliked or turned
//!   down, and anything played within [`Settings::track_gap_hours`].
//! - The artist and album gaps hold over this session's plays, the playing track, the queue
//!   and the list so far ([`sequence`]), relaxed in [`Settings::gap_steps`] order only when no
//!   track keeps them.

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
}

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
        }
    }
    blocked
}

/// `n` tracks, best by `prefer` (a library index to a preference; first found on ties), under
/// the rules [`crate::suggest`] keeps: what the yardsticks of an evaluation pick with.
pub fn pick_keeping_rules(
    library: &Library,
    taste: &Taste,
    context: &Context,
    settings: &Settings,
    n: usize,
    prefer: impl Fn(usize) -> f32,
) -> Vec<TrackId> {
    let blocked = blocked(library, taste, context, settings);
    let mut sequence = sequence(library, context);
    let mut open: Vec<(f32, usize)> = (0..library.len())
        .filter(|&i| !blocked[i])
        .map(|i| (prefer(i), i))
        .collect();
    // Best first; ties keep library order.
    open.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut taken = vec![false; open.len()];
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let choice = settings
            .gap_steps()
            .into_iter()
            .find_map(|(artist_gap, album_gap)| {
                (0..open.len()).find(|&k| {
                    !taken[k] && gaps_ok(library, &sequence, open[k].1, artist_gap, album_gap)
                })
            });
        let Some(k) = choice else { break };
        taken[k] = true;
        out.push(library.tracks[open[k].1].id);
        sequence.push(open[k].1);
    }
    out
}
