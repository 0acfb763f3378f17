// Why a track is in a smart playlist, in the user's language, from what the Rust side found
// for each rule (`SmartWhy`); the CLI writes the same in English (`SmartMember::why_in_english`).
import type { SmartWhy } from "../bindings/SmartWhy";
import { locale, t, tagLabel } from "./i18n.svelte";

function decimal(value: number, digits: number): string {
  return value.toLocaleString(locale(), { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** One rule's finding. */
export function describeWhy(w: SmartWhy): string {
  switch (w.id) {
    case "tag":
      return t("smartWhy.tag", { tag: tagLabel(w.label), percent: w.percent });
    case "tempo":
      return t("smartWhy.tempo", { bpm: w.bpm });
    case "key":
      return t("smartWhy.key", { key: w.camelot });
    case "energy":
      return t("smartWhy.energy", { energy: decimal(w.energy, 2) });
    case "loudness":
      return t("smartWhy.loudness", { lufs: decimal(w.lufs, 1) });
    case "rated":
      return t("smartWhy.rated", { n: w.stars });
    case "liked":
      return t("smartWhy.liked");
    case "disliked":
      return t("smartWhy.disliked");
    case "played":
      return t("smartWhy.played", { n: w.times });
    case "never_played":
      return t("smartWhy.never_played");
    case "not_played_for":
      return t("smartWhy.not_played_for", { n: w.days });
    case "played_today":
      return t("smartWhy.played_today");
    case "played_days_ago":
      return t("smartWhy.played_days_ago", { n: w.days });
    case "never_skipped":
      return t("smartWhy.never_skipped");
    case "skipped":
      return t("smartWhy.skipped", { percent: w.percent });
    case "added_days_ago":
      return w.days === 0 ? t("smartWhy.added_today") : t("smartWhy.added_days_ago", { n: w.days });
    case "lasts":
      return t("smartWhy.lasts", { length: `${Math.floor(w.seconds / 60)}:${String(w.seconds % 60).padStart(2, "0")}` });
    case "format":
      return w.format;
    case "text":
      return w.value;
    case "year":
      return t("smartWhy.year", { year: String(w.year) });
  }
}

/** Every rule's finding, joined: "tempo 122, ambient 64 %, not played for 40 days". */
export function whyLine(why: readonly SmartWhy[]): string {
  return why.map(describeWhy).join(t("reason.and"));
}
