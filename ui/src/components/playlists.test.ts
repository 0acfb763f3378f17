import { fireEvent, render, waitFor, within } from "@testing-library/svelte";
import { beforeEach, describe, expect, it } from "vitest";
import { setLocale } from "../lib/i18n.svelte";
import { playlists } from "../lib/playlist-store.svelte";
import { app } from "../lib/store.svelte";
import { commands, entry, mockBackend, playerState, playlist, trackRow, useComponentTests } from "../testing/fixtures";
import ImportDialog from "./ImportDialog.svelte";
import PlaylistEntries from "./PlaylistEntries.svelte";
import PlaylistPage from "./PlaylistPage.svelte";
import QueuePanel from "./QueuePanel.svelte";
import Sidebar from "./Sidebar.svelte";
import TrackMenu from "./TrackMenu.svelte";
import TrackTable from "./TrackTable.svelte";

const byTestId = (root: ParentNode, id: string) => [...root.querySelectorAll<HTMLElement>(`[data-testid="${id}"]`)];
function one(root: ParentNode, selector: string): HTMLElement {
  const el = root.querySelector<HTMLElement>(selector);
  if (!el) throw new Error(`no ${selector}`);
  return el;
}

/** The tracks the "Add to playlist" menu is open for (read through a call: the tests close the
 * menu between clicks, and TypeScript would take it for closed from then on). */
const menuTracks = () => playlists.menu?.tracks;

useComponentTests();

describe("TrackTable multi-selection", () => {
  const tracks = [trackRow(1), trackRow(2), trackRow(3), trackRow(4), trackRow(5)];
  const selected = (root: HTMLElement) =>
    byTestId(root, "track-row")
      .filter((r) => r.classList.contains("selected"))
      .map((r) => Number(r.dataset.trackId));

  it("selects with click, Shift+click and Ctrl+click, and shows a bar for several", async () => {
    mockBackend();
    const { container } = render(TrackTable, { tracks, label: "Tracks" });
    const rows = byTestId(container, "track-row");

    await fireEvent.click(rows[1]);
    expect(selected(container)).toEqual([2]);
    expect(byTestId(container, "selection-bar")).toEqual([]);

    await fireEvent.click(rows[3], { shiftKey: true });
    expect(selected(container)).toEqual([2, 3, 4]);
    await fireEvent.click(rows[2], { ctrlKey: true });
    expect(selected(container)).toEqual([2, 4]);
    await fireEvent.click(rows[4], { metaKey: true });
    expect(selected(container)).toEqual([2, 4, 5]);
    expect(byTestId(container, "selection-bar")[0].textContent).toContain("3 tracks selected");
  });

  it("extends the selection with Shift+arrows and selects all with Ctrl+A", async () => {
    mockBackend();
    const { container } = render(TrackTable, { tracks, label: "Tracks" });
    const rows = byTestId(container, "track-row");
    await fireEvent.click(rows[2]);
    await fireEvent.keyDown(rows[2], { key: "ArrowDown", shiftKey: true });
    await fireEvent.keyDown(rows[2], { key: "ArrowDown", shiftKey: true });
    expect(selected(container)).toEqual([3, 4, 5]);
    await fireEvent.keyDown(rows[2], { key: "ArrowUp", shiftKey: true });
    expect(selected(container)).toEqual([3, 4]);
    await fireEvent.keyDown(rows[2], { key: "a", ctrlKey: true });
    expect(selected(container)).toEqual([1, 2, 3, 4, 5]);
    await fireEvent.keyDown(rows[2], { key: "Escape" });
    expect(selected(container)).toEqual([]);
  });

  it("opens Add to playlist for the selection in table order, from the bar or a selected row", async () => {
    mockBackend();
    const { container } = render(TrackTable, { tracks, label: "Tracks" });
    const rows = byTestId(container, "track-row");
    await fireEvent.click(rows[4]);
    await fireEvent.click(rows[0], { ctrlKey: true });

    await fireEvent.click(byTestId(container, "selection-add-to-playlist")[0]);
    expect(menuTracks()).toEqual([1, 5]);
    expect(playlists.menu?.withQueue).toBe(false);

    playlists.menu = null;
    await fireEvent.click(one(rows[4], '[data-testid="track-add-to-playlist"]'));
    expect(menuTracks()).toEqual([1, 5]);
    // A row outside the selection adds only itself, and leaves the selection alone.
    playlists.menu = null;
    await fireEvent.click(one(rows[2], '[data-testid="track-add-to-playlist"]'));
    expect(menuTracks()).toEqual([3]);
    expect(selected(container)).toEqual([1, 5]);
  });

  it("opens the menu with Play and Add to queue on a right click, selecting the row first", async () => {
    mockBackend();
    const { container } = render(TrackTable, { tracks, label: "Tracks" });
    const rows = byTestId(container, "track-row");
    await fireEvent.click(rows[0]);
    await fireEvent.contextMenu(rows[3], { clientX: 300, clientY: 200 });
    expect(selected(container)).toEqual([4]);
    expect(playlists.menu).toMatchObject({ tracks: [4], withQueue: true, anchor: { x: 300, y: 200 } });
  });

  it("queues the selection from the bar", async () => {
    const calls = mockBackend();
    const { container } = render(TrackTable, { tracks, label: "Tracks" });
    const rows = byTestId(container, "track-row");
    await fireEvent.click(rows[3]);
    await fireEvent.click(rows[1], { shiftKey: true });
    await fireEvent.click(byTestId(container, "selection-enqueue")[0]);
    await waitFor(() => expect(calls).toEqual([{ cmd: "enqueue", args: { tracks: [2, 3, 4], why: [] } }]));
    expect(app.notice).toBe("Added 3 tracks to the queue");
  });
});

