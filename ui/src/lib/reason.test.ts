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
