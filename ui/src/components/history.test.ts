// History rows and the most played lists play again or queue, with mocked IPC.
import { clearMocks } from "@tauri-apps/api/mocks";
import { cleanup, fireEvent, render, waitFor } from "@testing-library/svelte";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { HistoryEntry, ListeningStats } from "../api";
import { setLocale } from "../lib/i18n.svelte";
import { playlists } from "../lib/playlist-store.svelte";
import { app } from "../lib/store.svelte";
import { mockBackend, resetApp, stubResizeObserver, trackRow } from "../testing/fixtures";
import History from "./History.svelte";

const byTestId = (root: ParentNode, id: string) => [...root.querySelectorAll<HTMLElement>(`[data-testid="${id}"]`)];

const play = (play_id: number, track_id: number): HistoryEntry => ({
  play_id,
  track_id,
  started_at_ms: Date.now() - play_id * 60_000,
  listened_ms: 120_000,
  outcome: "completed",
  full_listen: true,
  imported: false,
});

// Track 9 was played but has left the library since.
const history = [play(1, 2), play(2, 9), { ...play(3, 3), imported: true }];
const stats: ListeningStats = {
  days: [],
  top_artists: [
    { track_id: null, name: "Ann", plays: 5 },
    { track_id: null, name: "Nobody Now", plays: 2 },
  ],
  top_tracks: [
    { track_id: 3, name: "Ann — Dusk", plays: 4 },
    { track_id: 9, name: "Gone — Away", plays: 1 },
  ],
  plays: 3,
  skipped: 0,
  listened_ms: 360_000,
};

function backend() {
  return mockBackend({ history: () => history, listening_stats: () => stats });
}
const sent = (calls: { cmd: string }[]) => calls.filter((c) => !["history", "listening_stats", "rotation"].includes(c.cmd));

beforeAll(stubResizeObserver);
beforeEach(() => {
  resetApp();
  setLocale("en");
  app.tracks = [
    trackRow(1, { artist: "Ann" }),
    trackRow(2, { artist: "Bob" }),
    trackRow(3, { artist: "Ann", title: "Dusk" }),
  ];
});
afterEach(() => {
  cleanup();
  clearMocks();
});

async function shown() {
  const calls = backend();
  const view = render(History);
  await waitFor(() => expect(byTestId(view.container, "play")).toHaveLength(3));
  return { calls, container: view.container };
}

describe("History", () => {
  it("marks a listen imported from another service's history", async () => {
    const { container } = await shown();
    const rows = byTestId(container, "play");
    expect(rows.map((r) => byTestId(r, "imported").map((m) => m.textContent))).toEqual([[], [], ["imported"]]);
    expect(byTestId(rows[2], "imported")[0].title).toBe("Imported from another service's history (ListenBrainz, Last.fm)");
  });

  it("plays a row's track again, by button or double click", async () => {
    const { calls, container } = await shown();
    const rows = byTestId(container, "play");
    await fireEvent.click(byTestId(rows[0], "history-play")[0]);
    await waitFor(() => expect(sent(calls)).toEqual([{ cmd: "play_tracks", args: { tracks: [2], start: 0 } }]));
    await fireEvent.dblClick(rows[2]);
    await waitFor(() => expect(sent(calls)[1]).toEqual({ cmd: "play_tracks", args: { tracks: [3], start: 0 } }));
  });

  it("plays a row next or adds it to the queue", async () => {
    const { calls, container } = await shown();
    const row = byTestId(container, "play")[2];
    await fireEvent.click(byTestId(row, "history-play-next")[0]);
    await fireEvent.click(byTestId(row, "history-enqueue")[0]);
    await waitFor(() =>
      expect(sent(calls)).toEqual([
        { cmd: "play_next", args: { tracks: [3] } },
        { cmd: "enqueue", args: { tracks: [3], why: [] } },
      ]),
    );
  });

  it("opens the track menu on a right click, with Play next", async () => {
    const { container } = await shown();
    await fireEvent.contextMenu(byTestId(container, "play")[0], { clientX: 40, clientY: 50 });
    expect(playlists.menu).toMatchObject({ tracks: [2], withQueue: true, anchor: { x: 40, y: 50 } });
  });

  it("offers nothing for a track no longer in the library", async () => {
    const { calls, container } = await shown();
    const gone = byTestId(container, "play")[1];
    expect(gone.classList.contains("gone")).toBe(true);
    for (const id of ["history-play", "history-play-next", "history-enqueue"]) {
      expect((byTestId(gone, id)[0] as HTMLButtonElement).disabled).toBe(true);
    }
    await fireEvent.dblClick(gone);
    expect(sent(calls)).toEqual([]);
  });

  it("plays again from the most played tracks and artists", async () => {
    const { calls, container } = await shown();
    const [dusk, away] = byTestId(container, "top-track-play") as HTMLButtonElement[];
    expect(away.disabled).toBe(true);
    await fireEvent.click(dusk);
    await waitFor(() => expect(sent(calls)).toEqual([{ cmd: "play_tracks", args: { tracks: [3], start: 0 } }]));
    const [ann, nobody] = byTestId(container, "top-artist-play") as HTMLButtonElement[];
    expect(nobody.disabled).toBe(true);
    await fireEvent.click(ann);
    await waitFor(() => expect(sent(calls)[1]).toEqual({ cmd: "play_tracks", args: { tracks: [1, 3], start: 0 } }));
  });
});

