// The queue panel and "Play next" with mocked IPC: each control sends the command the Rust side
// takes, with queue indices counted in the whole queue.
import { clearMocks } from "@tauri-apps/api/mocks";
import { cleanup, fireEvent, render, waitFor } from "@testing-library/svelte";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { QueueEntry } from "../api";
import { setLocale } from "../lib/i18n.svelte";
import { playlists } from "../lib/playlist-store.svelte";
import { app } from "../lib/store.svelte";
import { mockBackend, playerState, playlist, resetApp, stubResizeObserver, trackRow } from "../testing/fixtures";
import QueuePanel from "./QueuePanel.svelte";
import TrackMenu from "./TrackMenu.svelte";
import TrackTable from "./TrackTable.svelte";

const byTestId = (root: ParentNode, id: string) => [...root.querySelectorAll<HTMLElement>(`[data-testid="${id}"]`)];
const entry = (track_id: number, autoplay = false): QueueEntry => ({ track_id, why: [], autoplay });
const titles = (rows: HTMLElement[]) => rows.map((r) => r.querySelector(".title")?.textContent);

beforeAll(stubResizeObserver);
beforeEach(() => {
  resetApp();
  setLocale("en");
  app.tracks = [1, 2, 3, 4, 5, 6].map((id) => trackRow(id));
  // Played 1, playing 2, queued 3 and 4, then autoplay's 5 and 6.
  app.player = playerState({
    track_id: 2,
    index: 1,
    queue: [entry(1), entry(2), entry(3), entry(4), entry(5, true), entry(6, true)],
  });
});
afterEach(() => {
  cleanup();
  clearMocks();
});

