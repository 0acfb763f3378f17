// The one place the UI talks to the Rust side. Components import these typed functions and
// never call `invoke` or `listen` themselves; the types are generated from Rust (ts-rs).
import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type { AnalysisEstimate } from "./bindings/AnalysisEstimate";
import type { AnalysisStatus } from "./bindings/AnalysisStatus";
import type { AppEvent } from "./bindings/AppEvent";
import type { AppSettings } from "./bindings/AppSettings";
import type { AudioOutput } from "./bindings/AudioOutput";
import type { EntryStatus } from "./bindings/EntryStatus";
import type { EqualiserPreset } from "./bindings/EqualiserPreset";
import type { EqualiserResponse } from "./bindings/EqualiserResponse";
import type { EqualiserSettings } from "./bindings/EqualiserSettings";
import type { EqualiserView } from "./bindings/EqualiserView";
import type { ExportReport } from "./bindings/ExportReport";
import type { FacetKind } from "./bindings/FacetKind";
import type { FeedbackKind } from "./bindings/FeedbackKind";
import type { FileIssue } from "./bindings/FileIssue";
import type { FolderWatch } from "./bindings/FolderWatch";
import type { HistoryEntry } from "./bindings/HistoryEntry";
import type { HistoryExportFormat } from "./bindings/HistoryExportFormat";
import type { HistoryExportReport } from "./bindings/HistoryExportReport";
import type { HistoryFormat } from "./bindings/HistoryFormat";
import type { HistoryImportProgress } from "./bindings/HistoryImportProgress";
import type { HistoryImportReport } from "./bindings/HistoryImportReport";
import type { ListenUnmatched } from "./bindings/ListenUnmatched";
import type { BadListen } from "./bindings/BadListen";
import type { ImportNote } from "./bindings/ImportNote";
import type { ImportReport } from "./bindings/ImportReport";
import type { LibraryEvent } from "./bindings/LibraryEvent";
import type { LibraryStats } from "./bindings/LibraryStats";
import type { MapColouring } from "./bindings/MapColouring";
import type { MapColours } from "./bindings/MapColours";
import type { MapNeighbour } from "./bindings/MapNeighbour";
import type { MapStatus } from "./bindings/MapStatus";
import type { MapTrack } from "./bindings/MapTrack";
import type { MapView } from "./bindings/MapView";
import type { ModelChoice } from "./bindings/ModelChoice";
import type { ListeningStats } from "./bindings/ListeningStats";
import type { ParametricBand } from "./bindings/ParametricBand";
import type { PlayerState } from "./bindings/PlayerState";
import type { Playlist } from "./bindings/Playlist";
import type { PlaylistEntry } from "./bindings/PlaylistEntry";
import type { QueueEntry } from "./bindings/QueueEntry";
import type { RadioSeed } from "./bindings/RadioSeed";
import type { ReasonPart } from "./bindings/ReasonPart";
import type { Rotation } from "./bindings/Rotation";
import type { RepeatMode } from "./bindings/RepeatMode";
import type { ScanCause } from "./bindings/ScanCause";
import type { ScanProgress } from "./bindings/ScanProgress";
import type { ScanReport } from "./bindings/ScanReport";
import type { SmartMember } from "./bindings/SmartMember";
import type { SmartOrder } from "./bindings/SmartOrder";
import type { SmartPlaylist } from "./bindings/SmartPlaylist";
import type { SmartRule } from "./bindings/SmartRule";
import type { SonicPath } from "./bindings/SonicPath";
import type { Suggestion } from "./bindings/Suggestion";
import type { TagFacet } from "./bindings/TagFacet";
import type { TrackAnalysis } from "./bindings/TrackAnalysis";
import type { TrackRow } from "./bindings/TrackRow";
import type { UiError } from "./bindings/UiError";
import type { UnmatchedReason } from "./bindings/UnmatchedReason";
import type { WatchState } from "./bindings/WatchState";
import type { YearInReview } from "./bindings/YearInReview";

export type {
  AnalysisEstimate,
  AnalysisStatus,
  AppSettings,
  AudioOutput,
  EntryStatus,
  EqualiserPreset,
  EqualiserResponse,
  EqualiserSettings,
  EqualiserView,
  ExportReport,
  FacetKind,
  FeedbackKind,
  FileIssue,
  FolderWatch,
  BadListen,
  HistoryEntry,
  HistoryExportFormat,
  HistoryExportReport,
  HistoryFormat,
  HistoryImportProgress,
  HistoryImportReport,
  ListenUnmatched,
  ImportNote,
  ImportReport,
  LibraryEvent,
  LibraryStats,
  MapColouring,
  MapColours,
  MapNeighbour,
  MapStatus,
  MapTrack,
  MapView,
  ModelChoice,
  ListeningStats,
  ParametricBand,
  PlayerState,
  Playlist,
  PlaylistEntry,
  QueueEntry,
  RadioSeed,
  ReasonPart,
  RepeatMode,
  Rotation,
  ScanCause,
  ScanProgress,
  ScanReport,
  SmartMember,
  SmartOrder,
  SmartPlaylist,
  SmartRule,
  Suggestion,
  TagFacet,
  TrackAnalysis,
  TrackRow,
  UiError,
  UnmatchedReason,
  WatchState,
  YearInReview,
};

