import { emit } from "@tauri-apps/api/event";
import { cleanup, fireEvent, render, waitFor } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import { EVENTS, type AppSettings, type LibraryStats } from "../api";
import { app } from "../lib/store.svelte";
import { commands, mockBackend, useComponentTests } from "../testing/fixtures";
import Activity from "./Activity.svelte";
import Settings from "./Settings.svelte";

const stats = (roots: string[]): LibraryStats =>
  ({ tracks: 0, artists: 0, albums: 0, duration_ms: 0, analysed: 0, roots }) as unknown as LibraryStats;

useComponentTests();

describe("Settings: library folders", () => {
  it("shows each folder's watch state, and a folder that goes and comes back", async () => {
    mockBackend({
      watched_folders: () => [
        { folder: "/music", state: "watching", message: null },
        { folder: "/usb", state: "watching", message: null },
      ],
      library_stats: () => stats(["/music", "/usb"]),
      import_issues: () => [],
    });
    await app.start();
    const { container } = render(Settings);
    const badges = () =>
      [...container.querySelectorAll<HTMLElement>('[data-testid="watch-state"]')].map((b) => [b.dataset.state, b.textContent?.trim()]);
    expect(badges()).toEqual([
      ["watching", "Watched"],
      ["watching", "Watched"],
    ]);

    await emit(EVENTS.library, { kind: "folder", watch: { folder: "/usb", state: "unavailable", message: null } });
    await waitFor(() => expect(badges()[1]).toEqual(["unavailable", "Unavailable"]));
    const usb = container.querySelectorAll<HTMLElement>('[data-testid="watch-state"]')[1];
    expect(usb.title).toContain("Its tracks are kept");

    await emit(EVENTS.library, {
      kind: "folder",
      watch: { folder: "/usb", state: "not_watched", message: "the system's limit on watched folders is reached" },
    });
    await waitFor(() => expect(badges()[1]).toEqual(["not_watched", "Not watched"]));
    expect(container.querySelectorAll<HTMLElement>('[data-testid="watch-state"]')[1].title).toContain("limit on watched folders");
  });

  it("adds a folder only through the app's own chooser: no path field, and the button names none", async () => {
    const calls = mockBackend({ add_folder: () => "/home/me/Music", library_stats: () => stats([]), import_issues: () => [] });
    const { container, getByTestId } = render(Settings);
    expect(container.querySelector("input[placeholder*='/home']")).toBeNull();
    await fireEvent.click(getByTestId("add-folder"));
    await waitFor(() => expect(commands(calls)).toContain("watched_folders"));
    expect(calls.find((c) => c.cmd === "add_folder")?.args).toEqual({});
  });
});

describe("Activity", () => {
  it("says what a watched folder's import is doing, and which folder is unavailable", async () => {
    mockBackend({
      watched_folders: () => [{ folder: "/media/usb/Music", state: "watching", message: null }],
      analysis_status: () => app.analysis,
    });
    await app.start();
    const { getByTestId, findByTestId } = render(Activity);
    await emit(EVENTS.library, { kind: "scan_started", cause: "files_changed", folders: ["/music"] });
    await emit(EVENTS.library, {
      kind: "scan_progress",
      cause: "files_changed",
      progress: { phase: "reading", files_found: 9, files_to_read: 3, files_read: 1, files_failed: 0 },
    });
    // Shown once it has run a moment (a quick one never flashes a bar).
    await waitFor(() => expect(getByTestId("scan-progress").textContent).toContain("Importing changes: 1 of 3 files"), { timeout: 3000 });

    await emit(EVENTS.library, { kind: "folder", watch: { folder: "/media/usb/Music", state: "unavailable", message: null } });
    const gone = await findByTestId("folder-unavailable");
    expect(gone.textContent).toContain("/media/usb/Music is unavailable: its tracks are kept");
  });
});

