import { emit } from "@tauri-apps/api/event";
import { clearMocks } from "@tauri-apps/api/mocks";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { EVENTS, type ScanReport } from "../api";
import { commands, mockBackend, playerState, resetApp, suggestion, term, trackRow } from "../testing/fixtures";
import { app } from "./store.svelte";

beforeEach(resetApp);
afterEach(() => clearMocks());

describe("app.rate", () => {
  it("sends the rating, updates that row and asks for new suggestions", async () => {
    const next = [suggestion(3, [{ id: "sounds_like", track: "Track 2" }], [term("sound", 0.4)])];
    const calls = mockBackend({ up_next: () => next });
    app.tracks = [trackRow(1, { rating: 5 }), trackRow(2, { rating: 1 }), trackRow(3)];

    await app.rate(2, 3);

    expect(commands(calls)).toEqual(["rate", "up_next"]);
    expect(calls[0].args).toEqual({ track: 2, stars: 3 });
    expect(calls[1].args).toEqual({ count: 8 });
    expect(app.tracks.map((t) => t.rating)).toEqual([5, 3, null]);
    expect(app.byId.get(2)?.rating).toBe(3);
    expect(app.upNext).toEqual(next);
    expect(app.error).toBeNull();
  });

  it("clears a rating with null", async () => {
    const calls = mockBackend({ up_next: () => [] });
    app.tracks = [trackRow(1, { rating: 4 })];

    await app.rate(1, null);

    expect(calls[0]).toEqual({ cmd: "rate", args: { track: 1, stars: null } });
    expect(app.tracks[0].rating).toBeNull();
  });

  it("keeps the old rating and shows the error when the command fails", async () => {
    const calls = mockBackend({
      rate: () => {
        throw { kind: "not_found", message: "No track 2" };
      },
    });
    app.tracks = [trackRow(2, { rating: 1 })];

    await app.rate(2, 3);

    expect(commands(calls)).toEqual(["rate"]);
    expect(app.tracks[0].rating).toBe(1);
    expect(app.error).toBe("No track 2");
  });
});

describe("app.feedback", () => {
  it("sends the feedback, then refreshes Up Next", async () => {
    const calls = mockBackend({ up_next: () => [suggestion(9)] });
    await app.feedback(4, "more_like_this");
    expect(calls).toEqual([
      { cmd: "feedback", args: { track: 4, kind: "more_like_this" } },
      { cmd: "up_next", args: { count: 8 } },
    ]);
    expect(app.upNext.map((s) => s.track_id)).toEqual([9]);
  });
});

describe("app.refreshUpNext", () => {
  it("empties Up Next and keeps the reason when suggestions fail", async () => {
    app.upNext = [suggestion(1)];
    mockBackend({
      up_next: () => {
        throw { kind: "unavailable", message: "No analysis yet" };
      },
    });
    await app.refreshUpNext();
    expect(app.upNext).toEqual([]);
    expect(app.upNextProblem).toBe("No analysis yet");
  });
});

describe("app.play", () => {
  const list = [trackRow(10), trackRow(11), trackRow(12), trackRow(13), trackRow(14)];

  it("plays the list from the chosen index", async () => {
    const calls = mockBackend();
    await app.play(list, 2);
    expect(calls).toEqual([{ cmd: "play_tracks", args: { tracks: [10, 11, 12, 13, 14], start: 2 } }]);
  });

  it("with shuffle on, starts with the chosen track and shuffles the rest", async () => {
    const calls = mockBackend();
    app.shuffle = true;
    const random = vi.spyOn(Math, "random").mockReturnValue(0);
    try {
      await app.play(list, 2);
    } finally {
      random.mockRestore();
    }
    const { tracks, start } = calls[0].args as { tracks: number[]; start: number };
    expect(start).toBe(0);
    expect(tracks[0]).toBe(12);
    expect([...tracks].sort()).toEqual([10, 11, 12, 13, 14]);
    // random() = 0 rotates the others: the order did change.
    expect(tracks).toEqual([12, 11, 13, 14, 10]);
  });

  it("shows a failure to play as the error", async () => {
    mockBackend({
      play_tracks: () => {
        throw "decoder crashed";
      },
    });
    await app.play(list, 0);
    expect(app.error).toBe("decoder crashed");
  });
});

describe("app.togglePlay", () => {
  it("starts the library when nothing plays, pauses what plays", async () => {
    const calls = mockBackend();
    app.tracks = [trackRow(1), trackRow(2)];
    await app.togglePlay();
    expect(calls.at(-1)).toEqual({ cmd: "play_tracks", args: { tracks: [1, 2], start: 0 } });

    app.player = playerState({ track_id: 1, playing: true });
    await app.togglePlay();
    expect(calls.at(-1)).toEqual({ cmd: "set_paused", args: { paused: true } });

    app.player = playerState({ track_id: 1, playing: false });
    await app.togglePlay();
    expect(calls.at(-1)).toEqual({ cmd: "set_paused", args: { paused: false } });
  });
});

