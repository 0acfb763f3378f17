//! Smart playlists: saved rules, and their members worked out from what the library, analysis
//! and history say now (so a rating or a new file changes them at once).

use std::sync::Arc;

use segue_core::smart::{AnalysisFacts, SmartMember, SmartPlaylist, SmartQuery, TrackFacts};

use crate::{Result, Service, ServiceError};

/// The facts smart playlist rules read, kept until the library, history or analysis changes
/// (see [`segue_store::Store::smart_stamp`]): reading them is most of the time at 100k tracks.
pub(crate) type FactsCache = std::sync::Mutex<Option<(FactsStamp, Arc<Vec<TrackFacts>>)>>;
type FactsStamp = ([i64; 7], (i64, i64));

impl Service {
    /// Every smart playlist, by name.
    pub fn smart_playlists(&self) -> Result<Vec<SmartPlaylist>> {
        self.with_store(|s| s.smart_playlists())
    }

    /// The smart playlist called `name` (any case).
    pub fn smart_playlist_named(&self, name: &str) -> Result<SmartPlaylist> {
        let key = segue_store::search_key(name.trim());
        self.smart_playlists()?
            .into_iter()
            .find(|p| segue_store::search_key(&p.name) == key)
            .ok_or_else(|| {
                ServiceError::Store(
                    segue_store::PlaylistError::NameNotFound(name.trim().into()).into(),
                )
            })
    }

    /// Saves a smart playlist. It needs at least one rule.
    pub fn create_smart_playlist(&self, name: &str, query: &SmartQuery) -> Result<SmartPlaylist> {
        if query.rules.is_empty() {
            return Err(ServiceError::InvalidInput(
                "a smart playlist needs at least one rule".into(),
            ));
        }
        self.with_store(|s| s.create_smart_playlist(name, query))
    }

    pub fn delete_smart_playlist(&self, name: &str) -> Result<()> {
        self.with_store(|s| s.delete_smart_playlist(name))
    }

    /// The tracks `query` selects now, ordered and limited, each with why it is in.
    pub fn smart_members(&self, query: &SmartQuery) -> Result<Vec<SmartMember>> {
        let library = self.recommend_library()?;
        let facts = self.smart_facts()?;
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64);
        Ok(segue_core::smart::evaluate(
            query,
            &facts,
            library.tag_names(),
            now_ms,
        ))
    }

    /// Every track's facts, from the cache while nothing they come from has changed.
    fn smart_facts(&self) -> Result<Arc<Vec<TrackFacts>>> {
        let stamp = (
            self.with_store(|s| s.smart_stamp())?,
            self.with_store(|s| s.analysis_stamp())?,
        );
        let mut cache = self.smart_facts.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((kept, facts)) = cache.as_ref()
            && *kept == stamp
        {
            return Ok(facts.clone());
        }
        let rows = self.track_rows()?;
        let listening = self.with_store(|s| s.listening_facts())?;
        let library = self.recommend_library()?;
        let facts: Vec<TrackFacts> = rows
            .into_iter()
            .enumerate()
            .map(|(rank, row)| {
                let heard = listening.get(&row.id).copied().unwrap_or_default();
                TrackFacts {
                    analysis: library.get(row.id).map(|p| AnalysisFacts {
                        bpm: p.bpm,
                        key: p.key,
                        mode: p.mode,
                        energy: p.energy,
                        loudness_lufs: p.loudness_lufs.map(|l| l as f32),
                        tags: p.tags.clone(),
                    }),
                    id: row.id,
                    title: row.title,
                    artist: row.artist.or(row.album_artist),
                    album: row.album,
                    genre: row.genre,
                    year: row.year,
                    duration_ms: row.duration_ms,
                    format: row.format,
                    added_at_s: heard.added_at_s,
                    rating: row.rating,
                    liked: heard.liked,
                    plays: heard.plays,
                    skips: heard.skips,
                    last_played_ms: heard.last_played_ms,
                    library_rank: rank,
                }
            })
            .collect();
        let facts = Arc::new(facts);
        *cache = Some((stamp, facts.clone()));
        Ok(facts)
    }
}
