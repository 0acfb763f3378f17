//! The play queue's rules, one home for the app (a live [`crate::Playback`]) and `segue queue`
//! (the saved session, edited while the app may not run).
//!
//! - The queue is one list: what has played, the current track, what the listener queued, and
//!   after those the suggestions autoplay added (`QueueEntry::autoplay`). "Add to queue" puts
//!   tracks after the listener's own entries, before autoplay's; "Play next" right after the
//!   current track.
//! - The current track is never removed (skip it first); clearing removes everything else.
//! - Every edit is an [`Edit`] applied the way the engine applies it (`segue_playback`'s
//!   insert, remove and move), so the app's copy of the queue keeps the engine's indices.

use segue_core::{QueueEntry, TrackId};
use segue_store::SavedSession;

use crate::{Result, Service, ServiceError};

/// A queue and which entry is current (playing, paused or cued).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueueState {
    pub entries: Vec<QueueEntry>,
    pub current: Option<usize>,
}

/// One change to the queue, in the engine's terms.
#[derive(Debug, Clone, PartialEq)]
pub enum Edit {
    /// Entries inserted before index `at` (at the end when `at` is the length).
    Insert { at: usize, entries: Vec<QueueEntry> },
    /// Entries removed by index: sorted, without duplicates, never the current one.
    Remove(Vec<usize>),
    /// Entry `from` moved so that it ends up at `to`.
    Move { from: usize, to: usize },
}

/// Entries the listener chose (not autoplay), each with no reason.
pub fn chosen(ids: &[TrackId]) -> Vec<QueueEntry> {
    ids.iter()
        .map(|&track_id| QueueEntry {
            track_id,
            why: Vec::new(),
            autoplay: false,
        })
        .collect()
}

impl QueueState {
    /// Takes the engine's order of tracks back after it refused an edit this copy had already
    /// made ([`crate::PlayerEvent::EditRefused`]). Each track keeps its entry (reason,
    /// autoplay) where this copy has one. Returns whether anything changed.
    pub fn adopt_order(&mut self, track_ids: &[i64]) -> bool {
        if self
            .entries
            .iter()
            .map(|e| e.track_id)
            .eq(track_ids.iter().copied())
        {
            return false;
        }
        let mut spare: Vec<Option<QueueEntry>> = self.entries.drain(..).map(Some).collect();
        self.entries = track_ids
            .iter()
            .map(|&id| {
                spare
                    .iter_mut()
                    .find(|e| e.as_ref().is_some_and(|e| e.track_id == id))
                    .and_then(Option::take)
                    .unwrap_or(QueueEntry {
                        track_id: id,
                        why: Vec::new(),
                        autoplay: false,
                    })
            })
            .collect();
        true
    }

    /// Where "Play next" inserts: right after the current track (at the start when none is).
    pub fn play_next_at(&self) -> usize {
        self.current.map_or(0, |c| c + 1).min(self.entries.len())
    }

    /// Where "Add to queue" inserts: after the last entry the listener queued after the current
    /// track, so before the suggestions autoplay added; right after the current track when all
    /// that follows it is autoplay's.
    pub fn add_at(&self) -> usize {
        let from = self.play_next_at();
        let chosen_after = self.entries[from..]
            .iter()
            .rposition(|e| !e.autoplay)
            .map_or(0, |i| i + 1);
        from + chosen_after
    }

    /// The edit that removes `indices`, refused when one is out of range or the current track.
    pub fn remove(&self, indices: &[usize]) -> Result<Edit> {
        let mut indices = indices.to_vec();
        indices.sort_unstable();
        indices.dedup();
        if let Some(&bad) = indices.iter().find(|&&i| i >= self.entries.len()) {
            return Err(self.out_of_range(bad));
        }
        if let Some(c) = self.current.filter(|c| indices.contains(c)) {
            return Err(ServiceError::InvalidInput(format!(
                "entry {} is the current track and stays in the queue: skip it first",
                c + 1
            )));
        }
        Ok(Edit::Remove(indices))
    }

    /// The edit that moves entry `from` to index `to`, refused when either is out of range.
    pub fn move_entry(&self, from: usize, to: usize) -> Result<Edit> {
        for i in [from, to] {
            if i >= self.entries.len() {
                return Err(self.out_of_range(i));
            }
        }
        Ok(Edit::Move { from, to })
    }

    /// The edit that removes everything but the current track (everything when none is).
    pub fn clear(&self) -> Edit {
        Edit::Remove(
            (0..self.entries.len())
                .filter(|&i| Some(i) != self.current)
                .collect(),
        )
    }

    fn out_of_range(&self, index: usize) -> ServiceError {
        ServiceError::InvalidInput(format!(
            "there is no entry {} in the queue: it has {}",
            index + 1,
            self.entries.len()
        ))
    }

