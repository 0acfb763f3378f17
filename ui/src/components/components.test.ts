import { fireEvent, render, waitFor, within } from "@testing-library/svelte";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { setLocale } from "../lib/i18n.svelte";
import { app } from "../lib/store.svelte";
import {
  commands,
  mockBackend,
  playerState,
  suggestion,
  term,
  trackRow,
  useComponentTests,
} from "../testing/fixtures";
import NowPlaying from "./NowPlaying.svelte";
import QueuePanel from "./QueuePanel.svelte";
import Stars from "./Stars.svelte";
import TrackTable from "./TrackTable.svelte";

const byTestId = (root: ParentNode, id: string) => [...root.querySelectorAll<HTMLElement>(`[data-testid="${id}"]`)];
function one(root: ParentNode, selector: string): HTMLElement {
  const el = root.querySelector<HTMLElement>(selector);
  if (!el) throw new Error(`no ${selector}`);
  return el;
}

useComponentTests();

describe("Stars", () => {
  it("rates with the clicked star", async () => {
    const onrate = vi.fn();
    const { container } = render(Stars, { rating: 2, onrate });
    await fireEvent.click(one(container, '[data-star="4"]'));
    expect(onrate).toHaveBeenCalledExactlyOnceWith(4);
  });

  it("clears the rating when the current one is clicked", async () => {
    const onrate = vi.fn();
    const { container } = render(Stars, { rating: 2, onrate });
    await fireEvent.click(one(container, '[data-star="2"]'));
    expect(onrate).toHaveBeenCalledExactlyOnceWith(null);
  });

  it("lights the stars up to the rating, and up to the hovered one", async () => {
    const { container } = render(Stars, { rating: 3, onrate: () => {} });
    const lit = () => [...container.querySelectorAll("button.on")].map((b) => b.getAttribute("data-star"));
    expect(lit()).toEqual(["1", "2", "3"]);
    expect(one(container, '[data-star="3"]').getAttribute("aria-checked")).toBe("true");
    expect(one(container, '[data-star="3"]').getAttribute("aria-label")).toBe("Clear rating");
    expect(one(container, '[data-star="5"]').getAttribute("aria-label")).toBe("5 stars");

    await fireEvent.mouseEnter(one(container, '[data-star="5"]'));
    expect(lit()).toEqual(["1", "2", "3", "4", "5"]);
    await fireEvent.mouseLeave(one(container, '[data-star="5"]'));
    expect(lit()).toEqual(["1", "2", "3"]);
  });
});

