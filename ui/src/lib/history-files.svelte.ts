// Settings → History: importing another service's export into the listening history, and
// exporting the history. The file choosers run in Rust (the window names no file); an import
// runs there off the UI thread and tells its progress as events, and Cancel stops it at the
// next batch, keeping what it added.
import * as api from "../api";
import type {
  BadListen,
  HistoryExportFormat,
  HistoryExportReport,
  HistoryFormat,
  HistoryImportProgress,
  HistoryImportReport,
  ListenUnmatched,
} from "../api";
import { t, type MessageKey } from "./i18n.svelte";

/** Why a record could not be read, in the current language. */
export function badListenText(problem: BadListen): string {
  const key = `history.bad.${problem.kind}` as MessageKey;
  switch (problem.kind) {
    case "bad_timestamp":
      return t(key, { value: problem.value });
    case "missing_columns":
      return t(key, { found: problem.found, needed: problem.needed });
    default:
      return t(key);
  }
}

/** Why a listen matched no track, in the current language. */
export function unmatchedText(reason: ListenUnmatched): string {
  return t(`history.unmatched.${reason.kind}` as MessageKey);
}

/** A history file format's name, as the services call it. */
export function formatName(format: HistoryFormat): string {
  return { listen_brainz: "ListenBrainz JSON", lastfm_csv: "Last.fm CSV", lastfm_json: "Last.fm JSON" }[format];
}

/** What an import is doing now, in the current language. */
export function progressText(p: HistoryImportProgress): string {
  return t(`history.phase.${p.phase}` as MessageKey, { done: p.done, total: p.total });
}

class HistoryFilesStore {
  running = $state(false);
  progress = $state.raw<HistoryImportProgress | null>(null);
  report = $state.raw<HistoryImportReport | null>(null);
  exported = $state.raw<HistoryExportReport | null>(null);
  problem = $state<string | null>(null);

  /** Asks for a file and imports it; nothing happens when the person cancels the chooser. */
  async importFile() {
    if (this.running) return;
    this.running = true;
    this.problem = null;
    this.exported = null;
    this.progress = null;
    const unlisten = await api.onHistoryImport((p) => (this.progress = p));
    try {
      const report = await api.importHistory();
      if (report) this.report = report;
    } catch (e) {
      this.problem = api.asUiError(e).message;
    } finally {
      unlisten();
      this.running = false;
      this.progress = null;
    }
  }

  async cancel() {
    await api.cancelHistoryImport();
  }

  /** Asks where to write and exports the history as `format`. */
  async exportAs(format: HistoryExportFormat) {
    this.problem = null;
    try {
      const written = await api.exportHistory(format);
      if (written) this.exported = written;
    } catch (e) {
      this.problem = api.asUiError(e).message;
    }
  }
}

export const historyFiles = new HistoryFilesStore();
