import { chmod, open, readFile, rename, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { isThreadId } from "@skein/protocol";
import { InvalidThreadIdError } from "./errors.js";

// Behaviour: docs/session-index.md.

/** File name of Codex's append-only thread-name log, under the home. */
export const SESSION_INDEX_FILE = "session_index.jsonl";

/** One valid line of `session_index.jsonl`. */
export interface SessionIndexEntry {
  threadId: string;
  /** `""` records a cleared name. */
  name: string;
  /** RFC 3339 as written; informational only (append order decides). */
  updatedAt: string;
}

/** What {@link readSessionIndex} returns. */
export interface SessionIndex {
  /** Valid entries in append order. */
  entries: SessionIndexEntry[];
  /** Each thread's latest name; threads whose latest entry is blank are absent. */
  names: Map<string, string>;
  /** Lines that were not a valid entry (skipped). */
  badLines: number;
}

/** Params of {@link appendSessionName}. */
export interface AppendSessionNameParams {
  threadId: string;
  /** The new name; `""` clears it. */
  name: string;
  /** Default: now. */
  updatedAt?: Date;
}

const NEWLINE = Buffer.from("\n");
const writers = new Map<string, Promise<void>>();

/** Runs `op` after every earlier writer of the same file in this process. */
function serialized(file: string, op: () => Promise<void>): Promise<void> {
  const run = (writers.get(file) ?? Promise.resolve()).then(op);
  const settled = run.then(
    () => undefined,
    () => undefined,
  );
  writers.set(file, settled);
  void settled.then(() => {
    if (writers.get(file) === settled) writers.delete(file);
  });
  return run;
}

/**
 * Appends `{"id","thread_name","updated_at"}` to `<home>/session_index.jsonl` (created 0600).
 * Writers in this process are serialized; each entry is one `write` of one whole line.
 * @throws InvalidThreadIdError when `threadId` is not a UUID.
 */
export function appendSessionName(home: string, params: AppendSessionNameParams): Promise<void> {
  if (!isThreadId(params.threadId)) return Promise.reject(new InvalidThreadIdError(params.threadId));
  const file = join(resolve(home), SESSION_INDEX_FILE);
  const line = JSON.stringify({
    id: params.threadId,
    thread_name: params.name,
    updated_at: (params.updatedAt ?? new Date()).toISOString(),
  });
  return serialized(file, async () => {
    const handle = await open(file, "a+", 0o600);
    try {
      // A torn last line from a crashed writer must not swallow this entry.
      const size = (await handle.stat()).size;
      const lastByte = Buffer.alloc(1);
      if (size > 0) await handle.read(lastByte, 0, 1, size - 1);
      await handle.write(size > 0 && lastByte[0] !== 0x0a ? `\n${line}\n` : `${line}\n`);
    } finally {
      await handle.close();
    }
  });
}

/**
 * Reads the whole name index, tolerating bad lines. The latest entry per thread by append
 * order wins (`updated_at` is ignored); a blank latest name means "no name".
 * A missing file is an empty index.
 */
export async function readSessionIndex(home: string): Promise<SessionIndex> {
  let text: string;
  try {
    text = await readFile(join(resolve(home), SESSION_INDEX_FILE), "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { entries: [], names: new Map(), badLines: 0 };
    throw err;
  }
  const { entries, badLines } = parseSessionIndexText(text);
  const latest = new Map<string, string>();
  for (const entry of entries) latest.set(entry.threadId, entry.name);
  const names = new Map([...latest].filter(([, name]) => name.trim() !== ""));
  return { entries, names, badLines };
}

/** Each thread's latest non-blank name (see {@link readSessionIndex}). */
export async function readSessionNames(home: string): Promise<Map<string, string>> {
  return (await readSessionIndex(home)).names;
}

/**
 * Ids of threads whose **latest** name equals `name` exactly, newest entry first. A thread
 * renamed away from `name` no longer matches.
 */
export async function findThreadIdsByName(home: string, name: string): Promise<string[]> {
  const { entries } = await readSessionIndex(home);
  const out: string[] = [];
  const decided = new Set<string>();
  for (let i = entries.length - 1; i >= 0; i--) {
    const entry = entries[i]!;
    if (decided.has(entry.threadId)) continue;
    decided.add(entry.threadId);
    if (entry.name === name && name.trim() !== "") out.push(entry.threadId);
  }
  return out;
}

/**
 * Removes every entry of a thread, rewriting through `session_index.jsonl.tmp` and a rename.
 * Other lines (bad ones included) are kept byte for byte. Returns how many lines were removed.
 */
export function removeSessionNameEntries(home: string, threadId: string): Promise<number> {
  if (!isThreadId(threadId)) return Promise.reject(new InvalidThreadIdError(threadId));
  const file = join(resolve(home), SESSION_INDEX_FILE);
  let removed = 0;
  return serialized(file, async () => {
    let data: Buffer;
    try {
      data = await readFile(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
      throw err;
    }
    const kept: Buffer[] = [];
    let from = 0;
    while (from < data.length) {
      const at = data.indexOf(0x0a, from);
      const end = at === -1 ? data.length : at;
      const raw = data.subarray(from, end);
      from = end + 1;
      if (raw.length === 0) continue;
      if (parseEntry(raw.toString("utf8"))?.threadId === threadId) removed++;
      else kept.push(raw, NEWLINE);
    }
    if (removed === 0) return;
    const tmp = `${file}.tmp`;
    await writeFile(tmp, Buffer.concat(kept), { mode: 0o600 });
    await chmod(tmp, 0o600);
    await rename(tmp, file);
  }).then(() => removed);
}

/** The valid entries of `session_index.jsonl` text, in append order, and how many lines were not entries. */
export function parseSessionIndexText(text: string): { entries: SessionIndexEntry[]; badLines: number } {
  const entries: SessionIndexEntry[] = [];
  let badLines = 0;
  for (const raw of text.split("\n")) {
    if (raw.trim() === "") continue;
    const entry = parseEntry(raw);
    if (entry) entries.push(entry);
    else badLines++;
  }
  return { entries, badLines };
}

function parseEntry(raw: string): SessionIndexEntry | undefined {
  try {
    const value = JSON.parse(raw) as { id?: unknown; thread_name?: unknown; updated_at?: unknown };
    if (!isThreadId(value.id) || typeof value.thread_name !== "string") return undefined;
    return { threadId: value.id, name: value.thread_name, updatedAt: typeof value.updated_at === "string" ? value.updated_at : "" };
  } catch {
    return undefined;
  }
}
