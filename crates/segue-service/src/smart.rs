//! Smart playlists: saved rules, and their members worked out from what the library, analysis
//! and history say now (so a rating or a new file changes them at once).

use std::sync::Arc;

use segue_core::smart::{AnalysisFacts, SmartMember, SmartPlaylist, SmartQuery, TrackFacts};

use crate::{Result, Service, ServiceError};

/// The facts smart playlist rules read, kept until what they come from changes (see
/// [`segue_store::Store::smart_stamp`]): reading the library's is most of the time at 100k
/// tracks, so a play or a rating reads only the listening facts again.
pub(crate) type FactsCache = std::sync::Mutex<Option<KeptFacts>>;

pub(crate) struct KeptFacts {
    /// The library and analysis the facts were read from.
    library: ([i64; 3], (i64, i64)),
    /// The plays and ratings their listening facts were read from.
    listening: [i64; 4],
    facts: Arc<Vec<TrackFacts>>,
}

fn needs_a_rule(query: &SmartQuery) -> Result<()> {
    if query.rules.is_empty() {
        return Err(ServiceError::InvalidInput(
            "a smart playlist needs at least one rule".into(),
        ));
    }
    Ok(())
}

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
        needs_a_rule(query)?;
        self.with_store(|s| s.create_smart_playlist(name, query))
    }

    /// Replaces smart playlist `id`'s name and rules (at least one).
    pub fn update_smart_playlist(
        &self,
        id: i64,
        name: &str,
        query: &SmartQuery,
    ) -> Result<SmartPlaylist> {
        needs_a_rule(query)?;
        self.with_store(|s| s.update_smart_playlist(id, name, query))
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

    /// Reads the facts smart playlists need now, when there are smart playlists, so the next
    /// one opened after an import or analysis does not wait for them (165 ms at 100k tracks).
    pub fn warm_smart_facts(&self) {
        let warmed = self.smart_playlists().and_then(|list| {
            if list.is_empty() {
                Ok(())
            } else {
                self.smart_facts().map(drop)
            }
        });
        if let Err(e) = warmed {
            tracing::warn!("cannot read ahead the facts smart playlists use: {e}");
        }
    }

    /// Every track's facts, from the cache while nothing they come from has changed.
    fn smart_facts(&self) -> Result<Arc<Vec<TrackFacts>>> {
        let stamp = self.with_store(|s| s.smart_stamp())?;
        let library_stamp = (stamp.library, self.with_store(|s| s.analysis_stamp())?);
        let mut cache = self.smart_facts.lock().unwrap_or_else(|p| p.into_inner());
        let kept = match cache.take() {
            Some(kept) if kept.library == library_stamp => kept,
            _ => KeptFacts {
                library: library_stamp,
                // Never the stamp of real plays and ratings: they are read below.
                listening: [-1; 4],
                facts: Arc::new(self.library_facts()?),
            },
        };
        let kept = if kept.listening == stamp.listening {
            kept
        } else {
            let listening = self.with_store(|s| s.listening_facts())?;
            let mut facts = kept.facts;
            // Clones only while an evaluation elsewhere still reads the old facts.
            for fact in Arc::make_mut(&mut facts) {
                let heard = listening.get(&fact.id).copied().unwrap_or_default();
                fact.rating = heard.rating;
                fact.liked = heard.liked;
                fact.plays = heard.plays;
                fact.skips = heard.skips;
                fact.last_played_ms = heard.last_played_ms;
            }
            KeptFacts {
                listening: stamp.listening,
                facts,
                ..kept
            }
        };
        let facts = kept.facts.clone();
        *cache = Some(kept);
        Ok(facts)
    }

    /// Every track's facts from the library and analysis, with no listening facts yet.
    fn library_facts(&self) -> Result<Vec<TrackFacts>> {
        let rows = self.track_rows()?;
        let added = self.with_store(|s| s.added_dates())?;
        let library = self.recommend_library()?;
        Ok(rows
            .into_iter()
            .enumerate()
            .map(|(rank, row)| TrackFacts {
                analysis: library.get(row.id).map(|p| AnalysisFacts {
                    bpm: p.bpm,
                    key: p.key,
                    mode: p.mode,
                    energy: p.energy,
                    loudness_lufs: p.loudness_lufs.map(|l| l as f32),
                    tags: p.tags.clone(),
                }),
                added_at_s: added.get(&row.id).copied().unwrap_or_default(),
                id: row.id,
                title: row.title,
                artist: row.artist.or(row.album_artist),
                album: row.album,
                genre: row.genre,
                year: row.year,
                duration_ms: row.duration_ms,
                format: row.format,
                rating: None,
                liked: None,
                plays: 0,
                skips: 0,
                last_played_ms: None,
                library_rank: rank,
            })
            .collect())
    }
}
