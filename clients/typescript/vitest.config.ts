import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Fake timers and mocked fetch only: tests never touch the network.
    restoreMocks: true,
  },
});
