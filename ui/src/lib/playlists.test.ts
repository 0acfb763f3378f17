import { describe, expect, it } from "vitest";
import { entry, trackRow } from "../testing/fixtures";
import {
  fileStem,
  mosaicCells,
  moveDestination,
  moveEntries,
  playableTracks,
  stepDestination,
  uniqueName,
  unresolvedTitle,
} from "./playlists";

describe("uniqueName", () => {
  it("keeps a free name and numbers a taken one, whatever its case", () => {
    expect(uniqueName("Road trip", ["Focus"])).toBe("Road trip");
    expect(uniqueName("New playlist", ["new playlist", "New playlist 2"])).toBe("New playlist 3");
    expect(uniqueName("  Mix ", ["MIX"])).toBe("Mix 2");
  });
});

describe("fileStem", () => {
  it("takes the file name without folder or extension, from POSIX and Windows paths", () => {
    expect(fileStem("/home/ann/Music/Road trip.m3u8")).toBe("Road trip");
    expect(fileStem("C:\\Users\\Zoë\\Café.m3u")).toBe("Café");
    expect(fileStem("/tmp/.hidden")).toBe(".hidden");
    expect(fileStem("")).toBe("");
  });
});

describe("moving entries", () => {
  const order = ["a", "b", "c", "d", "e"];

  it("moves as the store does: the moved entries, in list order, go to an index of the rest", () => {
    expect(moveEntries(order, new Set(["d"]), 0)).toEqual(["d", "a", "b", "c", "e"]);
    expect(moveEntries(order, new Set(["e", "b"]), 1)).toEqual(["a", "b", "e", "c", "d"]);
    expect(moveEntries(order, new Set(["a"]), 9)).toEqual(["b", "c", "d", "e", "a"]);
  });

  it("turns a drop into the gap before a row into the store's destination", () => {
    // "d" dropped before "a" (gap 0) and after "e" (gap 5).
    expect(moveDestination(order, new Set(["d"]), 0)).toBe(0);
    expect(moveDestination(order, new Set(["d"]), 5)).toBe(4);
    // "a" and "b" dropped between "d" and "e": three stay before them.
    expect(moveDestination(order, new Set(["a", "b"]), 4)).toBe(2);
    expect(moveEntries(order, new Set(["a", "b"]), 2)).toEqual(["c", "d", "a", "b", "e"]);
  });

  it("says a drop next to the dragged rows changes nothing", () => {
    expect(moveDestination(order, new Set(["c"]), 2)).toBeNull();
    expect(moveDestination(order, new Set(["c"]), 3)).toBeNull();
    expect(moveDestination(order, new Set(["b", "c"]), 1)).toBeNull();
  });

  it("moves one row up or down with the keyboard, and not past the ends", () => {
    expect(moveEntries(order, new Set(["c"]), stepDestination(order, new Set(["c"]), -1) ?? -1)).toEqual(["a", "c", "b", "d", "e"]);
    expect(moveEntries(order, new Set(["c", "d"]), stepDestination(order, new Set(["c", "d"]), 1) ?? -1)).toEqual([
      "a",
      "b",
      "e",
      "c",
      "d",
    ]);
    expect(stepDestination(order, new Set(["a"]), -1)).toBeNull();
    expect(stepDestination(order, new Set(["e"]), 1)).toBeNull();
    expect(stepDestination(order, new Set<string>(), 1)).toBeNull();
  });

  it("gathers a scattered selection behind its first row when it moves up", () => {
    const to = stepDestination(order, new Set(["b", "e"]), -1);
    expect(moveEntries(order, new Set(["b", "e"]), to ?? -1)).toEqual(["b", "e", "a", "c", "d"]);
  });
});

describe("playableTracks", () => {
  it("plays the available entries in order and skips missing files and unmatched lines", () => {
    const entries = [
      entry(1, 0, trackRow(7)),
      entry(2, 1, trackRow(8), "missing"),
      entry(3, 2, null),
      entry(4, 3, trackRow(9)),
      entry(5, 4, trackRow(7)),
    ];
    const { tracks, indexOf } = playableTracks(entries);
    expect(tracks).toEqual([7, 9, 7]);
    expect([...indexOf]).toEqual([
      [1, 0],
      [4, 1],
      [5, 2],
    ]);
  });
});

describe("mosaicCells", () => {
  it("fills a 2×2 grid from up to four covers, repeating two or three", () => {
    expect(mosaicCells([])).toEqual([]);
    expect(mosaicCells([5])).toEqual([5]);
    expect(mosaicCells([5, 6])).toEqual([5, 6, 6, 5]);
    expect(mosaicCells([5, 6, 7])).toEqual([5, 6, 7, 5]);
    expect(mosaicCells([5, 6, 7, 8, 9])).toEqual([5, 6, 7, 8]);
  });
});

describe("unresolvedTitle", () => {
  it("shows the #EXTINF title, else the file name the playlist gave", () => {
    const line = entry(3, 0, null);
    expect(unresolvedTitle(line)).toBe("Lost 3");
    expect(unresolvedTitle({ ...line, source: { location: "D:\\Old rips\\track10.ogg", title: null, duration_ms: null } })).toBe("track10");
  });
});