describe("app.setVolume and app.seekBy", () => {
  it("clamps the volume and seeks relative to the position, never below 0", async () => {
    const calls = mockBackend();
    await app.setVolume(1.5);
    await app.setVolume(-0.2);
    app.position = 3_000;
    await app.seekBy(5_000);
    await app.seekBy(-5_000);
    expect(calls).toEqual([
      { cmd: "set_volume", args: { volume: 1 } },
      { cmd: "set_volume", args: { volume: 0 } },
      { cmd: "seek", args: { positionMs: 8_000 } },
      { cmd: "seek", args: { positionMs: 0 } },
    ]);
  });
});

describe("app.start", () => {
  const tracks = [trackRow(1), trackRow(2), trackRow(3)];

  function backend() {
    return mockBackend({
      player_state: () => playerState({ volume: 0.5 }),
      analysis_status: () => ({ running: false, paused: false, total: 3, done: 3, failed: 0, provider: "CPU", message: null }),
      get_settings: () => {
        throw { kind: "internal", message: "no settings file" };
      },
      library_stats: () => ({ tracks: 3 }),
      track_rows: () => tracks,
      tag_facets: () => [],
      up_next: () => [suggestion(3, [{ id: "fits_session" }])],
      track_analysis: ({ track }) => ({ dsp: { waveform: [Number(track), 2, 3] } }),
    });
  }

  it("loads the library, the player and Up Next", async () => {
    const calls = backend();
    await app.start();
    expect(new Set(commands(calls))).toEqual(
      new Set(["player_state", "analysis_status", "get_settings", "library_stats", "track_rows", "tag_facets", "up_next", "watched_folders"]),
    );
    expect(app.tracks).toEqual(tracks);
    expect(app.player.volume).toBe(0.5);
    expect(app.analysis.provider).toBe("CPU");
    // A missing settings file is not an error the window shows.
    expect(app.settings).toBeNull();
    expect(app.error).toBeNull();
    expect(app.upNext.map((s) => s.track_id)).toEqual([3]);
  });

  it("follows the player's events: state, position, waveform and Up Next", async () => {
    const calls = backend();
    await app.start();
    calls.length = 0;

    const state = playerState({ track_id: 2, playing: true, position_ms: 1_000, queue: [{ track_id: 2, why: [], autoplay: false }], index: 0 });
    await emit(EVENTS.playerState, state);
    await vi.waitFor(() => expect(app.waveform).toEqual([2, 2, 3]));
    expect(app.player).toEqual(state);
    expect(app.current?.id).toBe(2);
    expect(app.position).toBe(1_000);
    expect(calls).toContainEqual({ cmd: "track_analysis", args: { track: 2 } });
    expect(commands(calls)).toContain("up_next");

    await emit(EVENTS.playerPosition, [2, 4_250]);
    expect(app.position).toBe(4_250);
    // A late position for another track is ignored.
    await emit(EVENTS.playerPosition, [1, 99_000]);
    expect(app.position).toBe(4_250);

    // The same track and queue again (a pause): no new waveform or suggestions.
    calls.length = 0;
    await emit(EVENTS.playerState, { ...state, playing: false });
    expect(app.player.playing).toBe(false);
    expect(calls).toEqual([]);
  });

  it("reloads the library when the history changes and shows a failed scan", async () => {
    const calls = backend();
    await app.start();
    calls.length = 0;

    await emit(EVENTS.historyChanged, null);
    await vi.waitFor(() => expect(commands(calls)).toEqual(expect.arrayContaining(["library_stats", "track_rows"])));

    app.scan = { phase: "reading", files_found: 2, files_to_read: 2, files_read: 1, files_failed: 0 };
    await emit(EVENTS.library, { kind: "scan_failed", cause: "requested", error: { kind: "io", message: "Folder gone" } });
    expect(app.scan).toBeNull();
    expect(app.error).toBe("Folder gone");
  });
});