    /// Applies `edit` as the engine does, the current index following its entry.
    pub fn apply(&mut self, edit: Edit) {
        let map: Box<dyn Fn(usize) -> usize> = match edit {
            Edit::Insert { at, entries } => {
                let at = at.min(self.entries.len());
                let n = entries.len();
                self.entries.splice(at..at, entries);
                Box::new(move |i| if i < at { i } else { i + n })
            }
            Edit::Remove(indices) => {
                for &i in indices.iter().rev() {
                    if i < self.entries.len() && Some(i) != self.current {
                        self.entries.remove(i);
                    }
                }
                Box::new(move |i| i - indices.iter().filter(|&&r| r < i).count())
            }
            Edit::Move { from, to } => {
                if from >= self.entries.len() || to >= self.entries.len() {
                    return;
                }
                let entry = self.entries.remove(from);
                self.entries.insert(to, entry);
                Box::new(move |i| {
                    if i == from {
                        return to;
                    }
                    let j = if i > from { i - 1 } else { i };
                    if j >= to { j + 1 } else { j }
                })
            }
        };
        self.current = self.current.map(map);
    }

    /// Applies an edit the listener asked for: as [`QueueState::apply`], and a suggestion
    /// autoplay added that the listener moves becomes theirs (placed by them, it is queued, and
    /// "Add to queue" goes after it).
    pub fn apply_chosen(&mut self, edit: Edit) {
        let moved_to = match edit {
            Edit::Move { to, .. } => Some(to),
            _ => None,
        };
        self.apply(edit);
        if let Some(entry) = moved_to.and_then(|to| self.entries.get_mut(to)) {
            entry.autoplay = false;
        }
    }

    /// The tracks "Save queue as playlist" keeps: the queue as listened and queued, without
    /// the suggestions autoplay added that have not played yet.
    pub fn to_keep(&self) -> Vec<TrackId> {
        let upcoming_from = self.current.map_or(0, |c| c + 1);
        self.entries
            .iter()
            .enumerate()
            .filter(|(i, e)| *i < upcoming_from || !e.autoplay)
            .map(|(_, e)| e.track_id)
            .collect()
    }
}

impl From<&SavedSession> for QueueState {
    fn from(s: &SavedSession) -> QueueState {
        QueueState {
            entries: s.queue.clone(),
            current: s.current,
        }
    }
}

/// A change asked of the queue, by the app's window or `segue queue`.
#[derive(Debug, Clone, PartialEq)]
pub enum QueueChange {
    /// Tracks to play right after the current one.
    PlayNext(Vec<TrackId>),
    /// Tracks to play after what is queued, before autoplay's suggestions.
    Add(Vec<TrackId>),
    /// Entries to remove, by index.
    Remove(Vec<usize>),
    Move {
        from: usize,
        to: usize,
    },
    /// Everything but the current track.
    Clear,
}

impl QueueChange {
    /// The edit this change makes to `queue`, or why it cannot be made.
    pub fn edit(&self, queue: &QueueState) -> Result<Edit> {
        Ok(match self {
            QueueChange::PlayNext(ids) => Edit::Insert {
                at: queue.play_next_at(),
                entries: chosen(ids),
            },
            QueueChange::Add(ids) => Edit::Insert {
                at: queue.add_at(),
                entries: chosen(ids),
            },
            QueueChange::Remove(indices) => queue.remove(indices)?,
            QueueChange::Move { from, to } => queue.move_entry(*from, *to)?,
            QueueChange::Clear => queue.clear(),
        })
    }
}

impl Service {
    /// The saved play session (what the app restores, and what it plays while it runs).
    pub fn saved_session(&self) -> Result<SavedSession> {
        self.with_store(segue_store::Store::session)
    }