describe("TrackMenu", () => {
  const open = (tracks: number[], withQueue = false) => ({ anchor: { x: 10, y: 10 }, tracks, withQueue, opener: null });

  beforeEach(() => {
    playlists.list = [playlist(1, { name: "Focus", entry_count: 12 }), playlist(2, { name: "Road trip", entry_count: 3 })];
  });

  it("lists the playlists with their counts and adds the tracks to the one chosen", async () => {
    const calls = mockBackend({ playlists: () => playlists.list });
    playlists.menu = open([7, 8]);
    const { container } = render(TrackMenu, { menu: playlists.menu });
    const items = byTestId(container, "menu-playlist");
    expect(items.map((i) => i.textContent?.replace(/\s+/g, " ").trim())).toEqual(["Focus 12", "Road trip 3"]);
    await waitFor(() => expect(document.activeElement).toBe(items[0]));

    await fireEvent.click(items[1]);
    await waitFor(() => expect(calls[0]).toEqual({ cmd: "add_to_playlist", args: { playlist: 2, tracks: [7, 8], at: null } }));
    expect(playlists.menu).toBeNull();
    await waitFor(() => expect(app.notice).toBe("Added 2 tracks to “Road trip”"));
  });

  it("creates a new playlist with the tracks under the name typed", async () => {
    const calls = mockBackend({ create_playlist: (a) => playlist(3, { name: a.name as string }) });
    playlists.menu = open([7]);
    const { container } = render(TrackMenu, { menu: playlists.menu });
    await fireEvent.click(byTestId(container, "menu-new-playlist")[0]);
    const field = byTestId(container, "new-playlist-name")[0] as HTMLInputElement;
    expect(field.value).toBe("New playlist");
    await fireEvent.input(field, { target: { value: "Evening" } });
    await fireEvent.submit(field.form as HTMLFormElement);
    await waitFor(() => expect(calls[0]).toEqual({ cmd: "create_playlist", args: { name: "Evening", tracks: [7] } }));
    await waitFor(() => expect(playlists.menu).toBeNull());
  });

  it("moves with the arrow keys and closes on Escape", async () => {
    mockBackend();
    playlists.menu = open([7], true);
    const { container } = render(TrackMenu, { menu: playlists.menu });
    const items = [...container.querySelectorAll<HTMLElement>('[role="menuitem"]')];
    // One track: "Segue to…" (a sonic path from it) follows the queue's items.
    expect(items.map((i) => i.dataset.testid)).toEqual([
      "menu-play",
      "menu-play-next",
      "menu-enqueue",
      "menu-path",
      "menu-playlist",
      "menu-playlist",
      "menu-new-playlist",
    ]);
    await waitFor(() => expect(document.activeElement).toBe(items[0]));
    await fireEvent.keyDown(items[0], { key: "ArrowUp" });
    expect(document.activeElement).toBe(items[6]);
    await fireEvent.keyDown(items[6], { key: "ArrowDown" });
    expect(document.activeElement).toBe(items[0]);
    await fireEvent.keyDown(items[0], { key: "Escape" });
    expect(playlists.menu).toBeNull();
  });
});

