//! Listens recorded without playing, for scripts and imports. They go into the same `plays`
//! table the player writes, as the same rows, so they count for taste, the time of day and
//! the repetition rules exactly as a play would.

use segue_core::{PlayEnd, TrackId};
use segue_store::PlayRecord;

use crate::{Result, Service};

/// A listen to record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Listen {
    pub track: TrackId,
    /// How long it was listened to: from 0 to the track's duration.
    pub listened_ms: i64,
    pub ended: PlayEnd,
    /// When it started, in Unix milliseconds: at most a minute from now.
    pub started_at_ms: i64,
}

/// Why a listen cannot be recorded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ListenError {
    #[error("a listen cannot be negative ({listened_ms} ms)")]
    Negative { listened_ms: i64 },
    #[error(
        "listened {} is longer than the track ({})",
        clock(*listened_ms),
        clock(*duration_ms)
    )]
    LongerThanTrack { listened_ms: i64, duration_ms: i64 },
    #[error(
        "the listen starts {} s from now, in the future (at most {} s ahead is taken as clock drift)",
        (started_at_ms - now_ms) / 1000,
        FUTURE_ALLOWANCE_MS / 1000
    )]
    InTheFuture { started_at_ms: i64, now_ms: i64 },
}

/// How far in the future a listen may start: the clocks of the machine a history comes from
/// and of this one may differ a little.
const FUTURE_ALLOWANCE_MS: i64 = 60_000;

fn clock(ms: i64) -> String {
    let s = ms / 1000;
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

impl Service {
    /// Records a listen of a library track (missing ones too: their history is kept) without
    /// playing it. Refuses unknown tracks, negative listens, listens longer than the track and
    /// listens that start more than a minute from now.
    pub fn record_listen(&self, listen: &Listen) -> Result<()> {
        let track = self.track(listen.track)?;
        let duration_ms = i64::try_from(track.audio.duration_ms).unwrap_or(i64::MAX);
        if listen.listened_ms < 0 {
            return Err(ListenError::Negative {
                listened_ms: listen.listened_ms,
            }
            .into());
        }
        if listen.listened_ms > duration_ms {
            return Err(ListenError::LongerThanTrack {
                listened_ms: listen.listened_ms,
                duration_ms,
            }
            .into());
        }
        let now_ms = now_ms();
        if listen.started_at_ms > now_ms + FUTURE_ALLOWANCE_MS {
            return Err(ListenError::InTheFuture {
                started_at_ms: listen.started_at_ms,
                now_ms,
            }
            .into());
        }
        let end = listen.ended;
        self.with_store(|s| {
            s.record_play(&PlayRecord {
                track_id: listen.track,
                started_at_ms: listen.started_at_ms,
                ms_listened: listen.listened_ms,
                end,
                // Where the play ended, as the player records it: the end of a completed track,
                // else as far as it was heard (a recorded listen has no seeks).
                position_ms: Some(if listen.ended == PlayEnd::Completed {
                    duration_ms
                } else {
                    listen.listened_ms
                }),
            })
        })
    }
}
