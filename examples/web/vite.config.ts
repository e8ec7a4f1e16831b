import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// `npm run dev` proxies the API to a local gojoser, so the dev server needs no CORS settings.
const api = process.env.GOJOSER_URL ?? "http://127.0.0.1:8000";

export default defineConfig({
  // Relative asset paths: gojoser serves dist/ from its root (GOJOSER_STATIC_DIR), any other host from anywhere.
  base: "./",
  plugins: [react()],
  resolve: {
    // @gojoser/client is a symlink to clients/typescript, whose node_modules has its own React (a dev
    // dependency there): one copy for the whole app, or hooks break.
    dedupe: ["react", "react-dom"],
  },
  server: { proxy: { "/auth": api } },
  build: { outDir: "dist", emptyOutDir: true },
});
