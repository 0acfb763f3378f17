// The library as the views browse it, built once from the track rows: albums, artists and a
// search index. Pure functions, so they are unit-tested without a window.
import type { TrackRow } from "../api";
import { searchKey } from "./format";

export interface Album {
  key: string;
  title: string | null;
  artist: string | null;
  year: number | null;
  coverId: number | null;
  tracks: TrackRow[];
  durationMs: number;
}

export interface Artist {
  name: string | null;
  albums: Album[];
  trackCount: number;
  coverId: number | null;
}

/** The artist an album or track is filed under: the album artist, else the track artist. */
export function filedArtist(t: TrackRow): string | null {
  return t.album_artist ?? t.artist;
}

/** The key of the album a track belongs to (see `Album.key`). */
export function albumKey(t: TrackRow): string {
  return `${filedArtist(t) ?? ""}\u0000${t.album ?? ""}`;
}

/** Albums in library order (the rows arrive sorted by album artist, album, disc, track). */
export function groupAlbums(tracks: readonly TrackRow[]): Album[] {
  const albums = new Map<string, Album>();
  for (const t of tracks) {
    const artist = filedArtist(t);
    const key = albumKey(t);
    let album = albums.get(key);
    if (!album) {
      album = { key, title: t.album, artist, year: t.year, coverId: null, tracks: [], durationMs: 0 };
      albums.set(key, album);
    }
    album.tracks.push(t);
    album.durationMs += t.duration_ms;
    album.coverId ??= t.cover_id;
    album.year ??= t.year;
  }
  return [...albums.values()];
}

export function groupArtists(albums: readonly Album[]): Artist[] {
  const artists = new Map<string, Artist>();
  for (const album of albums) {
    const key = album.artist ?? "";
    let artist = artists.get(key);
    if (!artist) {
      artist = { name: album.artist, albums: [], trackCount: 0, coverId: null };
      artists.set(key, artist);
    }
    artist.albums.push(album);
    artist.trackCount += album.tracks.length;
    artist.coverId ??= album.coverId;
  }
  return [...artists.values()].sort((a, b) =>
    (a.name ?? "\uffff").localeCompare(b.name ?? "\uffff", undefined, { sensitivity: "base" }),
  );
}

/** One lower-cased string per track holding every searchable field. */
export function searchIndex(tracks: readonly TrackRow[]): string[] {
  return tracks.map((t) =>
    searchKey([t.title, t.artist, t.album, t.album_artist, t.genre, t.year].filter(Boolean).join(" ")),
  );
}

/** Tracks whose fields contain every word of `query` (instant search). */
export function search(tracks: readonly TrackRow[], index: readonly string[], query: string): TrackRow[] {
  const words = searchKey(query).split(/\s+/).filter(Boolean);
  if (words.length === 0) return [...tracks];
  const out: TrackRow[] = [];
  for (let i = 0; i < tracks.length; i++) {
    const text = index[i];
    if (words.every((w) => text.includes(w))) out.push(tracks[i]);
  }
  return out;
}

/** A copy in random order (Fisher–Yates). */
export function shuffled<T>(items: readonly T[], random: () => number = Math.random): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

export type SortKey = "title" | "artist" | "album" | "rating" | "plays" | "time";

/** A copy sorted by one column (stable: ties keep library order); unknown values go last in
 * either direction. */
export function sortTracks(tracks: readonly TrackRow[], key: SortKey, descending = false): TrackRow[] {
  const value = (t: TrackRow): string | number | null => {
    switch (key) {
      case "title":
        return t.title.toLowerCase();
      case "artist":
        return (t.artist ?? t.album_artist)?.toLowerCase() ?? null;
      case "album":
        return t.album?.toLowerCase() ?? null;
      case "rating":
        return t.rating;
      case "plays":
        return t.play_count;
      case "time":
        return t.duration_ms;
    }
  };
  // Each row's key is computed once, not at every comparison.
  const keyed = tracks.map((t, i) => ({ t, i, v: value(t) }));
  const sign = descending ? -1 : 1;
  keyed.sort((a, b) => {
    if (a.v === null || b.v === null) return a.v === b.v ? a.i - b.i : a.v === null ? 1 : -1;
    if (a.v < b.v) return -sign;
    if (a.v > b.v) return sign;
    return a.i - b.i;
  });
  return keyed.map((k) => k.t);
}
