// The Settings panel's equaliser: the settings of the output device playing (or chosen), kept
// per device by the library and heard at once. A slider moves the local copy at once; the
// latest value is sent to Rust one call at a time (a drag sends as fast as Rust answers, never
// a queue of stale values), and the response curve drawn is the one Rust computed from the
// filters the engine runs.
import * as api from "../api";
import type { EqualiserPreset, EqualiserSettings, EqualiserView, ParametricBand } from "../api";
import { messages, t, type MessageKey } from "./i18n.svelte";

/** A band centre as a slider's label: "31.5", "500", "1k", "16k". */
export function bandLabel(hz: number): string {
  return hz >= 1000 ? `${hz / 1000}k` : `${hz}`;
}
/** The range of every gain the panel sets, in dB (Rust refuses anything beyond it). */
export const MAX_GAIN_DB = 12;

/** Where `hz` sits across the curve, 0 to 1 (log scale, 20 Hz to 20 kHz). */
export function curveX(hz: number): number {
  return Math.log(hz / 20) / Math.log(1000);
}

/** Where `db` sits down the curve, 0 (top, +`range`) to 1 (bottom, -`range`). */
export function curveY(db: number, range = 15): number {
  return 0.5 - Math.max(-range, Math.min(range, db)) / (2 * range);
}

/**
 * The SVG path of the curve in a `width` × `height` box: the shape the bands and preamp give,
 * without the automatic headroom (shown apart), so a bass boost looks like a bass boost.
 */
export function curvePath(view: EqualiserView, width: number, height: number): string {
  const r = view.response;
  return r.frequencies_hz
    .map((hz, i) => {
      const x = curveX(hz) * width;
      const y = curveY(r.gains_db[i] - r.headroom_db) * height;
      return `${i === 0 ? "M" : "L"}${x.toFixed(1)},${y.toFixed(1)}`;
    })
    .join(" ");
}

/** A preset's name in the current language (Rust's English name for one the window does not know). */
export function presetName(preset: EqualiserPreset): string {
  const key = `eq.preset.${preset.id}`;
  return key in messages.en ? t(key as MessageKey) : preset.name;
}

class EqualiserStore {
  view = $state.raw<EqualiserView | null>(null);
  presets = $state.raw<EqualiserPreset[]>([]);
  problem = $state<string | null>(null);
  /** A change not yet sent (a slider moved while the last one was on its way). */
  private pending: EqualiserSettings | null = null;
  private sending = false;

  /** Loads output `device`'s equaliser (`null`: the one playing, else the chosen one). */
  async load(device: string | null = null) {
    this.problem = null;
    try {
      const [view, presets] = await Promise.all([api.equaliser(device), api.equaliserPresets()]);
      this.view = view;
      this.presets = presets;
    } catch (e) {
      this.problem = api.asUiError(e).message;
    }
  }

  /** Changes some settings: shown at once, heard as soon as Rust has them. */
  change(patch: Partial<EqualiserSettings>) {
    if (!this.view) return;
    const settings = { ...this.view.settings, ...patch };
    this.view = { ...this.view, settings };
    this.pending = settings;
    void this.send();
  }

  setBand(index: number, db: number) {
    if (!this.view) return;
    const bands_db = this.view.settings.bands_db.map((g, i) => (i === index ? db : g));
    this.change({ bands_db, preset: null, enabled: true });
  }

  choosePreset(id: string) {
    const preset = this.presets.find((p) => p.id === id);
    if (preset) this.change({ bands_db: [...preset.bands_db], preset: preset.id, enabled: true });
  }

  /** Adds a parametric band (Rust refuses one out of range, and says why). */
  addParametric(band: ParametricBand) {
    if (!this.view) return;
    this.change({ parametric: [...this.view.settings.parametric, band], enabled: true });
  }

  removeParametric(index: number) {
    if (!this.view) return;
    this.change({ parametric: this.view.settings.parametric.filter((_, i) => i !== index) });
  }

  reset() {
    this.choosePreset("flat");
    this.change({ preamp_db: 0, parametric: [] });
  }

  private async send() {
    if (this.sending || !this.view) return;
    this.sending = true;
    const device = this.view.device_id;
    try {
      while (this.pending) {
        const settings = this.pending;
        this.pending = null;
        try {
          const view = await api.setEqualiser(device, settings);
          // A newer change waiting keeps the sliders where the hand is; the curve follows Rust.
          this.view = this.pending ? { ...view, settings: this.pending } : view;
          this.problem = null;
        } catch (e) {
          const message = api.asUiError(e).message;
          // What Rust keeps is what the panel shows again, with why the change was refused.
          this.pending = null;
          await this.load(device);
          this.problem = message;
        }
      }
    } finally {
      this.sending = false;
    }
  }
}

export const equaliser = new EqualiserStore();
