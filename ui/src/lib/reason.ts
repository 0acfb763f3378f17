// Suggestion reasons in the user's language, from the structured messages the recommender
// sends (`Detail`, `ReasonPart`); the Rust side writes the same line in English for the CLI.
import type { Detail } from "../bindings/Detail";
import type { ReasonPart } from "../bindings/ReasonPart";
import { locale, t, tagLabel } from "./i18n.svelte";

function track(name: string | null): string {
  return name === null ? t("detail.it") : t("detail.track", { track: name });
}

function tags(list: string[]): string {
  return list.map(tagLabel).join(t("reason.and"));
}

/** A path step between two tracks, with the tags that fade and grow across it. */
function bridges(from: string, to: string, leaving: string | null, towards: string | null): string {
  const ends = { from: track(from), to: track(to) };
  if (leaving !== null && towards !== null) {
    return t("detail.bridges_moving", { ...ends, leaving: tagLabel(leaving), towards: tagLabel(towards) });
  }
  if (leaving !== null) return t("detail.bridges_leaving", { ...ends, leaving: tagLabel(leaving) });
  if (towards !== null) return t("detail.bridges_towards", { ...ends, towards: tagLabel(towards) });
  return t("detail.bridges", ends);
}

/** One term's message. */
export function describe(d: Detail): string {
  switch (d.id) {
    case "nothing":
      return "";
    case "sounds_like":
      return t("detail.sounds_like", { track: track(d.track) });
    case "close_to":
      return t("detail.close_to", { track: track(d.track), tags: tags(d.tags) });
    case "styles_unlike":
      return t("detail.styles_unlike", { track: track(d.track) });
    case "in_the_vein_of":
      return t("detail.in_the_vein_of", { name: d.name });
    case "tag_radio":
      return t("detail.tag_radio", { tag: tagLabel(d.tag) });
    case "tempo":
      return t(`detail.tempo.${d.feel}`, { from: d.from_bpm, to: d.to_bpm });
    case "key":
      return t(`detail.key.${d.join}`);
    case "similar_energy":
      return t("detail.similar_energy");
    case "fits_session":
      return t("detail.fits_session");
    case "rated":
      return t("detail.rated", { track: track(d.track), n: d.stars });
    case "liked":
      return t("detail.liked", { track: track(d.track) });
    case "asked_more_like":
      return t("detail.asked_more_like", { track: track(d.track) });
    case "unlike_disliked":
      return t("detail.unlike_disliked", { track: track(d.track) });
    case "unlike_turned_down":
      return t("detail.unlike_turned_down", { track: track(d.track) });
    case "like_played_through":
      return t("detail.like_played_through", { track: track(d.track) });
    case "played_through":
      return t("detail.played_through", { n: d.times });
    case "unlike_skipped":
      return t("detail.unlike_skipped", { track: track(d.track) });
    case "often_skipped":
      return t("detail.often_skipped");
    case "not_played_yet":
      return t("detail.not_played_yet");
    case "not_played_lately":
      return t("detail.not_played_lately");
    case "not_played_for":
      return t("detail.not_played_for", { n: d.days });
    case "exploring":
      return d.tags.length
        ? t("detail.exploring_tags", { tags: tags(d.tags) })
        : t("detail.exploring");
    case "you_like":
      return t(`detail.you_like.${d.facet}`, { name: d.name });
    case "at_this_time":
      return t(`detail.at_this_time.${d.daypart}`);
    case "playing_more":
      return t("detail.playing_more", { artist: d.artist });
    case "path_start":
      return t("detail.path_start", { to: track(d.to) });
    case "path_start_towards_tag":
      return t("detail.path_start", { to: tagLabel(d.tag) });
    case "bridges":
      return bridges(d.from, d.to, d.leaving, d.towards);
    case "path_end":
      return t("detail.path_end", { from: track(d.from) });
    case "path_end_at_tag":
      return t("detail.path_end_at_tag", { tag: tagLabel(d.tag), from: track(d.from) });
  }
}

/** The whole reason line: parts joined, the first letter capitalised (where that exists). */
export function reasonLine(parts: readonly ReasonPart[]): string {
  const line = parts
    .map((p) => {
      const said = p.details.map(describe).filter(Boolean).join(t("reason.and"));
      return p.smooth_join ? t("reason.smooth_join", { text: said }) : said;
    })
    .filter(Boolean)
    .join(t("reason.then"));
  return locale() === "en" ? line.charAt(0).toUpperCase() + line.slice(1) : line;
}
