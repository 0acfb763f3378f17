import { emit } from "@tauri-apps/api/event";
import { clearMocks } from "@tauri-apps/api/mocks";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { EVENTS, type MapView } from "../api";
import { mockBackend, resetApp, trackRow } from "../testing/fixtures";
import { setLocale } from "./i18n.svelte";
import { inside, mapStore, toPoints } from "./map-store.svelte";
import { app } from "./store.svelte";

beforeEach(() => {
  resetApp();
  setLocale("en");
  mapStore.selection = [];
  mapStore.picked = null;
});
afterEach(async () => {
  await mapStore.close();
  clearMocks();
});

const view: MapView = {
  track_ids: [4, 9, 12],
  x: [0, 1, -1],
  y: [0, 0.5, 2],
  labels: [{ x: 0, y: 0, tag: "ambient", tracks: 3 }],
  unplaced: 1,
};

describe("points and the lasso", () => {
  it("keeps the points as typed columns and finds a track's position", () => {
    const p = toPoints(view);
    expect([...p.ids]).toEqual([4, 9, 12]);
    expect(p.index.get(12)).toBe(2);
    expect(p.y[1]).toBeCloseTo(0.5);
  });

  it("takes the points inside a lasso, whatever its winding", () => {
    const square: [number, number][] = [
      [-0.5, -0.5],
      [1.5, -0.5],
      [1.5, 1],
      [-0.5, 1],
    ];
    const taken = (polygon: [number, number][]) =>
      view.track_ids.filter((_, i) => inside(polygon, view.x[i], view.y[i]));
    expect(taken(square)).toEqual([4, 9]);
    expect(taken([...square].reverse())).toEqual([4, 9]);
    expect(taken([square[0], square[1]])).toEqual([]);
  });
});

describe("the map store", () => {
  it("opens with the points and the listening colours, then the tags", async () => {
    const calls = mockBackend({
      map_view: () => view,
      map_status: () => ({ running: false, progress: 1, message: null }),
      map_colours: () => ({ values: [0, 3, 1] }),
      map_tags: () => ["ambient", "rock"],
    });
    await mapStore.open();
    expect(mapStore.points?.index.get(9)).toBe(1);
    expect([...mapStore.colours]).toEqual([0, 3, 1]);
    expect(mapStore.tags).toEqual(["ambient", "rock"]);
    expect(calls.find((c) => c.cmd === "map_colours")?.args).toEqual({ by: { kind: "listening" } });
  });

  it("a layout that finishes while the map opens is drawn, not the answer it overtook", async () => {
    // The layout job ends between the window asking for the points and getting them: the
    // stale answer (no points, "laying out") must not stay on screen.
    const running = { running: true, progress: 0, message: null };
    const finished = { running: false, progress: 1, message: "Laid out 3 tracks." };
    let laidOut = false;
    let release: () => void = () => {};
    const firstAnswer = new Promise<void>((resolve) => (release = resolve));
    mockBackend({
      map_view: async () => {
        if (laidOut) return view;
        await firstAnswer;
        return { track_ids: [], x: [], y: [], labels: [], unplaced: 3 };
      },
      map_status: () => (laidOut ? finished : running),
      map_colours: () => ({ values: [0, 0, 0] }),
      map_tags: () => ["ambient"],
    });
    const opening = mapStore.open();
    await new Promise((r) => setTimeout(r, 0));
    laidOut = true;
    await emit(EVENTS.library, { kind: "map_finished", status: finished });
    release();
    await opening;
    await vi.waitFor(() => expect(mapStore.view?.track_ids).toEqual([4, 9, 12]));
    expect(mapStore.status).toEqual(finished);
    await vi.waitFor(() => expect([...mapStore.colours]).toEqual([0, 0, 0]));
  });

  it("a click plays the track and lists its true neighbours", async () => {
    app.tracks = [trackRow(4), trackRow(9)];
    const calls = mockBackend({
      map_neighbours: () => [{ track_id: 9, title: "Track 9", artist: null, similarity: 0.8 }],
    });
    await mapStore.pick(4);
    expect(calls.find((c) => c.cmd === "play_tracks")?.args).toEqual({ tracks: [4], start: 0 });
    expect(mapStore.neighbours.map((n) => n.track_id)).toEqual([9]);
  });

  it("queues the lasso's tracks and makes a playlist of them", async () => {
    const calls = mockBackend({
      create_playlist: (args) => ({ id: 5, name: args.name, entry_count: 2 }),
      playlists: () => [],
    });
    mapStore.select([4, 9]);
    await mapStore.queueSelection();
    expect(calls.find((c) => c.cmd === "enqueue")?.args).toMatchObject({ tracks: [4, 9] });
    await mapStore.playlistFromSelection();
    expect(calls.find((c) => c.cmd === "create_playlist")?.args).toEqual({ name: "From the map", tracks: [4, 9] });
    expect(mapStore.selection).toEqual([]);
  });
});
