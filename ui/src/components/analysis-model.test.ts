import { fireEvent, render, waitFor } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import type { AnalysisEstimate, AppSettings } from "../api";
import { setLocale } from "../lib/i18n.svelte";
import { app } from "../lib/store.svelte";
import { commands, mockBackend, useComponentTests } from "../testing/fixtures";
import AnalysisModel from "./AnalysisModel.svelte";

const settings = {
  autoplay: true,
  normalization: "auto",
  crossfade_ms: 0,
  crossfade_smart: false,
  resume_on_start: false,
  analysis_device: "auto",
  analysis_model: "reference",
  exploration: 0.3,
  track_gap_hours: 24,
  artist_gap: 15,
  album_gap: 25,
  strict_gaps: false,
  welcomed: true,
} as AppSettings;

const estimate: AnalysisEstimate = {
  tracks: 345,
  student_minutes: 4.2,
  reference_minutes: 10.3,
  student_speed: 393,
  reference_speed: 161,
};

const radio = (container: HTMLElement, model: string) =>
  container.querySelector<HTMLInputElement>(`[data-testid="analysis-model-${model}"] input`)!;

useComponentTests();

describe("Settings: analysis model", () => {
  it("offers the reference (chosen by default) and the fast student, with measured speeds and the cost of switching", async () => {
    mockBackend({ analysis_estimate: () => estimate });
    app.settings = { ...settings };
    const { container, getByTestId } = render(AnalysisModel);
    await waitFor(() => expect(getByTestId("analysis-model-student").textContent).toContain("393× real time per core"));
    expect(radio(container, "reference").checked).toBe(true);
    expect(radio(container, "student").checked).toBe(false);
    expect(getByTestId("analysis-model-reference").textContent).toContain("Reference (musicnn, most faithful)");
    expect(getByTestId("analysis-model-reference").textContent).toContain("161× real time per core");
    expect(getByTestId("analysis-model-student").textContent).toContain("About 2.4× quicker");
    // On the reference now: switching costs a pass with the student.
    expect(getByTestId("analysis-model-switch").textContent).toBe(
      "Switching re-analyses your library in the background: about 4 min for 345 tracks on this computer.",
    );
  });

  it("saves the student when picked, and then says what switching back costs", async () => {
    const calls = mockBackend({ analysis_estimate: () => estimate, set_analysis_model: () => true });
    app.settings = { ...settings };
    const { container, getByTestId } = render(AnalysisModel);
    await waitFor(() => expect(getByTestId("analysis-model-switch").textContent).toContain("345 tracks"));
    await fireEvent.click(radio(container, "student"));
    await waitFor(() => expect(calls.find((c) => c.cmd === "set_analysis_model")?.args).toEqual({ model: "student" }));
    await waitFor(() => expect(app.settings?.analysis_model).toBe("student"));
    expect(radio(container, "student").checked).toBe(true);
    expect(getByTestId("analysis-model-switch").textContent).toContain("about 10 min for 345 tracks");
    // The model is saved on its own: the rest of the page is not written again.
    expect(commands(calls)).not.toContain("set_settings");
  });

  it("says under a minute for a small library, and one track in the singular", async () => {
    mockBackend({ analysis_estimate: () => ({ ...estimate, tracks: 1, student_minutes: 0.01, reference_minutes: 0.02 }) });
    app.settings = { ...settings };
    const { getByTestId } = render(AnalysisModel);
    await waitFor(() =>
      expect(getByTestId("analysis-model-switch").textContent).toBe(
        "Switching re-analyses your library in the background: under a minute for 1 track on this computer.",
      ),
    );
  });

  it("keeps the choice and shows the error when the app refuses it", async () => {
    mockBackend({
      analysis_estimate: () => estimate,
      set_analysis_model: () => {
        throw { kind: "invalid_input", message: 'unknown analysis model "turbo" (student, reference)' };
      },
    });
    app.settings = { ...settings };
    const { container } = render(AnalysisModel);
    await fireEvent.click(radio(container, "student"));
    await waitFor(() => expect(app.error).toContain("unknown analysis model"));
    expect(app.settings?.analysis_model).toBe("reference");
  });

  it("says plainly that switching re-analyses when there is no estimate, in Chinese too", async () => {
    mockBackend({
      analysis_estimate: () => {
        throw { kind: "internal", message: "no library" };
      },
    });
    app.settings = { ...settings, analysis_model: "student" };
    setLocale("zh-CN");
    const { container, getByTestId } = render(AnalysisModel);
    expect(radio(container, "student").checked).toBe(true);
    await waitFor(() => expect(getByTestId("analysis-model-switch").textContent).toBe("切换后会在后台重新分析整个曲库。"));
    expect(getByTestId("analysis-model-student").textContent).toContain("快速");
  });
});
