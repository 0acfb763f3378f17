-- The library map: a point per analysed track and the names of its regions, written by the
-- layout job after analysis (segue-service's map module). Derived data: deleting it only makes
-- the next layout start afresh. Segue 0.1 created these tables on the first layout written, so a
-- database may have them already.
CREATE TABLE IF NOT EXISTS map_points (
    track_id INTEGER PRIMARY KEY REFERENCES files (id) ON DELETE CASCADE,
    x        REAL    NOT NULL,
    y        REAL    NOT NULL
);
CREATE TABLE IF NOT EXISTS map_labels (
    x      REAL    NOT NULL,
    y      REAL    NOT NULL,
    tag    TEXT    NOT NULL,
    tracks INTEGER NOT NULL
);