describe("the rotation card", () => {
  it("lists rising artists and fading favourites with their weeks, and starts a fading favourite's radio", async () => {
    const calls = mockBackend({
      history: () => history,
      listening_stats: () => stats,
      rotation: () => ({
        rising: [{ name: "Ann", weekly: [0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 5], recent: 11, usual: 0 }],
        fading: [{ name: "Bob", weekly: [3, 3, 2, 3, 2, 2, 3, 1, 0, 0, 0, 0], recent: 0, usual: 9.6 }],
        recent_weeks: 4,
        forecast: null,
      }),
    });
    const { container } = render(History);
    await waitFor(() => expect(byTestId(container, "rotation")).toHaveLength(1));
    const rising = byTestId(container, "rising-artist");
    expect(rising.map((r) => r.textContent?.replace(/\s+/g, " ").trim())).toEqual(["Ann 11 plays in 4 weeks"]);
    const fading = byTestId(container, "fading-artist");
    expect(fading[0].textContent?.replace(/\s+/g, " ").trim()).toBe("Bob usually 10 in 4 weeks");
    expect(container.querySelectorAll(".spark polyline")).toHaveLength(2);
    await fireEvent.click(byTestId(container, "fading-radio")[0]);
    await waitFor(() => expect(calls.some((c) => c.cmd === "start_radio")).toBe(true));
    expect(calls.find((c) => c.cmd === "start_radio")?.args).toEqual({ seed: { kind: "artist", value: "Bob" } });
  });

  it("shows next week's forecast with its band and how much it beat last week", async () => {
    mockBackend({
      history: () => history,
      listening_stats: () => stats,
      rotation: () => ({
        rising: [],
        fading: [],
        recent_weeks: 4,
        forecast: {
          backtest: { chosen: "ewma", chosen_mase: 0.75, naive_mase: 1.0, series: 6 },
          next_week: [
            { name: "Ann", plays: 6.2, low: 3.0, high: 9.4 },
            { name: "Bob", plays: 1.1, low: 0, high: 2.4 },
          ],
        },
      }),
    });
    const { container } = render(History);
    await waitFor(() => expect(byTestId(container, "forecast-artist")).toHaveLength(2));
    expect(byTestId(container, "forecast-artist").map((r) => r.textContent?.replace(/\s+/g, " ").trim())).toEqual([
      "Ann about 6 plays (3–9)",
      "Bob about 1 play (0–2)",
    ]);
    expect(byTestId(container, "forecast-note")[0].textContent?.trim()).toBe(
      "Forecast by a weighted mean: 25 % closer than last week's plays on your own history.",
    );
    setLocale("zh-CN");
    await waitFor(() => expect(byTestId(container, "forecast-note")[0].textContent).toContain("加权平均"));
  });

  it("is left out while nothing moves", async () => {
    mockBackend({ history: () => history, listening_stats: () => stats, rotation: () => ({ rising: [], fading: [], recent_weeks: 4, forecast: null }) });
    const { container } = render(History);
    await waitFor(() => expect(byTestId(container, "top-artist").length).toBeGreaterThan(0));
    expect(byTestId(container, "rotation")).toHaveLength(0);
  });
});
