import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ago, clock, labelCase, longDuration, searchKey } from "./format";
import { setLocale } from "./i18n.svelte";

describe("clock", () => {
  it("shows minutes and zero-padded seconds under an hour", () => {
    expect(clock(0)).toBe("0:00");
    expect(clock(5_000)).toBe("0:05");
    expect(clock(187_000)).toBe("3:07");
    expect(clock(59 * 60_000 + 59_000)).toBe("59:59");
  });

  it("shows hours with zero-padded minutes from an hour on", () => {
    expect(clock(3_600_000)).toBe("1:00:00");
    expect(clock(3_723_000)).toBe("1:02:03");
    expect(clock(10 * 3_600_000 + 5 * 60_000 + 9_000)).toBe("10:05:09");
  });

  it("rounds down partial seconds and clamps negatives", () => {
    expect(clock(5_999)).toBe("0:05");
    expect(clock(-1_000)).toBe("0:00");
  });
});

describe("longDuration", () => {
  it("uses minutes under an hour", () => {
    expect(longDuration(0)).toBe("0 min");
    expect(longDuration(42 * 60_000)).toBe("42 min");
    // Rounded to the nearest minute.
    expect(longDuration(42 * 60_000 + 31_000)).toBe("43 min");
  });

  it("uses hours and minutes from an hour on", () => {
    expect(longDuration(60 * 60_000)).toBe("1 h 0 min");
    expect(longDuration(185 * 60_000)).toBe("3 h 5 min");
    // 59.6 minutes rounds up to an hour.
    expect(longDuration(59 * 60_000 + 36_000)).toBe("1 h 0 min");
  });
});

describe("ago", () => {
  const now = Date.UTC(2024, 4, 17, 12, 0, 0);
  beforeEach(() => setLocale("en"));
  afterEach(() => setLocale("en"));

  it("says just now under a minute", () => {
    expect(ago(now, now)).toBe("just now");
    expect(ago(now - 59_000, now)).toBe("just now");
  });

  it("counts minutes under an hour and hours under a day", () => {
    expect(ago(now - 60_000, now)).toBe("1 min ago");
    expect(ago(now - 5 * 60_000, now)).toBe("5 min ago");
    expect(ago(now - 59 * 60_000 - 59_000, now)).toBe("59 min ago");
    expect(ago(now - 60 * 60_000, now)).toBe("1 h ago");
    expect(ago(now - 3 * 3_600_000 - 20 * 60_000, now)).toBe("3 h ago");
    expect(ago(now - 23 * 3_600_000 - 59 * 60_000, now)).toBe("23 h ago");
  });

  it("gives the local date and time from a day on", () => {
    const at = now - 24 * 3_600_000;
    expect(ago(at, now)).toBe(new Date(at).toLocaleString());
  });

  it("follows the interface language", () => {
    setLocale("zh-CN");
    expect(ago(now - 5 * 60_000, now)).toBe("5 分钟前");
    expect(ago(now, now)).toBe("刚刚");
  });
});

describe("searchKey", () => {
  it("lower-cases and strips accents", () => {
    expect(searchKey("Beyoncé")).toBe("beyonce");
    expect(searchKey("Sigur Rós — Ágætis byrjun")).toBe("sigur ros — agætis byrjun");
    expect(searchKey("ＡＢＣ")).toBe("abc");
  });
});

describe("labelCase", () => {
  it("capitalises the first letter only", () => {
    expect(labelCase("hip-hop")).toBe("Hip-hop");
    expect(labelCase("new age")).toBe("New age");
    expect(labelCase("")).toBe("");
  });
});
