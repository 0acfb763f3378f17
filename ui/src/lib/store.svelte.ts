// The window's state: the library, the player, Up Next and background work. Views read it and
// call its actions; only this module and `api.ts` know the Rust side exists.
import * as api from "../api";
import type {
  AnalysisStatus,
  AppSettings,
  FeedbackKind,
  FolderWatch,
  LibraryEvent,
  LibraryStats,
  ModelChoice,
  PlayerState,
  Playlist,
  ScanCause,
  ScanProgress,
  ScanReport,
  Suggestion,
  TagFacet,
  TrackRow,
} from "../api";
import { t } from "./i18n.svelte";
import {
  filedArtist,
  groupAlbums,
  groupArtists,
  search,
  searchIndex,
  shuffled,
  type Album,
  type Artist,
} from "./library";

export type View =
  | { kind: "tracks" }
  | { kind: "albums" }
  | { kind: "artists" }
  | { kind: "facets" }
  | { kind: "map" }
  | { kind: "history" }
  | { kind: "settings" }
  | { kind: "album"; key: string }
  | { kind: "artist"; name: string | null }
  | { kind: "facet"; label: string }
  | { kind: "playlist"; id: number }
  | { kind: "smart"; id: number }
  /** `year` null: the latest year with plays. */
  | { kind: "review"; year: number | null };

const UP_NEXT_COUNT = 8;
/** A watched folder's import is shown once it has run this long (most take milliseconds). */
const SHOW_CHANGES_AFTER_MS = 600;
/** How often a long import's tracks are shown as they land. */
const RELOAD_WHILE_IMPORTING_MS = 3000;
/** How long a notice ("Added 3 tracks to …") stays. */
const NOTICE_MS = 4000;

/** The player before the Rust side has said anything: nothing queued, full volume. */
export function idlePlayer(): PlayerState {
  return {
    track_id: null,
    position_ms: 0,
    playing: false,
    volume: 1,
    queue: [],
    index: null,
    unavailable: null,
    error: null,
    device: null,
    repeat: "off",
    dropouts: 0,
    buffer_ms: 0,
    buffer_grown_after: 0,
  };
}

class AppStore {
  tracks = $state.raw<TrackRow[]>([]);
  stats = $state.raw<LibraryStats | null>(null);
  facets = $state.raw<TagFacet[]>([]);
  player = $state.raw<PlayerState>(idlePlayer());
  position = $state(0);
  upNext = $state.raw<Suggestion[]>([]);
  upNextProblem = $state<string | null>(null);
  scan = $state.raw<ScanProgress | null>(null);
  /** Why the running import runs (asked for, or files changed in a watched folder). */
  scanCause = $state<ScanCause | null>(null);
  /**
   * Whether the running import is shown: one someone asked for at once, a watched folder's
   * changes only once they take a moment, so that a saved file does not flash a progress bar.
   */
  scanShown = $state(false);
  #showScanTimer: ReturnType<typeof setTimeout> | undefined;
  /** Each library folder's watch state, as the app last said. */
  folderWatch = $state.raw<FolderWatch[]>([]);
  /** When the library was last loaded (ms since the epoch). */
  libraryLoadedAt = 0;
  lastScan = $state.raw<ScanReport | null>(null);
  analysis = $state.raw<AnalysisStatus>({
    running: false,
    paused: false,
    total: 0,
    done: 0,
    failed: 0,
    provider: null,
    message: null,
  });
  settings = $state.raw<AppSettings | null>(null);
  error = $state<string | null>(null);
  /** A short confirmation of something done, shown for a few seconds. */
  notice = $state<string | null>(null);
  #noticeTimer: ReturnType<typeof setTimeout> | undefined;
  view = $state.raw<View>({ kind: "tracks" });
  query = $state("");
  shuffle = $state(false);
  waveform = $state.raw<number[]>([]);

  byId = $derived(new Map(this.tracks.map((t) => [t.id, t])));
  index = $derived(searchIndex(this.tracks));
  albums = $derived(groupAlbums(this.tracks));
  artists = $derived(groupArtists(this.albums));
  results = $derived(this.query.trim() ? search(this.tracks, this.index, this.query) : []);
  current = $derived(this.player.track_id === null ? undefined : this.byId.get(this.player.track_id));

  album(key: string): Album | undefined {
    return this.albums.find((a) => a.key === key);
  }

  artist(name: string | null): Artist | undefined {
    return this.artists.find((a) => a.name === name);
  }

  /** The artist page a track's artist name leads to: the track artist's own when the library
   * files albums under them, else the album artist's (a compilation's). */
  artistPageOf(track: TrackRow): string | null {
    return track.artist !== null && this.artist(track.artist) ? track.artist : filedArtist(track);
  }

  fail(e: unknown) {
    this.error = api.asUiError(e).message;
  }

