import { describe, expect, it } from "vitest";
import type { QueueEntry } from "../api";
import { dropTarget, stepTarget, upcoming } from "./queue";

const entry = (track_id: number, autoplay = false): QueueEntry => ({ track_id, why: [], autoplay });

describe("upcoming", () => {
  const queue = [entry(1), entry(2), entry(3), entry(4, true), entry(5, true)];

  it("splits what follows the playing track into the listener's and autoplay's, with queue indices", () => {
    const { queued, autoplay } = upcoming(queue, 1);
    expect(queued.map((u) => [u.entry.track_id, u.at])).toEqual([[3, 2]]);
    expect(autoplay.map((u) => [u.entry.track_id, u.at])).toEqual([[4, 3], [5, 4]]);
  });

  it("keeps the queue's order: a suggestion among the listener's entries is listed with them", () => {
    const { queued, autoplay } = upcoming([entry(1), entry(2, true), entry(3), entry(4, true)], 0);
    expect(queued.map((u) => u.entry.track_id)).toEqual([2, 3]);
    expect(autoplay.map((u) => u.entry.track_id)).toEqual([4]);
  });

  it("is the whole queue when nothing is current, and nothing after the last track", () => {
    expect(upcoming(queue, null).queued.map((u) => u.at)).toEqual([0, 1, 2]);
    expect(upcoming(queue, 4)).toEqual({ queued: [], autoplay: [] });
  });

  it("shows at most the limit of each", () => {
    expect(upcoming(queue, null, 2).queued.map((u) => u.at)).toEqual([0, 1]);
  });
});

describe("dropTarget", () => {
  it("lands before the entry under the gap, counting the moved one out", () => {
    // Entry 2 dropped before entry 5 ends up at index 4; before entry 1 at index 1.
    expect(dropTarget(2, 5)).toBe(4);
    expect(dropTarget(2, 1)).toBe(1);
  });

  it("is null when the entry would stay where it is", () => {
    expect(dropTarget(2, 2)).toBeNull();
    expect(dropTarget(2, 3)).toBeNull();
  });
});

describe("stepTarget", () => {
  it("moves one place, never above the first upcoming entry nor past the end", () => {
    expect(stepTarget(3, -1, 2, 5)).toBe(2);
    expect(stepTarget(2, -1, 2, 5)).toBeNull();
    expect(stepTarget(3, 1, 2, 5)).toBe(4);
    expect(stepTarget(4, 1, 2, 5)).toBeNull();
  });
});
