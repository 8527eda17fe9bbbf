import { defineProject } from "vitest/config";

export default defineProject({
  ssr: { resolve: { conditions: ["@skein/source", "module", "node", "development|production"] } },
  test: {
    name: "cli",
    environment: "node",
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts", "test/pg-global-setup.ts", "@skein/testkit/codex-homes-setup"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
