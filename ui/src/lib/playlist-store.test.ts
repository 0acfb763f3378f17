import { clearMocks } from "@tauri-apps/api/mocks";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ImportReport } from "../api";
import { commands, entry, mockBackend, playlist, resetApp, trackRow } from "../testing/fixtures";
import { setLocale } from "./i18n.svelte";
import { playlists } from "./playlist-store.svelte";
import { app } from "./store.svelte";

beforeEach(() => {
  resetApp();
  setLocale("en");
});
afterEach(() => clearMocks());

const notFound = () => {
  throw { kind: "not_found", message: "No playlist 4" };
};

describe("creating and adding", () => {
  it("creates a playlist with tracks, reloads the list and says what it did", async () => {
    const created = playlist(3, { name: "Road trip", entry_count: 2 });
    const calls = mockBackend({ create_playlist: () => created, playlists: () => [created] });

    expect(await playlists.create("Road trip", [7, 8])).toEqual(created);

    expect(calls).toEqual([
      { cmd: "create_playlist", args: { name: "Road trip", tracks: [7, 8] } },
      { cmd: "playlists", args: {} },
    ]);
    expect(playlists.list).toEqual([created]);
    expect(app.notice).toBe("Created “Road trip” with 2 tracks");
  });

  it("names a new empty playlist after the ones taken and opens it ready to rename", async () => {
    playlists.list = [playlist(1, { name: "New playlist" })];
    const calls = mockBackend({ create_playlist: (a) => playlist(2, { name: a.name as string }) });

    await playlists.createEmpty();

    expect(calls[0]).toEqual({ cmd: "create_playlist", args: { name: "New playlist 2", tracks: [] } });
    expect(app.view).toEqual({ kind: "playlist", id: 2 });
    expect(playlists.renaming).toBe(2);
  });

  it("shows the store's refusal and creates nothing", async () => {
    mockBackend({
      create_playlist: () => {
        throw { kind: "name_taken", message: "a playlist called Mix already exists" };
      },
    });
    expect(await playlists.create("mix", [1])).toBeNull();
    expect(app.error).toBe("a playlist called Mix already exists");
  });

  it("adds tracks at the end and refreshes the open page", async () => {
    playlists.list = [playlist(4, { name: "Focus" })];
    app.view = { kind: "playlist", id: 4 };
    const calls = mockBackend({ playlist: () => playlist(4, { name: "Focus", entry_count: 3 }), playlist_entries: () => [] });

    await playlists.addTracks(4, [7, 8, 9]);

    expect(calls[0]).toEqual({ cmd: "add_to_playlist", args: { playlist: 4, tracks: [7, 8, 9], at: null } });
    expect(commands(calls).slice(1).sort()).toEqual(["playlist", "playlist_entries", "playlists"]);
    expect(app.notice).toBe("Added 3 tracks to “Focus”");
  });
});