describe("PlaylistEntries", () => {
  const entries = [
    entry(11, 0, trackRow(1, { title: "Dawn" })),
    entry(12, 1, trackRow(2, { title: "Noon" }), "missing"),
    entry(13, 2, null),
    entry(14, 3, trackRow(4, { title: "Dusk" })),
  ];

  beforeEach(() => {
    app.view = { kind: "playlist", id: 5 };
    playlists.current = playlist(5, { entry_count: 4 });
    playlists.entries = entries;
  });

  const renderEntries = () => render(PlaylistEntries, { playlist: 5, entries: playlists.entries, label: "Focus" });
  const moves = (calls: ReturnType<typeof mockBackend>) => calls.filter((c) => c.cmd === "move_in_playlist").map((c) => c.args);

  it("greys missing files and unmatched lines, each saying why", () => {
    mockBackend();
    const { container } = renderEntries();
    const rows = byTestId(container, "entry-row");
    expect(rows.map((r) => r.dataset.status)).toEqual(["available", "missing", "unresolved", "available"]);
    expect(rows.map((r) => r.classList.contains("unavailable"))).toEqual([false, true, true, false]);
    expect(rows[1].title).toBe("The file is missing. It plays again once it is back in a library folder.");
    expect(rows[2].title).toBe("Not in your library. The playlist file said: D:\\Music\\lost 13.mp3");
    expect(rows[2].textContent).toContain("Lost 13");
    expect(rows[2].textContent).toContain("1:01");
    // Only entries that can play have a play button.
    expect(rows.map((r) => r.querySelector('[data-testid="play-entry"]') !== null)).toEqual([true, false, false, true]);
  });

  it("moves a dragged row to where it is dropped", async () => {
    const calls = mockBackend({ playlist: () => playlists.current, playlist_entries: () => playlists.entries });
    const { container } = renderEntries();
    const rows = byTestId(container, "entry-row");
    // jsdom has no layout: every row measures 0 px, so a drop lands after the row under it.
    await fireEvent.mouseDown(rows[3], { button: 0, clientY: 100 });
    await fireEvent.mouseMove(window, { clientY: 60 });
    await fireEvent.mouseMove(rows[0], { clientY: 60 });
    expect(rows[1].classList.contains("drop-before")).toBe(true);
    expect(rows[3].classList.contains("moving")).toBe(true);
    await fireEvent.mouseUp(window);
    await waitFor(() => expect(moves(calls)).toEqual([{ playlist: 5, entries: [14], to: 1 }]));
  });

  it("starts a drag from a single move over a row, as a busy WebView merges a quick drag's moves", async () => {
    const calls = mockBackend({ playlist: () => playlists.current, playlist_entries: () => playlists.entries });
    const { container } = renderEntries();
    const rows = byTestId(container, "entry-row");
    await fireEvent.mouseDown(rows[3], { button: 0, clientY: 100 });
    // One move, heard by the row first and then by the window as it bubbles.
    await fireEvent.mouseMove(rows[0], { clientY: 60 });
    expect(rows[1].classList.contains("drop-before")).toBe(true);
    await fireEvent.mouseUp(window);
    await waitFor(() => expect(moves(calls)).toEqual([{ playlist: 5, entries: [14], to: 1 }]));
  });

  it("drops on the row under the pointer when no move over a row was seen before the release", async () => {
    const calls = mockBackend({ playlist: () => playlists.current, playlist_entries: () => playlists.entries });
    const { container } = renderEntries();
    const rows = byTestId(container, "entry-row");
    await fireEvent.mouseDown(rows[3], { button: 0, clientY: 100 });
    await fireEvent.mouseMove(window, { clientY: 60 });
    // jsdom has no layout (rows measure 0 px: the drop lands after the row) nor elementFromPoint.
    document.elementFromPoint = () => rows[0];
    try {
      await fireEvent.mouseUp(window, { clientY: 60 });
    } finally {
      delete (document as { elementFromPoint?: unknown }).elementFromPoint;
    }
    await waitFor(() => expect(moves(calls)).toEqual([{ playlist: 5, entries: [14], to: 1 }]));
  });

  it("does not move a row pressed without moving, and selects it on click", async () => {
    const calls = mockBackend();
    const { container } = renderEntries();
    const rows = byTestId(container, "entry-row");
    await fireEvent.mouseDown(rows[3], { button: 0, clientY: 100 });
    await fireEvent.mouseMove(window, { clientY: 102 });
    await fireEvent.mouseUp(window);
    await fireEvent.click(rows[3]);
    expect(moves(calls)).toEqual([]);
    expect(rows[3].classList.contains("selected")).toBe(true);
  });

  it("moves the selected entries with Alt+arrows and keeps the focus on the moved row", async () => {
    const calls = mockBackend({ playlist: () => playlists.current, playlist_entries: () => playlists.entries });
    // The page passes the store's entries, as the window does, so a move shows at once.
    const { container } = render(PlaylistPage, { id: 5 });
    const rows = () => byTestId(container, "entry-row");
    await waitFor(() => expect(rows()).toHaveLength(4));
    await fireEvent.click(rows()[0]);
    await fireEvent.keyDown(rows()[0], { key: "ArrowDown", altKey: true });
    await waitFor(() => expect(moves(calls)).toEqual([{ playlist: 5, entries: [11], to: 1 }]));
    await waitFor(() => expect((document.activeElement as HTMLElement).dataset.entryId).toBe("11"));
    expect(rows().map((r) => r.dataset.entryId)).toEqual(["12", "11", "13", "14"]);
    // Alt+↑ at the top does nothing.
    await fireEvent.click(rows()[0]);
    await fireEvent.keyDown(rows()[0], { key: "ArrowUp", altKey: true });
    expect(moves(calls)).toHaveLength(1);
  });

  it("removes the selection with Delete, and one row with its button", async () => {
    const calls = mockBackend({ playlist: () => playlists.current, playlist_entries: () => playlists.entries });
    const { container } = renderEntries();
    const rows = byTestId(container, "entry-row");
    await fireEvent.click(rows[1]);
    await fireEvent.click(rows[2], { shiftKey: true });
    await fireEvent.keyDown(rows[2], { key: "Delete" });
    await fireEvent.click(one(rows[0], '[data-testid="remove-entry"]'));
    await waitFor(() =>
      expect(calls.filter((c) => c.cmd === "remove_from_playlist").map((c) => c.args)).toEqual([
        { playlist: 5, entries: [12, 13] },
        { playlist: 5, entries: [11] },
      ]),
    );
  });

  it("plays from a double-clicked row, skipping what cannot play", async () => {
    const calls = mockBackend();
    const { container } = renderEntries();
    const rows = byTestId(container, "entry-row");
    await fireEvent.dblClick(rows[3]);
    await fireEvent.dblClick(rows[1]);
    await waitFor(() => expect(calls.filter((c) => c.cmd === "play_tracks").map((c) => c.args)).toEqual([{ tracks: [1, 4], start: 1 }]));
  });
});

