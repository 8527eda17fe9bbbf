import { appendFileSync, existsSync, utimesSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { StateDb } from "@skein/state";
import { afterEach, describe, expect, it } from "vitest";
import { reindexHome, type SyncContext } from "../src/local/index-sync.js";
import { currentLines, generation2025Lines, rolloutPath, writeMixedHome, writeRollout } from "./fixtures/generations-home.js";
import { localHome, type LocalHome } from "./local-helpers.js";

// What a cold reindex writes must not depend on how it is built (docs/state-index.md, "Cold
// builds"): threads, file records, messages and search results of a varied home are compared
// with a snapshot taken before the bulk path existed, on the calling thread and on workers.

const BUILT_WORKER = new URL("../dist/local/extract-worker.js", import.meta.url);
const noBuiltWorker = existsSync(fileURLToPath(BUILT_WORKER)) ? undefined : "thread-store is not built (dist/local/extract-worker.js missing)";

const T0 = Date.UTC(2026, 0, 10);
const id = (n: number) => `01a2143c-${String(1000 + n).padStart(4, "0")}-7000-8000-${String(n).padStart(12, "0")}`;
const WORDS = ["heron", "ibis", "stoat", "quail", "marten", "otter", "lynx", "wren", "vole", "newt"];

/** A home of every kind the reindex meets: generations, compressed, archived, forks, broken lines, unreadable files. */
async function writeVariedHome(home: string): Promise<string[]> {
  const paths: string[] = Object.values(await writeMixedHome(home));
  for (let n = 0; n < 60; n++) {
    const texts = [`${WORDS[n % 10]} question ${n}`, `${WORDS[(n * 3) % 10]} followup about ${WORDS[(n * 7) % 10]}`];
    const meta = n % 9 === 0 ? { forked_from_id: id(n - 9 >= 0 ? n - 9 : 59) } : {};
    const day = 10 + (n % 5);
    const lines = currentLines(id(n), day, texts, meta);
    // A legacy fork copies its parent's history after its own meta.
    if (n % 9 === 0 && n > 0) lines.splice(1, 0, ...currentLines(id(n - 9), 10 + ((n - 9) % 5), [`${WORDS[(n - 9) % 10]} question ${n - 9}`]));
    if (n % 7 === 3) lines.splice(2, 0, "{not json", '{"type":"event_msg","payload":');
    const archived = n % 11 === 5;
    const path = rolloutPath(home, id(n), `2026-01-${day}`, archived);
    paths.push(writeRollout(path, lines));
    if (n % 17 === 8) {
      // A torn tail: the last line has no newline yet.
      appendFileSync(path, JSON.stringify({ timestamp: "2026-01-10T11:00:00.000Z", type: "event_msg", payload: { type: "agent_message", message: "torn wren" } }));
    }
  }
  paths.push(writeRollout(rolloutPath(home, id(90), "2026-01-15"), ['{"type":"event_msg","payload":{"type":"user_message","message":"no meta"}}']));
  paths.push(writeRollout(rolloutPath(home, id(91), "2025-06-01"), generation2025Lines(id(91), "why is the otter test flaky?")));
  // Distinct mtimes a second apart, in the past: row times do not depend on the order rows are written in.
  paths.forEach((p, i) => utimesSync(p, (T0 + i * 1000) / 1000, (T0 + i * 1000) / 1000));
  return paths;
}

interface Dump {
  threads: unknown[];
  files: unknown[];
  messages: unknown[];
  messageState: unknown[];
  search: Record<string, unknown>;
  report: unknown;
}

/** Everything a cold reindex wrote, without what depends on write order or the clock (seq, ids, indexed_at). */
async function coldDump(home: string, dbName: string, extract: SyncContext["extract"]): Promise<Dump> {
  const path = join(home, dbName);
  const db = StateDb.open({ path });
  let report;
  try {
    const r = await reindexHome({ home, db, defaultModelProvider: "openai", now: () => T0 + 10_000_000, extract });
    // How many threads extracted is the one thing that differs by design: left out.
    const { extractionWorkers: _workers, ...same } = r;
    report = { ...same, durationMs: 0, problems: same.problems.map((p) => ({ ...p, path: p.path.slice(home.length) })) };
  } finally {
    db.close();
  }
  const raw = new Database(path, { readonly: true });
  try {
    const rel = (p: unknown) => (typeof p === "string" ? p.slice(home.length) : p);
    const threads = (raw.prepare("SELECT * FROM threads ORDER BY id").all() as Record<string, unknown>[]).map(({ seq: _s, indexed_at_ms: _i, ...t }) => ({ ...t, rollout_path: rel(t["rollout_path"]) }));
    const files = (raw.prepare("SELECT * FROM indexed_files ORDER BY path").all() as Record<string, unknown>[]).map(({ indexed_at_ms: _i, ...f }) => ({ ...f, path: rel(f["path"]) }));
    const messages = raw.prepare("SELECT thread_id, position, turn_id, role, at_ms, text, tool_text FROM thread_messages ORDER BY thread_id, position").all();
    const messageState = (raw.prepare("SELECT * FROM thread_message_state ORDER BY thread_id").all() as Record<string, unknown>[]).map(({ thread_seq: _s, ...m }) => ({ ...m, rollout_path: rel(m["rollout_path"]) }));
    const search: Record<string, unknown> = {};
    for (const word of [...WORDS, "question", "compressed", "header", "archived", "torn", "meta"]) {
      search[word] = {
        messages: raw.prepare("SELECT m.thread_id, m.position FROM thread_messages_fts f JOIN thread_messages m ON m.id = f.rowid WHERE thread_messages_fts MATCH ? ORDER BY 1, 2").raw().all(word),
        threads: raw.prepare("SELECT t.id FROM threads_fts f JOIN threads t ON t.seq = f.rowid WHERE threads_fts MATCH ? ORDER BY 1").pluck().all(word),
      };
    }
    return { threads, files, messages, messageState, search, report };
  } finally {
    raw.close();
  }
}

/** One line per row (a diff then names the row that changed). */
function snapshotText(dump: Dump): string {
  const out: string[] = [];
  for (const [key, value] of Object.entries(dump)) {
    out.push(`## ${key}`);
    if (Array.isArray(value)) for (const row of value) out.push(JSON.stringify(row));
    else if (key === "search") for (const [word, hits] of Object.entries(value as Record<string, unknown>)) out.push(`${word}: ${JSON.stringify(hits)}`);
    else out.push(JSON.stringify(value));
  }
  return `${out.join("\n")}\n`;
}

describe("a cold reindex", () => {
  let h: LocalHome;
  afterEach(async () => h.cleanup());

  it("writes the same index as before the bulk path, in-process", async () => {
    h = localHome();
    await writeVariedHome(h.home);
    const dump = await coldDump(h.home, "in-process.sqlite", { workers: 0 });
    expect((dump.threads as unknown[]).length).toBeGreaterThan(60);
    await expect(snapshotText(dump)).toMatchFileSnapshot("__snapshots__/cold-reindex.txt");
  });

  it.skipIf(noBuiltWorker)("writes the same index on worker threads", async () => {
    h = localHome();
    await writeVariedHome(h.home);
    const dump = await coldDump(h.home, "workers.sqlite", { workers: 1, minJobsForWorkers: 1, workerUrl: BUILT_WORKER });
    await expect(snapshotText(dump)).toMatchFileSnapshot("__snapshots__/cold-reindex.txt");
  });
});