describe("QueuePanel", () => {
  const tracks = [trackRow(7, { title: "Teardrop", artist: "Massive Attack" }), trackRow(8, { title: "Glory Box", artist: "Portishead" })];
  const suggestions = [
    suggestion(7, [{ id: "close_to", track: "Angel", tags: ["trip-hop"] }], [
      term("sound", 0.42, { id: "sounds_like", track: "Angel" }),
      term("tags", 0.2, { id: "close_to", track: "Angel", tags: ["trip-hop", "downtempo"] }),
      term("tempo", 0),
      term("novelty", -0.05, { id: "not_played_for", days: 3 }),
    ]),
    suggestion(8, [{ id: "rated", track: "Dummy", stars: 5 }], [
      term("taste", 0.3, { id: "rated", track: "Dummy", stars: 5 }),
      term("key", 0.00001),
    ]),
  ];

  beforeEach(() => {
    app.tracks = tracks;
    app.upNext = suggestions;
  });

  it("shows each suggestion's title and reason", () => {
    mockBackend();
    const { container } = render(QueuePanel);
    const items = byTestId(container, "suggestion");
    expect(items.map((li) => li.getAttribute("data-track-id"))).toEqual(["7", "8"]);
    expect(items[0].textContent).toContain("Teardrop");
    expect(items[0].textContent).toContain("Massive Attack");
    expect(items[1].textContent).toContain("Glory Box");
    expect(byTestId(container, "reason").map((r) => r.textContent)).toEqual([
      "Close to Angel: trip-hop",
      "You rated Dummy 5 stars",
    ]);
    expect(byTestId(container, "up-next-note")).toEqual([]);
  });

  it("explains a suggestion with the terms that counted", async () => {
    mockBackend();
    const { container } = render(QueuePanel);
    expect(byTestId(container, "why-popover")).toEqual([]);

    const [first, second] = byTestId(container, "suggestion");
    await fireEvent.click(one(first, '[data-testid="why"]'));

    const popovers = byTestId(container, "why-popover");
    expect(popovers).toHaveLength(1);
    expect(first.contains(popovers[0])).toBe(true);
    expect(one(first, '[data-testid="why"]').getAttribute("aria-expanded")).toBe("true");
    const rows = [...popovers[0].querySelectorAll("li")].map((li) => li.querySelector(".kind")?.textContent);
    // Tempo added nothing, so it is left out; the negative novelty term is shown.
    expect(rows).toEqual(["Sounds alike", "Same style", "New to you"]);
    expect(popovers[0].textContent).toContain("close to Angel: trip-hop, downtempo");
    expect(popovers[0].textContent).toContain("not played for 3 days");

    // Another suggestion's why replaces it; clicking again closes it.
    await fireEvent.click(one(second, '[data-testid="why"]'));
    const again = byTestId(container, "why-popover");
    expect(again).toHaveLength(1);
    expect(second.contains(again[0])).toBe(true);
    expect([...again[0].querySelectorAll(".kind")].map((k) => k.textContent)).toEqual(["Your taste"]);
    await fireEvent.click(one(second, '[data-testid="why"]'));
    expect(byTestId(container, "why-popover")).toEqual([]);
  });

  it("shows the terms in the interface language", async () => {
    mockBackend();
    setLocale("zh-CN");
    const { container } = render(QueuePanel);
    await fireEvent.click(byTestId(container, "why")[1]);
    expect(byTestId(container, "why-popover")[0].textContent).toContain("你的口味");
  });

  it("sends Not this for the suggestion, then refreshes Up Next", async () => {
    const calls = mockBackend({ up_next: () => [suggestions[1]] });
    const { container } = render(QueuePanel);

    await fireEvent.click(byTestId(container, "not-this")[0]);

    await waitFor(() => expect(commands(calls)).toEqual(["feedback", "up_next"]));
    expect(calls[0].args).toEqual({ track: 7, kind: "not_this" });
    expect(calls[1].args).toEqual({ count: 8 });
    // The panel shows what the refresh returned.
    await waitFor(() =>
      expect(byTestId(container, "suggestion").map((li) => li.getAttribute("data-track-id"))).toEqual(["8"]),
    );
  });

  it("sends More like this and adds a suggestion to the queue with its reason", async () => {
    const calls = mockBackend({ up_next: () => suggestions });
    const { container } = render(QueuePanel);
    const second = byTestId(container, "suggestion")[1];

    await fireEvent.click(one(second, '[data-testid="more-like"]'));
    await waitFor(() => expect(commands(calls)).toEqual(["feedback", "up_next"]));
    expect(calls[0].args).toEqual({ track: 8, kind: "more_like_this" });

    await fireEvent.click(within(second).getByRole("button", { name: "Add to queue" }));
    await waitFor(() => expect(calls).toHaveLength(3));
    expect(calls[2]).toEqual({ cmd: "enqueue", args: { tracks: [8], why: [suggestions[1].why] } });
  });

  it("lists the queue after the playing track, with its reasons", () => {
    mockBackend();
    app.tracks = [...tracks, trackRow(9, { title: "Angel" })];
    app.player = playerState({
      track_id: 9,
      index: 0,
      queue: [
        { track_id: 9, why: [], autoplay: false },
        { track_id: 8, why: [{ smooth_join: true, details: [{ id: "tempo", from_bpm: 92, to_bpm: 90, feel: "plain" }, { id: "key", join: "same" }] }], autoplay: false },
        { track_id: 7, why: [], autoplay: false },
      ],
    });
    const { container } = render(QueuePanel);
    const queued = byTestId(container, "queued");
    expect(queued.map((li) => li.querySelector(".title")?.textContent)).toEqual(["Glory Box", "Teardrop"]);
    expect(queued[0].textContent).toContain("Smooth join: 92 → 90 BPM, same key");
  });

  it("explains an empty Up Next", () => {
    mockBackend();
    app.upNext = [];
    const { container } = render(QueuePanel);
    expect(byTestId(container, "up-next-note")[0].textContent?.trim()).toBe(
      "Play something and Segue suggests what comes next.",
    );
  });
});

