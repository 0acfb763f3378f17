import { emit } from "@tauri-apps/api/event";
import { fireEvent, render, waitFor } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import type { SmartPlaylist } from "../api";
import { smart } from "../lib/smart-store.svelte";
import { app } from "../lib/store.svelte";
import { mockBackend, trackRow, useComponentTests } from "../testing/fixtures";
import Sidebar from "./Sidebar.svelte";
import SmartEditor from "./SmartEditor.svelte";
import SmartPage from "./SmartPage.svelte";

const byTestId = (root: ParentNode, id: string) => [...root.querySelectorAll<HTMLElement>(`[data-testid="${id}"]`)];

function smartPlaylist(id: number, name: string): SmartPlaylist {
  return { id, name, query: { match_all: true, rules: [{ kind: "rating", min: 4 }], limit: null, order: "library" } };
}

useComponentTests();

describe("SmartEditor", () => {
  it("sends the rule texts as typed, blank rows left out, with all/any, limit and order", async () => {
    const calls = mockBackend({
      create_smart_playlist: () => smartPlaylist(7, "Fast and loved"),
      smart_playlists: () => [smartPlaylist(7, "Fast and loved")],
    });
    smart.editorOpen = true;
    const { container } = render(SmartEditor);
    await fireEvent.input(byTestId(container, "smart-name")[0], { target: { value: "Fast and loved" } });
    await fireEvent.input(byTestId(container, "smart-rule")[0], { target: { value: " tempo:110..130 " } });
    await fireEvent.click(byTestId(container, "smart-add-rule")[0]);
    await fireEvent.click(byTestId(container, "smart-add-rule")[0]);
    const rules = byTestId(container, "smart-rule");
    expect(rules).toHaveLength(3);
    await fireEvent.input(rules[2], { target: { value: "rating:4" } });
    await fireEvent.change(byTestId(container, "smart-match")[0], { target: { value: "false" } });
    await fireEvent.input(byTestId(container, "smart-limit")[0], { target: { value: "25" } });
    await fireEvent.change(byTestId(container, "smart-order")[0], { target: { value: "most_played" } });
    await fireEvent.click(byTestId(container, "smart-create")[0]);

    await waitFor(() => expect(app.view).toEqual({ kind: "smart", id: 7 }));
    const sent = calls.find((c) => c.cmd === "create_smart_playlist")?.args;
    expect(sent).toEqual({
      name: "Fast and loved",
      rules: ["tempo:110..130", "rating:4"],
      matchAll: false,
      limit: 25,
      order: "most_played",
    });
    expect(smart.editorOpen).toBe(false);
    expect(smart.list.map((p) => p.name)).toEqual(["Fast and loved"]);
  });

  it("shows the Rust side's refusal of a rule and keeps what was typed", async () => {
    const calls = mockBackend({
      create_smart_playlist: () => {
        throw { kind: "invalid_input", message: 'rule 1: "tempo:fast": "fast" is not a number' };
      },
    });
    smart.editorOpen = true;
    const { container } = render(SmartEditor);
    await fireEvent.input(byTestId(container, "smart-rule")[0], { target: { value: "tempo:fast" } });
    await fireEvent.click(byTestId(container, "smart-create")[0]);

    const problem = await waitFor(() => {
      const [shown] = byTestId(container, "smart-problem");
      expect(shown).toBeTruthy();
      return shown;
    });
    expect(problem.textContent).toBe('rule 1: "tempo:fast": "fast" is not a number');
    expect((byTestId(container, "smart-rule")[0] as HTMLInputElement).value).toBe("tempo:fast");
    expect(smart.editorOpen).toBe(true);
    expect(calls.filter((c) => c.cmd === "create_smart_playlist")).toHaveLength(1);
  });

  it("asks for a rule before sending anything", async () => {
    const calls = mockBackend();
    smart.editorOpen = true;
    const { container } = render(SmartEditor);
    await fireEvent.click(byTestId(container, "smart-create")[0]);
    await waitFor(() => expect(byTestId(container, "smart-problem")[0]?.textContent).toBe("Write at least one rule."));
    expect(calls.map((c) => c.cmd)).not.toContain("create_smart_playlist");
  });
});

