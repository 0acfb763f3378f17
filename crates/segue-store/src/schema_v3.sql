-- Feedback for suggestions (segue-recommend): every like, dislike, "not this" and "more like
-- this", in time order. `ratings.liked` keeps the current like/dislike state; this keeps the
-- history the taste model is built from.
CREATE TABLE feedback (
    id       INTEGER PRIMARY KEY,
    track_id INTEGER NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
    kind     TEXT    NOT NULL CHECK (kind IN ('like', 'dislike', 'not_this', 'more_like_this')),
    at_ms    INTEGER NOT NULL
);
CREATE INDEX feedback_at ON feedback (at_ms);

-- Small user settings (suggestion settings, the time taste was last reset), as text.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
