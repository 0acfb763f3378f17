// The window's library map: the points (as the Rust side stored them after analysis), what
// they are coloured by, the hovered and clicked track, the lasso's selection, and the layout
// job's progress. Components read this and call its methods; only this and api.ts talk to Rust.
import * as api from "../api";
import type { MapColouring, MapNeighbour, MapStatus, MapTrack, MapView, UnlistenFn } from "../api";
import { t } from "./i18n.svelte";
import { playlists } from "./playlist-store.svelte";
import { app } from "./store.svelte";

/** Listening marks as the Rust side numbers them (segue_core::ListeningMark). */
export const MARKS = ["unheard", "played", "skipped", "rated"] as const;

/** Points as typed arrays (a 100,000-track map is drawn from these every frame). */
export interface MapPoints {
  ids: Float64Array;
  x: Float32Array;
  y: Float32Array;
  /** Position of a track id in the arrays. */
  index: Map<number, number>;
}

export function toPoints(view: MapView): MapPoints {
  const n = view.track_ids.length;
  const points: MapPoints = {
    ids: Float64Array.from(view.track_ids),
    x: Float32Array.from(view.x),
    y: Float32Array.from(view.y),
    index: new Map(),
  };
  for (let i = 0; i < n; i++) points.index.set(view.track_ids[i], i);
  return points;
}

/** Whether point (x, y) is inside the polygon (even-odd rule). */
export function inside(polygon: readonly [number, number][], x: number, y: number): boolean {
  let hit = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [xi, yi] = polygon[i];
    const [xj, yj] = polygon[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) hit = !hit;
  }
  return hit;
}

class MapStore {
  view = $state.raw<MapView | null>(null);
  points = $state.raw<MapPoints | null>(null);
  colouring = $state.raw<MapColouring>({ kind: "listening" });
  colours = $state.raw<Uint8Array>(new Uint8Array());
  tags = $state.raw<string[]>([]);
  status = $state.raw<MapStatus | null>(null);
  hovered = $state.raw<MapTrack | null>(null);
  /** The clicked track and its true neighbours. */
  picked = $state<number | null>(null);
  neighbours = $state.raw<MapNeighbour[]>([]);
  /** Track ids the lasso took. */
  selection = $state.raw<number[]>([]);
  /** Milliseconds from asking for the map to having its points and colours. */
  openMs = $state(0);
  #trackCache = new Map<number, MapTrack>();
  #listening: Promise<UnlistenFn> | null = null;
  #hoverAsked: number | null = null;
  /** Counts the opens: an answer that a later open overtook (a layout finished meanwhile) is
   *  dropped, or the stale points and "laying out" status would stay on screen. */
  #opens = 0;

  /** Loads the points, the colours and the tags; the page calls it when it opens. */
  async open() {
    const started = performance.now();
    try {
      // Listening first: a layout that finishes while the points are asked for opens again.
      await this.listen();
      const ticket = ++this.#opens;
      const [view, status] = await Promise.all([api.mapView(), api.mapStatus()]);
      if (ticket !== this.#opens) return;
      this.view = view;
      this.points = toPoints(view);
      this.status = status;
      await this.#loadColours();
      if (ticket !== this.#opens) return;
      this.openMs = performance.now() - started;
      if (this.tags.length === 0 && view.track_ids.length > 0) this.tags = await api.mapTags();
    } catch (e) {
      app.fail(e);
    }
  }

  async #loadColours() {
    const view = this.view;
    if (!view || view.track_ids.length === 0) {
      this.colours = new Uint8Array();
      return;
    }
    const colours = await api.mapColours(this.colouring);
    // Colours for points a newer open replaced would be read against the wrong tracks.
    if (this.view === view) this.colours = Uint8Array.from(colours.values);
  }

  async colourBy(colouring: MapColouring) {
    this.colouring = colouring;
    try {
      await this.#loadColours();
    } catch (e) {
      app.fail(e);
    }
  }

  /** Shows the hovered track's title and tags (null: nothing hovered). */
  async hover(id: number | null) {
    this.#hoverAsked = id;
    if (id === null) {
      this.hovered = null;
      return;
    }
    const cached = this.#trackCache.get(id);
    if (cached) {
      this.hovered = cached;
      return;
    }
    try {
      const track = await api.mapTrack(id);
      this.#trackCache.set(id, track);
      if (this.#hoverAsked === id) this.hovered = track;
    } catch {
      // A track removed since the map was drawn: nothing to show.
      if (this.#hoverAsked === id) this.hovered = null;
    }
  }

  /** A click: plays the track and lists its true nearest neighbours. */
  async pick(id: number) {
    this.picked = id;
    this.neighbours = [];
    const row = app.byId.get(id);
    try {
      if (row) await app.play([row]);
      else await api.playTracks([id], 0);
      const neighbours = await api.mapNeighbours(id);
      if (this.picked === id) this.neighbours = neighbours;
    } catch (e) {
      app.fail(e);
    }
  }

  async playNeighbour(id: number) {
    const row = app.byId.get(id);
    if (row) await app.play([row]);
  }

  select(ids: number[]) {
    this.selection = ids;
  }

  async playSelection() {
    const rows = this.selection.flatMap((id) => app.byId.get(id) ?? []);
    if (rows.length) await app.play(rows);
  }

  async queueSelection() {
    const ids = [...this.selection];
    if (!ids.length) return;
    await app.call(() => api.enqueue(ids));
    app.notify(t("map.queued", { n: ids.length }));
  }

  async playlistFromSelection() {
    if (!this.selection.length) return;
    const created = await playlists.create(playlists.freeName(t("map.playlistName")), this.selection);
    if (created) this.selection = [];
  }

  async relayout() {
    await app.call(() => api.updateMap(true));
  }

  /** Follows the layout job; a finished layout is drawn at once. */
  async listen() {
    this.#listening ??= api.onLibrary((e) => {
      if (e.kind === "map_progress") this.status = e.status;
      else if (e.kind === "map_finished") {
        this.status = e.status;
        this.#trackCache.clear();
        if (this.#opens > 0) void this.open();
      }
    });
    await this.#listening;
  }

  /** Stops following the layout job (the page's next open listens again). */
  async close() {
    const listening = this.#listening;
    this.#listening = null;
    this.#opens = 0;
    if (listening) (await listening)();
  }
}

export const mapStore = new MapStore();
