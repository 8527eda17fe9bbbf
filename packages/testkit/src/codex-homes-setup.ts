import { prepareCodexHomes } from "./codex-homes.js";

/**
 * vitest `globalSetup` of the suites that use the Codex fixture homes: makes them once (or
 * finds them in the cache) before any worker starts. `globalSetup: ["@skein/testkit/codex-homes-setup"]`.
 */
export default async function setup(): Promise<void> {
  await prepareCodexHomes();
}
