import { defineConfig } from "vite";

// Tauri serves the built files; the dev server is only for `npm run dev` with the Tauri CLI.
export default defineConfig({
  clearScreen: false,
  server: { port: 5173, strictPort: true },
  build: { target: "es2022", outDir: "dist", emptyOutDir: true },
});
