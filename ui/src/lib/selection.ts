// A multi-selection over a list of rows, as desktop file managers and players keep it: a click
// selects one row, Ctrl (⌘) + click toggles a row, Shift + click selects the range from the
// anchor, and the arrow keys move the cursor (Shift + arrow extends the range). Pure, so the
// rules are unit-tested without a window; rows are named by a key (a track or entry id).

export interface Selection<K> {
  keys: ReadonlySet<K>;
  /** Where a Shift range starts: the last row clicked or moved to without Shift. */
  anchor: K | null;
  /** The row the keyboard is on. */
  cursor: K | null;
}

export function noSelection<K>(): Selection<K> {
  return { keys: new Set(), anchor: null, cursor: null };
}

export interface Modifiers {
  /** Shift: select the range from the anchor. */
  range?: boolean;
  /** Ctrl or ⌘: toggle one row, or add a range to what is selected. */
  toggle?: boolean;
}

/** The modifiers of a mouse or keyboard event (⌘ counts as Ctrl on a Mac). */
export function modifiersOf(e: MouseEvent | KeyboardEvent): Modifiers {
  return { range: e.shiftKey, toggle: e.ctrlKey || e.metaKey };
}

function range<K>(order: readonly K[], from: K | null, to: K): K[] {
  const end = order.indexOf(to);
  const start = from === null ? -1 : order.indexOf(from);
  if (start < 0) return [to];
  const [lo, hi] = start <= end ? [start, end] : [end, start];
  return order.slice(lo, hi + 1);
}

/** The selection after a click on `key`. */
export function clickSelect<K>(
  order: readonly K[],
  selection: Selection<K>,
  key: K,
  { range: shift = false, toggle = false }: Modifiers = {},
): Selection<K> {
  if (shift) {
    const span = range(order, selection.anchor, key);
    const keys = toggle ? new Set([...selection.keys, ...span]) : new Set(span);
    return { keys, anchor: selection.anchor ?? key, cursor: key };
  }
  if (toggle) {
    const keys = new Set(selection.keys);
    if (keys.has(key)) keys.delete(key);
    else keys.add(key);
    return { keys, anchor: key, cursor: key };
  }
  return { keys: new Set([key]), anchor: key, cursor: key };
}

/** The selection after an arrow key: the cursor moves by `step` rows (clamped to the list);
 * with `extend` the range from the anchor follows it, else only the new row is selected. */
export function stepSelect<K>(
  order: readonly K[],
  selection: Selection<K>,
  step: number,
  extend = false,
): Selection<K> {
  if (order.length === 0) return noSelection();
  const at = selection.cursor === null ? -1 : order.indexOf(selection.cursor);
  const next = at < 0 ? (step > 0 ? 0 : order.length - 1) : Math.min(order.length - 1, Math.max(0, at + step));
  const cursor = order[next];
  if (extend && selection.anchor !== null && order.includes(selection.anchor)) {
    return { keys: new Set(range(order, selection.anchor, cursor)), anchor: selection.anchor, cursor };
  }
  return { keys: new Set([cursor]), anchor: cursor, cursor };
}

export function selectAll<K>(order: readonly K[]): Selection<K> {
  return { keys: new Set(order), anchor: order[0] ?? null, cursor: order.at(-1) ?? null };
}

/** The selected keys in list order (a set remembers the order of clicks, not of rows). */
export function selectedInOrder<K>(order: readonly K[], selection: Selection<K>): K[] {
  return order.filter((k) => selection.keys.has(k));
}

/** Drops keys no longer in the list (after a removal, a reload or a new search). */
export function keepPresent<K>(present: ReadonlySet<K>, selection: Selection<K>): Selection<K> {
  const keep = (k: K | null) => (k !== null && present.has(k) ? k : null);
  if ([...selection.keys].every((k) => present.has(k)) && keep(selection.anchor) === selection.anchor && keep(selection.cursor) === selection.cursor) {
    return selection;
  }
  const keys = new Set([...selection.keys].filter((k) => present.has(k)));
  return { keys, anchor: keep(selection.anchor), cursor: keep(selection.cursor) };
}