describe("SmartPage", () => {
  it("lists the members with why they are in, their count and playing time, under its rules", async () => {
    app.tracks = [trackRow(1, { title: "Slow one", duration_ms: 120_000 }), trackRow(2, { title: "Loved", duration_ms: 240_000 }), trackRow(3)];
    smart.list = [{ ...smartPlaylist(7, "Loved"), query: { match_all: false, rules: [], limit: 50, order: "rating" } }];
    app.view = { kind: "smart", id: 7 };
    mockBackend({
      smart_rule_texts: () => ["rating:4", "tempo:110..130"],
      smart_playlist_members: (args) => {
        expect(args).toEqual({ id: 7 });
        return [
          { track_id: 2, why: [{ id: "rated", stars: 5 }] },
          { track_id: 1, why: [{ id: "rated", stars: 4 }, { id: "tempo", bpm: 122 }] },
        ];
      },
    });
    const { container } = render(SmartPage, { id: 7 });

    await waitFor(() => expect(byTestId(container, "track-row")).toHaveLength(2));
    const rows = byTestId(container, "track-row");
    expect(rows.map((r) => Number(r.dataset.trackId))).toEqual([2, 1]);
    expect(byTestId(container, "track-why").map((w) => w.textContent)).toEqual(["rated 5 stars", "rated 4 stars, tempo 122"]);
    expect(byTestId(container, "smart-meta")[0].textContent).toContain("2 tracks");
    expect(byTestId(container, "smart-meta")[0].textContent).toContain("6 min");
    await waitFor(() =>
      expect(byTestId(container, "smart-rules")[0]?.textContent?.trim()).toBe("Any of: rating:4 · tempo:110..130 · at most 50 · Highest rated"),
    );
  });

  it("asks for the members again when a rating changes taste", async () => {
    app.tracks = [trackRow(1), trackRow(2)];
    smart.list = [smartPlaylist(7, "Loved")];
    app.view = { kind: "smart", id: 7 };
    let members = [{ track_id: 1, why: [{ id: "rated", stars: 4 }] }];
    const calls = mockBackend({ smart_playlist_members: () => members, smart_rule_texts: () => ["rating:4"] });
    await smart.listen();
    const { container } = render(SmartPage, { id: 7 });
    await waitFor(() => expect(byTestId(container, "track-row")).toHaveLength(1));

    members = [...members, { track_id: 2, why: [{ id: "rated", stars: 4 }] }];
    await emit("taste-changed", 2);
    await waitFor(() => expect(byTestId(container, "track-row")).toHaveLength(2));
    expect(calls.filter((c) => c.cmd === "smart_playlist_members").length).toBeGreaterThanOrEqual(2);
  });

  it("edits the open playlist's rules in the editor, filled in, and shows the saved rules", async () => {
    app.tracks = [trackRow(1), trackRow(2)];
    const before = { ...smartPlaylist(7, "Loved"), query: { ...smartPlaylist(7, "Loved").query, limit: 20 } };
    const after: SmartPlaylist = {
      id: 7,
      name: "Loved and fast",
      query: { match_all: true, rules: [{ kind: "rating", min: 4 }], limit: null, order: "tempo" },
    };
    smart.list = [before];
    app.view = { kind: "smart", id: 7 };
    let texts = ["rating:4"];
    const calls = mockBackend({
      smart_playlist_members: () => [{ track_id: 1, why: [{ id: "rated", stars: 4 }] }],
      smart_rule_texts: () => texts,
      update_smart_playlist: () => {
        texts = ["rating:4", "tempo:120..140"];
        return after;
      },
      smart_playlists: () => [after],
    });
    const page = render(SmartPage, { id: 7 });
    await waitFor(() => expect(byTestId(page.container, "edit-smart")[0]?.hasAttribute("disabled")).toBe(false));
    await fireEvent.click(byTestId(page.container, "edit-smart")[0]);
    expect(smart.editorOpen).toBe(true);

    const editor = render(SmartEditor);
    expect(editor.container.querySelector("h2")?.textContent).toBe("Edit smart playlist");
    expect((byTestId(editor.container, "smart-name")[0] as HTMLInputElement).value).toBe("Loved");
    expect(byTestId(editor.container, "smart-rule").map((r) => (r as HTMLInputElement).value)).toEqual(["rating:4"]);
    expect((byTestId(editor.container, "smart-limit")[0] as HTMLInputElement).value).toBe("20");
    await fireEvent.input(byTestId(editor.container, "smart-name")[0], { target: { value: "Loved and fast" } });
    await fireEvent.click(byTestId(editor.container, "smart-add-rule")[0]);
    await fireEvent.input(byTestId(editor.container, "smart-rule")[1], { target: { value: "tempo:120..140" } });
    await fireEvent.input(byTestId(editor.container, "smart-limit")[0], { target: { value: "" } });
    await fireEvent.change(byTestId(editor.container, "smart-order")[0], { target: { value: "tempo" } });
    await fireEvent.click(byTestId(editor.container, "smart-create")[0]);

    await waitFor(() => expect(smart.editorOpen).toBe(false));
    expect(calls.find((c) => c.cmd === "update_smart_playlist")?.args).toEqual({
      id: 7,
      name: "Loved and fast",
      rules: ["rating:4", "tempo:120..140"],
      matchAll: true,
      limit: null,
      order: "tempo",
    });
    expect(calls.map((c) => c.cmd)).not.toContain("create_smart_playlist");
    await waitFor(() => expect(byTestId(page.container, "smart-title")[0].textContent).toBe("Loved and fast"));
    await waitFor(() =>
      expect(byTestId(page.container, "smart-rules")[0]?.textContent?.trim()).toBe("All of: rating:4 · tempo:120..140 · Slowest first"),
    );
    expect(app.view).toEqual({ kind: "smart", id: 7 });
  });

  it("says so when no track meets the rules", async () => {
    app.tracks = [trackRow(1)];
    smart.list = [smartPlaylist(7, "Loved")];
    mockBackend({ smart_playlist_members: () => [], smart_rule_texts: () => ["rating:4"] });
    const { container } = render(SmartPage, { id: 7 });
    await waitFor(() => expect(byTestId(container, "smart-empty")).toHaveLength(1));
    expect(byTestId(container, "smart-meta")[0].textContent).toContain("0 tracks");
  });
});

describe("Sidebar smart playlists", () => {
  it("lists them and opens the editor", async () => {
    mockBackend();
    smart.list = [smartPlaylist(7, "Loved")];
    const { container } = render(Sidebar);
    const [item] = byTestId(container, "sidebar-smart");
    expect(item.textContent).toContain("Loved");
    await fireEvent.click(item);
    expect(app.view).toEqual({ kind: "smart", id: 7 });
    await fireEvent.click(byTestId(container, "new-smart")[0]);
    expect(smart.editorOpen).toBe(true);
  });
});