describe("library events", () => {
  const report = (fields: Partial<ScanReport> = {}): ScanReport => ({
    files_found: 1,
    added: 1,
    updated: 0,
    unchanged: 0,
    moved: 0,
    missing: 0,
    failed: 0,
    cancelled: false,
    elapsed_ms: 5,
    issues: [],
    ...fields,
  });

  it("shows a watched folder's import as it runs and its new tracks when it ends, without a summary to dismiss", async () => {
    const tracks = [trackRow(1)];
    const calls = mockBackend({ track_rows: () => tracks, library_stats: () => null });
    await app.start();
    calls.length = 0;

    await emit(EVENTS.library, { kind: "scan_started", cause: "files_changed", folders: ["/music"] });
    expect(app.scanCause).toBe("files_changed");
    expect(app.scan?.phase).toBe("walking");
    const progress = { phase: "reading", files_found: 3, files_to_read: 1, files_read: 0, files_failed: 0 } as const;
    await emit(EVENTS.library, { kind: "scan_progress", cause: "files_changed", progress });
    expect(app.scan).toEqual(progress);

    await emit(EVENTS.library, { kind: "scan_finished", cause: "files_changed", report: report() });
    expect(app.scan).toBeNull();
    expect(app.scanCause).toBeNull();
    expect(app.lastScan).toBeNull();
    await vi.waitFor(() => expect(commands(calls)).toEqual(expect.arrayContaining(["library_stats", "track_rows"])));
    expect(app.tracks).toEqual(tracks);

    // A rescan someone asked for says what it did.
    await emit(EVENTS.library, { kind: "scan_finished", cause: "requested", report: report({ added: 0, updated: 2 }) });
    expect(app.lastScan?.updated).toBe(2);
  });

  it("shows a long import's tracks as they land, every few seconds, not on every progress event", async () => {
    const calls = mockBackend();
    await app.start();
    calls.length = 0;
    const progress = (read: number) => ({ phase: "reading", files_found: 10_000, files_to_read: 10_000, files_read: read, files_failed: 0 });

    await emit(EVENTS.library, { kind: "scan_progress", cause: "files_changed", progress: progress(100) });
    expect(commands(calls)).not.toContain("track_rows");

    app.libraryLoadedAt = Date.now() - 5_000;
    await emit(EVENTS.library, { kind: "scan_progress", cause: "files_changed", progress: progress(2_000) });
    await emit(EVENTS.library, { kind: "scan_progress", cause: "files_changed", progress: progress(2_100) });
    await vi.waitFor(() => expect(commands(calls).filter((c) => c === "track_rows")).toHaveLength(1));
  });

  it("shows an import someone asked for at once, and a watched folder's only once it takes a moment", () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      mockBackend();
      // A saved file: imported in milliseconds, no progress bar flashes.
      app.onLibraryEvent({ kind: "scan_started", cause: "files_changed", folders: ["/music"] });
      expect(app.scanShown).toBe(false);
      app.onLibraryEvent({ kind: "scan_finished", cause: "files_changed", report: report() });
      vi.advanceTimersByTime(1_000);
      expect(app.scanShown).toBe(false);

      // A bulk copy: shown once it has run a moment, hidden when done.
      app.onLibraryEvent({ kind: "scan_started", cause: "files_changed", folders: ["/music"] });
      vi.advanceTimersByTime(700);
      expect(app.scanShown).toBe(true);
      app.onLibraryEvent({ kind: "scan_finished", cause: "files_changed", report: report() });
      expect(app.scanShown).toBe(false);

      // Rescan: at once.
      app.onLibraryEvent({ kind: "scan_started", cause: "requested", folders: ["/music"] });
      expect(app.scanShown).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });

  it("follows each folder's watch state: gone, then back", async () => {
    mockBackend({ watched_folders: () => [{ folder: "/music", state: "watching", message: null }, { folder: "/usb", state: "watching", message: null }] });
    await app.start();
    expect(app.folderWatch.map((w) => w.state)).toEqual(["watching", "watching"]);

    await emit(EVENTS.library, { kind: "folder", watch: { folder: "/usb", state: "unavailable", message: null } });
    expect(app.folderWatch.find((w) => w.folder === "/usb")?.state).toBe("unavailable");
    expect(app.folderWatch.find((w) => w.folder === "/music")?.state).toBe("watching");
    expect(app.error).toBeNull();

    await emit(EVENTS.library, { kind: "folder", watch: { folder: "/usb", state: "watching", message: null } });
    expect(app.folderWatch.filter((w) => w.state === "watching")).toHaveLength(2);
  });

  it("follows analysis, then refreshes tags and Up Next when it ends", async () => {
    const calls = mockBackend();
    await app.start();
    calls.length = 0;
    const running = { running: true, paused: false, total: 4, done: 1, failed: 0, provider: "cpu", message: null };
    await emit(EVENTS.library, { kind: "analysis_progress", status: running });
    expect(app.analysis).toEqual(running);
    await emit(EVENTS.library, { kind: "analysis_finished", status: { ...running, running: false, done: 4, message: "Analysed 4 tracks" } });
    expect(app.analysis.running).toBe(false);
    await vi.waitFor(() => expect(commands(calls)).toEqual(expect.arrayContaining(["tag_facets", "up_next"])));
  });
});

describe("app.cycleRepeat", () => {
  it("asks for off → all → one → off, from what the player says now", async () => {
    const calls = mockBackend();
    for (const [now, next] of [
      ["off", "all"],
      ["all", "one"],
      ["one", "off"],
    ] as const) {
      app.player = playerState({ repeat: now });
      await app.cycleRepeat();
      expect(calls.at(-1)).toEqual({ cmd: "set_repeat", args: { repeat: next } });
    }
  });
});

describe("app.browseForFolder", () => {
  it("asks the app to run its own chooser and never names a folder itself", async () => {
    const calls = mockBackend({ add_folder: () => "/home/me/Music" });

    expect(await app.browseForFolder()).toBe(true);

    expect(calls[0]).toEqual({ cmd: "add_folder", args: {} });
    expect(commands(calls)).not.toContain("choose_folder");
  });

  it("adds nothing when the chooser is cancelled", async () => {
    const calls = mockBackend({ add_folder: () => null });

    expect(await app.browseForFolder()).toBe(false);

    expect(commands(calls)).toEqual(["add_folder"]);
  });
});
