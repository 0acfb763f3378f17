-- Analysis results (segue-analysis). One row per track; `version` says what produced it and
-- `fingerprint` which content it was made from, so a new model/feature version or a changed
-- file makes the row stale and only those tracks are analysed again.
CREATE TABLE analysis (
    track_id       INTEGER PRIMARY KEY REFERENCES files (id) ON DELETE CASCADE,
    version        TEXT    NOT NULL,
    fingerprint    BLOB,
    analyzed_at    INTEGER NOT NULL,
    loudness_lufs  REAL,                    -- EBU R128 integrated, NULL for silence
    true_peak_dbtp REAL,
    bpm            REAL    NOT NULL,
    features       TEXT    NOT NULL,        -- JSON of segue_core::DspFeatures
    tags_msd       BLOB    NOT NULL,        -- 50 × f32 little-endian
    tags_mtt       BLOB    NOT NULL,        -- 50 × f32 little-endian
    embedding      BLOB    NOT NULL         -- 200 × f32 little-endian
);

-- Tracks the current analysis version could not analyse, and why (retried by a new version
-- or a changed file).
CREATE TABLE analysis_failures (
    track_id    INTEGER PRIMARY KEY REFERENCES files (id) ON DELETE CASCADE,
    version     TEXT    NOT NULL,
    fingerprint BLOB,
    kind        TEXT    NOT NULL,
    message     TEXT    NOT NULL,
    failed_at   INTEGER NOT NULL
);
