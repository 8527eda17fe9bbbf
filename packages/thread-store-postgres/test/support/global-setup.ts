import { startTestPostgres } from "@skein/testkit";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    /** Connection string of the test server; undefined when none could be had. */
    pgUrl: string | undefined;
    /** Why there is no server (printed once by the setup). */
    pgSkipReason: string | undefined;
  }
}

/**
 * Provides `pgUrl` to the tests: `SKEIN_PG_URL` when set, otherwise a throwaway cluster on a
 * unix socket, stopped and deleted in teardown (see @skein/testkit `startTestPostgres`). Without
 * PostgreSQL binaries the tests skip with the printed reason.
 */
export default function setup(project: TestProject): () => void {
  const server = startTestPostgres("PostgreSQL tests");
  project.provide("pgUrl", server.url);
  project.provide("pgSkipReason", server.skipReason);
  return server.stop;
}
