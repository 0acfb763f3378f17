import { fireEvent, render, waitFor } from "@testing-library/svelte";
import { describe, expect, it, vi } from "vitest";
import type { YearInReview as Review } from "../api";
import { clipped, clockBar } from "../lib/review";
import { app } from "../lib/store.svelte";
import { mockBackend, trackRow, useComponentTests } from "../testing/fixtures";
import YearInReview from "./YearInReview.svelte";

// jsdom cannot draw an SVG into a canvas: the poster's PNG is made up here, and what is
// checked is that the window sends it to be saved.
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
vi.mock("../lib/review", async (original) => ({
  ...(await original<typeof import("../lib/review")>()),
  posterPng: async () => PNG,
}));

const byTestId = (root: ParentNode, id: string) => [...root.querySelectorAll<HTMLElement>(`[data-testid="${id}"]`)];

function review(year: number, plays: number): Review {
  const hours = Array(24).fill(0);
  hours[21] = plays;
  const months = Array(12).fill(0);
  months[6] = plays;
  return {
    year,
    years: [2024, 2023],
    plays,
    skipped: plays > 0 ? 1 : 0,
    listened_ms: 7_200_000,
    days_listened: plays > 0 ? 2 : 0,
    busiest_day: plays > 0 ? { day: `${year}-07-02`, plays: 4, completed: 3, skipped: 1, listened_ms: 540_000 } : null,
    top_artists: [{ name: "Ann", track_id: null, plays: 3 }, { name: "Cleo", track_id: null, plays: 2 }],
    top_albums: [{ name: "One", track_id: 1, plays: 3 }],
    top_tracks: [{ name: "Alpha", track_id: 1, plays: 3 }, { name: "Gamma", track_id: 3, plays: 2 }],
    hours,
    months,
    discoveries: [{ name: "Cleo", track_id: null, plays: 2 }],
    new_artists: 1,
    distinct_tracks: 3,
  };
}

useComponentTests();

describe("YearInReview", () => {
  it("draws the year's figures, favourites, hours and months, and saves the poster as a PNG", async () => {
    app.tracks = [trackRow(1, { title: "Alpha" }), trackRow(3, { title: "Gamma" })];
    const calls = mockBackend({ year_in_review: (args) => review((args.year as number | null) ?? 2024, 4), save_review_image: () => "/home/me/Segue 2024 in review.png" });
    const { container } = render(YearInReview, { year: null });

    await waitFor(() => expect(byTestId(container, "review-poster")).toHaveLength(1));
    expect(calls[0]).toEqual({ cmd: "year_in_review", args: { year: null } });
    expect(container.querySelector("[data-testid=review-poster]")?.getAttribute("aria-label")).toBe("2024 in review");
    expect(byTestId(container, "review-tile").map((t) => t.textContent)).toEqual(["2", "4", "2", "25 %"]);
    expect(byTestId(container, "review-artist").map((t) => t.textContent)).toEqual(["1. Ann", "2. Cleo"]);
    expect(byTestId(container, "review-track").map((t) => t.textContent)).toEqual(["1. Alpha", "2. Gamma"]);
    const hours = byTestId(container, "review-hour").map((h) => Number(h.dataset.plays));
    expect(hours).toHaveLength(24);
    expect(hours[21]).toBe(4);
    expect(byTestId(container, "review-month").map((m) => Number(m.dataset.plays))[6]).toBe(4);
    expect(byTestId(container, "review-new-artists")[0].textContent).toBe("1 artist heard for the first time");

    await fireEvent.click(byTestId(container, "review-save")[0]);
    await waitFor(() => expect(calls.some((c) => c.cmd === "save_review_image")).toBe(true));
    expect(calls.find((c) => c.cmd === "save_review_image")?.args).toEqual({ year: 2024, png: Array.from(PNG) });
    await waitFor(() => expect(app.notice ?? "").toContain("Segue 2024 in review.png"));

    // Another year from the picker; the top tracks play in order.
    await fireEvent.change(byTestId(container, "review-year")[0], { target: { value: "2023" } });
    expect(app.view).toEqual({ kind: "review", year: 2023 });
    await fireEvent.click(byTestId(container, "review-play-top")[0]);
    await waitFor(() => expect(calls.find((c) => c.cmd === "play_tracks")?.args).toEqual({ tracks: [1, 3], start: 0 }));
  });

  it("says so for a year without plays, with nothing to save", async () => {
    mockBackend({ year_in_review: () => review(2019, 0) });
    const { container } = render(YearInReview, { year: 2019 });
    await waitFor(() => expect(byTestId(container, "review-empty")[0]?.textContent).toBe("Nothing was played in 2019."));
    expect(byTestId(container, "review-poster")).toHaveLength(0);
    expect(byTestId(container, "review-save")[0].hasAttribute("disabled")).toBe(true);
  });
});

describe("the poster's shapes", () => {
  it("clips long names with an ellipsis, counting characters not bytes", () => {
    expect(clipped("Short", 10)).toBe("Short");
    expect(clipped("A very long artist name", 10)).toBe("A very lo…");
    expect(clipped("東京事変東京事変東京", 5)).toBe("東京事変…");
  });

  it("draws midnight's bar straight up and the busiest hour full length", () => {
    const midnight = clockBar(0, 10, 10, 0, 0, 50, 150);
    expect(midnight.y2).toBeLessThan(-148);
    expect(Math.abs(midnight.x2)).toBeLessThan(20);
    const quiet = clockBar(6, 0, 10, 0, 0, 50, 150);
    expect(Math.hypot(quiet.x2, quiet.y2)).toBeCloseTo(50);
  });
});
