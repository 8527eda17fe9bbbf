import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "testkit",
    environment: "node",
    include: ["test/**/*.test.ts"],
    // Packing and installing each public package into its own npm project (see the test file).
    testTimeout: 300_000,
    hookTimeout: 600_000,
  },
});