describe("PlaylistPage", () => {
  const shown = playlist(5, { name: "Focus", entry_count: 3, unavailable_count: 1, duration_ms: 47 * 60_000, cover_ids: [1, 2, 3, 4] });
  const entries = [entry(11, 0, trackRow(1)), entry(12, 1, trackRow(2)), entry(13, 2, null)];

  function backend(extra: Parameters<typeof mockBackend>[0] = {}) {
    return mockBackend({ playlist: () => shown, playlist_entries: () => entries, playlists: () => [shown], ...extra });
  }

  beforeEach(() => {
    app.view = { kind: "playlist", id: 5 };
  });

  it("shows the name, count, playing time, what cannot play and a mosaic of four covers", async () => {
    backend();
    const { container } = render(PlaylistPage, { id: 5 });
    await waitFor(() => expect(byTestId(container, "entry-row")).toHaveLength(3));
    expect(byTestId(container, "playlist-name")[0].textContent).toBe("Focus");
    expect(byTestId(container, "playlist-meta")[0].textContent?.replace(/\s+/g, " ").trim()).toBe("3 tracks · 47 min · 1 cannot play");
    expect(container.querySelectorAll('[data-testid="mosaic"] img')).toHaveLength(4);
  });

  it("renames in place: click the name, type, Enter", async () => {
    const calls = backend({ rename_playlist: (a) => ({ ...shown, name: a.name as string }) });
    const { container } = render(PlaylistPage, { id: 5 });
    await waitFor(() => expect(byTestId(container, "playlist-name")).toHaveLength(1));
    await fireEvent.click(byTestId(container, "playlist-name")[0]);
    const field = byTestId(container, "playlist-name-field")[0] as HTMLInputElement;
    await waitFor(() => expect(document.activeElement).toBe(field));
    await fireEvent.input(field, { target: { value: "Deep focus" } });
    await fireEvent.submit(field.form as HTMLFormElement);
    await waitFor(() => expect(calls.find((c) => c.cmd === "rename_playlist")?.args).toEqual({ playlist: 5, name: "Deep focus" }));
    await waitFor(() => expect(byTestId(container, "playlist-name")[0]?.textContent).toBe("Deep focus"));
  });

  it("keeps the name field open with the reason when a name is taken", async () => {
    backend({
      rename_playlist: () => {
        throw { kind: "name_taken", message: "a playlist called Road trip already exists" };
      },
    });
    const { container } = render(PlaylistPage, { id: 5 });
    await waitFor(() => expect(byTestId(container, "playlist-name")).toHaveLength(1));
    await fireEvent.click(byTestId(container, "playlist-name")[0]);
    const field = byTestId(container, "playlist-name-field")[0] as HTMLInputElement;
    await fireEvent.input(field, { target: { value: "road trip" } });
    await fireEvent.submit(field.form as HTMLFormElement);
    await waitFor(() => expect(within(container).getByRole("alert").textContent).toBe("a playlist called Road trip already exists"));
    expect(byTestId(container, "playlist-name-field")).toHaveLength(1);
  });

  it("deletes only after the confirmation", async () => {
    const calls = backend();
    const { container } = render(PlaylistPage, { id: 5 });
    await waitFor(() => expect(byTestId(container, "delete-playlist")).toHaveLength(1));
    await fireEvent.click(byTestId(container, "delete-playlist")[0]);
    const dialog = byTestId(container, "delete-dialog")[0];
    expect(dialog.textContent).toContain("Delete “Focus”?");
    await fireEvent.click(within(dialog).getByRole("button", { name: "Cancel" }));
    expect(byTestId(container, "delete-dialog")).toEqual([]);
    expect(commands(calls)).not.toContain("delete_playlist");

    await fireEvent.click(byTestId(container, "delete-playlist")[0]);
    await fireEvent.click(byTestId(container, "confirm-delete")[0]);
    await waitFor(() => expect(commands(calls)).toContain("delete_playlist"));
    expect(app.view).toEqual({ kind: "tracks" });
  });

  it("shuffles and queues only the entries that can play", async () => {
    const calls = backend();
    const { container } = render(PlaylistPage, { id: 5 });
    await waitFor(() => expect(byTestId(container, "entry-row")).toHaveLength(3));
    await fireEvent.click(byTestId(container, "enqueue-playlist")[0]);
    await fireEvent.click(byTestId(container, "shuffle-playlist")[0]);
    await waitFor(() => expect(calls.find((c) => c.cmd === "enqueue")?.args).toEqual({ tracks: [1, 2], why: [] }));
    await waitFor(() => expect(commands(calls)).toContain("play_tracks"));
    const played = calls.find((c) => c.cmd === "play_tracks")?.args.tracks as number[];
    expect([...played].sort()).toEqual([1, 2]);
  });

  it("shows what an import found and the lines it kept unmatched", async () => {
    backend();
    playlists.lastImport = {
      playlist: shown,
      matched_by_path: 1,
      matched_by_path_suffix: 0,
      matched_by_tags: 1,
      unmatched: [{ line: 9, position: 2, location: "https://radio.example/zoë.ogg", reason: { kind: "not_a_file" } }],
      notes: [{ kind: "read_as_windows1252" }],
    };
    const { container } = render(PlaylistPage, { id: 5 });
    await waitFor(() => expect(byTestId(container, "import-summary")).toHaveLength(1));
    const summary = byTestId(container, "import-summary")[0].textContent?.replace(/\s+/g, " ") ?? "";
    expect(summary).toContain("2 of 3 entries found in your library (1 by path, 1 by artist and title)");
    expect(summary).toContain("1 line matched nothing and is kept:");
    expect(summary).toContain("line 9 https://radio.example/zoë.ogg a web address, not a file");
    expect(summary).toContain("Read as Windows-1252: the file was not UTF-8.");
  });
});

