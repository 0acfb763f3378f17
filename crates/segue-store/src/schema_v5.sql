-- Path fallbacks no longer take folders such as "Music" or "mp3" for an artist or album
-- (segue-library's `apply_path_fallbacks`). Tracks whose names came from folders are read
-- again by the next scan (their history and analysis stay: same file, same id, same
-- fingerprint).
UPDATE files SET mtime_ns = -1 WHERE id IN (SELECT id FROM tracks WHERE inferred_from_path = 1);
