-- Suggestions shown, with their term values (9 × f32 little-endian, segue_core::RANKED_TERMS
-- order): what the user then did with each (played through, skipped) teaches the ranker's
-- per-user weight offsets.
CREATE TABLE suggestion_log (
    id          INTEGER PRIMARY KEY,
    track_id    INTEGER NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
    at_ms       INTEGER NOT NULL,
    terms       BLOB    NOT NULL
);
CREATE INDEX suggestion_log_at ON suggestion_log (at_ms);

-- The ranker's learned per-user offsets to its term weights (segue-ranker.onnx input "user").
CREATE TABLE ranker_offsets (
    term       TEXT PRIMARY KEY,
    offset     REAL    NOT NULL,
    updated_at INTEGER NOT NULL
);
