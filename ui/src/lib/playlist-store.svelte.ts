// The window's playlists: the list in the sidebar, the open playlist's entries, the "Add to
// playlist" menu, and every edit. Each edit goes to the store through `api.ts` and then reloads
// what it changed, so the window shows what the database holds (the CLI may edit too).
import * as api from "../api";
import type { ImportReport, Playlist, PlaylistEntry, TrackRow } from "../api";
import { t } from "./i18n.svelte";
import { shuffled } from "./library";
import { fileStem, moveEntries, playableTracks, uniqueName } from "./playlists";
import { app } from "./store.svelte";

/** Where the "Add to playlist" menu opens: under a button, or at the pointer (right click). */
export type MenuAnchor = { x: number; y: number };

export interface TrackMenu {
  anchor: MenuAnchor;
  tracks: number[];
  /** Offer Play and Add to queue too (a row's context menu), not only the playlists. */
  withQueue: boolean;
  /** Gets the focus back when the menu closes. */
  opener: HTMLElement | null;
}

class PlaylistStore {
  list = $state.raw<Playlist[]>([]);
  /** The open playlist page's playlist and entries (null until loaded). */
  current = $state.raw<Playlist | null>(null);
  entries = $state.raw<PlaylistEntry[]>([]);
  /** The report of the last import, shown on the imported playlist's page. */
  lastImport = $state.raw<ImportReport | null>(null);
  /** A playlist whose page opens with its name being edited (a new one). */
  renaming = $state<number | null>(null);
  menu = $state.raw<TrackMenu | null>(null);
  importOpen = $state(false);

  names = $derived(this.list.map((p) => p.name));

  async load() {
    try {
      this.list = await api.playlists();
    } catch (e) {
      app.fail(e);
    }
  }

  open(id: number) {
    app.go({ kind: "playlist", id });
  }

  /** Counts the page's loads and edits: an answer that a later one overtook is dropped. */
  #entriesAsked = 0;

  /** Loads a playlist page; a playlist deleted meanwhile (by the CLI) leaves the page. */
  async loadEntries(id: number) {
    const asked = ++this.#entriesAsked;
    try {
      const [playlist, entries] = await Promise.all([api.playlist(id), api.playlistEntries(id)]);
      // The page reloads whenever the library changes (analysis, a rescan): an answer read
      // before a move must not put the old order back after it.
      if (asked !== this.#entriesAsked) return;
      if (app.view.kind !== "playlist" || app.view.id !== id) return;
      this.current = playlist;
      this.entries = entries;
    } catch (e) {
      if (api.asUiError(e).kind === "not_found") {
        this.current = null;
        this.entries = [];
        app.go({ kind: "tracks" });
        await this.load();
      } else app.fail(e);
    }
  }

  /** After an edit: the sidebar's counts, and the open page if it shows `id`. */
  async #reload(id: number) {
    const open = app.view.kind === "playlist" && app.view.id === id;
    await Promise.all([this.load(), open ? this.loadEntries(id) : Promise.resolve()]);
  }

  /** A name no playlist has yet, from `base` ("New playlist", "New playlist 2"…). */
  freeName(base: string = t("playlist.newName")): string {
    return uniqueName(base, this.names);
  }

  /** Creates a playlist holding `tracks`; null (and the error shown) when refused. */
  async create(name: string, tracks: readonly number[] = []): Promise<Playlist | null> {
    try {
      const created = await api.createPlaylist(name, [...tracks]);
      await this.load();
      if (tracks.length) app.notify(t("playlist.created", { n: tracks.length, name: created.name }));
      return created;
    } catch (e) {
      app.fail(e);
      return null;
    }
  }

  /** "New playlist" in the sidebar: an empty playlist, opened with its name ready to type. */
  async createEmpty() {
    const created = await this.create(this.freeName());
    if (!created) return;
    this.renaming = created.id;
    this.open(created.id);
  }

  /** Renames; returns the reason when refused (a name taken, an empty name), else null. */
  async rename(id: number, name: string): Promise<string | null> {
    try {
      this.current = await api.renamePlaylist(id, name);
      await this.load();
      return null;
    } catch (e) {
      return api.asUiError(e).message;
    }
  }

  async duplicate(id: number) {
    const original = this.list.find((p) => p.id === id) ?? this.current;
    if (!original) return;
    try {
      const copy = await api.duplicatePlaylist(id, this.freeName(t("playlist.copyName", { name: original.name })));
      await this.load();
      this.open(copy.id);
    } catch (e) {
      app.fail(e);
    }
  }

