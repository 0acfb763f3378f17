//! Read queries for the CLI and the app.

use rusqlite::{OptionalExtension, Row, ToSql};
use segue_core::{
    AudioProperties, Codec, Container, FileIssue, IssueKind, LibraryStats, ReplayGain, Track,
    TrackId, TrackRow, TrackTags,
};

use crate::{Result, Store, bytes_to_path, search_key};

/// Which tracks to list.
#[derive(Debug, Clone, Default)]
pub struct TrackQuery {
    /// Words that must all appear (case-insensitively) in the title, artist, album, album
    /// artist, genre, composer or file name.
    pub search: Option<String>,
    /// Include tracks whose files are missing or no longer import.
    pub include_unavailable: bool,
    pub limit: Option<u32>,
    pub offset: u32,
}

const TRACK_COLUMNS: &str = "
    t.id, f.display_path, t.title, a.name, al.title, aa.name, t.track_number, t.track_total,
    t.disc_number, t.disc_total, t.year, t.genre, t.composer, t.inferred_from_path,
    t.container, t.codec, t.duration_ms, t.sample_rate, t.channels, t.bit_depth, t.bitrate_kbps,
    t.rg_track_gain, t.rg_track_peak, t.rg_album_gain, t.rg_album_peak, t.cover_id, f.size, f.status
    FROM tracks t
    JOIN files f ON f.id = t.id
    LEFT JOIN artists a ON a.id = t.artist_id
    LEFT JOIN artists aa ON aa.id = t.album_artist_id
    LEFT JOIN albums al ON al.id = t.album_id";

fn track_from_row(r: &Row<'_>) -> rusqlite::Result<Track> {
    let container: String = r.get(14)?;
    let codec: String = r.get(15)?;
    let status: String = r.get(27)?;
    Ok(Track {
        id: r.get(0)?,
        path: r.get(1)?,
        tags: TrackTags {
            title: r.get(2)?,
            artist: r.get(3)?,
            album: r.get(4)?,
            album_artist: r.get(5)?,
            track_number: r.get(6)?,
            track_total: r.get(7)?,
            disc_number: r.get(8)?,
            disc_total: r.get(9)?,
            year: r.get(10)?,
            genre: r.get(11)?,
            composer: r.get(12)?,
            inferred_from_path: r.get(13)?,
        },
        audio: AudioProperties {
            // Only values written by this crate are stored; FLAC is a harmless default.
            container: Container::parse(&container).unwrap_or(Container::Flac),
            codec: Codec::parse(&codec),
            duration_ms: r.get::<_, i64>(16)?.max(0) as u64,
            sample_rate: r.get(17)?,
            channels: r.get(18)?,
            bit_depth: r.get(19)?,
            bitrate_kbps: r.get(20)?,
        },
        replay_gain: ReplayGain {
            track_gain_db: r.get(21)?,
            track_peak: r.get(22)?,
            album_gain_db: r.get(23)?,
            album_peak: r.get(24)?,
        },
        cover_id: r.get(25)?,
        size_bytes: r.get::<_, i64>(26)?.max(0) as u64,
        missing: status != "ok",
    })
}

/// A track as a playlist file may name it: by path, by the end of its path, or by artist and
/// title.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackIdentity {
    pub id: TrackId,
    pub path: std::path::PathBuf,
    pub artist: Option<String>,
    pub album_artist: Option<String>,
    pub title: String,
    pub album: Option<String>,
    pub duration_ms: u64,
}

/// The columns [`track_row_from`] reads, for a query over `tracks t` joined with
/// [`TRACK_ROW_JOINS`].
pub(crate) const TRACK_ROW_COLUMNS: &str = "
    t.id, t.title, a.name, al.title, aa.name, t.disc_number, t.track_number, t.year, t.genre,
    t.duration_ms, t.cover_id, r.stars, (SELECT COUNT(*) FROM plays p WHERE p.track_id = t.id),
    t.codec";

pub(crate) const TRACK_ROW_JOINS: &str = "
    LEFT JOIN artists a ON a.id = t.artist_id
    LEFT JOIN artists aa ON aa.id = t.album_artist_id
    LEFT JOIN albums al ON al.id = t.album_id
    LEFT JOIN ratings r ON r.track_id = t.id";

/// A [`TrackRow`] from the [`TRACK_ROW_COLUMNS`] starting at column `first`.
pub(crate) fn track_row_from(r: &Row<'_>, first: usize) -> rusqlite::Result<TrackRow> {
    Ok(TrackRow {
        id: r.get(first)?,
        title: r.get(first + 1)?,
        artist: r.get(first + 2)?,
        album: r.get(first + 3)?,
        album_artist: r.get(first + 4)?,
        disc_number: r.get(first + 5)?,
        track_number: r.get(first + 6)?,
        year: r.get(first + 7)?,
        genre: r.get(first + 8)?,
        duration_ms: r.get::<_, i64>(first + 9)?.max(0) as u64,
        cover_id: r.get(first + 10)?,
        rating: r.get(first + 11)?,
        play_count: r.get::<_, i64>(first + 12)?.clamp(0, i64::from(u32::MAX)) as u32,
        format: Codec::parse(&r.get::<_, String>(first + 13)?)
            .display_name()
            .to_owned(),
    })
}

/// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern.
fn like_pattern(word: &str) -> String {
    let mut p = String::with_capacity(word.len() + 2);
    p.push('%');
    for c in word.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

impl Store {
    /// Tracks matching `query`, ordered by album artist, album, disc, track number, title.
    pub fn tracks(&self, query: &TrackQuery) -> Result<Vec<Track>> {
        let mut sql = format!("SELECT {TRACK_COLUMNS} WHERE 1 = 1");
        let mut args: Vec<Box<dyn ToSql>> = Vec::new();
        if !query.include_unavailable {
            sql.push_str(" AND f.status = 'ok'");
        }
        if let Some(search) = &query.search {
            for word in search_key(search).split_whitespace() {
                sql.push_str(" AND t.search_text LIKE ? ESCAPE '\\'");
                args.push(Box::new(like_pattern(word)));
            }
        }
        sql.push_str(
            " ORDER BY COALESCE(aa.name, a.name) COLLATE NOCASE, al.title COLLATE NOCASE,
                       t.disc_number, t.track_number, t.title COLLATE NOCASE, t.id
              LIMIT ? OFFSET ?",
        );
        args.push(Box::new(query.limit.map(i64::from).unwrap_or(-1)));
        args.push(Box::new(i64::from(query.offset)));
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(
            rusqlite::params_from_iter(args.iter().map(|a| a.as_ref())),
            track_from_row,
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Every playable track as a compact row for the app's lists, in the same order as
    /// [`Store::tracks`], with its rating and play count.
    pub fn track_rows(&self) -> Result<Vec<TrackRow>> {
        let sql = format!(
            "SELECT {TRACK_ROW_COLUMNS}
             FROM tracks t
             JOIN files f ON f.id = t.id AND f.status = 'ok'
             {TRACK_ROW_JOINS}
             ORDER BY COALESCE(aa.name, a.name) COLLATE NOCASE, al.title COLLATE NOCASE,
                      t.disc_number, t.track_number, t.title COLLATE NOCASE, t.id"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map([], |r| track_row_from(r, 0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Every track (missing ones too) as a playlist file may name it.
    pub fn track_identities(&self) -> Result<Vec<TrackIdentity>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT t.id, f.path, a.name, aa.name, t.title, t.duration_ms, al.title
             FROM tracks t
             JOIN files f ON f.id = t.id
             LEFT JOIN artists a ON a.id = t.artist_id
             LEFT JOIN artists aa ON aa.id = t.album_artist_id
             LEFT JOIN albums al ON al.id = t.album_id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(TrackIdentity {
                id: r.get(0)?,
                path: bytes_to_path(&r.get::<_, Vec<u8>>(1)?),
                artist: r.get(2)?,
                album_artist: r.get(3)?,
                title: r.get(4)?,
                duration_ms: r.get::<_, i64>(5)?.max(0) as u64,
                album: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// One track by id (present or not).
    pub fn track(&self, id: TrackId) -> Result<Option<Track>> {
        let sql = format!("SELECT {TRACK_COLUMNS} WHERE t.id = ?1");
        Ok(self
            .conn
            .prepare_cached(&sql)?
            .query_row([id], track_from_row)
            .optional()?)
    }

    /// Counts for the library overview.
    pub fn stats(&self) -> Result<LibraryStats> {
        let (tracks, albums, artists, genres, duration, size): (i64, i64, i64, i64, i64, i64) =
            self.conn.query_row(
                "SELECT COUNT(*),
                        COUNT(DISTINCT t.album_id),
                        COUNT(DISTINCT COALESCE(t.artist_id, t.album_artist_id)),
                        COUNT(DISTINCT lower(t.genre)),
                        COALESCE(SUM(t.duration_ms), 0),
                        COALESCE(SUM(f.size), 0)
                 FROM tracks t JOIN files f ON f.id = t.id WHERE f.status = 'ok'",
                [],
                |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                    ))
                },
            )?;
        let count = |sql: &str| -> Result<u64> {
            Ok(self.conn.query_row(sql, [], |r| r.get::<_, i64>(0))?.max(0) as u64)
        };
        Ok(LibraryStats {
            tracks: tracks as u64,
            albums: albums as u64,
            artists: artists as u64,
            genres: genres as u64,
            covers: count("SELECT COUNT(*) FROM covers")?,
            total_duration_ms: duration as u64,
            total_size_bytes: size as u64,
            missing: count(
                "SELECT COUNT(*) FROM files f JOIN tracks t ON t.id = f.id WHERE f.status = 'missing'",
            )?,
            failed: count("SELECT COUNT(*) FROM files WHERE status = 'failed'")?,
            roots: self
                .roots()?
                .into_iter()
                .map(|p| p.to_string_lossy().into_owned())
                .collect(),
        })
    }

    /// Files that could not be imported on their last scan, with the reason, then files
    /// imported with something wrong (a truncated file that plays what is there).
    pub fn issues(&self) -> Result<Vec<FileIssue>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT path, issue_kind, issue_message, status = 'ok' FROM files
             WHERE status = 'failed' OR (status = 'ok' AND issue_kind IS NOT NULL)
             ORDER BY status = 'ok', display_path",
        )?;
        let rows = stmt.query_map([], |r| {
            let kind: Option<String> = r.get(1)?;
            Ok(FileIssue {
                path: bytes_to_path(&r.get::<_, Vec<u8>>(0)?)
                    .to_string_lossy()
                    .into_owned(),
                kind: kind
                    .as_deref()
                    .and_then(IssueKind::parse)
                    .unwrap_or(IssueKind::Corrupt),
                message: r.get::<_, Option<String>>(2)?.unwrap_or_default(),
                imported: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
