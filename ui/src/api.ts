// The one place the UI talks to the Rust side. Components import these typed functions and
// never call `invoke` or `listen` themselves; the types are generated from Rust (ts-rs).
import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type { LibraryStats } from "./bindings/LibraryStats";
import type { ScanProgress } from "./bindings/ScanProgress";
import type { ScanReport } from "./bindings/ScanReport";
import type { UiError } from "./bindings/UiError";

export type { LibraryStats, ScanProgress, ScanReport, UiError };

/** Event names, mirrored from `src-tauri/src/lib.rs`. */
const EVENTS = {
  scanProgress: "scan-progress",
  scanFinished: "scan-finished",
  scanFailed: "scan-failed",
} as const;

/** Library counts shown in the header. */
export function libraryStats(): Promise<LibraryStats> {
  return invoke<LibraryStats>("library_stats");
}

/** Starts a rescan of the library folders in the background (no-op if one is running). */
export function startScan(): Promise<void> {
  return invoke<void>("start_scan");
}

/** Asks a running scan to stop; what was read so far is kept. */
export function cancelScan(): Promise<void> {
  return invoke<void>("cancel_scan");
}

export function onScanProgress(cb: (p: ScanProgress) => void): Promise<UnlistenFn> {
  return listen<ScanProgress>(EVENTS.scanProgress, (e) => cb(e.payload));
}

export function onScanFinished(cb: (r: ScanReport) => void): Promise<UnlistenFn> {
  return listen<ScanReport>(EVENTS.scanFinished, (e) => cb(e.payload));
}

export function onScanFailed(cb: (e: UiError) => void): Promise<UnlistenFn> {
  return listen<UiError>(EVENTS.scanFailed, (e) => cb(e.payload));
}

/** Commands reject with a `UiError`; anything else is turned into one. */
export function asUiError(e: unknown): UiError {
  if (e && typeof e === "object" && "kind" in e && "message" in e) return e as UiError;
  return { kind: "internal", message: String(e) };
}