describe("TrackTable", () => {
  const tracks = [trackRow(21), trackRow(22), trackRow(23), trackRow(24)];
  const playArgs = (calls: ReturnType<typeof mockBackend>) => calls.filter((c) => c.cmd === "play_tracks").map((c) => c.args);

  it("renders every row of a short list", () => {
    mockBackend();
    const { container } = render(TrackTable, { tracks, label: "Tracks" });
    const rows = byTestId(container, "track-row");
    expect(rows.map((r) => r.getAttribute("data-track-id"))).toEqual(["21", "22", "23", "24"]);
    expect(rows[1].textContent).toContain("Track 22");
    expect(rows[1].textContent).toContain("3:00");
  });

  it("with playsAlone, plays only the chosen track", async () => {
    const calls = mockBackend();
    const { container } = render(TrackTable, { tracks, label: "Tracks", playsAlone: true });
    await fireEvent.click(byTestId(container, "play-track")[2]);
    await waitFor(() => expect(playArgs(calls)).toEqual([{ tracks: [23], start: 0 }]));
  });

  it("starts a radio from a row's track without selecting or playing the list", async () => {
    const calls = mockBackend();
    const { container } = render(TrackTable, { tracks, label: "Tracks" });
    await fireEvent.click(byTestId(container, "track-radio")[1]);
    await waitFor(() =>
      expect(calls.filter((c) => c.cmd === "start_radio").map((c) => c.args)).toEqual([{ seed: { kind: "track", value: 22 } }]),
    );
    expect(playArgs(calls)).toEqual([]);
    expect(container.querySelector(".selected")).toBeNull();
  });

  it("without playsAlone, plays the whole list from the chosen row", async () => {
    const calls = mockBackend();
    const { container } = render(TrackTable, { tracks, label: "Album" });
    await fireEvent.click(byTestId(container, "play-track")[2]);
    await waitFor(() => expect(playArgs(calls)).toEqual([{ tracks: [21, 22, 23, 24], start: 2 }]));
  });

  it("plays on double click and on Enter, and selects on click without playing", async () => {
    const calls = mockBackend();
    const { container } = render(TrackTable, { tracks, label: "Album" });
    const rows = byTestId(container, "track-row");

    await fireEvent.click(rows[1]);
    expect(rows[1].classList.contains("selected")).toBe(true);
    expect(calls).toEqual([]);

    await fireEvent.dblClick(rows[3]);
    await fireEvent.keyDown(rows[0], { key: "Enter" });
    await waitFor(() =>
      expect(playArgs(calls)).toEqual([
        { tracks: [21, 22, 23, 24], start: 3 },
        { tracks: [21, 22, 23, 24], start: 0 },
      ]),
    );
  });

  it("moves the selection with the arrow keys", async () => {
    mockBackend();
    const { container } = render(TrackTable, { tracks, label: "Album" });
    const rows = () => byTestId(container, "track-row");
    const selected = () => rows().filter((r) => r.classList.contains("selected")).map((r) => r.dataset.trackId);

    await fireEvent.click(rows()[0]);
    await fireEvent.keyDown(rows()[0], { key: "ArrowDown" });
    await fireEvent.keyDown(rows()[0], { key: "ArrowDown" });
    expect(selected()).toEqual(["23"]);
    await fireEvent.keyDown(rows()[0], { key: "ArrowUp" });
    expect(selected()).toEqual(["22"]);
  });

  it("rates a row through the store without selecting it", async () => {
    const calls = mockBackend({ up_next: () => [] });
    app.tracks = tracks;
    const { container } = render(TrackTable, { tracks, label: "Tracks" });
    const row = byTestId(container, "track-row")[1];

    await fireEvent.click(one(row, '[data-star="3"]'));
    await waitFor(() => expect(commands(calls)).toEqual(["rate", "up_next"]));
    expect(calls[0].args).toEqual({ track: 22, stars: 3 });
    expect(app.byId.get(22)?.rating).toBe(3);
    expect(row.classList.contains("selected")).toBe(false);
  });

  it("plays the right row of a long list after scrolling (only rows in view are rendered)", async () => {
    // jsdom has no layout: the viewport measures 0 px high, so VirtualList renders its
    // overscan (10 rows) around the scroll position.
    const calls = mockBackend();
    const many = Array.from({ length: 200 }, (_, i) => trackRow(1000 + i));
    const { container } = render(TrackTable, { tracks: many, label: "Tracks" });
    const ids = () => byTestId(container, "track-row").map((r) => Number(r.dataset.trackId));
    expect(ids()).toEqual(many.slice(0, 10).map((t) => t.id));

    const viewport = one(container, '[role="list"]');
    Object.defineProperty(viewport, "scrollTop", { configurable: true, value: 100 * 36 });
    await fireEvent.scroll(viewport);
    expect(ids()).toEqual(many.slice(90, 110).map((t) => t.id));

    const row = byTestId(container, "track-row").find((r) => r.dataset.trackId === "1100");
    if (!row) throw new Error("row 100 not rendered");
    expect(row.closest<HTMLElement>('[role="listitem"]')?.style.top).toBe(`${100 * 36}px`);
    await fireEvent.click(one(row, '[data-testid="play-track"]'));
    await waitFor(() => expect(playArgs(calls)).toHaveLength(1));
    expect(playArgs(calls)[0]).toEqual({ tracks: many.map((t) => t.id), start: 100 });
  });
});

