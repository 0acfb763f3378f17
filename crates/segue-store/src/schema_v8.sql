-- The play session the app restores after a restart (or a crash): the queue in order, which
-- entry plays and where in it, and the Up Next suggestions shown after it. One session per
-- library. Written by the app (the queue on every edit, the position about once a second from
-- its event recorder) and by `segue queue`; `revision` goes up with every change of the queue,
-- so the app notices an edit the command line made.
CREATE TABLE IF NOT EXISTS session_queue (
    position INTEGER PRIMARY KEY,           -- 0.. without gaps
    track_id INTEGER NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
    why      TEXT    NOT NULL DEFAULT '[]', -- JSON: why a suggested track was queued
    autoplay INTEGER NOT NULL DEFAULT 0     -- 1: added by autoplay, not by the listener
);

CREATE TABLE IF NOT EXISTS session (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    current       INTEGER,                  -- the playing entry's position; NULL: none
    position_ms   INTEGER NOT NULL DEFAULT 0,
    revision      INTEGER NOT NULL DEFAULT 0,
    up_next_after INTEGER,                  -- the track the Up Next list was made for
    up_next       TEXT    NOT NULL DEFAULT '[]', -- JSON: the suggestions, in order
    saved_at      INTEGER NOT NULL DEFAULT 0     -- unix milliseconds
);
INSERT OR IGNORE INTO session (id) VALUES (1);