describe("Sidebar playlists", () => {
  it("lists the playlists with their counts and opens one", async () => {
    mockBackend();
    playlists.list = [playlist(1, { name: "Focus", entry_count: 12 }), playlist(2, { name: "Road trip", entry_count: 3 })];
    const { container } = render(Sidebar);
    const items = byTestId(container, "sidebar-playlist");
    expect(items.map((i) => i.textContent?.replace(/\s+/g, " ").trim())).toEqual(["Focus 12", "Road trip 3"]);
    app.query = "dawn";
    await fireEvent.click(items[1]);
    expect(app.view).toEqual({ kind: "playlist", id: 2 });
    expect(app.query).toBe("");
    expect(items[1].classList.contains("active")).toBe(true);
  });

  it("makes a new playlist and opens the import dialog", async () => {
    const calls = mockBackend({ create_playlist: (a) => playlist(3, { name: a.name as string }) });
    const { container } = render(Sidebar);
    await fireEvent.click(byTestId(container, "new-playlist")[0]);
    await waitFor(() => expect(calls[0]).toEqual({ cmd: "create_playlist", args: { name: "New playlist", tracks: [] } }));
    await fireEvent.click(byTestId(container, "import-playlist")[0]);
    expect(playlists.importOpen).toBe(true);
  });

  it("speaks Chinese", () => {
    mockBackend();
    setLocale("zh-CN");
    const { container } = render(Sidebar);
    expect(container.textContent).toContain("播放列表");
    expect(byTestId(container, "new-playlist")[0].textContent).toContain("新建播放列表");
  });
});

