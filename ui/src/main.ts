import {
  asUiError,
  libraryStats,
  onScanFailed,
  onScanFinished,
  onScanProgress,
  type LibraryStats,
  type ScanProgress,
} from "./api";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

function formatDuration(ms: number): string {
  const minutes = Math.round(ms / 60000);
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

function renderStats(s: LibraryStats) {
  $("track-count").textContent = s.tracks.toLocaleString();
  $("track-noun").textContent = s.tracks === 1 ? "track" : "tracks";
  const parts = [
    `${s.albums} albums`,
    `${s.artists} artists`,
    formatDuration(s.total_duration_ms),
  ];
  if (s.failed > 0) parts.push(`${s.failed} files could not be imported`);
  $("library-detail").textContent = parts.join(" · ");
  $("folders").textContent = s.roots.length ? s.roots.join(" · ") : "No library folders yet";
}

function renderProgress(p: ScanProgress) {
  const box = $("scan-progress");
  box.hidden = p.phase === "done";
  const fraction = p.files_to_read > 0 ? p.files_read / p.files_to_read : 0;
  $("scan-fill").style.width = `${Math.round(fraction * 100)}%`;
  $("scan-text").textContent =
    p.phase === "walking"
      ? `Looking for music… ${p.files_found} files`
      : `Importing ${p.files_read} of ${p.files_to_read} files`;
}

function showError(message: string) {
  const el = $("error");
  el.textContent = message;
  el.hidden = false;
}

async function refresh() {
  try {
    renderStats(await libraryStats());
  } catch (e) {
    showError(asUiError(e).message);
  }
}

await onScanProgress(renderProgress);
await onScanFinished(() => {
  $("scan-progress").hidden = true;
  void refresh();
});
await onScanFailed((e) => showError(e.message));
await refresh();
