//! The library map: laying it out after analysis (new tracks placed among the others, which
//! keep their points), and what the map view reads — the points, their colours, a hovered
//! track's tags and a clicked track's true nearest neighbours.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use segue_core::{
    ListeningMark, MapColouring, MapColours, MapLabel, MapNeighbour, MapTrack, MapView, TrackId,
};
use segue_map::{FeatureSpace, Job, MapError, Pca, Point, REDUCED_DIM, TrackInput};
use segue_store::{ListeningFacts, MapPoint, Store, StoreError};

use crate::{Result, Service, ServiceError};

/// Regions are named on a grid of at most this many cells a side (fewer for a small library,
/// so each cell holds about ten tracks or more).
const LABEL_GRID: usize = 6;

/// When more than this share of the analysed tracks has no point yet, the whole map is laid
/// out afresh: placing most of a library among a few would squeeze it into their shape.
const RELAYOUT_WHEN_NEW_SHARE: f32 = 0.5;

/// What one run of the layout did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MapReport {
    /// Tracks laid out afresh (every analysed track) or 0 when new ones were only placed.
    pub laid_out: usize,
    /// New tracks placed among the others.
    pub placed: usize,
    pub cancelled: bool,
    pub elapsed: Duration,
}

impl MapReport {
    /// The outcome in a sentence, for the app's status line and `segue`.
    pub fn message(&self) -> String {
        if self.cancelled {
            "The map's layout was stopped; the map keeps its points.".to_owned()
        } else if self.laid_out > 0 {
            format!(
                "Laid out {} tracks on the map in {:.1} s.",
                self.laid_out,
                self.elapsed.as_secs_f64()
            )
        } else if self.placed > 0 {
            format!("Placed {} new tracks on the map.", self.placed)
        } else {
            "Every analysed track is on the map.".to_owned()
        }
    }
}

/// A listener's history with a track, as the map colours it: rated 4+ first, then skipped in at
/// least half of two or more plays, then played at all.
pub fn listening_mark(facts: Option<&ListeningFacts>) -> ListeningMark {
    let Some(f) = facts else {
        return ListeningMark::Unheard;
    };
    if f.rating.is_some_and(|r| r >= 4) {
        ListeningMark::RatedHigh
    } else if f.skips >= 2 && f.skips * 2 >= f.plays {
        ListeningMark::OftenSkipped
    } else if f.plays > 0 {
        ListeningMark::Played
    } else {
        ListeningMark::Unheard
    }
}

