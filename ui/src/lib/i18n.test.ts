import { afterEach, describe, expect, it } from "vitest";
import type { PlayOutcome } from "../bindings/PlayOutcome";
import type { TermKind } from "../bindings/TermKind";
import { LOCALES, albumsAndTracks, locale, messages, setLocale, systemLocale, t, type MessageKey } from "./i18n.svelte";

const placeholders = (text: string) => new Set([...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]));
const enKeys = Object.keys(messages.en) as MessageKey[];

afterEach(() => setLocale("en"));

describe("translations", () => {
  it("has a non-empty zh-CN text for every English key, and no others", () => {
    const zh = messages["zh-CN"];
    const missing = enKeys.filter((k) => typeof zh[k] !== "string" || zh[k].trim() === "");
    expect(missing).toEqual([]);
    expect(Object.keys(zh).sort()).toEqual([...enKeys].sort());
  });

  it("uses the same placeholders in zh-CN as in English", () => {
    const mismatched = enKeys.filter((k) => {
      const en = placeholders(messages.en[k]);
      const zh = placeholders(messages["zh-CN"][k]);
      return en.size !== zh.size || [...en].some((p) => !zh.has(p));
    });
    expect(mismatched).toEqual([]);
  });

  it("has a message for every score term and play outcome the components build keys for", () => {
    // QueuePanel shows `term.${kind}` and History `history.${outcome}`; `satisfies` makes
    // svelte-check fail when the Rust side adds a kind this list lacks.
    const terms = Object.keys({
      sound: 1, tags: 1, session: 1, tempo: 1, key: 1, energy: 1, taste: 1, novelty: 1, explore: 1,
      time_of_day: 1, momentum: 1,
    } satisfies Record<TermKind, 1>);
    const outcomes = Object.keys({
      playing: 1, completed: 1, skipped: 1, stopped: 1, error: 1,
    } satisfies Record<PlayOutcome, 1>);
    const keys = [...terms.map((k) => `term.${k}`), ...outcomes.map((k) => `history.${k}`)];
    for (const l of LOCALES) {
      const missing = keys.filter((k) => !(k in messages[l.id]));
      expect(missing, l.id).toEqual([]);
    }
  });
});

describe("t", () => {
  it("fills named placeholders, several and repeated", () => {
    setLocale("en");
    expect(t("library.count", { n: 12 })).toBe("12 tracks");
    expect(t("search.results", { q: "beyoncé" })).toBe("Results for “beyoncé”");
    expect(t("import.reading", { done: 4, total: 12 })).toBe("Importing 4 of 12 files");
  });

  it("picks the plural form the count takes, and writes numbers the language's way", () => {
    setLocale("en");
    expect(t("library.count", { n: 1 })).toBe("1 track");
    expect(t("library.count", { n: 0 })).toBe("0 tracks");
    expect(t("library.count", { n: 12345 })).toBe("12,345 tracks");
    expect(t("rating.stars", { n: 1 })).toBe("1 star");
    expect(t("detail.played_through", { n: 1 })).toBe("you played it through once");
    expect(t("detail.played_through", { n: 3 })).toBe("you played it through 3 times");
    expect(albumsAndTracks(1, 1)).toBe("1 album · 1 track");
    expect(albumsAndTracks(2, 14)).toBe("2 albums · 14 tracks");
    expect(
      t("library.summary", {
        albums: t("count.albums", { n: 1 }),
        artists: t("count.artists", { n: 2 }),
        duration: "1 h 0 min",
      }),
    ).toBe("1 album · 2 artists · 1 h 0 min");
    // A count given as text is written as given, in the general form.
    expect(t("library.count", { n: "" }).trim()).toBe("tracks");
    setLocale("zh-CN");
    expect(t("library.count", { n: 1 })).toBe("1 首歌曲");
    expect(albumsAndTracks(1, 3)).toBe("1 张专辑 · 3 首歌曲");
  });

  it("leaves a placeholder without a value as written", () => {
    setLocale("en");
    expect(t("import.reading", { done: 4 })).toBe("Importing 4 of {total} files");
    expect(t("nav.library")).toBe("Library");
  });

  it("does not re-expand placeholders inside values", () => {
    setLocale("en");
    expect(t("search.none", { q: "{n}" })).toBe("Nothing matches “{n}”.");
  });
});

describe("setLocale", () => {
  it("switches the language of t() and the document", () => {
    setLocale("zh-CN");
    expect(locale()).toBe("zh-CN");
    expect(document.documentElement.lang).toBe("zh-CN");
    expect(t("nav.library")).toBe("音乐库");
    expect(t("library.count", { n: 12 })).toBe("12 首歌曲");

    setLocale("en");
    expect(locale()).toBe("en");
    expect(document.documentElement.lang).toBe("en");
    expect(t("nav.library")).toBe("Library");
  });
});

describe("systemLocale", () => {
  it("picks zh-CN for Chinese, whatever the region or script", () => {
    expect(systemLocale(["zh-CN"])).toBe("zh-CN");
    expect(systemLocale(["zh"])).toBe("zh-CN");
    expect(systemLocale(["zh-TW"])).toBe("zh-CN");
    expect(systemLocale(["zh-Hant-HK", "en"])).toBe("zh-CN");
    expect(systemLocale(["ZH_cn"])).toBe("zh-CN");
  });

  it("picks English otherwise", () => {
    expect(systemLocale([])).toBe("en");
    expect(systemLocale(["en-US"])).toBe("en");
    expect(systemLocale(["fr-FR", "de"])).toBe("en");
  });

  it("follows the order of preference", () => {
    // navigator.languages is ordered: someone who prefers English keeps English.
    expect(systemLocale(["en-US", "zh-CN"])).toBe("en");
    expect(systemLocale(["fr-FR", "zh-CN", "en"])).toBe("zh-CN");
  });
});