/** Event names: each one of the generated `AppEvent`s (Rust's `segue_core::AppEvent`). */
export const EVENTS = {
  /** Import, analysis and live folders: one stream of `LibraryEvent`s. */
  library: "library",
  playerState: "player-state",
  playerPosition: "player-position",
  historyChanged: "history-changed",
  tasteChanged: "taste-changed",
  /** How far a history import is (Settings → History). */
  historyImport: "history-import",
} as const satisfies Record<string, AppEvent>;

// Every event the app sends has a name here: a new `AppEvent` fails this check until it does.
type UnlistenedEvent = Exclude<AppEvent, (typeof EVENTS)[keyof typeof EVENTS]>;
const everyEventHasAName: [UnlistenedEvent] extends [never] ? true : UnlistenedEvent = true;
void everyEventHasAName;

// Library
export const libraryStats = () => invoke<LibraryStats>("library_stats");
export const trackRows = () => invoke<TrackRow[]>("track_rows");
export const tagFacets = () => invoke<TagFacet[]>("tag_facets");
export const trackAnalysis = (track: number) =>
  invoke<TrackAnalysis | null>("track_analysis", { track });
export const history = (limit: number) => invoke<HistoryEntry[]>("history", { limit });
/** Stats and trends of the last `days` days. */
export const listeningStats = (days: number) => invoke<ListeningStats>("listening_stats", { days });
export const importIssues = () => invoke<FileIssue[]>("import_issues");

// Import and analysis
export const startScan = () => invoke<void>("start_scan");
export const cancelScan = () => invoke<void>("cancel_scan");
/**
 * Opens the desktop's folder chooser (run by the app, not the page) and adds and imports the
 * folder picked; `null` when cancelled. The page never names a folder itself.
 */
export const addFolder = () => invoke<string | null>("add_folder");
export const removeFolder = (path: string) => invoke<boolean>("remove_folder", { path });
/** Each library folder's watch state (watched, gone for now, or not watched and why). */
export const watchedFolders = () => invoke<FolderWatch[]>("watched_folders");
export const analysisStatus = () => invoke<AnalysisStatus>("analysis_status");
export const startAnalysis = () => invoke<void>("start_analysis");
export const pauseAnalysis = (paused: boolean) => invoke<void>("pause_analysis", { paused });
export const cancelAnalysis = () => invoke<void>("cancel_analysis");
/** What runs the models with the chosen device, and why (loads them once). */
export const analysisProvider = () => invoke<string>("analysis_provider");
/** Analyses with `model` from now on; `true` when it changed, and then the library is
 *  re-analysed in the background (progress comes as analysis events). */
export const setAnalysisModel = (model: ModelChoice) => invoke<boolean>("set_analysis_model", { model });
/** About how long analysing the library takes here with each model. */
export const analysisEstimate = () => invoke<AnalysisEstimate>("analysis_estimate");

// Playback
export const playerState = () => invoke<PlayerState>("player_state");
export const playTracks = (tracks: number[], start: number) =>
  invoke<void>("play_tracks", { tracks, start });
/** `why`: for each track, why it was suggested (empty when the user chose it). */
export const enqueue = (tracks: number[], why: ReasonPart[][] = []) =>
  invoke<void>("enqueue", { tracks, why });
/** Plays tracks right after the current one. */
export const playNext = (tracks: number[]) => invoke<void>("play_next", { tracks });
/** Removes queue entries by index (the playing one is refused). */
export const removeFromQueue = (indices: number[]) => invoke<void>("remove_from_queue", { indices });
/** Moves queue entry `from` so that it ends up at index `to`. */
export const moveInQueue = (from: number, to: number) => invoke<void>("move_in_queue", { from, to });
/** Empties the queue but for the playing track. */
export const clearQueue = () => invoke<void>("clear_queue");
/** Saves the queue (without unplayed autoplay suggestions) as a new playlist. */
export const saveQueueAsPlaylist = (name: string) => invoke<Playlist>("save_queue_as_playlist", { name });
export const setPaused = (paused: boolean) => invoke<void>("set_paused", { paused });
export const seek = (positionMs: number) =>
  invoke<void>("seek", { positionMs: Math.max(0, Math.round(positionMs)) });