impl Service {
    /// Puts every analysed track on the map and stores the points: analysed tracks without a
    /// point are placed among those with one, which do not move; the whole map is laid out
    /// afresh when `relayout` is asked, when there is no map yet, or when most tracks are new.
    /// `progress` gets the share done, 0-1. Cancelling keeps the stored map as it was.
    pub fn update_map(
        &self,
        relayout: bool,
        cancel: &AtomicBool,
        progress: &(dyn Fn(f32) + Sync),
    ) -> Result<MapReport> {
        let started = Instant::now();
        let library = self.recommend_library()?;
        let stored: HashMap<TrackId, Point> = self
            .with_store(Store::map_points)?
            .into_iter()
            .map(|p| (p.track_id, [p.x, p.y]))
            .collect();
        let tracks = library.tracks();
        let inputs: Vec<TrackInput> = tracks
            .iter()
            .map(|t| TrackInput {
                embedding: &t.embedding,
                tags: &t.tags,
                timbre: &t.timbre,
            })
            .collect();
        let rows = FeatureSpace::fit(&inputs).rows(&inputs);
        let (known, new): (Vec<usize>, Vec<usize>) =
            (0..tracks.len()).partition(|&i| stored.contains_key(&tracks[i].id));
        let job = Job { cancel, progress };
        let afresh = relayout
            || known.len() < 3
            || new.len() as f32 > RELAYOUT_WHEN_NEW_SHARE * tracks.len() as f32;
        let mut report = MapReport::default();
        let points: Vec<Point> = if afresh {
            match segue_map::layout(&rows, &job) {
                Ok(points) => points,
                Err(MapError::Cancelled) => return Ok(cancelled(started)),
            }
        } else {
            let pca = Pca::fit(&rows, REDUCED_DIM.min(rows.dim), 7);
            let reduced = pca.project_all(&rows);
            let placed_rows = reduced.select(&known);
            let placed_points: Vec<Point> = known.iter().map(|&i| stored[&tracks[i].id]).collect();
            let mut points: Vec<Point> = tracks
                .iter()
                .map(|t| stored.get(&t.id).copied().unwrap_or_default())
                .collect();
            for (done, &i) in new.iter().enumerate() {
                if done % 256 == 0 {
                    if cancel.load(Ordering::Relaxed) {
                        return Ok(cancelled(started));
                    }
                    progress(done as f32 / new.len().max(1) as f32);
                }
                points[i] = segue_map::place(reduced.row(i), &placed_rows, &placed_points);
            }
            points
        };
        if afresh {
            report.laid_out = tracks.len();
        } else {
            report.placed = new.len();
        }
        let tag_rows: Vec<&[f32]> = tracks.iter().map(|t| t.tags.as_slice()).collect();
        let grid = ((tracks.len() as f32 / 10.0).sqrt().round() as usize).clamp(2, LABEL_GRID);
        let min_tracks = (tracks.len() / 80).max(3);
        let mut named = std::collections::HashSet::new();
        let labels: Vec<MapLabel> = segue_map::region_labels(&points, &tag_rows, grid, min_tracks)
            .into_iter()
            .filter_map(|l| {
                let tag = library.tag_names().get(l.tag)?.clone();
                // The two label sets share names ("rock" twice): one region per name.
                named.insert(tag.clone()).then_some(MapLabel {
                    x: l.x,
                    y: l.y,
                    tag,
                    tracks: l.tracks as u32,
                })
            })
            .collect();
        let changed: Vec<MapPoint> = tracks
            .iter()
            .zip(&points)
            .enumerate()
            .filter(|(i, _)| afresh || !stored.contains_key(&tracks[*i].id))
            .map(|(_, (t, p))| MapPoint {
                track_id: t.id,
                x: p[0],
                y: p[1],
            })
            .collect();
        // A writer of its own: the app's reads go on while the points are written.
        let writer = Store::open(self.db_path())?;
        writer.save_map(&changed, &labels, afresh)?;
        progress(1.0);
        report.elapsed = started.elapsed();
        Ok(report)
    }

    /// The stored map: every placed track's point and the regions' names.
    pub fn map_view(&self) -> Result<MapView> {
        let (points, labels, unplaced) =
            self.with_store(|s| Ok((s.map_points()?, s.map_labels()?, s.map_unplaced()?)))?;
        Ok(MapView {
            track_ids: points.iter().map(|p| p.track_id).collect(),
            x: points.iter().map(|p| p.x).collect(),
            y: points.iter().map(|p| p.y).collect(),
            labels,
            unplaced,
        })
    }

    /// A colour value per point of [`Self::map_view`], in its order.
    pub fn map_colours(&self, by: &MapColouring) -> Result<MapColours> {
        let points = self.with_store(Store::map_points)?;
        let values = match by {
            MapColouring::Listening => {
                let facts = self.with_store(Store::listening_facts)?;
                points
                    .iter()
                    .map(|p| listening_mark(facts.get(&p.track_id)) as u8)
                    .collect()
            }
            MapColouring::Tag { tag } => {
                let library = self.recommend_library()?;
                // Both label sets may name it: a track has it as strongly as either says.
                let columns: Vec<usize> = library
                    .tag_names()
                    .iter()
                    .enumerate()
                    .filter(|(_, n)| n.eq_ignore_ascii_case(tag))
                    .map(|(i, _)| i)
                    .collect();
                if columns.is_empty() {
                    return Err(ServiceError::InvalidInput(format!(
                        "no tag called {tag:?}: the map colours by the analysis's tags"
                    )));
                }
                let strength: Vec<f32> = points
                    .iter()
                    .map(|p| {
                        library.get(p.track_id).map_or(0.0, |t| {
                            columns
                                .iter()
                                .map(|&c| t.tags.get(c).copied().unwrap_or(0.0))
                                .fold(0.0, f32::max)
                        })
                    })
                    .collect();
                let strongest = strength.iter().copied().fold(0.0f32, f32::max).max(1e-6);
                strength
                    .iter()
                    .map(|s| (s / strongest * 255.0).round().clamp(0.0, 255.0) as u8)
                    .collect()
            }
        };
        Ok(MapColours { values })
    }

