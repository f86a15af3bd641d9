import { defineConfig } from "vitest/config";

// Tauri expects a fixed dev port and serves the built files from ui/dist.
export default defineConfig({
  clearScreen: false,
  server: { port: 1420, strictPort: true },
  build: {
    outDir: "dist",
    target: "safari15",
    // A boolean picks Vite 8's built-in minifier (the "esbuild" string needs esbuild installed).
    minify: !process.env.TAURI_ENV_DEBUG,
    sourcemap: !!process.env.TAURI_ENV_DEBUG,
  },
  test: { environment: "jsdom", include: ["src/**/*.test.ts"] },
});
