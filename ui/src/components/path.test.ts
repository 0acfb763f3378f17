import { clearMocks } from "@tauri-apps/api/mocks";
import { cleanup, fireEvent, render, waitFor } from "@testing-library/svelte";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { SonicPath } from "../bindings/SonicPath";
import { setLocale } from "../lib/i18n.svelte";
import { paths } from "../lib/path-store.svelte";
import { app } from "../lib/store.svelte";
import { mockBackend, resetApp, stubResizeObserver, trackRow } from "../testing/fixtures";
import PathPanel from "./PathPanel.svelte";

const byTestId = (root: ParentNode, id: string) => [...root.querySelectorAll<HTMLElement>(`[data-testid="${id}"]`)];

/** The path the Rust side would send: Nebula → Rain → Dawn, with the reasons' parts. */
const drawn: SonicPath = {
  artist_gap: 15,
  album_gap: 25,
  steps: [
    { track_id: 1, distance: 0, reason: "", why: [{ smooth_join: false, details: [{ id: "path_start", to: "Dawn" }] }] },
    {
      track_id: 2,
      distance: 0.4,
      reason: "",
      why: [
        {
          smooth_join: false,
          details: [{ id: "bridges", from: "Nebula", to: "Dawn", leaving: "ambient", towards: "orchestral" }],
        },
        { smooth_join: false, details: [{ id: "tempo", from_bpm: 92, to_bpm: 96, feel: "plain" }, { id: "key", join: "neighbouring" }] },
      ],
    },
    { track_id: 3, distance: 0.5, reason: "", why: [{ smooth_join: false, details: [{ id: "path_end", from: "Rain" }] }] },
  ],
};

beforeAll(stubResizeObserver);
beforeEach(() => {
  resetApp();
  setLocale("en");
  app.tracks = [trackRow(1, { title: "Nebula" }), trackRow(2, { title: "Rain" }), trackRow(3, { title: "Dawn" })];
});
afterEach(() => {
  cleanup();
  clearMocks();
  paths.close();
});

describe("PathPanel", () => {
  it("draws a path to a chosen track, lists each step with why, saves and plays it", async () => {
    const calls = mockBackend({
      tag_facets: () => [{ kind: "mood", label: "ambient", track_ids: [1] }],
      sonic_path: () => drawn,
      create_playlist: () => ({ id: 9, name: "Nebula → Dawn", entry_count: 3, unavailable: 0, duration_ms: 0 }),
      playlists: () => [],
      play_tracks: () => null,
    });
    await paths.open(1);
    const { container } = render(PathPanel);
    await fireEvent.input(byTestId(container, "path-end")[0], { target: { value: "daw" } });
    const matches = byTestId(container, "path-match");
    expect(matches.map((m) => m.textContent?.trim())).toEqual(["Track: Dawn"]);
    await fireEvent.click(matches[0]);

    await waitFor(() => expect(byTestId(container, "path-step")).toHaveLength(3));
    expect(calls.find((c) => c.cmd === "sonic_path")?.args).toEqual({ from: 1, toTrack: 3, toTag: null, count: 12 });
    const steps = byTestId(container, "path-step");
    expect(steps[1].textContent).toContain("Rain");
    expect(steps[1].textContent).toContain("Bridges Nebula → Dawn: ambient towards orchestral; 92 → 96 BPM, neighbouring key");
    expect(steps[0].textContent).toContain("Sets out towards Dawn");

    await fireEvent.click(byTestId(container, "path-save")[0]);
    const name = byTestId(container, "path-playlist-name")[0] as HTMLInputElement;
    expect(name.value).toBe("Nebula → Dawn");
    await fireEvent.click(byTestId(container, "path-save-confirm")[0]);
    await waitFor(() => expect(calls.some((c) => c.cmd === "create_playlist")).toBe(true));
    expect(calls.find((c) => c.cmd === "create_playlist")?.args).toEqual({ name: "Nebula → Dawn", tracks: [1, 2, 3] });

    await fireEvent.click(byTestId(container, "path-play")[0]);
    await waitFor(() => expect(calls.some((c) => c.cmd === "play_tracks")).toBe(true));
    expect(calls.find((c) => c.cmd === "play_tracks")?.args).toMatchObject({ tracks: [1, 2, 3], start: 0 });
  });

  it("offers tags as ends and shows a refusal in the Rust side's words", async () => {
    const calls = mockBackend({
      tag_facets: () => [{ kind: "mood", label: "ambient", track_ids: [1] }],
      sonic_path: () => {
        throw { kind: "invalid_input", message: "a path has at most 200 tracks, not 500" };
      },
    });
    await paths.open(1);
    paths.length = 500;
    const { container } = render(PathPanel);
    await fireEvent.input(byTestId(container, "path-end")[0], { target: { value: "amb" } });
    const matches = byTestId(container, "path-match");
    expect(matches.map((m) => m.textContent?.trim())).toEqual(["Tag: ambient"]);
    await fireEvent.click(matches[0]);
    await waitFor(() => expect(byTestId(container, "path-error")).toHaveLength(1));
    expect(byTestId(container, "path-error")[0].textContent).toBe("a path has at most 200 tracks, not 500");
    expect(calls.find((c) => c.cmd === "sonic_path")?.args).toEqual({ from: 1, toTrack: null, toTag: "ambient", count: 500 });
  });
});