describe("editing the open playlist", () => {
  const entries = [entry(1, 0, trackRow(7)), entry(2, 1, trackRow(8)), entry(3, 2, trackRow(9)), entry(4, 3, null)];

  beforeEach(() => {
    app.view = { kind: "playlist", id: 4 };
    playlists.current = playlist(4, { entry_count: 4 });
    playlists.entries = entries;
  });

  it("shows a move at once, then sends it as the store takes it", async () => {
    let release: () => void = () => {};
    const sent = new Promise<void>((r) => (release = r));
    const calls = mockBackend({
      move_in_playlist: () => sent,
      playlist: () => playlist(4),
      playlist_entries: () => [entries[2], entries[0], entries[1], entries[3]],
    });

    const moving = playlists.move(4, [3], 0);
    expect(playlists.entries.map((e) => e.id)).toEqual([3, 1, 2, 4]);
    release();
    await moving;

    expect(calls[0]).toEqual({ cmd: "move_in_playlist", args: { playlist: 4, entries: [3], to: 0 } });
    expect(playlists.entries.map((e) => e.id)).toEqual([3, 1, 2, 4]);
  });

  it("keeps a move when a load asked before it answers after it", async () => {
    // The page reloads while analysis changes the library; under load, such an answer can
    // come after the move (CI once saw a drag's new order replaced by the old one).
    let answerOld: () => void = () => {};
    const oldAnswer = new Promise<void>((r) => (answerOld = r));
    let moved = false;
    mockBackend({
      move_in_playlist: () => {
        moved = true;
      },
      playlist: () => playlist(4),
      playlist_entries: async () => {
        if (moved) return [entries[2], entries[0], entries[1], entries[3]];
        await oldAnswer;
        return entries;
      },
    });

    const stale = playlists.loadEntries(4);
    await playlists.move(4, [3], 0);
    answerOld();
    await stale;

    expect(playlists.entries.map((e) => e.id)).toEqual([3, 1, 2, 4]);
  });

  it("goes back to what the store holds when a move is refused", async () => {
    mockBackend({
      move_in_playlist: () => {
        throw { kind: "not_found", message: "entry 3 is no longer in the playlist" };
      },
      playlist: () => playlist(4),
      playlist_entries: () => entries,
    });
    await playlists.move(4, [3], 0);
    expect(playlists.entries.map((e) => e.id)).toEqual([1, 2, 3, 4]);
    expect(app.error).toBe("entry 3 is no longer in the playlist");
  });

  it("removes entries by entry id", async () => {
    const calls = mockBackend({ playlist: () => playlist(4), playlist_entries: () => [entries[0], entries[3]] });
    await playlists.removeEntries(4, [2, 3]);
    expect(calls[0]).toEqual({ cmd: "remove_from_playlist", args: { playlist: 4, entries: [2, 3] } });
    expect(playlists.entries.map((e) => e.id)).toEqual([1, 4]);
  });

  it("plays the entries that can play, from the chosen one", async () => {
    playlists.entries = [entry(1, 0, trackRow(7), "missing"), entry(2, 1, trackRow(8)), entry(3, 2, null), entry(5, 3, trackRow(9))];
    const calls = mockBackend();
    await playlists.play(5);
    await playlists.play();
    await playlists.play(1);
    expect(calls).toEqual([
      { cmd: "play_tracks", args: { tracks: [8, 9], start: 1 } },
      { cmd: "play_tracks", args: { tracks: [8, 9], start: 0 } },
    ]);
  });

  it("renames, or says why not and keeps the name", async () => {
    mockBackend({ rename_playlist: (a) => playlist(4, { name: a.name as string }), playlists: () => [] });
    expect(await playlists.rename(4, "Evening")).toBeNull();
    expect(playlists.current?.name).toBe("Evening");

    mockBackend({
      rename_playlist: () => {
        throw { kind: "name_taken", message: "a playlist called Focus already exists" };
      },
    });
    expect(await playlists.rename(4, "focus")).toBe("a playlist called Focus already exists");
    expect(playlists.current?.name).toBe("Evening");
  });

  it("duplicates under a free name and opens the copy", async () => {
    playlists.list = [playlist(4, { name: "Focus" }), playlist(5, { name: "Focus (copy)" })];
    const calls = mockBackend({ duplicate_playlist: (a) => playlist(6, { name: a.name as string }) });
    await playlists.duplicate(4);
    expect(calls[0]).toEqual({ cmd: "duplicate_playlist", args: { playlist: 4, name: "Focus (copy) 2" } });
    expect(app.view).toEqual({ kind: "playlist", id: 6 });
  });

  it("deletes the open playlist and leaves its page", async () => {
    const calls = mockBackend({ playlists: () => [] });
    await playlists.delete(4);
    expect(commands(calls)).toEqual(["delete_playlist", "playlists"]);
    expect(app.view).toEqual({ kind: "tracks" });
    expect(playlists.current).toBeNull();
  });

  it("leaves a page whose playlist another program deleted", async () => {
    mockBackend({ playlist: notFound, playlist_entries: notFound, playlists: () => [] });
    await playlists.loadEntries(4);
    expect(app.view).toEqual({ kind: "tracks" });
    expect(app.error).toBeNull();
  });
});

describe("import and export", () => {
  const report = (id: number, name: string): ImportReport => ({
    playlist: playlist(id, { name, entry_count: 5 }),
    matched_by_path: 0,
    matched_by_path_suffix: 3,
    matched_by_tags: 1,
    unmatched: [{ line: 11, position: 4, location: "D:\\Music\\Zoë\\Café.mp3", reason: { kind: "not_in_library" } }],
    notes: [],
  });

  it("imports under the file's name (numbered when taken), opens it and keeps the report", async () => {
    playlists.list = [playlist(1, { name: "musicbee" })];
    playlists.importOpen = true;
    const calls = mockBackend({ import_playlist: (a) => report(9, a.name as string) });

    expect(await playlists.importFile(" /home/ann/musicbee.m3u ")).toBeNull();

    expect(calls[0]).toEqual({ cmd: "import_playlist", args: { path: "/home/ann/musicbee.m3u", name: "musicbee 2" } });
    expect(app.view).toEqual({ kind: "playlist", id: 9 });
    expect(playlists.lastImport?.playlist.name).toBe("musicbee 2");
    expect(playlists.importOpen).toBe(false);
  });

  it("returns why a file was refused and stays in the dialog", async () => {
    playlists.importOpen = true;
    mockBackend({
      import_playlist: () => {
        throw { kind: "bad_playlist_file", message: "notes.txt is not an M3U playlist" };
      },
    });
    expect(await playlists.importFile("/tmp/notes.txt")).toBe("notes.txt is not an M3U playlist");
    expect(playlists.importOpen).toBe(true);
  });

  it("imports the file the chooser returns, and nothing when it is cancelled", async () => {
    let chosen: string | null = null;
    const calls = mockBackend({ choose_playlist_file: () => chosen, import_playlist: () => report(2, "vlc") });
    expect(await playlists.importChosen()).toBeNull();
    expect(commands(calls)).toEqual(["choose_playlist_file"]);
    chosen = "/music/vlc.m3u8";
    await playlists.importChosen();
    expect(calls[2]).toEqual({ cmd: "import_playlist", args: { path: "/music/vlc.m3u8", name: "vlc" } });
  });

  it("says where an export went, and nothing when the dialog is cancelled", async () => {
    let written: unknown = null;
    mockBackend({ export_playlist: () => written });
    await playlists.export(4);
    expect(app.notice).toBeNull();
    written = { path: "/home/ann/Focus.m3u8", entries: 12, relative: 10 };
    await playlists.export(4);
    expect(app.notice).toBe("Exported 12 entries to /home/ann/Focus.m3u8");
  });
});
