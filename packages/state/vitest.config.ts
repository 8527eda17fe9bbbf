import { defineProject } from "vitest/config";

export default defineProject({
  ssr: { resolve: { conditions: ["@skein/source", "module", "node", "development|production"] } },
  test: { name: "state", environment: "node", include: ["test/**/*.test.ts"], testTimeout: 30_000, hookTimeout: 60_000 },
});
