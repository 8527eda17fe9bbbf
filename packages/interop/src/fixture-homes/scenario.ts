import { spawn } from "node:child_process";
import { cpSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { AppServerClient } from "../app-server-client.js";
import type { CodexRunner } from "../codex-runner.js";
import { killGroup } from "../internal/run-process.js";

// The scenario of the Codex fixture homes: which threads Codex writes into each home and by
// which commands. Design note: docs/codex-fixture-homes.md.

/** The dynamic tool the app-server threads are started with. */
export const FIXTURE_LOOKUP_TOOL = {
  type: "function",
  name: "mock_lookup",
  description: "Look up a value by key (mock dynamic tool)",
  inputSchema: { type: "object", properties: { key: { type: "string" } }, required: ["key"] },
} as const;

/** Names the scenario gives over the app-server. */
export const FIXTURE_NAMES = { T_A: "Named paginated thread", T_L: "Legacy named thread" } as const;

/** Thread ids by role; see {@link makeHome2} for the roles. */
export type FixtureIds = Record<string, string>;

/** Home 1: one `exec` thread, resumed with `--last`. */
export async function makeHome1(codex: CodexRunner): Promise<FixtureIds> {
  const H1_THREAD = (await codex.exec("say hi")).threadId;
  await codex.execResume({ last: true }, "again");
  return { H1_THREAD };
}

/**
 * Home 2, before `migrate-rollouts`:
 * - T_A exec, resumed (`--last`, then by name), named over the app-server;
 * - T_B exec with an `exec_command` tool call, archived;
 * - T_C `exec fork` of T_A (paginated: `history_base`), with a queued message;
 * - T_D exec with a `get_goal` tool call, archived then unarchived;
 * - T_E exec, deleted (`delete` without a terminal refuses; `delete --force` deletes);
 * - T_L app-server, `historyMode: "legacy"`, dynamic tool turn, named, compacted, one more turn;
 * - T_P app-server, paginated, dynamic tool turn, compacted, one more turn;
 * - T_F TUI `codex fork` of T_A (source `cli`), when `script` can give it a terminal.
 */
export async function makeHome2(codex: CodexRunner): Promise<FixtureIds> {
  const T_A = (await codex.exec("say hi")).threadId;
  await codex.execResume({ last: true }, "again");
  const T_B = (await codex.exec("[[tool:exec_command]] please run a command")).threadId;
  const T_C = (await codex.execFork(T_A, "forked: say hi from the fork")).threadId;
  const T_D = (await codex.exec("[[tool:get_goal]] what is the current goal?")).threadId;
  const T_E = (await codex.exec("this thread will be deleted")).threadId;

  const app = await codex.appServer();
  let T_L: string;
  let T_P: string;
  try {
    await app.setThreadName(T_A, FIXTURE_NAMES.T_A);
    T_L = (await app.startThread({ cwd: codex.workDir, historyMode: "legacy", dynamicTools: [FIXTURE_LOOKUP_TOOL] })).id;
    await app.runTurn(T_L, "legacy thread via app-server, please use [[tool:mock_lookup]]");
    await app.setThreadName(T_L, FIXTURE_NAMES.T_L);
    await compact(app, T_L);
    await app.runTurn(T_L, "legacy thread after compaction");
    T_P = (await app.startThread({ cwd: codex.workDir, dynamicTools: [FIXTURE_LOOKUP_TOOL] })).id;
    await app.runTurn(T_P, "paginated app-server thread, please use [[tool:mock_lookup]]");
    await compact(app, T_P);
    await app.runTurn(T_P, "paginated thread after compaction");
  } finally {
    await app.close();
  }

  await codex.execResume(FIXTURE_NAMES.T_A, "third turn, resumed by name");
  const T_F = await tuiFork(codex, T_A, "tui fork prompt");
  await codex.run(["queue", "--thread", T_C, "--message", "queued follow-up message"], "queue");
  await codex.archive(T_D);
  await codex.unarchive(T_D);
  await codex.archive(T_B);
  await codex.run(["delete", T_E], "delete").catch(() => undefined); // refused without a terminal
  await codex.deleteForce(T_E);
  return { T_A, T_B, T_C, T_D, T_E, T_L, T_P, ...(T_F ? { T_F } : {}) };
}

/** `codex migrate-rollouts`: inspected (plain, verbose, JSON), applied, inspected again. */
export async function migrateRollouts(codex: CodexRunner): Promise<void> {
  await codex.run(["migrate-rollouts"], "migrate-rollouts");
  await codex.run(["migrate-rollouts", "--verbose"], "migrate-rollouts");
  await codex.run(["migrate-rollouts", "--json"], "migrate-rollouts");
  await codex.run(["migrate-rollouts", "--apply"], "migrate-rollouts --apply");
  await codex.run(["migrate-rollouts", "--json"], "migrate-rollouts");
}

/**
 * Home 3 after the old CLI (hand-written 0.100.0 rollouts, copied in): Codex 0.169.0 inspects
 * the home read-only, then resumes T3_A (creating its databases and backfilling them).
 */
export async function resumeOldHome(codex: CodexRunner, ids: FixtureIds): Promise<void> {
  await codex.run(["migrate-rollouts", "--verbose"], "migrate-rollouts");
  await codex.execResume(ids["T3_A"]!, "resumed by the new cli");
}

async function compact(app: AppServerClient, threadId: string): Promise<void> {
  const completed = app.waitForNotification("turn/completed", (p) => p["threadId"] === threadId);
  completed.catch(() => undefined);
  await app.request("thread/compact/start", { threadId });
  await completed;
}

/**
 * `codex fork <id> <prompt>` in the TUI, given a terminal by `script(1)`. The TUI does not
 * exit after its turn: once the fork's rollout holds a completed turn, its process group is
 * killed. Returns undefined when `script` is missing or no fork appeared (then T_F is absent).
 */
async function tuiFork(codex: CodexRunner, parentId: string, prompt: string): Promise<string | undefined> {
  if (!existsSync("/usr/bin/script")) return undefined;
  const before = new Set(listRollouts(join(codex.codexHome, "sessions")));
  const line = codex.commandLine(["fork", "--no-daemon", "--no-alt-screen", parentId, prompt]);
  const command = [line.command, ...line.args].map(shellQuote).join(" ");
  const child = spawn("/usr/bin/script", ["-qfec", command, "/dev/null"], {
    cwd: codex.workDir,
    env: { ...codex.env(), TERM: "xterm-256color" },
    stdio: ["pipe", "ignore", "ignore"],
    detached: true,
  });
  const deadline = Date.now() + 45_000;
  let found: string | undefined;
  try {
    while (Date.now() < deadline && child.exitCode === null) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      const fresh = listRollouts(join(codex.codexHome, "sessions")).filter((p) => !before.has(p));
      const done = fresh.find((p) => {
        const text = readFileSync(p, "utf8");
        return text.includes('"forked_from_id"') && text.includes('"task_complete"');
      });
      if (done) {
        found = done;
        await new Promise((resolve) => setTimeout(resolve, 500)); // let the TUI finish its writes
        break;
      }
    }
  } finally {
    killGroup(child.pid);
    await new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(undefined) : child.once("exit", resolve)));
  }
  return found ? /([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.jsonl$/.exec(found)?.[1] : undefined;
}

function listRollouts(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...listRollouts(path));
    else if (name.startsWith("rollout-") && name.endsWith(".jsonl")) out.push(path);
  }
  return out;
}

function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:=@+-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/** Copies a home (a snapshot between two steps). */
export function snapshotHome(from: string, to: string): void {
  cpSync(from, to, { recursive: true, preserveTimestamps: true });
}

/** Writes `KEY=value` lines (the ids env of a home). */
export function writeIdsEnv(path: string, ids: FixtureIds): void {
  writeFileSync(path, Object.entries(ids).map(([k, v]) => `${k}=${v}\n`).join(""));
}
