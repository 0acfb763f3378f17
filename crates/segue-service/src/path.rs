//! Sonic paths ("Segue from A to B"): the service loads the analysed library, the feedback
//! that blocks tracks (dislikes, "not this") and the plays within the track gap, and asks
//! `segue-recommend` for the way; it saves a path as a playlist.

use segue_core::{Playlist, SonicPath, TrackId};
use segue_recommend::history::{self, Listen, Moment};
use segue_recommend::{PathGoal, Signal, SignalSource};

use crate::suggest::{RESET_KEY, listen, now_ms};
use crate::{Result, Service, ServiceError};

/// What a path is asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct PathRequest {
    pub from: TrackId,
    pub to: PathGoal,
    /// Tracks in the path, both ends included.
    pub count: usize,
}

impl Service {
    /// A path of `request.count` tracks from one track to another track or a tag, each with
    /// why it is there. An id that names no track is `not_found`; a track not analysed yet is
    /// `not_analysed`; a bad length or tag is `invalid_input`, saying what is allowed.
    pub fn sonic_path(&self, request: &PathRequest) -> Result<SonicPath> {
        self.track(request.from)?;
        if let PathGoal::Track(to) = request.to {
            self.track(to)?;
        }
        let library = self.recommend_library()?;
        let settings = self.suggest_settings()?;
        let now = now_ms();
        let gap_ms = (f64::from(settings.track_gap_hours) * 3_600_000.0) as i64;
        // What blocks a track: the listener's dislikes and "not this" (since the last taste
        // reset), and plays within the track gap.
        let (taste, recent) = self.with_store(|s| {
            let reset_at = s
                .setting(RESET_KEY)?
                .and_then(|v| v.parse::<i64>().ok())
                .unwrap_or(0);
            let feedback = s.feedback_since(reset_at, 20_000)?;
            let explicit: Vec<Signal> = feedback
                .feedback
                .iter()
                .map(|&(track, kind, at_ms)| Signal {
                    track,
                    source: SignalSource::from(kind),
                    at_ms,
                })
                .collect();
            let listens: Vec<Listen> = feedback.plays.iter().map(listen).collect();
            let recent: Vec<Listen> = s
                .plays_since(now - gap_ms, 5_000)?
                .iter()
                .map(listen)
                .collect();
            Ok((history::taste_from(&explicit, &listens), recent))
        })?;
        let context = history::context(
            &recent,
            Moment {
                now_ms: now,
                after: None,
                queued: Vec::new(),
                seed: None,
                draw: 0,
                time_of_day: None,
            },
        );
        segue_recommend::sonic_path(
            &library,
            &taste,
            &context,
            &settings,
            request.from,
            &request.to,
            request.count,
        )
        .map_err(ServiceError::Path)
    }

    /// Saves a path's tracks, in order, as a new playlist called `name`.
    pub fn save_path(&self, name: &str, path: &SonicPath) -> Result<Playlist> {
        let tracks: Vec<TrackId> = path.steps.iter().map(|s| s.track_id).collect();
        self.create_playlist(name, &tracks)
    }
}
