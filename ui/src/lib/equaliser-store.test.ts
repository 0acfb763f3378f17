import { clearMocks } from "@tauri-apps/api/mocks";
import { cleanup, render, screen } from "@testing-library/svelte";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { EqualiserSettings, EqualiserView } from "../api";
import Equaliser from "../components/Equaliser.svelte";
import { mockBackend, resetApp } from "../testing/fixtures";
import { bandLabel, curvePath, curveX, curveY, equaliser, presetName } from "./equaliser-store.svelte";
import { setLocale } from "./i18n.svelte";
import { app } from "./store.svelte";

const CENTRES = [31.5, 63, 125, 250, 500, 1000, 2000, 4000, 8000, 16000];

function settings(patch: Partial<EqualiserSettings> = {}): EqualiserSettings {
  return { enabled: false, preamp_db: 0, bands_db: CENTRES.map(() => 0), parametric: [], preset: "flat", ...patch };
}

/** A view as Rust answers: a made-up curve that is the first band's gain everywhere. */
function view(s: EqualiserSettings, headroom = 0): EqualiserView {
  const g = s.enabled ? s.bands_db[0] + headroom : 0;
  return {
    device_id: "alsa:default",
    device_name: "Speakers",
    settings: s,
    response: {
      frequencies_hz: [20, 200, 2000, 20000],
      gains_db: [g, g, g, g],
      band_centres_hz: CENTRES,
      band_gains_db: CENTRES.map(() => g),
      headroom_db: s.enabled ? headroom : 0,
      sample_rate: 48000,
    },
  };
}

const presets = [
  { id: "flat", name: "Flat", bands_db: CENTRES.map(() => 0) },
  { id: "bass_boost", name: "Bass boost", bands_db: [6, 5, 4, 2.5, 1, 0, 0, 0, 0, 0] },
  { id: "future", name: "Future preset", bands_db: CENTRES.map(() => 1) },
];

beforeEach(() => {
  resetApp();
  setLocale("en");
  equaliser.view = null;
  equaliser.presets = [];
  equaliser.problem = null;
});
afterEach(() => {
  cleanup();
  clearMocks();
});

describe("the curve's geometry", () => {
  it("puts 20 Hz left, 20 kHz right, +15 dB on top and -15 dB at the bottom", () => {
    expect(curveX(20)).toBe(0);
    expect(curveX(20000)).toBeCloseTo(1);
    expect(curveX(632.5)).toBeCloseTo(0.5, 2);
    expect(curveY(15)).toBe(0);
    expect(curveY(-15)).toBe(1);
    expect(curveY(40)).toBe(0);
  });

  it("draws the shape without the automatic headroom", () => {
    const v = view(settings({ enabled: true, bands_db: [6, 0, 0, 0, 0, 0, 0, 0, 0, 0] }), -6);
    // Heard at 0 dB after 6 dB of headroom: drawn at +6 dB, where the band was set.
    expect(curvePath(v, 100, 30).split(" ")[0]).toBe(`M0.0,${(curveY(6) * 30).toFixed(1)}`);
  });

  it("labels bands and presets", () => {
    expect(CENTRES.map(bandLabel)).toEqual(["31.5", "63", "125", "250", "500", "1k", "2k", "4k", "8k", "16k"]);
    expect(presetName(presets[1])).toBe("Bass boost");
    expect(presetName(presets[2])).toBe("Future preset");
    setLocale("zh-CN");
    expect(presetName(presets[1])).toBe("低音增强");
  });
});

