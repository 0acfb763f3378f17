// Sonic paths ("Segue to…"): which track a path starts from, where it ends (a track or a tag),
// how long it is, the steps the recommender drew with why, and playing or saving them. The
// panel reads and calls this; only api.ts talks to the Rust side.
import * as api from "../api";
import type { SonicPath } from "../bindings/SonicPath";
import type { TrackRow } from "../bindings/TrackRow";
import { t } from "./i18n.svelte";
import { playlists } from "./playlist-store.svelte";
import { app } from "./store.svelte";

/** Tracks in a new path, both ends included. */
export const DEFAULT_LENGTH = 12;
/** The most a path may have (the recommender's MAX_PATH_TRACKS). */
export const MAX_LENGTH = 200;

class PathStore {
  /** The track the path starts from; null while no path panel is open. */
  from = $state<TrackRow | null>(null);
  end = $state<api.PathEnd | null>(null);
  length = $state(DEFAULT_LENGTH);
  path = $state<SonicPath | null>(null);
  busy = $state(false);
  /** Why the last path was refused, said by the Rust side. */
  error = $state<string | null>(null);
  /** The library's tag names, for choosing a tag end. */
  tags = $state<string[]>([]);

  /** Opens the panel for a path from `track`. */
  async open(track: number) {
    this.from = app.byId.get(track) ?? null;
    this.end = null;
    this.path = null;
    this.error = null;
    this.length = DEFAULT_LENGTH;
    if (this.tags.length === 0) {
      try {
        const facets = await api.tagFacets();
        this.tags = [...new Set(facets.map((f) => f.label))].sort();
      } catch (e) {
        app.fail(e);
      }
    }
  }

  close() {
    this.from = null;
    this.path = null;
  }

  /** The end's name as the panel shows it. */
  endName(end: api.PathEnd | null = this.end): string {
    if (end === null) return "";
    return "track" in end ? (app.byId.get(end.track)?.title ?? `#${end.track}`) : end.tag;
  }

  /** Tracks and tags whose names hold `words` (case ignored), tracks first: the end picker. */
  matches(words: string, limit = 8): api.PathEnd[] {
    const w = words.trim().toLowerCase();
    if (!w) return [];
    const from = this.from?.id;
    const tracks: api.PathEnd[] = app.tracks
      .filter((r) => r.id !== from && `${r.title} ${r.artist ?? ""}`.toLowerCase().includes(w))
      .slice(0, limit)
      .map((r) => ({ track: r.id }));
    const tags: api.PathEnd[] = this.tags.filter((tag) => tag.toLowerCase().includes(w)).map((tag) => ({ tag }));
    return [...tracks, ...tags].slice(0, limit);
  }

  /** Draws the path to `end` (the one chosen when not given). */
  async draw(end: api.PathEnd | null = this.end) {
    if (!this.from || end === null) return;
    this.end = end;
    this.busy = true;
    this.error = null;
    try {
      this.path = await api.sonicPath(this.from.id, end, this.length);
    } catch (e) {
      this.path = null;
      this.error = api.asUiError(e).message;
    } finally {
      this.busy = false;
    }
  }

  private ids(): number[] {
    return this.path?.steps.map((s) => s.track_id) ?? [];
  }

  /** Plays the path from its first track (what was queued gives way, as any Play does). */
  async play() {
    const rows = this.ids().flatMap((id) => app.byId.get(id) ?? []);
    if (rows.length) await app.play(rows, 0);
  }

  /** The name a saved path gets: "From → To", made unique among the playlists. */
  playlistName(): string {
    return playlists.freeName(t("path.playlistName", { from: this.from?.title ?? "", to: this.endName() }));
  }

  /** Saves the path as a new playlist; true when saved. */
  async save(name: string): Promise<boolean> {
    const created = await playlists.create(name.trim() || this.playlistName(), this.ids());
    return created !== null;
  }
}

export const paths = new PathStore();
