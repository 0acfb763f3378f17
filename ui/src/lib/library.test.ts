import { describe, expect, it } from "vitest";
import type { TrackRow } from "../api";
import { sortTracks, filedArtist, groupAlbums, groupArtists, search, searchIndex, shuffled } from "./library";

let nextId = 1;
function row(fields: Partial<TrackRow>): TrackRow {
  return {
    id: nextId++,
    title: "Untitled",
    artist: null,
    album: null,
    album_artist: null,
    disc_number: null,
    track_number: null,
    year: null,
    genre: null,
    duration_ms: 0,
    cover_id: null,
    rating: null,
    play_count: 0,
    format: "FLAC",
    ...fields,
  };
}

describe("filedArtist", () => {
  it("prefers the album artist and falls back to the track artist", () => {
    expect(filedArtist(row({ artist: "Guest", album_artist: "Band" }))).toBe("Band");
    expect(filedArtist(row({ artist: "Solo" }))).toBe("Solo");
    expect(filedArtist(row({}))).toBeNull();
  });
});

describe("groupAlbums", () => {
  it("files a compilation with different track artists under one album artist", () => {
    const tracks = [
      row({ title: "a", artist: "X", album_artist: "Various", album: "Hits", duration_ms: 1000 }),
      row({ title: "b", artist: "Y", album_artist: "Various", album: "Hits", duration_ms: 2000 }),
    ];
    const albums = groupAlbums(tracks);
    expect(albums).toHaveLength(1);
    expect(albums[0].artist).toBe("Various");
    expect(albums[0].title).toBe("Hits");
    expect(albums[0].tracks.map((t) => t.title)).toEqual(["a", "b"]);
  });

  it("keys by the track artist when there is no album artist", () => {
    const tracks = [
      row({ artist: "A", album: "Same title" }),
      row({ artist: "B", album: "Same title" }),
      row({ artist: "A", album: "Same title" }),
    ];
    const albums = groupAlbums(tracks);
    expect(albums.map((a) => [a.artist, a.tracks.length])).toEqual([
      ["A", 2],
      ["B", 1],
    ]);
    expect(albums[0].key).not.toBe(albums[1].key);
  });

  it("takes the first non-null cover and year and sums durations", () => {
    const tracks = [
      row({ artist: "A", album: "X", cover_id: null, year: null, duration_ms: 60_000 }),
      row({ artist: "A", album: "X", cover_id: 7, year: 1999, duration_ms: 90_000 }),
      row({ artist: "A", album: "X", cover_id: 8, year: 2001, duration_ms: 30_000 }),
    ];
    const [album] = groupAlbums(tracks);
    expect(album.coverId).toBe(7);
    expect(album.year).toBe(1999);
    expect(album.durationMs).toBe(180_000);
  });

  it("keeps the order in which albums first appear", () => {
    const tracks = [
      row({ artist: "Zed", album: "Last" }),
      row({ artist: "Abe", album: "First" }),
      row({ artist: "Zed", album: "Last" }),
      row({ artist: "Mid", album: "Middle" }),
    ];
    expect(groupAlbums(tracks).map((a) => a.title)).toEqual(["Last", "First", "Middle"]);
  });

  it("groups tracks without artist or album into one unknown album", () => {
    const albums = groupAlbums([row({}), row({})]);
    expect(albums).toHaveLength(1);
    expect(albums[0].artist).toBeNull();
    expect(albums[0].title).toBeNull();
  });
});

describe("groupArtists", () => {
  it("sorts artists case-insensitively and puts the unknown artist last", () => {
    const albums = groupAlbums([
      row({ artist: null, album: "Lost" }),
      row({ artist: "beta", album: "B1" }),
      row({ artist: "Alpha", album: "A1" }),
      row({ artist: "Gamma", album: "G1" }),
    ]);
    const names = groupArtists(albums).map((a) => a.name);
    expect(names).toEqual(["Alpha", "beta", "Gamma", null]);
  });

  it("collects an artist's albums, counts tracks and takes the first cover", () => {
    const albums = groupAlbums([
      row({ artist: "A", album: "One", cover_id: null }),
      row({ artist: "A", album: "One", cover_id: null }),
      row({ artist: "A", album: "Two", cover_id: 5 }),
      row({ artist: "B", album: "Other", cover_id: 9 }),
    ]);
    const [a, b] = groupArtists(albums);
    expect(a.name).toBe("A");
    expect(a.albums.map((x) => x.title)).toEqual(["One", "Two"]);
    expect(a.trackCount).toBe(3);
    expect(a.coverId).toBe(5);
    expect(b.trackCount).toBe(1);
  });
});

