-- Smart playlists: a name and the rules (segue_core::smart::SmartQuery as JSON). Their members
-- are worked out when they are opened, so they follow the library and the listening.
CREATE TABLE IF NOT EXISTS smart_playlists (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,
    name_key   TEXT    NOT NULL UNIQUE,     -- search_key(name): unique whatever the case
    query      TEXT    NOT NULL,
    created_at INTEGER NOT NULL             -- unix milliseconds
);
