// Helpers for the unit tests (imported by `*.test.ts` only, never by the app): track rows,
// suggestions and a mocked Rust side that records every command the UI sends.
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { cleanup } from "@testing-library/svelte";
import { afterEach, beforeAll, beforeEach } from "vitest";
import type { PlayerState, Playlist, PlaylistEntry, Suggestion, TrackRow } from "../api";
import type { Detail } from "../bindings/Detail";
import type { ScoreTerm } from "../bindings/ScoreTerm";
import { setLocale } from "../lib/i18n.svelte";
import { playlists } from "../lib/playlist-store.svelte";
import { smart } from "../lib/smart-store.svelte";
import { app, idlePlayer } from "../lib/store.svelte";

export function trackRow(id: number, fields: Partial<TrackRow> = {}): TrackRow {
  return {
    id,
    title: `Track ${id}`,
    artist: `Artist ${id}`,
    album: `Album ${id}`,
    album_artist: null,
    disc_number: null,
    track_number: id,
    year: null,
    genre: null,
    duration_ms: 180_000,
    cover_id: null,
    rating: null,
    play_count: 0,
    format: "FLAC",
    ...fields,
  };
}

export function playlist(id: number, fields: Partial<Playlist> = {}): Playlist {
  return {
    id,
    name: `Playlist ${id}`,
    entry_count: 0,
    unavailable_count: 0,
    duration_ms: 0,
    cover_ids: [],
    updated_at_ms: 0,
    ...fields,
  };
}

/** A playlist entry: a library track (available or missing), or a line that matched nothing. */
export function entry(id: number, position: number, track: TrackRow | null, status: PlaylistEntry["status"] = "available"): PlaylistEntry {
  return {
    id,
    position,
    status: track === null ? "unresolved" : status,
    track,
    source: track === null ? { location: `D:\\Music\\lost ${id}.mp3`, title: `Lost ${id}`, duration_ms: 61_000 } : null,
  };
}

export function term(kind: ScoreTerm["kind"], contribution: number, about: Detail = { id: "nothing" }): ScoreTerm {
  // `detail` is the English text the CLI prints; the UI says `about` itself.
  return { kind, value: contribution, contribution, lift: contribution, detail: "", about };
}

/** A suggestion whose reason line is one part made of `details`. */
export function suggestion(trackId: number, details: Detail[] = [{ id: "not_played_yet" }], terms: ScoreTerm[] = []): Suggestion {
  return { track_id: trackId, score: 1, chance: 0.5, reason: "", why: [{ smooth_join: false, details }], terms };
}

export function playerState(fields: Partial<PlayerState> = {}): PlayerState {
  return {
    ...idlePlayer(),
    ...fields,
  };
}

export interface IpcCall {
  cmd: string;
  args: Record<string, unknown>;
}

type Responder = (args: Record<string, unknown>) => unknown;

/**
 * Stands in for the Rust side: each command answers with its responder's value (a responder
 * that throws makes the command reject), unknown commands answer null. Events are mocked
 * too, so `listen` works and `emit` reaches the listeners. Returns the list of calls made.
 */
export function mockBackend(responders: Record<string, Responder> = {}): IpcCall[] {
  const calls: IpcCall[] = [];
  mockIPC(
    (cmd, payload) => {
      const args = (payload ?? {}) as Record<string, unknown>;
      calls.push({ cmd, args });
      const respond = responders[cmd];
      return respond ? respond(args) : null;
    },
    { shouldMockEvents: true },
  );
  return calls;
}

/** The commands sent, in order, without their arguments. */
export const commands = (calls: readonly IpcCall[]) => calls.map((c) => c.cmd);

/** Puts the shared store back to a fresh window's state. */
export function resetApp() {
  app.tracks = [];
  app.stats = null;
  app.facets = [];
  app.player = playerState();
  app.position = 0;
  app.upNext = [];
  app.upNextProblem = null;
  app.settings = null;
  app.error = null;
  app.shuffle = false;
  app.waveform = [];
  app.query = "";
  app.notice = null;
  app.view = { kind: "tracks" };
  playlists.list = [];
  playlists.current = null;
  playlists.entries = [];
  playlists.lastImport = null;
  playlists.renaming = null;
  playlists.menu = null;
  playlists.importOpen = false;
  smart.list = [];
  smart.close();
  smart.editorOpen = false;
  smart.editing = null;
  app.analysis = { running: false, paused: false, total: 0, done: 0, failed: 0, provider: null, message: null };
  app.scan = null;
  app.scanCause = null;
  app.scanShown = false;
  app.lastScan = null;
  app.folderWatch = [];
}

/** jsdom has no layout and no ResizeObserver, which `bind:clientHeight` needs: a no-op one. */
export function stubResizeObserver() {
  globalThis.ResizeObserver ??= class {
    observe() {}
    unobserve() {}
    disconnect() {}
  };
}

/** The hooks every component test file starts with: a fresh app in English before each test,
 *  the rendered components and the mocked backend gone after it. */
export function useComponentTests() {
  beforeAll(stubResizeObserver);
  beforeEach(() => {
    resetApp();
    setLocale("en");
  });
  afterEach(() => {
    cleanup();
    clearMocks();
  });
}
