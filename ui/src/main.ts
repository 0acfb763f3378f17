import { mount } from "svelte";
import App from "./components/App.svelte";
import { setLocale, type Locale } from "./lib/i18n.svelte";
import { playlists } from "./lib/playlist-store.svelte";
import { smart } from "./lib/smart-store.svelte";
import { app } from "./lib/store.svelte";
import { applyTheme } from "./lib/theme";
import "./style.css";

applyTheme(localStorage.getItem("segue.theme"));
const saved = localStorage.getItem("segue.locale");
if (saved === "en" || saved === "zh-CN") setLocale(saved as Locale);

const target = document.getElementById("app");
if (target) {
  mount(App, { target });
  // The window is interactive now; the library fills in as it arrives.
  performance.mark("segue-mounted");
  void app.start().then(() => performance.mark("segue-library-shown"));
  void playlists.load();
  void smart.load();
  void smart.listen();
  // The `segue playlist` commands may have changed a playlist while the window was away.
  window.addEventListener("focus", () => {
    void playlists.refresh();
    // `segue smart create|delete` too.
    void smart.load();
  });
}