    /// The tags the map can colour by (the analysis's labels, each name once).
    pub fn map_tags(&self) -> Result<Vec<String>> {
        let library = self.recommend_library()?;
        let mut seen = std::collections::HashSet::new();
        Ok(library
            .tag_names()
            .iter()
            .filter(|t| seen.insert(t.to_lowercase()))
            .cloned()
            .collect())
    }

    /// What hovering a track on the map shows.
    pub fn map_track(&self, id: TrackId) -> Result<MapTrack> {
        let library = self.recommend_library()?;
        let t = library
            .get(id)
            .ok_or(ServiceError::Store(StoreError::TrackNotFound(id)))?;
        let mut top_tags: Vec<String> = Vec::new();
        for tag in library.top_tags(id, 6) {
            if !top_tags.iter().any(|x| x.eq_ignore_ascii_case(tag)) && top_tags.len() < 3 {
                top_tags.push(tag.to_owned());
            }
        }
        Ok(MapTrack {
            track_id: id,
            title: t.title.clone(),
            artist: t.artist.clone(),
            top_tags,
        })
    }

    /// A track's `n` nearest tracks in sound and style (the full analysis, as "sounds like"
    /// measures it), most alike first.
    pub fn map_neighbours(&self, id: TrackId, n: usize) -> Result<Vec<MapNeighbour>> {
        let library = self.recommend_library()?;
        let i = library
            .position(id)
            .ok_or(ServiceError::Store(StoreError::TrackNotFound(id)))?;
        let mut all: Vec<(f32, usize)> = (0..library.len())
            .filter(|&j| j != i)
            .map(|j| (library.similarity_at(i, j), j))
            .collect();
        let n = n.min(all.len());
        if n == 0 {
            return Ok(Vec::new());
        }
        all.select_nth_unstable_by(n - 1, |a, b| b.0.total_cmp(&a.0));
        all.truncate(n);
        all.sort_by(|a, b| b.0.total_cmp(&a.0));
        Ok(all
            .into_iter()
            .map(|(s, j)| {
                let t = &library.tracks()[j];
                MapNeighbour {
                    track_id: t.id,
                    title: t.title.clone(),
                    artist: t.artist.clone(),
                    similarity: s.clamp(0.0, 1.0),
                }
            })
            .collect())
    }
}

fn cancelled(started: Instant) -> MapReport {
    MapReport {
        cancelled: true,
        elapsed: started.elapsed(),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_high_rating_outranks_skips_and_skips_outrank_plays() {
        let facts = |rating, plays, skips| ListeningFacts {
            rating,
            plays,
            skips,
            ..Default::default()
        };
        assert_eq!(listening_mark(None), ListeningMark::Unheard);
        assert_eq!(
            listening_mark(Some(&facts(None, 0, 0))),
            ListeningMark::Unheard
        );
        assert_eq!(
            listening_mark(Some(&facts(None, 3, 1))),
            ListeningMark::Played
        );
        assert_eq!(
            listening_mark(Some(&facts(None, 4, 2))),
            ListeningMark::OftenSkipped
        );
        assert_eq!(
            listening_mark(Some(&facts(None, 1, 1))),
            ListeningMark::Played
        );
        assert_eq!(
            listening_mark(Some(&facts(Some(5), 4, 4))),
            ListeningMark::RatedHigh
        );
        assert_eq!(
            listening_mark(Some(&facts(Some(3), 0, 0))),
            ListeningMark::Unheard
        );
    }
}
