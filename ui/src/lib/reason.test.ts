import { afterEach, describe, expect, it } from "vitest";
import type { Daypart } from "../bindings/Daypart";
import { setLocale } from "./i18n.svelte";
import { describe as say, reasonLine } from "./reason";

describe("time-of-day reasons", () => {
  afterEach(() => setLocale("en"));

  it("names the part of the day, as the command line does, in English and in Chinese", () => {
    const dayparts: Daypart[] = ["morning", "afternoon", "evening", "night"];
    expect(dayparts.map((daypart) => say({ id: "at_this_time", daypart }))).toEqual([
      "like what you play in the morning",
      "like what you play in the afternoon",
      "like what you play in the evening",
      "like what you play at night",
    ]);
    expect(reasonLine([{ smooth_join: false, details: [{ id: "at_this_time", daypart: "evening" }] }])).toBe(
      "Like what you play in the evening",
    );
    setLocale("zh-CN");
    expect(say({ id: "at_this_time", daypart: "night" })).toBe("像你深夜常听的");
  });

  it("says what the listener model learned and when a pick is exploring, as the command line does", () => {
    setLocale("en");
    expect(say({ id: "you_like", facet: "composer", name: "Doug Kaufman" })).toBe("you like Doug Kaufman");
    expect(say({ id: "you_like", facet: "album", name: "Nocturnes" })).toBe("from Nocturnes, which you like");
    expect(say({ id: "exploring", tags: ["ambient"] })).toBe("trying something new for you: ambient");
    expect(reasonLine([{ smooth_join: false, details: [{ id: "exploring", tags: [] }] }])).toBe(
      "Trying something new for you",
    );
  });
});

describe("sonic path reasons", () => {
  afterEach(() => setLocale("en"));

  it("say what a step bridges and how it joins, as the command line does", () => {
    // The command line's line for the same parts (Detail::english, english_reason).
    expect(
      reasonLine([
        {
          smooth_join: false,
          details: [{ id: "bridges", from: "Nebula", to: "Dawn", leaving: "ambient", towards: "orchestral" }],
        },
        { smooth_join: false, details: [{ id: "tempo", from_bpm: 92, to_bpm: 96, feel: "plain" }, { id: "key", join: "neighbouring" }] },
      ]),
    ).toBe("Bridges Nebula → Dawn: ambient towards orchestral; 92 → 96 BPM, neighbouring key");
    expect(say({ id: "bridges", from: "A", to: "B", leaving: null, towards: "piano" })).toBe("bridges A → B: towards piano");
    expect(say({ id: "bridges", from: "A", to: "B", leaving: "rock", towards: null })).toBe("bridges A → B: less rock");
    expect(say({ id: "bridges", from: "A", to: "B", leaving: null, towards: null })).toBe("bridges A → B");
    // A join counts double and half time as the same beat: the line says which.
    expect(say({ id: "tempo", from_bpm: 85, to_bpm: 172, feel: "double" })).toBe("85 → 172 BPM, double time");
    expect(say({ id: "tempo", from_bpm: 172, to_bpm: 85, feel: "half" })).toBe("172 → 85 BPM, half time");
    expect(say({ id: "path_start", to: "Dawn" })).toBe("sets out towards Dawn");
    expect(say({ id: "path_start_towards_tag", tag: "ambient" })).toBe("sets out towards ambient");
    expect(say({ id: "path_end", from: "Nebula" })).toBe("arrives from Nebula");
    expect(say({ id: "path_end_at_tag", tag: "ambient", from: "Nebula" })).toBe("arrives at ambient from Nebula");
    setLocale("zh-CN");
    expect(say({ id: "path_end", from: "Nebula" })).toBe("从《Nebula》抵达");
  });
});
