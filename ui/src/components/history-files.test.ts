import { emit } from "@tauri-apps/api/event";
import { clearMocks } from "@tauri-apps/api/mocks";
import { cleanup, fireEvent, render, waitFor } from "@testing-library/svelte";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { EVENTS, type HistoryImportReport } from "../api";
import { setLocale } from "../lib/i18n.svelte";
import { historyFiles } from "../lib/history-files.svelte";
import { commands, mockBackend } from "../testing/fixtures";
import HistoryFiles from "./HistoryFiles.svelte";

const report: HistoryImportReport = {
  format: "listen_brainz",
  records: 8,
  imported: 3,
  duplicates: 1,
  unknown_artist: 1,
  unknown_title: 1,
  ambiguous: 0,
  unmatched: [
    { artist: "Radiohead", title: "Creep", album: "Pablo Honey", listens: 1, reason: { kind: "unknown_artist" } },
    { artist: "Sectoid", title: "An Unknown Song", album: null, listens: 1, reason: { kind: "unknown_title" } },
  ],
  bad: [
    { line: 64, problem: { kind: "no_artist" } },
    { line: 80, problem: { kind: "bad_timestamp", value: "yesterday" } },
  ],
  bad_records: 2,
  read_as_windows_1252: 0,
  cancelled: false,
};

beforeEach(() => {
  setLocale("en");
  historyFiles.report = null;
  historyFiles.exported = null;
  historyFiles.problem = null;
  historyFiles.running = false;
});
afterEach(() => {
  cleanup();
  clearMocks();
});

describe("Settings → History", () => {
  it("imports through Rust's chooser, shows progress with a cancel, then what came in and what did not", async () => {
    let finish: (r: HistoryImportReport) => void = () => {};
    const calls = mockBackend({
      import_history: () => new Promise<HistoryImportReport>((resolve) => (finish = resolve)),
    });
    const { getByTestId, queryByTestId } = render(HistoryFiles);
    await fireEvent.click(getByTestId("import-history"));
    // No path crosses: the command names only a format (none: told from the content).
    await waitFor(() => expect(calls.find((c) => c.cmd === "import_history")?.args).toEqual({ format: null }));
    expect((getByTestId("import-history") as HTMLButtonElement).disabled).toBe(true);

    await emit(EVENTS.historyImport, { phase: "writing", done: 5000, total: 20000 });
    await waitFor(() => expect(getByTestId("history-progress").textContent).toContain("Adding listens: 5,000 of 20,000"));
    await fireEvent.click(getByTestId("cancel-history-import"));
    expect(commands(calls)).toContain("cancel_history_import");

    finish(report);
    await waitFor(() => expect(queryByTestId("history-progress")).toBeNull());
    const summary = getByTestId("history-summary").textContent ?? "";
    expect(summary).toContain("8 records read (ListenBrainz JSON): 3 imported, 1 already in your history.");
    expect(summary).toContain("Did not match: 2 (no track by the artist: 1 · the artist, but not this title: 1)");
    expect(summary).toContain("Radiohead — Creep (1 listen; no track by the artist)");
    expect(summary).toContain("Sectoid — An Unknown Song (1 listen; the artist, but not this title)");
    expect(summary).toContain("Could not read: 2");
    expect(summary).toContain("line 64: no artist");
    expect(summary).toContain("line 80: the time “yesterday” cannot be read");
    expect((getByTestId("import-history") as HTMLButtonElement).disabled).toBe(false);
  });

  it("says nothing when the chooser is cancelled, and shows a refusal in words", async () => {
    mockBackend({ import_history: () => null });
    const { getByTestId, queryByTestId } = render(HistoryFiles);
    await fireEvent.click(getByTestId("import-history"));
    await waitFor(() => expect((getByTestId("import-history") as HTMLButtonElement).disabled).toBe(false));
    expect(queryByTestId("history-summary")).toBeNull();

    clearMocks();
    mockBackend({
      import_history: () => {
        throw { kind: "bad_history_file", message: "notes.json holds no listens (1 records could not be read)" };
      },
    });
    await fireEvent.click(getByTestId("import-history"));
    await waitFor(() => expect(getByTestId("history-problem").textContent).toContain("holds no listens"));
  });

  it("exports as ListenBrainz JSON or CSV where the person chooses", async () => {
    const calls = mockBackend({
      export_history: (args) => ({ path: "/home/me/listens.csv", format: args.format, listens: 42 }),
    });
    const { getByTestId } = render(HistoryFiles);
    await fireEvent.click(getByTestId("export-csv"));
    await waitFor(() => expect(getByTestId("history-exported").textContent).toBe("Wrote 42 listens to /home/me/listens.csv"));
    await fireEvent.click(getByTestId("export-listenbrainz"));
    expect(calls.filter((c) => c.cmd === "export_history").map((c) => c.args)).toEqual([
      { format: "csv" },
      { format: "listen_brainz" },
    ]);
  });

  it("speaks Chinese too", async () => {
    setLocale("zh-CN");
    mockBackend({ import_history: () => report });
    const { getByTestId } = render(HistoryFiles);
    await fireEvent.click(getByTestId("import-history"));
    await waitFor(() => expect(getByTestId("history-summary").textContent).toContain("导入 3 条"));
    expect(getByTestId("history-summary").textContent).toContain("第 64 行: 没有艺人");
  });
});
