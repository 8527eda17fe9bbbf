import { newThreadId } from "@skein/protocol";
import { makeTempDir, type TempDir } from "@skein/testkit";
import { join } from "node:path";
import { afterEach } from "vitest";
import { StateDb, type StateDbOptions, type ThreadRowInput } from "../../src/index.js";

/** A valid upsert row; every field can be overridden. */
export function threadRow(overrides: Partial<ThreadRowInput> = {}): ThreadRowInput {
  const threadId = overrides.threadId ?? newThreadId();
  return {
    threadId,
    rolloutPath: `/home/u/.codex/sessions/2025/01/02/rollout-2025-01-02T03-04-05-${threadId}.jsonl`,
    preview: "fix the flaky test",
    modelProvider: "openai",
    createdAt: 1_700_000_000_000,
    updatedAt: 1_700_000_000_000,
    archived: false,
    cwd: "/work/project",
    cliVersion: "0.169.0",
    source: "cli",
    ...overrides,
  };
}

/**
 * Registers a fresh temp dir per test and returns helpers that open `StateDb` handles in it;
 * every handle and the dir are released after the test.
 */
export function useTempDb(): {
  dir: () => string;
  dbPath: () => string;
  open: (options?: Partial<StateDbOptions>) => StateDb;
} {
  let tmp: TempDir | undefined;
  const handles: StateDb[] = [];
  const dir = () => (tmp ??= makeTempDir("skein-state-")).path;
  afterEach(() => {
    for (const h of handles.splice(0)) h.close();
    tmp?.cleanup();
    tmp = undefined;
  });
  return {
    dir,
    dbPath: () => join(dir(), "skein_state_1.sqlite"),
    open: (options = {}) => {
      const db = StateDb.open({ path: join(dir(), "skein_state_1.sqlite"), ...options });
      handles.push(db);
      return db;
    },
  };
}
