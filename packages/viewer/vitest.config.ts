import { defineProject } from "vitest/config";

export default defineProject({
  ssr: { resolve: { conditions: ["@skein/source", "module", "node", "development|production"] } },
  test: { name: "viewer", environment: "node", include: ["test/**/*.test.ts"] },
});