    /// Changes the saved queue (`segue queue`): a running app notices the new revision within
    /// a second and plays the changed queue. Tracks must be in the library. Returns the
    /// session as saved.
    pub fn change_saved_queue(&self, change: &QueueChange) -> Result<SavedSession> {
        if let QueueChange::PlayNext(ids) | QueueChange::Add(ids) = change {
            for &id in ids {
                self.track(id)?;
            }
        }
        let session = self.saved_session()?;
        let mut queue = QueueState::from(&session);
        let edit = change.edit(&queue)?;
        queue.apply_chosen(edit);
        if queue.current.is_none() && !queue.entries.is_empty() {
            // Nothing has played: the first entry is the one the app cues.
            queue.current = Some(0);
        }
        // The position belongs to the current entry, which an edit never removes.
        self.with_store(|s| {
            s.save_session_queue(&queue.entries, queue.current, session.position_ms)
        })?;
        self.saved_session()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(track_id: TrackId, autoplay: bool) -> QueueEntry {
        QueueEntry {
            track_id,
            why: Vec::new(),
            autoplay,
        }
    }

    fn ids(q: &QueueState) -> Vec<TrackId> {
        q.entries.iter().map(|e| e.track_id).collect()
    }

    /// A removal the engine refused (the entry had just become the current track) is put
    /// back in this copy, in the engine's place, keeping every entry's own reason and origin.
    #[test]
    fn a_copy_takes_back_the_order_of_a_refused_edit() {
        let mut q = queue();
        q.apply_chosen(Edit::Remove(vec![2]));
        assert_eq!(ids(&q), [1, 2, 4, 5, 6]);
        assert!(q.adopt_order(&[1, 2, 3, 4, 5, 6]));
        assert_eq!(ids(&q), [1, 2, 3, 4, 5, 6]);
        assert_eq!(
            q.entries.iter().map(|e| e.autoplay).collect::<Vec<_>>(),
            [false, false, false, false, true, true]
        );
        assert!(
            !q.adopt_order(&[1, 2, 3, 4, 5, 6]),
            "nothing to do when they match"
        );
    }

    /// Played 1, playing 2, queued 3 and 4, then autoplay's 5 and 6.
    fn queue() -> QueueState {
        QueueState {
            entries: vec![
                entry(1, false),
                entry(2, false),
                entry(3, false),
                entry(4, false),
                entry(5, true),
                entry(6, true),
            ],
            current: Some(1),
        }
    }

    #[test]
    fn added_tracks_go_after_the_listeners_queue_and_before_autoplays() {
        let mut q = queue();
        q.apply(QueueChange::Add(vec![7]).edit(&q).expect("edit"));
        assert_eq!(ids(&q), [1, 2, 3, 4, 7, 5, 6]);
        q.apply(QueueChange::PlayNext(vec![8, 9]).edit(&q).expect("edit"));
        assert_eq!(ids(&q), [1, 2, 8, 9, 3, 4, 7, 5, 6]);
        assert_eq!(q.current, Some(1));
    }

    #[test]
    fn with_only_autoplay_after_the_current_track_an_added_one_plays_next() {
        let mut q = queue();
        q.current = Some(3);
        q.apply(QueueChange::Add(vec![7]).edit(&q).expect("edit"));
        assert_eq!(ids(&q), [1, 2, 3, 4, 7, 5, 6]);
        let mut empty = QueueState::default();
        empty.apply(QueueChange::Add(vec![7]).edit(&empty).expect("edit"));
        assert_eq!(ids(&empty), [7]);
    }

    #[test]
    fn the_current_index_follows_its_entry_through_edits() {
        let mut q = queue();
        q.apply(q.move_entry(1, 4).expect("move"));
        assert_eq!((ids(&q), q.current), (vec![1, 3, 4, 5, 2, 6], Some(4)));
        q.apply(q.remove(&[0, 2]).expect("remove"));
        assert_eq!((ids(&q), q.current), (vec![3, 5, 2, 6], Some(2)));
        q.apply(q.move_entry(3, 0).expect("move"));
        assert_eq!((ids(&q), q.current), (vec![6, 3, 5, 2], Some(3)));
        q.apply(q.clear());
        assert_eq!((ids(&q), q.current), (vec![2], Some(0)));
    }

    #[test]
    fn the_current_track_and_entries_out_of_range_are_refused_with_the_reason() {
        let q = queue();
        let e = q.remove(&[3, 1]).expect_err("current");
        assert_eq!(e.kind(), "invalid_input");
        assert!(
            e.to_string().contains("entry 2 is the current track"),
            "{e}"
        );
        let e = q.remove(&[6]).expect_err("past the end");
        assert_eq!(e.to_string(), "there is no entry 7 in the queue: it has 6");
        assert!(q.move_entry(0, 6).is_err());
    }

    #[test]
    fn a_suggestion_the_listener_moves_becomes_queued() {
        let mut q = queue();
        q.apply_chosen(q.move_entry(5, 2).expect("move"));
        assert_eq!(ids(&q), [1, 2, 6, 3, 4, 5]);
        assert!(!q.entries[2].autoplay);
        q.apply(QueueChange::Add(vec![7]).edit(&q).expect("edit"));
        assert_eq!(ids(&q), [1, 2, 6, 3, 4, 7, 5]);
        // Moving the listener's own entry leaves autoplay's as they are.
        q.apply_chosen(q.move_entry(3, 6).expect("move"));
        assert_eq!(ids(&q), [1, 2, 6, 4, 7, 5, 3]);
        assert!(q.entries[5].autoplay);
    }

    #[test]
    fn saving_as_a_playlist_leaves_out_unplayed_suggestions_only() {
        let mut q = queue();
        assert_eq!(q.to_keep(), [1, 2, 3, 4]);
        q.current = Some(4);
        assert_eq!(q.to_keep(), [1, 2, 3, 4, 5]);
    }
}