describe("Settings: output device", () => {
  const settings = {
    autoplay: true,
    normalization: "auto",
    crossfade_ms: 0,
    crossfade_smart: false,
    resume_on_start: false,
    analysis_device: "auto",
    exploration: 0.3,
    track_gap_hours: 24,
    artist_gap: 15,
    album_gap: 25,
    strict_gaps: false,
    welcomed: true,
  };
  const outputs = [
    { id: "alsa:pulse", name: "PulseAudio Sound Server", is_default: false, chosen: false, connected: true },
    { id: "alsa:hw:CARD=USB,DEV=0", name: "USB DAC", is_default: false, chosen: true, connected: false },
  ];

  it("lists the outputs, shows the chosen one even when unplugged, and switches to another", async () => {
    const calls = mockBackend({ get_settings: () => settings, output_devices: () => outputs, library_stats: () => stats([]), import_issues: () => [] });
    app.settings = settings as AppSettings;
    const { getByTestId } = render(Settings);
    const select = getByTestId("output-device") as HTMLSelectElement;
    await waitFor(() => expect(select.options).toHaveLength(3));
    expect([...select.options].map((o) => o.textContent)).toEqual(["System default", "PulseAudio Sound Server", "USB DAC (not connected)"]);
    expect(select.value).toBe("alsa:hw:CARD=USB,DEV=0");

    select.value = "alsa:pulse";
    await fireEvent.change(select);
    await waitFor(() => expect(calls.find((c) => c.cmd === "set_output_device")?.args).toEqual({ id: "alsa:pulse" }));
    select.value = "";
    await fireEvent.change(select);
    await waitFor(() => expect(calls.filter((c) => c.cmd === "set_output_device").map((c) => c.args)).toEqual([{ id: "alsa:pulse" }, { id: null }]));
  });

  it("offers a crossfade, off by default, and saves the length chosen", async () => {
    const calls = mockBackend({ get_settings: () => settings, output_devices: () => outputs, library_stats: () => stats([]), import_issues: () => [], refresh_up_next: () => null, up_next: () => [] });
    app.settings = settings as AppSettings;
    const { getByTestId } = render(Settings);
    const select = getByTestId("crossfade") as HTMLSelectElement;
    expect(select.value).toBe("0");
    expect(select.options[0].textContent?.trim()).toBe("Off (gapless)");
    expect([...select.options].map((o) => o.textContent?.trim())).toContain("4 s");
    select.value = "4000";
    await fireEvent.change(select);
    await waitFor(() =>
      expect((calls.find((c) => c.cmd === "set_settings")?.args as { settings: AppSettings }).settings.crossfade_ms).toBe(4000),
    );
    expect(app.settings?.crossfade_ms).toBe(4000);
  });

  it("offers a smart crossfade once a crossfade is on, and saves it", async () => {
    const calls = mockBackend({ get_settings: () => settings, output_devices: () => outputs, library_stats: () => stats([]), import_issues: () => [], refresh_up_next: () => null, up_next: () => [] });
    app.settings = { ...settings, crossfade_ms: 4000 } as AppSettings;
    const { getByTestId } = render(Settings);
    const smart = getByTestId("crossfade-smart") as HTMLInputElement;
    expect(smart.checked).toBe(false);
    expect(smart.disabled).toBe(false);
    await fireEvent.click(smart);
    await waitFor(() =>
      expect((calls.find((c) => c.cmd === "set_settings")?.args as { settings: AppSettings }).settings.crossfade_smart).toBe(true),
    );
    cleanup();
    app.settings = settings as AppSettings;
    const off = render(Settings);
    expect((off.getByTestId("crossfade-smart") as HTMLInputElement).disabled).toBe(true);
  });

  it("saves the wish to play on where the last session stopped when Segue starts", async () => {
    const calls = mockBackend({ get_settings: () => settings, output_devices: () => outputs, library_stats: () => stats([]), import_issues: () => [], refresh_up_next: () => null, up_next: () => [] });
    app.settings = settings as AppSettings;
    const { getByTestId } = render(Settings);
    const resume = getByTestId("resume-on-start") as HTMLInputElement;
    expect(resume.checked).toBe(false);
    await fireEvent.click(resume);
    await waitFor(() =>
      expect((calls.find((c) => c.cmd === "set_settings")?.args as { settings: AppSettings }).settings.resume_on_start).toBe(true),
    );
  });

  it("shows a crossfade length saved from the command line among the choices", async () => {
    mockBackend({ get_settings: () => settings, output_devices: () => outputs, library_stats: () => stats([]), import_issues: () => [] });
    app.settings = { ...settings, crossfade_ms: 4500 } as AppSettings;
    const { getByTestId } = render(Settings);
    const select = getByTestId("crossfade") as HTMLSelectElement;
    expect(select.value).toBe("4500");
    expect(select.selectedOptions[0].textContent?.trim()).toBe("4.5 s");
  });

  it("says why an output cannot be chosen", async () => {
    mockBackend({
      get_settings: () => settings,
      output_devices: () => outputs,
      set_output_device: () => {
        throw { kind: "invalid_input", message: "no audio output \"x\" is connected" };
      },
      library_stats: () => stats([]),
      import_issues: () => [],
    });
    app.settings = settings as AppSettings;
    const { getByTestId } = render(Settings);
    const select = getByTestId("output-device") as HTMLSelectElement;
    await waitFor(() => expect(select.options).toHaveLength(3));
    select.value = "alsa:pulse";
    await fireEvent.change(select);
    await waitFor(() => expect(getByTestId("output-problem").textContent).toContain("is connected"));
  });

  it("says how much music playback keeps ahead, and what dropouts grew it to", () => {
    mockBackend({ get_settings: () => settings, output_devices: () => outputs, library_stats: () => stats([]), import_issues: () => [] });
    app.settings = settings as AppSettings;
    app.player = { ...app.player, buffer_ms: 1542, buffer_grown_after: 0 };
    const fresh = render(Settings);
    expect(fresh.getByTestId("buffering").textContent?.trim()).toBe(
      "Playback keeps 1,542 ms of music ahead of the speaker; after a dropout it grows, and the library keeps it for the next start.",
    );
    fresh.unmount();
    app.player = { ...app.player, buffer_ms: 4170, buffer_grown_after: 3 };
    const { getByTestId } = render(Settings);
    expect(getByTestId("buffering").textContent?.trim()).toBe("The buffer grew to 4,170 ms after 3 dropouts; the next start begins there.");
  });
});
