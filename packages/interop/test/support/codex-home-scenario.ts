import { FIXTURE_LOOKUP_TOOL, type AppServerClient, type CodexRunner } from "../../src/index.js";

/** The dynamic tool the app-server threads are started with (the fixture homes' `mock_lookup`). */
export const LOOKUP_TOOL = FIXTURE_LOOKUP_TOOL;

/** Thread ids of the scenario Codex builds, by role. */
export interface CodexScenarioIds {
  /** exec, resumed by id, renamed twice over app-server, resumed by its final name. */
  readonly plain: string;
  /** exec with an `exec_command` tool call. */
  readonly tool: string;
  /** `exec fork` of `plain` (paginated: references its parent through `history_base`). */
  readonly fork: string;
  /** exec, then `codex archive`. */
  readonly archived: string;
  /** exec, `codex archive`, `codex unarchive`. */
  readonly unarchived: string;
  /** exec, then `codex delete --force`. */
  readonly deleted: string;
  /** app-server thread (paginated) with the dynamic tool, one tool turn, named. */
  readonly appPaginated: string;
  /** app-server thread (`historyMode: "legacy"`) with the dynamic tool, one tool turn, named. */
  readonly appLegacy: string;
}

/** Names the scenario gives; `plain` is renamed, so only its last name should show. */
export const SCENARIO_NAMES = {
  plainFirst: "first name of the plain thread",
  plain: "Plain thread, renamed",
  appPaginated: "App-server paginated thread",
  appLegacy: "App-server legacy thread",
} as const;

/**
 * Drives the real Codex through every storage operation issue 7 names, in one home. Ordered so
 * that the fork is taken after the parent's second turn and before its third.
 */
export async function buildCodexScenario(codex: CodexRunner, app: AppServerClient): Promise<CodexScenarioIds> {
  const plain = (await codex.exec("say hi")).threadId;
  await codex.execResume(plain, "again");
  const tool = (await codex.exec("[[tool:exec_command]] please run a command")).threadId;
  const fork = (await codex.execFork(plain, "forked: say hi from the fork")).threadId;
  const archived = (await codex.exec("this thread will be archived")).threadId;
  const unarchived = (await codex.exec("this thread will be archived and restored")).threadId;
  const deleted = (await codex.exec("this thread will be deleted")).threadId;

  await app.setThreadName(plain, SCENARIO_NAMES.plainFirst);
  await app.setThreadName(plain, SCENARIO_NAMES.plain);
  const appPaginated = (await app.startThread({ cwd: codex.workDir, dynamicTools: [LOOKUP_TOOL] })).id;
  await app.runTurn(appPaginated, "paginated app-server thread, please use [[tool:mock_lookup]]");
  await app.setThreadName(appPaginated, SCENARIO_NAMES.appPaginated);
  const appLegacy = (await app.startThread({ cwd: codex.workDir, historyMode: "legacy", dynamicTools: [LOOKUP_TOOL] })).id;
  await app.runTurn(appLegacy, "legacy app-server thread, please use [[tool:mock_lookup]]");
  await app.setThreadName(appLegacy, SCENARIO_NAMES.appLegacy);

  await codex.execResume(SCENARIO_NAMES.plain, "third turn, resumed by name");
  await codex.archive(archived);
  await codex.archive(unarchived);
  await codex.unarchive(unarchived);
  await codex.deleteForce(deleted);
  return { plain, tool, fork, archived, unarchived, deleted, appPaginated, appLegacy };
}