describe("NowPlaying", () => {
  const tracks = [trackRow(31, { title: "Roygbiv", artist: "Boards of Canada", rating: 2, duration_ms: 150_000 }), trackRow(32)];

  it("shows nothing playing, and plays the library from the play button", async () => {
    const calls = mockBackend();
    app.tracks = tracks;
    const { container } = render(NowPlaying);
    expect(container.textContent).toContain("Nothing playing");
    await fireEvent.click(byTestId(container, "play-pause")[0]);
    await waitFor(() => expect(calls).toEqual([{ cmd: "play_tracks", args: { tracks: [31, 32], start: 0 } }]));
  });

  it("shows dropouts only once there are some, with what they mean", () => {
    mockBackend();
    app.player = playerState({ dropouts: 0 });
    const quiet = render(NowPlaying);
    expect(byTestId(quiet.container, "dropouts")).toHaveLength(0);
    quiet.unmount();
    app.player = playerState({ dropouts: 3 });
    const { container } = render(NowPlaying);
    const badge = byTestId(container, "dropouts")[0];
    expect(badge.textContent).toContain("3");
    expect(badge.getAttribute("title")).toBe(
      "3 dropouts since the player started: the machine was too busy to decode in time",
    );
  });

  it("says in the dropout badge what the buffering grew to, and after how many dropouts", () => {
    mockBackend();
    app.player = playerState({ dropouts: 1, buffer_ms: 4170, buffer_grown_after: 2 });
    const { container } = render(NowPlaying);
    expect(byTestId(container, "dropouts")[0].getAttribute("title")).toBe(
      "1 dropout since the player started: the machine was too busy to decode in time. " +
        "The buffer grew to 4,170 ms after 2 dropouts; the next start begins there.",
    );
  });

  it("says why playback is unavailable", () => {
    mockBackend();
    app.player = playerState({ unavailable: "no audio device" });
    const { container } = render(NowPlaying);
    expect(container.textContent).toContain("Playback is unavailable: no audio device");
  });

  it("shows the playing track and its position, pauses, skips, seeks and rates", async () => {
    const calls = mockBackend({ up_next: () => [] });
    app.tracks = tracks;
    app.player = playerState({ track_id: 31, playing: true });
    app.position = 65_000;
    const { container } = render(NowPlaying);

    expect(byTestId(container, "now-title")[0].textContent).toBe("Roygbiv");
    expect(byTestId(container, "position")[0].textContent).toBe("1:05");
    expect(container.textContent).toContain("2:30");
    expect(byTestId(container, "play-pause")[0].getAttribute("aria-label")).toBe("Pause");

    await fireEvent.click(byTestId(container, "play-pause")[0]);
    await fireEvent.click(byTestId(container, "next")[0]);
    await fireEvent.keyDown(one(container, '[role="slider"]'), { key: "ArrowRight" });
    await waitFor(() => expect(calls).toHaveLength(3));
    expect(calls).toEqual([
      { cmd: "set_paused", args: { paused: true } },
      { cmd: "next_track", args: {} },
      { cmd: "seek", args: { positionMs: 70_000 } },
    ]);

    await fireEvent.click(one(container, '[data-star="5"]'));
    await waitFor(() => expect(commands(calls).slice(3)).toEqual(["rate", "up_next"]));
    expect(calls[3].args).toEqual({ track: 31, stars: 5 });
    await waitFor(() => expect(one(container, '[data-testid="stars"]').dataset.rating).toBe("5"));
  });

  it("follows the position as the store updates", async () => {
    mockBackend();
    app.tracks = tracks;
    app.player = playerState({ track_id: 31, playing: true });
    const { container } = render(NowPlaying);
    expect(byTestId(container, "position")[0].textContent).toBe("0:00");
    app.position = 125_000;
    await waitFor(() => expect(byTestId(container, "position")[0].textContent).toBe("2:05"));
  });
});