export const nextTrack = () => invoke<void>("next_track");
export const previousTrack = () => invoke<void>("previous_track");
export const setVolume = (volume: number) => invoke<void>("set_volume", { volume });
export const setRepeat = (repeat: RepeatMode) => invoke<void>("set_repeat", { repeat });
/** Plays suggestions in the vein of a track, artist, album or tag. */
export const startRadio = (seed: RadioSeed) => invoke<void>("start_radio", { seed });

// Suggestions and taste
export const upNext = (count: number) => invoke<Suggestion[]>("up_next", { count });
export const rate = (track: number, stars: number | null) =>
  invoke<void>("rate", { track, stars });
export const feedback = (track: number, kind: FeedbackKind) =>
  invoke<void>("feedback", { track, kind });

// Playlists
/** Every playlist with its counts, by name. */
export const playlists = () => invoke<Playlist[]>("playlists");
export const playlist = (playlist: number) => invoke<Playlist>("playlist", { playlist });
/** A playlist's entries in order; missing and unresolved ones say so. */
export const playlistEntries = (playlist: number) =>
  invoke<PlaylistEntry[]>("playlist_entries", { playlist });
export const createPlaylist = (name: string, tracks: number[] = []) =>
  invoke<Playlist>("create_playlist", { name, tracks });
export const renamePlaylist = (playlist: number, name: string) =>
  invoke<Playlist>("rename_playlist", { playlist, name });
export const duplicatePlaylist = (playlist: number, name: string) =>
  invoke<Playlist>("duplicate_playlist", { playlist, name });
export const deletePlaylist = (playlist: number) => invoke<void>("delete_playlist", { playlist });
/** Adds tracks before position `at`, or at the end when `at` is null; returns the new entries' ids. */
export const addToPlaylist = (playlist: number, tracks: number[], at: number | null = null) =>
  invoke<number[]>("add_to_playlist", { playlist, tracks, at });
export const removeFromPlaylist = (playlist: number, entries: number[]) =>
  invoke<void>("remove_from_playlist", { playlist, entries });
/** Moves entries (in playlist order) so that the first lands at `to` among the entries left. */
export const moveInPlaylist = (playlist: number, entries: number[], to: number) =>
  invoke<void>("move_in_playlist", { playlist, entries, to });
/** The desktop's file chooser for an M3U / M3U8 file; `null` when cancelled. */
export const choosePlaylistFile = () => invoke<string | null>("choose_playlist_file");
/** Imports an M3U / M3U8 file as a new playlist called `name` (the file's name when null). */
export const importPlaylist = (path: string, name: string | null = null) =>
  invoke<ImportReport>("import_playlist", { path, name });
/** Writes a playlist as M3U8 where the person chooses in the save dialog; `null` when cancelled. */
export const exportPlaylist = (playlist: number) =>
  invoke<ExportReport | null>("export_playlist", { playlist });

// Smart playlists
/** Every smart playlist with its rules, by name. */
export const smartPlaylists = () => invoke<SmartPlaylist[]>("smart_playlists");
/** The tracks smart playlist `id` selects now, each with why it is in. */
export const smartPlaylistMembers = (id: number) => invoke<SmartMember[]>("smart_playlist_members", { id });
/** Smart playlist `id`'s rules as people write them (`tempo:110..130`), written by the Rust side. */
export const smartRuleTexts = (id: number) => invoke<string[]>("smart_rule_texts", { id });
/**
 * Saves a smart playlist. `rules` are texts as people write them (`tempo:110..130`); the Rust
 * side reads them and refuses the first bad one by its number ("rule 2: …").
 */
export const createSmartPlaylist = (
  name: string,
  rules: string[],
  matchAll: boolean,
  limit: number | null,
  order: SmartOrder,
) => invoke<SmartPlaylist>("create_smart_playlist", { name, rules, matchAll, limit, order });
/** Replaces smart playlist `id`'s name and rules (texts, read as for `createSmartPlaylist`). */
export const updateSmartPlaylist = (
  id: number,
  name: string,
  rules: string[],
  matchAll: boolean,
  limit: number | null,
  order: SmartOrder,
) => invoke<SmartPlaylist>("update_smart_playlist", { id, name, rules, matchAll, limit, order });
export const deleteSmartPlaylist = (name: string) => invoke<void>("delete_smart_playlist", { name });

