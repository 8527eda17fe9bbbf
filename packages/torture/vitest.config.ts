import { defineProject } from "vitest/config";

export default defineProject({
  ssr: { resolve: { conditions: ["@skein/source", "module", "node", "development|production"] } },
  test: {
    name: "torture",
    environment: "node",
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts", "@skein/testkit/codex-homes-setup"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