describe("reasons in Chinese", () => {
  it("says the reason line and the terms in zh-CN, tag labels included", async () => {
    mockBackend();
    setLocale("zh-CN");
    app.tracks = [trackRow(7, { title: "Teardrop" })];
    app.upNext = [
      suggestion(7, [{ id: "close_to", track: "Angel", tags: ["ambient", "slow"] }], [
        term("tags", 0.2, { id: "close_to", track: "Angel", tags: ["ambient", "slow"] }),
        term("taste", 0.1, { id: "rated", track: null, stars: 4 }),
      ]),
    ];
    const { container } = render(QueuePanel);
    expect(byTestId(container, "reason")[0].textContent).toBe("与《Angel》相近：氛围、慢速");
    await fireEvent.click(byTestId(container, "why")[0]);
    expect(byTestId(container, "why-popover")[0].textContent).toContain("你给它打了 4 星");
  });
});

describe("TrackTable links", () => {
  it("opens the album and the artist page from a row's names", async () => {
    mockBackend();
    const row = trackRow(31, { title: "Dawn", artist: "Ann", album_artist: "Various", album: "First Light" });
    const { container } = render(TrackTable, { tracks: [row], label: "Tracks" });
    await fireEvent.click(within(container).getByRole("button", { name: "First Light" }));
    expect(app.view).toEqual({ kind: "album", key: "Various\u0000First Light" });
    await fireEvent.click(within(container).getByRole("button", { name: "Ann" }));
    // Ann has no page of her own (her only album is filed under Various): Various's page.
    expect(app.view).toEqual({ kind: "artist", name: "Various" });
    app.tracks = [row, trackRow(32, { artist: "Ann", album_artist: null, album: "Solo" })];
    await fireEvent.click(within(container).getByRole("button", { name: "Ann" }));
    expect(app.view).toEqual({ kind: "artist", name: "Ann" });
  });
});

describe("TrackTable sorting", () => {
  it("sorts by a header click (ascending, descending, library order) and plays what it shows", async () => {
    const calls = mockBackend();
    const tracks = [trackRow(41, { title: "Cello" }), trackRow(42, { title: "Alto" }), trackRow(43, { title: "Bass" })];
    const { container } = render(TrackTable, { tracks, label: "Tracks" });
    const shown = () => byTestId(container, "track-row").map((r) => r.getAttribute("data-track-id"));
    const header = one(container, '[data-sort="title"]');
    await fireEvent.click(header);
    expect(shown()).toEqual(["42", "43", "41"]);
    expect(header.parentElement?.getAttribute("aria-sort")).toBe("ascending");
    await fireEvent.click(byTestId(container, "play-track")[0]);
    await waitFor(() => expect(calls.at(-1)).toEqual({ cmd: "play_tracks", args: { tracks: [42, 43, 41], start: 0 } }));
    await fireEvent.click(header);
    expect(shown()).toEqual(["41", "43", "42"]);
    await fireEvent.click(header);
    expect(shown()).toEqual(["41", "42", "43"]);
    expect(header.parentElement?.getAttribute("aria-sort")).toBe("none");
  });
});