// The library map
/** Every laid-out track's point (as columns) and the regions' names. */
export const mapView = () => invoke<MapView>("map_view");
/** A colour value per point of `mapView`, in its order. */
export const mapColours = (by: MapColouring) => invoke<MapColours>("map_colours", { by });
/** The tags the map can be coloured by. */
export const mapTags = () => invoke<string[]>("map_tags");
/** What hovering a point shows: title, artist, top tags. */
export const mapTrack = (track: number) => invoke<MapTrack>("map_track", { track });
/** A track's true nearest neighbours in sound and style (not on the squeezed map). */
export const mapNeighbours = (track: number) => invoke<MapNeighbour[]>("map_neighbours", { track });

// Sonic paths ("Segue from A to B"): `count` tracks from `from` to a track or a tag.
export type PathEnd = { track: number } | { tag: string };
export const sonicPath = (from: number, to: PathEnd, count: number) =>
  invoke<SonicPath>("sonic_path", {
    from,
    toTrack: "track" in to ? to.track : null,
    toTag: "tag" in to ? to.tag : null,
    count,
  });
export const mapStatus = () => invoke<MapStatus>("map_status");
/** Places tracks without a point, or lays the whole map out again with `relayout`. */
export const updateMap = (relayout: boolean) => invoke<void>("update_map", { relayout });
export const cancelMap = () => invoke<void>("cancel_map");

// Settings
export const getSettings = () => invoke<AppSettings>("get_settings");
export const setSettings = (settings: AppSettings) => invoke<void>("set_settings", { settings });
/** The audio outputs there are, the chosen one marked. */
export const outputDevices = () => invoke<AudioOutput[]>("output_devices");
/** Plays on output `id` (`null`: the system default) from now on, where it was. */
export const setOutputDevice = (id: string | null) => invoke<void>("set_output_device", { id });
/** Output `device`'s equaliser (`null`: the one playing, else the chosen or default one). */
export const equaliser = (device: string | null) => invoke<EqualiserView>("equaliser", { device });
/** Keeps `settings` for output `device`, heard at once if it plays; returns the new response. */
export const setEqualiser = (device: string, settings: EqualiserSettings) =>
  invoke<EqualiserView>("set_equaliser", { device, settings });
export const equaliserPresets = () => invoke<EqualiserPreset[]>("equaliser_presets");

/** The URL of a stored cover image (served by the app's `cover:` protocol). */
export function coverUrl(coverId: number): string {
  // WebKitGTK serves custom protocols as `scheme://localhost`, Windows as `http://scheme.localhost`.
  return navigator.userAgent.includes("Windows")
    ? `http://cover.localhost/${coverId}`
    : `cover://localhost/${coverId}`;
}

type Handler<T> = (payload: T) => void;
export type { UnlistenFn };

const on =
  <T>(name: AppEvent) =>
  (cb: Handler<T>): Promise<UnlistenFn> =>
    listen<T>(name, (e) => cb(e.payload));

export const onLibrary = on<LibraryEvent>(EVENTS.library);
export const onPlayerState = on<PlayerState>(EVENTS.playerState);
/** `[trackId, positionMs]`, four times a second while playing. */
export const onPlayerPosition = on<[number, number]>(EVENTS.playerPosition);
export const onHistoryChanged = on<null>(EVENTS.historyChanged);
export const onTasteChanged = on<number>(EVENTS.tasteChanged);

// History files (Settings → History): the choosers run in Rust, so the window names no file.
/** Asks for a ListenBrainz or Last.fm export and imports it; `null` when the person cancels. */
export const importHistory = (format: HistoryFormat | null = null) =>
  invoke<HistoryImportReport | null>("import_history", { format });
/** Stops the running import at its next batch; what was added stays. */
export const cancelHistoryImport = () => invoke<void>("cancel_history_import");
/** Writes the history's full listens where the person chooses; `null` when they cancel. */
export const exportHistory = (format: HistoryExportFormat) =>
  invoke<HistoryExportReport | null>("export_history", { format });
export const onHistoryImport = on<HistoryImportProgress>(EVENTS.historyImport);

/** Commands reject with a `UiError`; anything else is turned into one. */
export function asUiError(e: unknown): UiError {
  if (e && typeof e === "object" && "kind" in e && "message" in e) return e as UiError;
  return { kind: "internal", message: String(e) };
}

/** The artists rising in the listening and the favourites fading from it. */
export const rotation = () => invoke<Rotation>("rotation");
/** A year of the listening history in review; `null`: the latest year with plays. */
export const yearInReview = (year: number | null) => invoke<YearInReview>("year_in_review", { year });
/** Saves the year-in-review picture (PNG bytes) where the person chooses; the path, or `null`
 * when they cancel. */
export const saveReviewImage = (year: number, png: Uint8Array) =>
  invoke<string | null>("save_review_image", { year, png: Array.from(png) });
