// Small display helpers shared by the views.
import { t } from "./i18n.svelte";

/** 3:07, or 1:02:03 for an hour or more. */
export function clock(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

/** "42 min" or "3 h 5 min". */
export function longDuration(ms: number): string {
  const minutes = Math.round(ms / 60000);
  if (minutes < 60) return t("time.minutes", { n: minutes });
  return t("time.hoursMinutes", { h: Math.floor(minutes / 60), m: minutes % 60 });
}

/** "just now", "5 min ago", "3 h ago", else the local date and time. */
export function ago(atMs: number, nowMs = Date.now()): string {
  const minutes = Math.floor((nowMs - atMs) / 60000);
  if (minutes < 1) return t("time.justNow");
  if (minutes < 60) return t("time.minutesAgo", { n: minutes });
  if (minutes < 24 * 60) return t("time.hoursAgo", { n: Math.floor(minutes / 60) });
  return new Date(atMs).toLocaleString();
}

/** Lower-case words for matching, accents removed (as the Rust side's search key does). */
export function searchKey(text: string): string {
  return text
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLowerCase();
}

/** A label as people write it: "hip-hop" → "Hip-hop", "new age" → "New age". */
export function labelCase(label: string): string {
  return label.charAt(0).toUpperCase() + label.slice(1);
}