describe("changing the equaliser", () => {
  it("loads the device's settings and presets, and a preset is sent and switches it on", async () => {
    const calls = mockBackend({
      equaliser: () => view(settings()),
      equaliser_presets: () => presets,
      set_equaliser: (a) => view(a.settings as EqualiserSettings, -7),
    });
    await equaliser.load();
    expect(equaliser.view?.device_name).toBe("Speakers");
    equaliser.choosePreset("bass_boost");
    // Shown at once, before Rust answers.
    expect(equaliser.view?.settings.enabled).toBe(true);
    await new Promise((r) => setTimeout(r, 0));
    const sent = calls.filter((c) => c.cmd === "set_equaliser");
    expect(sent).toHaveLength(1);
    expect(sent[0].args.device).toBe("alsa:default");
    expect((sent[0].args.settings as EqualiserSettings).bands_db[0]).toBe(6);
    expect(equaliser.view?.response.headroom_db).toBe(-7);
  });

  it("sends only the latest of many slider moves while one is on its way", async () => {
    let answer: (() => void) | null = null;
    const calls = mockBackend({
      equaliser: () => view(settings()),
      equaliser_presets: () => presets,
      set_equaliser: (a) =>
        new Promise((resolve) => {
          answer = () => resolve(view(a.settings as EqualiserSettings));
        }),
    });
    await equaliser.load();
    for (const db of [1, 2, 3, 4, 5]) equaliser.setBand(5, db);
    expect(equaliser.view?.settings.bands_db[5]).toBe(5);
    await new Promise((r) => setTimeout(r, 0));
    (answer as unknown as () => void)();
    await new Promise((r) => setTimeout(r, 0));
    (answer as unknown as () => void)();
    await new Promise((r) => setTimeout(r, 0));
    const sent = calls.filter((c) => c.cmd === "set_equaliser").map((c) => (c.args.settings as EqualiserSettings).bands_db[5]);
    expect(sent).toEqual([1, 5]);
    expect(equaliser.view?.settings.bands_db[5]).toBe(5);
    expect(equaliser.view?.settings.preset).toBeNull();
  });

  it("shows Rust's refusal and goes back to what is kept", async () => {
    mockBackend({
      equaliser: () => view(settings({ enabled: true })),
      equaliser_presets: () => presets,
      set_equaliser: () => {
        throw { kind: "invalid_input", message: "the 31.5 Hz band of 30 dB is out of range" };
      },
    });
    await equaliser.load();
    equaliser.setBand(0, 30);
    await new Promise((r) => setTimeout(r, 10));
    expect(equaliser.problem).toBe("the 31.5 Hz band of 30 dB is out of range");
    expect(equaliser.view?.settings.bands_db[0]).toBe(0);
  });
});

describe("parametric bands", () => {
  it("adds one (switching the equaliser on) and removes it", async () => {
    const calls = mockBackend({
      equaliser: () => view(settings()),
      equaliser_presets: () => presets,
      set_equaliser: (a) => view(a.settings as EqualiserSettings),
    });
    await equaliser.load();
    equaliser.addParametric({ frequency_hz: 3150, gain_db: -4, q: 2 });
    await new Promise((r) => setTimeout(r, 0));
    expect(equaliser.view?.settings.parametric).toEqual([{ frequency_hz: 3150, gain_db: -4, q: 2 }]);
    expect(equaliser.view?.settings.enabled).toBe(true);
    equaliser.removeParametric(0);
    await new Promise((r) => setTimeout(r, 0));
    const sent = calls.filter((c) => c.cmd === "set_equaliser").map((c) => (c.args.settings as EqualiserSettings).parametric.length);
    expect(sent).toEqual([1, 0]);
  });
});

describe("the panel", () => {
  it("shows ten band sliders, the preamp, the presets, the curve and the headroom", async () => {
    mockBackend({
      equaliser: () => view(settings({ enabled: true, bands_db: [6, 5, 4, 2.5, 1, 0, 0, 0, 0, 0], preset: "bass_boost" }), -6.2),
      equaliser_presets: () => presets,
    });
    render(Equaliser);
    await screen.findByTestId("eq-curve");
    expect(screen.getAllByTestId("eq-band")).toHaveLength(10);
    expect(screen.getByTestId("eq-preamp")).toBeTruthy();
    expect((screen.getByTestId("eq-preset") as HTMLSelectElement).value).toBe("bass_boost");
    expect(screen.getByTestId("eq-headroom").textContent).toContain("Lowered 6.2 dB");
    expect(screen.getByTestId("eq-device").textContent).toContain("Speakers");
    expect(screen.getByTestId("eq-curve-path").getAttribute("d")).toMatch(/^M0\.0,/);
  });

  it("shows the new device's equaliser when the music moves to another output", async () => {
    const calls = mockBackend({
      equaliser: () => view(settings()),
      equaliser_presets: () => presets,
    });
    render(Equaliser);
    await screen.findByTestId("eq-curve");
    app.player = { ...app.player, device: "USB headphones" };
    await new Promise((r) => setTimeout(r, 0));
    expect(calls.filter((c) => c.cmd === "equaliser")).toHaveLength(2);
  });
});