  notify(text: string) {
    this.notice = text;
    clearTimeout(this.#noticeTimer);
    this.#noticeTimer = setTimeout(() => (this.notice = null), NOTICE_MS);
  }

  /** Opens a view (and leaves the search results). */
  go(view: View) {
    this.query = "";
    this.view = view;
  }

  async loadLibrary() {
    this.libraryLoadedAt = Date.now();
    try {
      const [stats, tracks] = await Promise.all([api.libraryStats(), api.trackRows()]);
      this.stats = stats;
      this.tracks = tracks;
    } catch (e) {
      this.fail(e);
    }
  }

  async loadFacets() {
    try {
      this.facets = await api.tagFacets();
    } catch {
      // No models or no analysis yet: the view says so.
      this.facets = [];
    }
  }

  async refreshUpNext() {
    try {
      this.upNext = await api.upNext(UP_NEXT_COUNT);
      this.upNextProblem = null;
    } catch (e) {
      this.upNext = [];
      this.upNextProblem = api.asUiError(e).message;
    }
  }

  async loadWaveform(track: number) {
    try {
      const analysis = await api.trackAnalysis(track);
      if (this.player.track_id === track) this.waveform = analysis?.dsp.waveform ?? [];
    } catch {
      this.waveform = [];
    }
  }

  /** Plays `list` from `start` (shuffled from there when shuffle is on). */
  async play(list: readonly TrackRow[], start = 0) {
    let ids = list.map((t) => t.id);
    if (this.shuffle) {
      const first = ids[start];
      ids = [first, ...shuffled(ids.filter((_, i) => i !== start))];
      start = 0;
    }
    try {
      await api.playTracks(ids, start);
    } catch (e) {
      this.fail(e);
    }
  }

  async togglePlay() {
    try {
      if (this.player.track_id === null) {
        if (this.tracks.length) await this.play(this.tracks, 0);
      } else {
        await api.setPaused(this.player.playing);
      }
    } catch (e) {
      this.fail(e);
    }
  }

  async call(action: () => Promise<unknown>) {
    try {
      await action();
    } catch (e) {
      this.fail(e);
    }
  }

  async seekBy(deltaMs: number) {
    await this.call(() => api.seek(this.position + deltaMs));
  }

  /** Opens the desktop's folder chooser and adds (then imports) what was chosen. */
  async browseForFolder(): Promise<boolean> {
    try {
      const path = await api.addFolder();
      if (!path) return false;
      await Promise.all([this.loadLibrary(), this.loadFolderWatch()]);
      return true;
    } catch (e) {
      this.fail(e);
      return false;
    }
  }

  /** Removes a library folder (its tracks leave the library; their history is kept). */
  async removeFolder(path: string) {
    await this.call(() => api.removeFolder(path));
    await Promise.all([this.loadLibrary(), this.loadFolderWatch()]);
  }

  async loadFolderWatch() {
    try {
      this.folderWatch = await api.watchedFolders();
    } catch (e) {
      this.fail(e);
    }
  }

  private showScan(cause: ScanCause) {
    if (cause === "requested") {
      clearTimeout(this.#showScanTimer);
      this.#showScanTimer = undefined;
      this.scanShown = true;
      return;
    }
    if (this.scanShown || this.#showScanTimer !== undefined) return;
    this.#showScanTimer = setTimeout(() => {
      this.#showScanTimer = undefined;
      this.scanShown = this.scan !== null;
    }, SHOW_CHANGES_AFTER_MS);
  }

  private endScan() {
    clearTimeout(this.#showScanTimer);
    this.#showScanTimer = undefined;
    this.scan = null;
    this.scanCause = null;
    this.scanShown = false;
  }

  /** The library's background work as it happens: import, analysis, folders coming and going. */
  onLibraryEvent(e: LibraryEvent) {
    switch (e.kind) {
      case "scan_started":
        this.endScan();
        this.scanCause = e.cause;
        this.scan = { phase: "walking", files_found: 0, files_to_read: 0, files_read: 0, files_failed: 0 };
        this.showScan(e.cause);
        break;
      case "scan_progress":
        this.scanCause = e.cause;
        this.scan = e.progress;
        this.showScan(e.cause);
        // A long import (a bulk copy, a first import) commits its tracks in batches: show them
        // as they land, every few seconds, rather than all at the end.
        if (e.progress.phase === "reading" && Date.now() - this.libraryLoadedAt >= RELOAD_WHILE_IMPORTING_MS) {
          void this.loadLibrary();
        }
        break;
      case "scan_finished": {
        this.endScan();
        const r = e.report;
        // A watched folder's changes say nothing unless something could not be read: the new
        // tracks showing up is the news.
        if (e.cause === "requested" || r.failed > 0) this.lastScan = r;
        void this.loadLibrary();
        break;
      }
      case "scan_failed":
        this.endScan();
        this.error = e.error.message;
        break;
      case "analysis_progress":
        this.analysis = e.status;
        break;
      case "analysis_finished":
        this.analysis = e.status;
        void this.loadFacets();
        void this.refreshUpNext();
        break;
      case "folder": {
        const others = this.folderWatch.filter((w) => w.folder !== e.watch.folder);
        this.folderWatch = [...others, e.watch];
        break;
      }
    }
  }

  async radio(seed: api.RadioSeed) {
    await this.call(() => api.startRadio(seed));
  }

  /** Off → all → one → off, as players usually cycle it. */
  async cycleRepeat() {
    const next = { off: "all", all: "one", one: "off" } as const;
    await this.call(() => api.setRepeat(next[this.player.repeat]));
  }

  async setVolume(volume: number) {
    await this.call(() => api.setVolume(Math.min(1, Math.max(0, volume))));
  }

  async rate(track: number, stars: number | null) {
    try {
      await api.rate(track, stars);
      // The row shows the new rating at once; the next suggestions reflect it.
      this.tracks = this.tracks.map((t) => (t.id === track ? { ...t, rating: stars } : t));
      await this.refreshUpNext();
    } catch (e) {
      this.fail(e);
    }
  }

  async feedback(track: number, kind: FeedbackKind) {
    try {
      await api.feedback(track, kind);
      await this.refreshUpNext();
    } catch (e) {
      this.fail(e);
    }
  }

  async enqueueSuggestion(s: Suggestion) {
    await this.call(() => api.enqueue([s.track_id], [s.why]));
  }

  /** Plays `tracks` right after the current one. */
  async playNext(tracks: readonly number[]) {
    if (tracks.length === 0) return;
    try {
      await api.playNext([...tracks]);
      this.notify(t("queue.nextAdded", { n: tracks.length }));
    } catch (e) {
      this.fail(e);
    }
  }

  /** Removes queue entries by their index in `player.queue`. */
  async removeFromQueue(indices: readonly number[]) {
    if (indices.length === 0) return;
    await this.call(() => api.removeFromQueue([...indices]));
  }

  /** Moves queue entry `from` to index `to`; `null` (a move that changes nothing) sends nothing. */
  async moveInQueue(from: number, to: number | null) {
    if (to === null || to === from) return;
    await this.call(() => api.moveInQueue(from, to));
  }

  /** Empties the queue but for the playing track. */
  async clearQueue() {
    await this.call(() => api.clearQueue());
  }

  /** Saves the queue as a new playlist called `name`; the playlist, or null when refused. */
  async saveQueueAsPlaylist(name: string): Promise<Playlist | null> {
    try {
      const saved = await api.saveQueueAsPlaylist(name);
      this.notify(t("queue.saved", { name: saved.name }));
      return saved;
    } catch (e) {
      this.fail(e);
      return null;
    }
  }

  async saveSettings(settings: AppSettings) {
    try {
      await api.setSettings(settings);
      this.settings = settings;
      await this.refreshUpNext();
    } catch (e) {
      this.fail(e);
    }
  }

  /** Analyses with `model` from now on. A change re-analyses the library in the background:
   *  its progress arrives as analysis events, as for any other pass. */
  async setAnalysisModel(model: ModelChoice) {
    if (!this.settings) return;
    try {
      await api.setAnalysisModel(model);
      this.settings = { ...this.settings, analysis_model: model };
    } catch (e) {
      this.fail(e);
    }
  }

  /** Whether to show the first-run welcome: a library's settings remember it was answered. */
  get welcome(): boolean {
    return this.settings !== null && !this.settings.welcomed;
  }

  async dismissFirstRun() {
    if (this.settings) await this.saveSettings({ ...this.settings, welcomed: true });
  }

  /** Subscribes to the Rust side's events and loads everything. */
  async start() {
    await Promise.all([
      api.onLibrary((e) => this.onLibraryEvent(e)),
      api.onPlayerState((s) => {
        const changed = s.track_id !== this.player.track_id;
        const queueChanged = s.queue.length !== this.player.queue.length;
        this.player = s;
        this.position = s.position_ms;
        if (changed) {
          this.waveform = [];
          if (s.track_id !== null) void this.loadWaveform(s.track_id);
        }
        if (changed || queueChanged) void this.refreshUpNext();
      }),
      api.onPlayerPosition(([track, position]) => {
        if (track === this.player.track_id) this.position = position;
      }),
      api.onHistoryChanged(() => void this.loadLibrary()),
    ]);
    const [player, analysis, settings] = await Promise.all([
      api.playerState(),
      api.analysisStatus(),
      api.getSettings().catch(() => null),
    ]);
    this.player = player;
    this.analysis = analysis;
    this.settings = settings;
    await Promise.all([this.loadLibrary(), this.loadFacets(), this.refreshUpNext(), this.loadFolderWatch()]);
  }
}

export const app = new AppStore();
