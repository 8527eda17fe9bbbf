export { makeTempDir, type TempDir } from "./temp-dir.js";
export {
  CODEX_HOMES,
  type CodexHomeName,
  type CodexHomesMeta,
  codexExamplesDir,
  codexFixtureIds,
  codexHomesCacheDir,
  codexHomesDir,
  codexHomesMeta,
  extractCodexHome,
  prepareCodexHomes,
} from "./codex-homes.js";
export { readCodexThreadRows, type CodexThreadRow } from "./codex-state-rows.js";
export { startTestPostgres, providePostgres, type TestPostgres, type ProvidingProject } from "./postgres.js";
export * from "./packaging.js";
