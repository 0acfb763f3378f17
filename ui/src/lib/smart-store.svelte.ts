// The window's smart playlists: the list in the sidebar, the editor, and the open one's
// members. Members are worked out by the Rust side each time they are asked for, so the open
// page asks again whenever what they depend on changes: the library (a rescan, a play that
// updates counts), a rating or like (taste-changed), the history, or analysis finishing.
import * as api from "../api";
import type { SmartMember, SmartOrder, SmartPlaylist, TrackRow } from "../api";
import { t } from "./i18n.svelte";
import { shuffled } from "./library";
import { playlists } from "./playlist-store.svelte";
import { uniqueName } from "./playlists";
import { whyLine } from "./smart-why";
import { app } from "./store.svelte";

/** A member with its library row (a member the window has not loaded yet is left out). */
export interface SmartRow {
  track: TrackRow;
  /** Why it is in, in the user's language. */
  why: string;
}

/** The orders the editor offers, the library's own first. */
export const SMART_ORDERS: readonly SmartOrder[] = [
  "library",
  "title",
  "added",
  "least_recently_played",
  "most_played",
  "rating",
  "tempo",
];

/** What the editor sends: rule texts as typed (blank rows dropped), read by the Rust side. */
export interface SmartDraft {
  name: string;
  rules: readonly string[];
  matchAll: boolean;
  limit: number | null;
  order: SmartOrder;
}

class SmartStore {
  list = $state.raw<SmartPlaylist[]>([]);
  /** The open page's smart playlist id and its members (as the Rust side last said). */
  openId = $state<number | null>(null);
  members = $state.raw<SmartMember[]>([]);
  /** The open page's rules as text, as the Rust side writes them. */
  ruleTexts = $state.raw<string[]>([]);
  /** Whether the open page's members have come at least once. */
  loaded = $state(false);
  editorOpen = $state(false);
  /** The smart playlist the editor changes, with its rules as text; null: it makes a new one. */
  editing = $state.raw<{ playlist: SmartPlaylist; ruleTexts: string[] } | null>(null);
  #listening = false;
  /** Reloads asked for while one runs collapse into one more. */
  #loading: Promise<void> | null = null;
  #again = false;

  names = $derived(this.list.map((p) => p.name));
  current = $derived(this.list.find((p) => p.id === this.openId) ?? null);

  async load() {
    try {
      this.list = await api.smartPlaylists();
    } catch (e) {
      app.fail(e);
    }
  }

  open(id: number) {
    app.go({ kind: "smart", id });
  }

  /** The open page's members with their rows, in the playlist's order. */
  rows(): SmartRow[] {
    return this.members.flatMap((m) => {
      const track = app.byId.get(m.track_id);
      return track ? [{ track, why: whyLine(m.why) }] : [];
    });
  }

  /** Loads the members of `id` (the page that opens calls this); a smart playlist deleted
   * meanwhile (by the CLI) leaves the page. */
  async loadMembers(id: number) {
    if (this.openId !== id) {
      this.openId = id;
      this.members = [];
      this.ruleTexts = [];
      this.loaded = false;
      void this.#loadRuleTexts(id);
    }
    if (this.#loading) {
      this.#again = true;
      return this.#loading;
    }
    this.#loading = (async () => {
      do {
        this.#again = false;
        const asked = this.openId;
        if (asked === null) break;
        try {
          const members = await api.smartPlaylistMembers(asked);
          if (this.openId !== asked) continue;
          this.members = members;
          this.loaded = true;
        } catch (e) {
          if (api.asUiError(e).kind === "not_found") {
            this.close();
            app.go({ kind: "tracks" });
            await this.load();
          } else app.fail(e);
        }
      } while (this.#again);
    })();
    try {
      await this.#loading;
    } finally {
      this.#loading = null;
    }
  }

  /** Asked for when a page opens and after its rules are edited. A failure leaves the summary
   * out; the members' own load reports errors. */
  async #loadRuleTexts(id: number) {
    try {
      const texts = await api.smartRuleTexts(id);
      if (this.openId === id) this.ruleTexts = texts;
    } catch {
      // Shown by loadMembers (a deleted playlist leaves the page).
    }
  }

  /** The page left: its members stop following changes. */
  close() {
    this.openId = null;
    this.members = [];
    this.ruleTexts = [];
    this.loaded = false;
  }

  /** Reloads the open page's members, if one is open. */
  refresh() {
    if (this.openId !== null) void this.loadMembers(this.openId);
  }

  /** Follows what members depend on that the library reload does not cover: ratings and likes
   * (taste-changed) and analysis finishing. The history and rescans reload the library, and
   * the page follows the library. */
  async listen() {
    if (this.#listening) return;
    this.#listening = true;
    await Promise.all([
      api.onTasteChanged(() => this.refresh()),
      api.onHistoryChanged(() => this.refresh()),
      api.onLibrary((e) => {
        if (e.kind === "analysis_finished" || e.kind === "scan_finished") this.refresh();
      }),
    ]);
  }

  /** A name no smart playlist has yet. */
  freeName(base: string = t("smart.newName")): string {
    return uniqueName(base, this.names);
  }

  /** Opens the editor on a new smart playlist. */
  startNew() {
    this.editing = null;
    this.editorOpen = true;
  }

  /** Opens the editor on the open page's smart playlist, its rules as the page shows them. */
  startEdit() {
    const playlist = this.current;
    if (!playlist) return;
    this.editing = { playlist, ruleTexts: this.ruleTexts };
    this.editorOpen = true;
  }

  closeEditor() {
    this.editorOpen = false;
    this.editing = null;
  }

  /** Saves the editor's draft (a new smart playlist, or the one being edited) and opens it;
   * returns the reason when refused (a bad rule, a name taken), else null. */
  async save(draft: SmartDraft): Promise<string | null> {
    const rules = draft.rules.map((r) => r.trim()).filter((r) => r !== "");
    if (rules.length === 0) return t("smart.needsRule");
    const edited = this.editing?.playlist.id ?? null;
    try {
      const saved =
        edited === null
          ? await api.createSmartPlaylist(draft.name.trim(), rules, draft.matchAll, draft.limit, draft.order)
          : await api.updateSmartPlaylist(edited, draft.name.trim(), rules, draft.matchAll, draft.limit, draft.order);
      await this.load();
      this.closeEditor();
      if (edited !== null && this.openId === edited) {
        void this.#loadRuleTexts(edited);
        this.refresh();
      } else this.open(saved.id);
      return null;
    } catch (e) {
      return api.asUiError(e).message;
    }
  }

  async delete(playlist: SmartPlaylist) {
    try {
      await api.deleteSmartPlaylist(playlist.name);
      if (app.view.kind === "smart" && app.view.id === playlist.id) app.go({ kind: "tracks" });
      this.close();
      await this.load();
    } catch (e) {
      app.fail(e);
    }
  }

  async play(shuffle = false) {
    const rows = this.rows().map((r) => r.track);
    if (rows.length === 0) return;
    await app.play(shuffle ? shuffled(rows) : rows, 0);
  }

  async enqueue() {
    await playlists.enqueue(this.rows().map((r) => r.track.id));
  }
}

export const smart = new SmartStore();