describe("QueuePanel", () => {
  it("shows what the listener queued apart from what autoplay added", () => {
    mockBackend();
    const { container } = render(QueuePanel);
    const queued = byTestId(container, "queue-queued")[0];
    const autoplay = byTestId(container, "queue-autoplay")[0];
    expect(titles(byTestId(queued, "queued"))).toEqual(["Track 3", "Track 4"]);
    expect(titles(byTestId(autoplay, "queued"))).toEqual(["Track 5", "Track 6"]);
    expect(container.textContent).toContain("Added by autoplay");
  });

  it("removes an entry by its index in the whole queue, by button or Delete", async () => {
    const calls = mockBackend();
    const { container } = render(QueuePanel);
    const rows = byTestId(container, "queued");
    await fireEvent.click(byTestId(rows[1], "queued-remove")[0]);
    await waitFor(() => expect(calls).toEqual([{ cmd: "remove_from_queue", args: { indices: [3] } }]));
    await fireEvent.keyDown(rows[2], { key: "Delete" });
    await waitFor(() => expect(calls[1]).toEqual({ cmd: "remove_from_queue", args: { indices: [4] } }));
  });

  it("moves an entry with Alt+arrows, never above the playing track", async () => {
    const calls = mockBackend();
    const { container } = render(QueuePanel);
    const rows = byTestId(container, "queued");
    await fireEvent.keyDown(rows[0], { key: "ArrowDown", altKey: true });
    await waitFor(() => expect(calls).toEqual([{ cmd: "move_in_queue", args: { from: 2, to: 3 } }]));
    await fireEvent.keyDown(rows[0], { key: "ArrowUp", altKey: true });
    await fireEvent.keyDown(rows[3], { key: "ArrowDown", altKey: true });
    await fireEvent.keyDown(rows[1], { key: "ArrowUp", altKey: true });
    await waitFor(() => expect(calls).toHaveLength(2));
    expect(calls[1]).toEqual({ cmd: "move_in_queue", args: { from: 3, to: 2 } });
  });

  it("moves an entry dragged below another", async () => {
    const calls = mockBackend();
    const { container } = render(QueuePanel);
    const rows = byTestId(container, "queued");
    // jsdom lays nothing out: every row is 0 px high at 0, so a pointer at y 5 is in its lower half.
    await fireEvent.mouseDown(rows[0], { button: 0, clientY: 0 });
    await fireEvent.mouseMove(window, { clientY: 20 });
    await fireEvent.mouseMove(rows[2], { clientY: 5 });
    expect(rows[2].classList.contains("drop-after")).toBe(true);
    await fireEvent.mouseUp(window);
    // Entry 2 (track 3) dropped after entry 4 (track 5) lands at index 4.
    await waitFor(() => expect(calls).toEqual([{ cmd: "move_in_queue", args: { from: 2, to: 4 } }]));
  });

  it("clears the queue but for the playing track", async () => {
    const calls = mockBackend();
    const { container } = render(QueuePanel);
    await fireEvent.click(byTestId(container, "queue-clear")[0]);
    await waitFor(() => expect(calls).toEqual([{ cmd: "clear_queue", args: {} }]));
  });

  it("saves the queue as a playlist under the name typed, then lists it", async () => {
    const calls = mockBackend({
      save_queue_as_playlist: (a) => playlist(4, { name: a.name as string }),
      playlists: () => [playlist(4, { name: "Late night" })],
    });
    playlists.list = [playlist(1, { name: "Queue" })];
    const { container } = render(QueuePanel);
    await fireEvent.click(byTestId(container, "queue-save")[0]);
    const field = byTestId(container, "queue-save-name")[0] as HTMLInputElement;
    // "Queue" is taken: the offered name is free.
    expect(field.value).toBe("Queue 2");
    await fireEvent.input(field, { target: { value: "Late night" } });
    await fireEvent.submit(field.form as HTMLFormElement);
    await waitFor(() => expect(calls[0]).toEqual({ cmd: "save_queue_as_playlist", args: { name: "Late night" } }));
    await waitFor(() => expect(app.notice).toBe("Saved the queue as Late night"));
    await waitFor(() => expect(playlists.list.map((p) => p.name)).toEqual(["Late night"]));
    expect(byTestId(container, "queue-save-form")).toEqual([]);
  });

  it("keeps the form and shows why when the name is refused", async () => {
    mockBackend({
      save_queue_as_playlist: () => {
        throw { kind: "name_taken", message: "a playlist called Late night exists" };
      },
    });
    const { container } = render(QueuePanel);
    await fireEvent.click(byTestId(container, "queue-save")[0]);
    await fireEvent.submit(byTestId(container, "queue-save-form")[0]);
    await waitFor(() => expect(app.error).toBe("a playlist called Late night exists"));
    expect(byTestId(container, "queue-save-form")).toHaveLength(1);
  });
});

describe("Play next", () => {
  it("plays the selection next from the selection bar", async () => {
    const calls = mockBackend();
    const { container } = render(TrackTable, { tracks: app.tracks, label: "Tracks" });
    const rows = byTestId(container, "track-row");
    await fireEvent.click(rows[1]);
    await fireEvent.click(rows[3], { shiftKey: true });
    await fireEvent.click(byTestId(container, "selection-play-next")[0]);
    await waitFor(() => expect(calls).toEqual([{ cmd: "play_next", args: { tracks: [2, 3, 4] } }]));
    expect(app.notice).toBe("3 tracks play next");
  });

  it("plays a row next from its menu", async () => {
    const calls = mockBackend();
    playlists.menu = { anchor: { x: 10, y: 10 }, tracks: [6], withQueue: true, opener: null };
    const { container } = render(TrackMenu, { menu: playlists.menu });
    await fireEvent.click(byTestId(container, "menu-play-next")[0]);
    await waitFor(() => expect(calls).toEqual([{ cmd: "play_next", args: { tracks: [6] } }]));
    expect(playlists.menu).toBeNull();
    expect(app.notice).toBe("1 track plays next");
  });

  it("shows the refusal when the command fails", async () => {
    mockBackend({
      play_next: () => {
        throw { kind: "not_found", message: "no track 9" };
      },
    });
    await app.playNext([9]);
    expect(app.error).toBe("no track 9");
    expect(app.notice).toBeNull();
  });
});
