import { defineProject } from "vitest/config";

export default defineProject({
  ssr: { resolve: { conditions: ["@skein/source", "module", "node", "development|production"] } },
  test: { name: "core-session", environment: "node", include: ["test/**/*.test.ts"], globalSetup: ["@skein/testkit/codex-homes-setup"], testTimeout: 30_000, hookTimeout: 60_000 },
});
