-- Schema version 1. Later versions are appended as new migrations in lib.rs; never edit this.

-- Folders the user added to the library.
CREATE TABLE roots (
    id           INTEGER PRIMARY KEY,
    path         BLOB    NOT NULL UNIQUE,   -- raw OS bytes: paths need not be UTF-8
    display_path TEXT    NOT NULL,
    added_at     INTEGER NOT NULL            -- unix seconds
);

-- Each distinct image once, keyed by a hash of its bytes.
CREATE TABLE covers (
    id     INTEGER PRIMARY KEY,
    hash   BLOB    NOT NULL UNIQUE,
    mime   TEXT    NOT NULL,
    width  INTEGER,
    height INTEGER,
    data   BLOB    NOT NULL
);

CREATE TABLE artists (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);

-- An album is a title under an album artist (the track artist when no album artist is tagged).
CREATE TABLE albums (
    id        INTEGER PRIMARY KEY,
    title     TEXT    NOT NULL,
    artist_id INTEGER NOT NULL REFERENCES artists(id),
    year      INTEGER,
    cover_id  INTEGER REFERENCES covers(id),
    UNIQUE (title, artist_id)
);

-- Every audio file seen, including ones that failed to import or have gone missing.
-- A file's id is also its track's id, and survives moves (matched by fingerprint).
CREATE TABLE files (
    id            INTEGER PRIMARY KEY,
    path          BLOB    NOT NULL UNIQUE,
    display_path  TEXT    NOT NULL,
    size          INTEGER NOT NULL,
    mtime_ns      INTEGER NOT NULL,
    fingerprint   BLOB,                     -- 16-byte content hash, see segue-library
    status        TEXT    NOT NULL CHECK (status IN ('ok', 'missing', 'failed')),
    issue_kind    TEXT,                     -- set when status = 'failed'
    issue_message TEXT,
    added_at      INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE INDEX files_fingerprint ON files (fingerprint);
CREATE INDEX files_status ON files (status);

CREATE TABLE tracks (
    id                 INTEGER PRIMARY KEY REFERENCES files(id) ON DELETE CASCADE,
    title              TEXT    NOT NULL,
    artist_id          INTEGER REFERENCES artists(id),
    album_artist_id    INTEGER REFERENCES artists(id),   -- from the tag only
    album_id           INTEGER REFERENCES albums(id),
    track_number       INTEGER,
    track_total        INTEGER,
    disc_number        INTEGER,
    disc_total         INTEGER,
    year               INTEGER,
    genre              TEXT,
    composer           TEXT,
    inferred_from_path INTEGER NOT NULL DEFAULT 0,
    container          TEXT    NOT NULL,
    codec              TEXT    NOT NULL,
    duration_ms        INTEGER NOT NULL,
    sample_rate        INTEGER,
    channels           INTEGER,
    bit_depth          INTEGER,
    bitrate_kbps       INTEGER,
    rg_track_gain      REAL,
    rg_track_peak      REAL,
    rg_album_gain      REAL,
    rg_album_peak      REAL,
    cover_id           INTEGER REFERENCES covers(id),
    search_text        TEXT    NOT NULL     -- lower-cased words of title, artists, album, genre, file name
);
CREATE INDEX tracks_album ON tracks (album_id);
CREATE INDEX tracks_artist ON tracks (artist_id);

-- The user's judgement of a track. Kept across moves and missing periods.
CREATE TABLE ratings (
    track_id   INTEGER PRIMARY KEY REFERENCES tracks(id) ON DELETE CASCADE,
    stars      INTEGER CHECK (stars BETWEEN 1 AND 5),
    liked      INTEGER CHECK (liked IN (-1, 0, 1)),
    updated_at INTEGER NOT NULL
);

-- Listening history: one row per play.
CREATE TABLE plays (
    id           INTEGER PRIMARY KEY,
    track_id     INTEGER NOT NULL REFERENCES tracks(id) ON DELETE CASCADE,
    started_at   INTEGER NOT NULL,          -- unix milliseconds
    ms_listened  INTEGER NOT NULL,
    end_reason   TEXT    NOT NULL CHECK (end_reason IN ('completed', 'skipped', 'stopped', 'error')),
    position_ms  INTEGER                    -- where the play ended (skip position)
);
CREATE INDEX plays_track ON plays (track_id, started_at);
