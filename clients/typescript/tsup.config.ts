import { defineConfig } from "tsup";

// One ESM and one CommonJS file per entry point, each with its own declarations (.d.ts for import,
// .d.cts for require), as package.json's "exports" lists them. Dependencies and React stay external.
export default defineConfig({
  entry: { index: "src/index.ts", react: "src/react.ts" },
  format: ["esm", "cjs"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "es2022",
  platform: "neutral",
  splitting: false,
  outDir: "dist",
});
