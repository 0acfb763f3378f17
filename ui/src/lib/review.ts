// The year-in-review poster: its size, the shapes of its charts, and turning the poster the
// page shows into the PNG the person saves (the same drawing, so the picture matches the page).
import { locale } from "./i18n.svelte";

export const POSTER_WIDTH = 1000;
export const POSTER_HEIGHT = 1300;

/** At most `max` characters, the cut marked with an ellipsis (SVG text does not wrap). */
export function clipped(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join("").trimEnd()}…`;
}

/** One bar of the time-of-day clock: hour `hour` of 24 as a radial bar from `inner` out to at
 * most `outer`, as long as its share of the busiest hour. */
export function clockBar(hour: number, plays: number, busiest: number, cx: number, cy: number, inner: number, outer: number) {
  const angle = ((hour + 0.5) / 24) * 2 * Math.PI - Math.PI / 2;
  const length = busiest > 0 ? (plays / busiest) * (outer - inner) : 0;
  const r = inner + Math.max(length, plays > 0 ? 3 : 0);
  return {
    x1: cx + Math.cos(angle) * inner,
    y1: cy + Math.sin(angle) * inner,
    x2: cx + Math.cos(angle) * r,
    y2: cy + Math.sin(angle) * r,
  };
}

/** The month's one-letter (or shortest) name in the user's language, 0 = January. */
export function monthInitial(month: number): string {
  return new Intl.DateTimeFormat(locale(), { month: "narrow", timeZone: "UTC" }).format(Date.UTC(2001, month, 15));
}

/** The poster `svg` drawn into a PNG at `scale` times its size. */
export async function posterPng(svg: SVGSVGElement, scale = 2): Promise<Uint8Array> {
  const xml = new XMLSerializer().serializeToString(svg);
  const image = new Image();
  image.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(xml)}`;
  await image.decode();
  const canvas = document.createElement("canvas");
  canvas.width = POSTER_WIDTH * scale;
  canvas.height = POSTER_HEIGHT * scale;
  const context = canvas.getContext("2d");
  if (!context) throw new Error("this window cannot draw pictures");
  context.drawImage(image, 0, 0, canvas.width, canvas.height);
  const blob = await new Promise<Blob | null>((done) => canvas.toBlob(done, "image/png"));
  if (!blob) throw new Error("the picture could not be made");
  return new Uint8Array(await blob.arrayBuffer());
}