describe("ImportDialog", () => {
  it("imports a typed path, and shows why a file is refused", async () => {
    playlists.importOpen = true;
    const calls = mockBackend({
      import_playlist: () => {
        throw { kind: "bad_playlist_file", message: "notes.txt is not an M3U playlist" };
      },
    });
    const { container } = render(ImportDialog);
    const field = byTestId(container, "import-path")[0];
    await fireEvent.input(field, { target: { value: "/tmp/notes.txt" } });
    await fireEvent.click(byTestId(container, "import-submit")[0]);
    await waitFor(() => expect(byTestId(container, "import-problem")[0]?.textContent).toBe("notes.txt is not an M3U playlist"));
    expect(calls[0]).toEqual({ cmd: "import_playlist", args: { path: "/tmp/notes.txt", name: "notes" } });
    await fireEvent.keyDown(field, { key: "Escape" });
    expect(playlists.importOpen).toBe(false);
  });
});

describe("QueuePanel and playlists", () => {
  it("adds the whole queue, or one queued track, to a playlist", async () => {
    mockBackend();
    app.tracks = [trackRow(7), trackRow(8), trackRow(9)];
    app.player = playerState({ track_id: 7, index: 0, queue: [7, 8, 9].map((track_id) => ({ track_id, why: [], autoplay: false })) });
    const { container } = render(QueuePanel);
    await fireEvent.click(byTestId(container, "queue-to-playlist")[0]);
    expect(menuTracks()).toEqual([7, 8, 9]);
    playlists.menu = null;
    await fireEvent.click(byTestId(container, "queued-to-playlist")[1]);
    expect(menuTracks()).toEqual([9]);
  });
});
