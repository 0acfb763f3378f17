-- Playlists. (IF NOT EXISTS: replaying the migration on a database whose user_version was set
-- back, as the older migrations' tests do, keeps what is there.)
-- A name is unique whatever its case: `name_key` is the trimmed name lower-cased
-- (Unicode-aware, in Rust: SQLite's NOCASE folds ASCII only).
CREATE TABLE IF NOT EXISTS playlists (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,
    name_key   TEXT    NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,            -- unix milliseconds
    updated_at INTEGER NOT NULL
);

-- A playlist's entries, numbered 0.. without gaps. An entry names a track by id, which survives
-- moves (files.id); an imported line that matched no track keeps what the playlist file said
-- (`source_*`, track_id NULL) so nothing is lost and an export writes it back. Tracks are never
-- deleted (history is kept), so SET NULL only guards the foreign key.
CREATE TABLE IF NOT EXISTS playlist_entries (
    id                 INTEGER PRIMARY KEY,
    playlist_id        INTEGER NOT NULL REFERENCES playlists (id) ON DELETE CASCADE,
    position           INTEGER NOT NULL,
    track_id           INTEGER REFERENCES tracks (id) ON DELETE SET NULL,
    source_location    TEXT,                -- the line as written: a path or a URL
    source_path        BLOB,                -- the local file it names, resolved (raw OS bytes)
    source_title       TEXT,                -- the #EXTINF title
    source_duration_ms INTEGER,
    UNIQUE (playlist_id, position)
);
CREATE INDEX IF NOT EXISTS playlist_entries_track ON playlist_entries (track_id);
