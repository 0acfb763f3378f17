import { afterEach, describe, expect, it } from "vitest";
import type { SmartWhy } from "../bindings/SmartWhy";
import { setLocale } from "./i18n.svelte";
import { whyLine } from "./smart-why";

// The same findings as `crates/segue-core/src/smart.rs`'s test
// `every_finding_reads_in_english_as_the_window_writes_it`, which holds the English the
// command line writes for them.
const findings: SmartWhy[] = [
  { id: "tag", label: "ambient", percent: 64 },
  { id: "tempo", bpm: 122 },
  { id: "key", camelot: "8A" },
  { id: "energy", energy: 0.4 },
  { id: "loudness", lufs: -12.34 },
  { id: "rated", stars: 1 },
  { id: "rated", stars: 4 },
  { id: "liked" },
  { id: "disliked" },
  { id: "played", times: 1 },
  { id: "played", times: 3 },
  { id: "never_played" },
  { id: "not_played_for", days: 1 },
  { id: "not_played_for", days: 40 },
  { id: "played_today" },
  { id: "played_days_ago", days: 1 },
  { id: "played_days_ago", days: 2 },
  { id: "never_skipped" },
  { id: "skipped", percent: 25 },
  { id: "added_days_ago", days: 0 },
  { id: "added_days_ago", days: 1 },
  { id: "added_days_ago", days: 14 },
  { id: "lasts", seconds: 185 },
  { id: "format", format: "FLAC" },
  { id: "text", value: "Nocturnes" },
  { id: "year", year: 1995 },
];

describe("smart playlist reasons", () => {
  afterEach(() => setLocale("en"));

  it("read in English as the command line writes them", () => {
    expect(whyLine(findings)).toBe(
      "ambient 64 %, tempo 122, key 8A, energy 0.40, -12.3 LUFS, rated 1 star, rated 4 stars, liked, disliked, " +
        "played 1 time, played 3 times, never played, not played for 1 day, not played for 40 days, played today, " +
        "played 1 day ago, played 2 days ago, never skipped, skipped 25 % of plays, added today, added 1 day ago, " +
        "added 14 days ago, 3:05 long, FLAC, Nocturnes, from 1995",
    );
  });

  it("read in Chinese, tags translated", () => {
    setLocale("zh-CN");
    expect(whyLine([{ id: "rated", stars: 5 }, { id: "tempo", bpm: 122 }, { id: "not_played_for", days: 40 }])).toBe(
      "评为 5 星、速度 122、40 天未播放",
    );
    expect(whyLine([{ id: "tag", label: "ambient", percent: 64 }])).not.toContain("ambient");
  });
});
