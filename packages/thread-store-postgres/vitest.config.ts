import { defineProject } from "vitest/config";

export default defineProject({
  ssr: { resolve: { conditions: ["@skein/source", "module", "node", "development|production"] } },
  test: {
    name: "thread-store-postgres",
    environment: "node",
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/support/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Every test file opens its own schemas on the one server; files may run in parallel.
  },
});
