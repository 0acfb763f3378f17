// The queue panel's rules: which upcoming entries the listener queued and which autoplay added,
// and where a drag or Alt+arrow takes an entry, in the store's `move_in_queue` terms.
import type { QueueEntry } from "../api";

/** An upcoming entry with its index in the whole queue (what the commands take). */
export interface Upcoming {
  entry: QueueEntry;
  at: number;
}

/** What follows the current entry (the whole queue when nothing is current), in order, split
 * after the last entry the listener queued: before it what is queued, after it what autoplay
 * added (where "Add to queue" inserts, as the service's rule says); at most `limit` of each. */
export function upcoming(
  queue: readonly QueueEntry[],
  index: number | null,
  limit = 200,
): { queued: Upcoming[]; autoplay: Upcoming[] } {
  const from = index === null ? 0 : index + 1;
  const rest = queue.slice(from).map((entry, i) => ({ entry, at: from + i }));
  let split = rest.length;
  while (split > 0 && rest[split - 1].entry.autoplay) split--;
  return {
    queued: rest.slice(0, split).slice(0, limit),
    autoplay: rest.slice(split).slice(0, limit),
  };
}

/** Where dropping entry `from` into gap `gap` (before the entry now at `gap`; the queue's length
 * for after the last) moves it: the `to` of `move_in_queue`. `null` when it stays put. */
export function dropTarget(from: number, gap: number): number | null {
  const to = gap > from ? gap - 1 : gap;
  return to === from ? null : to;
}

/** Where Alt+↑ (`step` −1) or Alt+↓ (+1) moves entry `from`, never above `first` (the first
 * upcoming entry: the playing track and what played stay where they are) nor past the end.
 * `null` at either end. */
export function stepTarget(from: number, step: -1 | 1, first: number, length: number): number | null {
  const to = from + step;
  return to < first || to >= length ? null : to;
}