  /** Deletes a playlist (its tracks stay in the library) and leaves its page. */
  async delete(id: number) {
    try {
      await api.deletePlaylist(id);
      if (app.view.kind === "playlist" && app.view.id === id) app.go({ kind: "tracks" });
      this.current = null;
      this.entries = [];
      await this.load();
    } catch (e) {
      app.fail(e);
    }
  }

  async addTracks(id: number, tracks: readonly number[]) {
    if (tracks.length === 0) return;
    try {
      await api.addToPlaylist(id, [...tracks]);
      const name = this.list.find((p) => p.id === id)?.name ?? "";
      app.notify(t("playlist.added", { n: tracks.length, name }));
      await this.#reload(id);
    } catch (e) {
      app.fail(e);
    }
  }

  async removeEntries(id: number, entries: readonly number[]) {
    if (entries.length === 0) return;
    const gone = new Set(entries);
    this.entries = this.entries.filter((e) => !gone.has(e.id));
    try {
      await api.removeFromPlaylist(id, [...entries]);
    } catch (e) {
      app.fail(e);
    }
    await this.#reload(id);
  }

  /** Moves entries to index `to` of the entries that stay; the page shows the new order at
   * once and then what the store holds. */
  async move(id: number, entries: readonly number[], to: number) {
    const moving = new Set(entries);
    const byId = new Map(this.entries.map((e) => [e.id, e]));
    const order = moveEntries(
      this.entries.map((e) => e.id),
      moving,
      to,
    );
    this.#entriesAsked++;
    this.entries = order.flatMap((k) => byId.get(k) ?? []);
    try {
      await api.moveInPlaylist(id, [...entries], to);
    } catch (e) {
      app.fail(e);
    }
    await this.#reload(id);
  }

  /** Imports an M3U / M3U8 file under a free name from its file name, opens the new
   * playlist and keeps the report for its page. Returns the refusal's message, or null. */
  async importFile(path: string): Promise<string | null> {
    const trimmed = path.trim();
    if (!trimmed) return null;
    try {
      const report = await api.importPlaylist(trimmed, this.freeName(fileStem(trimmed) || t("playlist.importedName")));
      this.lastImport = report;
      this.importOpen = false;
      await this.load();
      this.open(report.playlist.id);
      return null;
    } catch (e) {
      return api.asUiError(e).message;
    }
  }

  /** Asks for a file with the desktop's chooser, then imports it. */
  async importChosen(): Promise<string | null> {
    try {
      const path = await api.choosePlaylistFile();
      return path ? await this.importFile(path) : null;
    } catch (e) {
      return api.asUiError(e).message;
    }
  }

  async export(id: number) {
    try {
      const report = await api.exportPlaylist(id);
      if (report) app.notify(t("playlist.exported", { n: report.entries, path: report.path }));
    } catch (e) {
      app.fail(e);
    }
  }

  /** The tracks that can play, in playlist order. */
  #playable(): TrackRow[] {
    return this.entries.flatMap((e) => (e.status === "available" && e.track ? [e.track] : []));
  }

  /** Plays the open playlist from `entry` (from its first playable entry when null). */
  async play(entry: number | null = null) {
    const start = entry === null ? 0 : (playableTracks(this.entries).indexOf.get(entry) ?? -1);
    if (start < 0) return;
    const rows = this.#playable();
    if (rows.length) await app.play(rows, start);
  }

  async shuffle() {
    const rows = this.#playable();
    if (rows.length) await app.play(shuffled(rows), 0);
  }

  async enqueue(tracks: readonly number[]) {
    if (tracks.length === 0) return;
    await app.call(() => api.enqueue([...tracks]));
    app.notify(t("queue.added", { n: tracks.length }));
  }

  /** Opens the "Add to playlist" menu for `tracks` under `opener` (or at the pointer). */
  openMenu(tracks: readonly number[], anchor: MenuAnchor, opener: HTMLElement | null = null, withQueue = false) {
    if (tracks.length === 0) return;
    this.menu = { anchor, tracks: [...tracks], withQueue, opener };
  }

  /** The menu opened by a button: it opens under the button (and a second click closes it). */
  openMenuAt(tracks: readonly number[], button: HTMLElement) {
    if (this.menu?.opener === button) {
      this.closeMenu();
      return;
    }
    const r = button.getBoundingClientRect();
    this.openMenu(tracks, { x: r.left, y: r.bottom + 4 }, button);
  }

  closeMenu() {
    const opener = this.menu?.opener;
    this.menu = null;
    opener?.focus();
  }

  /** Reloads what another program may have changed (the `segue playlist` commands). */
  async refresh() {
    await Promise.all([
      this.load(),
      app.view.kind === "playlist" ? this.loadEntries(app.view.id) : Promise.resolve(),
    ]);
  }
}

export const playlists = new PlaylistStore();
