//! The library map's stored layout: a point per track, and the names of its regions.
//!
//! The layout is derived from the analysis and can always be computed again; its tables come
//! with migration 11 (`schema_v11.sql`).

use rusqlite::params;
use segue_core::{MapLabel, TrackId};

use crate::{Result, Store};

/// A track's point on the map.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MapPoint {
    pub track_id: TrackId,
    pub x: f32,
    pub y: f32,
}

impl Store {
    /// Every stored point of a playable track, by track id (empty before the first layout).
    pub fn map_points(&self) -> Result<Vec<MapPoint>> {
        let mut stmt = self.conn.prepare(
            "SELECT m.track_id, m.x, m.y FROM map_points m
             JOIN files f ON f.id = m.track_id AND f.status = 'ok'
             ORDER BY m.track_id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(MapPoint {
                track_id: r.get(0)?,
                x: r.get::<_, f64>(1)? as f32,
                y: r.get::<_, f64>(2)? as f32,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The regions' names as the last layout wrote them.
    pub fn map_labels(&self) -> Result<Vec<MapLabel>> {
        let mut stmt = self
            .conn
            .prepare("SELECT x, y, tag, tracks FROM map_labels ORDER BY tracks DESC, tag")?;
        let rows = stmt.query_map([], |r| {
            Ok(MapLabel {
                x: r.get::<_, f64>(0)? as f32,
                y: r.get::<_, f64>(1)? as f32,
                tag: r.get(2)?,
                tracks: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Analysed, playable tracks without a point (the layout job places them).
    pub fn map_unplaced(&self) -> Result<u64> {
        Ok(self.conn.query_row(
            "SELECT count(*) FROM analysis a
             JOIN files f ON f.id = a.track_id AND f.status = 'ok'
             WHERE NOT EXISTS (SELECT 1 FROM map_points m WHERE m.track_id = a.track_id)",
            [],
            |r| r.get::<_, i64>(0),
        )? as u64)
    }

    /// Stores points and the regions' names in one transaction. `replace` drops every stored
    /// point first (a new layout); otherwise the points are added to those stored (tracks
    /// placed among the others, who keep theirs).
    pub fn save_map(&self, points: &[MapPoint], labels: &[MapLabel], replace: bool) -> Result<()> {
        let tx = self.conn.unchecked_transaction()?;
        if replace {
            tx.execute("DELETE FROM map_points", [])?;
        }
        {
            let mut insert = tx.prepare(
                "INSERT OR REPLACE INTO map_points (track_id, x, y)
                 SELECT ?1, ?2, ?3 WHERE EXISTS (SELECT 1 FROM files WHERE id = ?1)",
            )?;
            for p in points {
                insert.execute(params![p.track_id, f64::from(p.x), f64::from(p.y)])?;
            }
        }
        tx.execute("DELETE FROM map_labels", [])?;
        {
            let mut insert =
                tx.prepare("INSERT INTO map_labels (x, y, tag, tracks) VALUES (?1, ?2, ?3, ?4)")?;
            for l in labels {
                insert.execute(params![f64::from(l.x), f64::from(l.y), l.tag, l.tracks])?;
            }
        }
        tx.commit()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_library_without_a_map_reads_as_empty_and_points_of_unknown_tracks_are_dropped() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let store = Store::open(&tmp.path().join("library.sqlite")).expect("open");
        assert!(store.map_points().expect("read").is_empty());
        assert!(store.map_labels().expect("read").is_empty());
        let label = MapLabel {
            x: 0.5,
            y: -0.5,
            tag: "ambient".into(),
            tracks: 12,
        };
        // Track 42 does not exist: its point is not kept (nothing to draw it for).
        store
            .save_map(
                &[MapPoint {
                    track_id: 42,
                    x: 1.0,
                    y: 2.0,
                }],
                std::slice::from_ref(&label),
                true,
            )
            .expect("save");
        assert!(store.map_points().expect("read").is_empty());
        assert_eq!(store.map_labels().expect("read"), vec![label]);
    }

    /// Migration 11 on the two kinds of schema-10 database: one whose first layout made the
    /// tables itself (Segue 0.1 did), whose points stay, and one that never had a map.
    #[test]
    fn migration_11_keeps_a_map_made_before_it_and_gives_one_to_a_library_without() {
        let tmp = tempfile::tempdir().expect("tempdir");
        for had_map in [true, false] {
            let path = tmp.path().join(format!("library-{had_map}.sqlite"));
            let track_id = {
                let mut store = Store::open(&path).expect("open");
                store
                    .apply(&[crate::tests::imported(
                        "/m/a.ogg", "Dawn", "Ann", "First", 1,
                    )])
                    .expect("apply");
                store.known_files().expect("files")[0].id
            };
            {
                let conn = rusqlite::Connection::open(&path).expect("raw open");
                if !had_map {
                    conn.execute_batch("DROP TABLE map_labels; DROP TABLE map_points;")
                        .expect("as schema 10 left it");
                } else {
                    conn.execute(
                        "INSERT INTO map_points (track_id, x, y) VALUES (?1, 0.25, -1.5)",
                        [track_id],
                    )
                    .expect("a point");
                }
                conn.execute_batch("PRAGMA user_version = 10;")
                    .expect("downgrade");
            }
            let store = Store::open(&path).expect("migrate");
            assert_eq!(
                store.schema_version().expect("version"),
                crate::LATEST_SCHEMA as i64
            );
            let expected = if had_map {
                vec![MapPoint {
                    track_id,
                    x: 0.25,
                    y: -1.5,
                }]
            } else {
                Vec::new()
            };
            assert_eq!(store.map_points().expect("read"), expected);
            store
                .save_map(&[], &[], true)
                .expect("a layout is written after the migration");
        }
    }
}
