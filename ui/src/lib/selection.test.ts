import { describe, expect, it } from "vitest";
import {
  clickSelect,
  keepPresent,
  noSelection,
  selectAll,
  selectedInOrder,
  stepSelect,
  type Selection,
} from "./selection";

const order = [10, 20, 30, 40, 50];
const keys = (s: Selection<number>) => selectedInOrder(order, s);

describe("clickSelect", () => {
  it("selects only the clicked row, and makes it the anchor", () => {
    const s = clickSelect(order, clickSelect(order, noSelection(), 20), 40);
    expect(keys(s)).toEqual([40]);
    expect(s.anchor).toBe(40);
    expect(s.cursor).toBe(40);
  });

  it("with Shift selects the range from the anchor, either way, keeping the anchor", () => {
    let s = clickSelect(order, noSelection(), 20);
    s = clickSelect(order, s, 40, { range: true });
    expect(keys(s)).toEqual([20, 30, 40]);
    // A second Shift+click replaces the range, from the same anchor.
    s = clickSelect(order, s, 10, { range: true });
    expect(keys(s)).toEqual([10, 20]);
    expect(s.anchor).toBe(20);
    expect(s.cursor).toBe(10);
  });

  it("with Ctrl toggles one row and keeps the rest", () => {
    let s = clickSelect(order, noSelection(), 20);
    s = clickSelect(order, s, 50, { toggle: true });
    expect(keys(s)).toEqual([20, 50]);
    s = clickSelect(order, s, 20, { toggle: true });
    expect(keys(s)).toEqual([50]);
  });

  it("with Ctrl and Shift adds the range to what is selected", () => {
    let s = clickSelect(order, noSelection(), 10);
    s = clickSelect(order, s, 30, { toggle: true });
    s = clickSelect(order, s, 50, { toggle: true, range: true });
    expect(keys(s)).toEqual([10, 30, 40, 50]);
  });

  it("with Shift and no anchor selects the clicked row", () => {
    expect(keys(clickSelect(order, noSelection(), 30, { range: true }))).toEqual([30]);
  });
});

describe("stepSelect", () => {
  it("moves the cursor and selects only the new row, stopping at the ends", () => {
    let s = clickSelect(order, noSelection(), 40);
    s = stepSelect(order, s, 1);
    expect(keys(s)).toEqual([50]);
    s = stepSelect(order, s, 1);
    expect(keys(s)).toEqual([50]);
    s = stepSelect(order, s, -1);
    expect(keys(s)).toEqual([40]);
    expect(s.anchor).toBe(40);
  });

  it("with extend grows and shrinks the range from the anchor", () => {
    let s = clickSelect(order, noSelection(), 30);
    s = stepSelect(order, s, 1, true);
    s = stepSelect(order, s, 1, true);
    expect(keys(s)).toEqual([30, 40, 50]);
    s = stepSelect(order, s, -1, true);
    s = stepSelect(order, s, -1, true);
    s = stepSelect(order, s, -1, true);
    expect(keys(s)).toEqual([20, 30]);
    expect(s.anchor).toBe(30);
  });

  it("starts at the first row going down and the last going up when nothing is selected", () => {
    expect(keys(stepSelect(order, noSelection(), 1))).toEqual([10]);
    expect(keys(stepSelect(order, noSelection(), -1))).toEqual([50]);
    expect(stepSelect([], noSelection(), 1).keys.size).toBe(0);
  });
});

describe("selectAll, selectedInOrder and keepPresent", () => {
  it("selects every row and lists the selection in list order, not click order", () => {
    expect(keys(selectAll(order))).toEqual(order);
    let s = clickSelect(order, noSelection(), 50);
    s = clickSelect(order, s, 10, { toggle: true });
    expect([...s.keys]).toEqual([50, 10]);
    expect(keys(s)).toEqual([10, 50]);
  });

  it("drops rows that left the list, and keeps the same selection when none did", () => {
    let s = clickSelect(order, noSelection(), 20);
    s = clickSelect(order, s, 40, { range: true });
    expect(keepPresent(new Set(order), s)).toBe(s);
    const kept = keepPresent(new Set([10, 30, 40]), s);
    expect(selectedInOrder(order, kept)).toEqual([30, 40]);
    expect(kept.anchor).toBeNull();
    expect(kept.cursor).toBe(40);
  });
});
