import { defineProject } from "vitest/config";

export default defineProject({
  ssr: { resolve: { conditions: ["@skein/source", "module", "node", "development|production"] } },
  test: {
    name: "viewer-e2e",
    environment: "node",
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/pg-global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 240_000,
    // One browser and one server per file; files run one after another (2 cores).
    fileParallelism: false,
  },
});
