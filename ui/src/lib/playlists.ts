// What the playlist views compute without the Rust side: names, where a move lands, what plays,
// and the cover mosaic. Pure, so unit-tested without a window.
import type { PlaylistEntry } from "../api";

/** `base`, or `base 2`, `base 3`… : the first that no playlist has (names are unique whatever
 * their case, as the store keeps them). */
export function uniqueName(base: string, taken: readonly string[]): string {
  const used = new Set(taken.map((n) => n.trim().toLocaleLowerCase()));
  const name = base.trim();
  if (!used.has(name.toLocaleLowerCase())) return name;
  for (let n = 2; ; n++) {
    const candidate = `${name} ${n}`;
    if (!used.has(candidate.toLocaleLowerCase())) return candidate;
  }
}

/** A file's name without its folder and extension, from a POSIX or Windows path. */
export function fileStem(path: string): string {
  const file = path.split(/[\\/]/).filter(Boolean).at(-1) ?? "";
  const dot = file.lastIndexOf(".");
  return (dot > 0 ? file.slice(0, dot) : file).trim();
}

/**
 * Where moving entries lands, as the store's `move_in_playlist` takes it: the index, among the
 * entries that stay, before which the moved ones go. `insertBefore` is a gap in the list as it
 * is now (0 = before the first row, `order.length` = after the last). `null` when the move
 * changes nothing.
 */
export function moveDestination<K>(order: readonly K[], moving: ReadonlySet<K>, insertBefore: number): number | null {
  const to = order.slice(0, insertBefore).filter((k) => !moving.has(k)).length;
  const moved = moveEntries(order, moving, to);
  return moved.every((k, i) => k === order[i]) ? null : to;
}

/** Where Alt+↑ (`step` −1) or Alt+↓ (+1) takes the moving entries: one row past the first
 * (or last) of them, the others gathering behind it. `null` at the top or bottom already. */
export function stepDestination<K>(order: readonly K[], moving: ReadonlySet<K>, step: -1 | 1): number | null {
  const at = order.map((k, i) => (moving.has(k) ? i : -1)).filter((i) => i >= 0);
  if (at.length === 0) return null;
  const gap = step < 0 ? at[0] - 1 : (at.at(-1) ?? 0) + 2;
  if (gap < 0 || gap > order.length) return null;
  return moveDestination(order, moving, gap);
}

/** The list after moving `moving` (in list order) to index `to` of the entries that stay: the
 * same rule as the store's, so the window can show a move before the store confirms it. */
export function moveEntries<K>(order: readonly K[], moving: ReadonlySet<K>, to: number): K[] {
  const moved = order.filter((k) => moving.has(k));
  const rest = order.filter((k) => !moving.has(k));
  rest.splice(Math.min(to, rest.length), 0, ...moved);
  return rest;
}

/** What playing a playlist plays: the tracks of the entries that can play, in order, and for
 * each entry that can, its index in that list. */
export function playableTracks(entries: readonly PlaylistEntry[]): { tracks: number[]; indexOf: Map<number, number> } {
  const tracks: number[] = [];
  const indexOf = new Map<number, number>();
  for (const e of entries) {
    if (e.status !== "available" || e.track === null) continue;
    indexOf.set(e.id, tracks.length);
    tracks.push(e.track.id);
  }
  return { tracks, indexOf };
}

/** The covers of a playlist's mosaic: one fills it; two or three are repeated across a 2×2
 * grid so it looks whole; four fill the grid. */
export function mosaicCells(coverIds: readonly number[]): number[] {
  const ids = coverIds.slice(0, 4);
  switch (ids.length) {
    case 0:
    case 1:
      return ids;
    case 2:
      return [ids[0], ids[1], ids[1], ids[0]];
    case 3:
      return [ids[0], ids[1], ids[2], ids[0]];
    default:
      return ids;
  }
}

/** What an unresolved entry shows as its title: the file's `#EXTINF` title, else its file name. */
export function unresolvedTitle(entry: PlaylistEntry): string {
  const source = entry.source;
  if (!source) return "";
  return source.title?.trim() || fileStem(source.location) || source.location;
}
