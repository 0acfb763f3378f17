-- Listens imported from another service's history (a ListenBrainz or Last.fm export) say the
-- format they came from in plays.imported_from ('listenbrainz', 'lastfm-csv', 'lastfm-json');
-- plays in Segue leave it NULL. Imported listens count for taste, time of day and the rotation
-- as plays in Segue do; a second import of the same file finds them by (track_id, started_at)
-- through plays_track. The column is added by listens::add_imported_from, only where it is
-- missing: SQLite has no ADD COLUMN IF NOT EXISTS.
SELECT 1;