describe("search", () => {
  const tracks = [
    row({ title: "Halo", artist: "Beyoncé", album: "I Am... Sasha Fierce", year: 2008 }),
    row({ title: "Crazy in Love", artist: "Beyoncé", album: "Dangerously in Love", genre: "R&B" }),
    row({ title: "Halo", artist: "Depeche Mode", album: "Violator" }),
    row({ title: "Clair de lune", artist: "Debussy", album_artist: "Claudio Arrau", genre: "Classical" }),
  ];
  const index = searchIndex(tracks);
  const titles = (q: string) => search(tracks, index, q).map((t) => `${t.title}/${t.artist}`);

  it("returns every track for an empty or blank query", () => {
    expect(search(tracks, index, "")).toEqual(tracks);
    expect(search(tracks, index, "   ")).toEqual(tracks);
    // A copy, not the same array (callers may sort it).
    expect(search(tracks, index, "")).not.toBe(tracks);
  });

  it("matches without accents and without case", () => {
    expect(titles("beyonce")).toEqual(["Halo/Beyoncé", "Crazy in Love/Beyoncé"]);
    expect(titles("BEYONCÉ")).toEqual(["Halo/Beyoncé", "Crazy in Love/Beyoncé"]);
  });

  it("requires every word to match, in any field and any order", () => {
    expect(titles("halo beyonce")).toEqual(["Halo/Beyoncé"]);
    expect(titles("beyonce halo")).toEqual(["Halo/Beyoncé"]);
    expect(titles("halo violator")).toEqual(["Halo/Depeche Mode"]);
    expect(titles("halo nothing")).toEqual([]);
  });

  it("searches album artist, genre and year too", () => {
    expect(titles("arrau")).toEqual(["Clair de lune/Debussy"]);
    expect(titles("classical")).toEqual(["Clair de lune/Debussy"]);
    expect(titles("2008")).toEqual(["Halo/Beyoncé"]);
  });
});

describe("shuffled", () => {
  // A small deterministic generator (mulberry32).
  function seeded(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }
  const items = Array.from({ length: 20 }, (_, i) => i);

  it("returns a permutation and leaves the input alone", () => {
    const input = [...items];
    const out = shuffled(input, seeded(1));
    expect(input).toEqual(items);
    expect(out).not.toBe(input);
    expect(out).toHaveLength(items.length);
    expect([...out].sort((a, b) => a - b)).toEqual(items);
    expect(out).not.toEqual(items);
  });

  it("is deterministic for a seeded random", () => {
    expect(shuffled(items, seeded(42))).toEqual(shuffled(items, seeded(42)));
    expect(shuffled(items, seeded(42))).not.toEqual(shuffled(items, seeded(43)));
  });

  it("follows Fisher–Yates: random 0 rotates the first item to the end", () => {
    // With random() = 0, each step swaps position i with 0.
    expect(shuffled([1, 2, 3, 4], () => 0)).toEqual([2, 3, 4, 1]);
    // With random() just below 1, each step swaps i with itself: no change.
    expect(shuffled([1, 2, 3, 4], () => 0.999999)).toEqual([1, 2, 3, 4]);
  });

  it("handles empty and single-item lists", () => {
    expect(shuffled([], seeded(1))).toEqual([]);
    expect(shuffled(["x"], seeded(1))).toEqual(["x"]);
  });
});

describe("sortTracks", () => {
  const rows = [
    row({ id: 1, title: "beta", artist: "Zed", rating: null, play_count: 2, duration_ms: 300 }),
    row({ id: 2, title: "Alpha", artist: null, album_artist: "Amy", rating: 5, play_count: 0, duration_ms: 100 }),
    row({ id: 3, title: "alpha", artist: "Bob", rating: 3, play_count: 2, duration_ms: 200 }),
  ];
  const ids = (list: { id: number }[]) => list.map((t) => t.id);

  it("sorts by a column, case-insensitively and stably", () => {
    expect(ids(sortTracks(rows, "title"))).toEqual([2, 3, 1]);
    expect(ids(sortTracks(rows, "title", true))).toEqual([1, 2, 3]);
    expect(ids(sortTracks(rows, "artist"))).toEqual([2, 3, 1]);
    expect(ids(sortTracks(rows, "time"))).toEqual([2, 3, 1]);
    expect(ids(sortTracks(rows, "plays", true))).toEqual([1, 3, 2]);
  });

  it("puts unknown values last in both directions and leaves the input alone", () => {
    expect(ids(sortTracks(rows, "rating"))).toEqual([3, 2, 1]);
    expect(ids(sortTracks(rows, "rating", true))).toEqual([2, 3, 1]);
    expect(ids(rows)).toEqual([1, 2, 3]);
  });
});
