import { randomBytes } from "node:crypto";
import { link, mkdir, open, rm, utimes } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { SessionMeta, StoredThread, ThreadId } from "@skein/protocol";
import type { ThreadRowInput } from "@skein/state";
import {
  ARCHIVED_SESSIONS_SUBDIR,
  parseRolloutFileName,
  rolloutFileName,
  unarchivedPathFor,
} from "@skein/rollout";
import { ConflictError, InvalidRequestError } from "../errors.js";
import { findUsableRollout } from "./home-paths.js";
import { internal } from "./live-writers.js";
import { readRawHistory } from "./raw-history.js";
import { dropUndefined } from "./thread-row-mapping.js";
import type { ImportLine, ImportThreadParams } from "./types.js";

// Behaviour: docs/rollout-format.md, "Forks and `history_base`" (a paginated fork's file holds
// only its own lines; the prefix lives in the parent's file up to history_base.end_byte_offset).

/** Where an imported thread's rollout goes and the exact lines it holds. */
export interface ImportPlan {
  path: string;
  archived: boolean;
  /** The thread's own lines, as text without `\n`. */
  lines: string[];
}

/**
 * Decides the file and lines of an import. The lines before the thread's own `session_meta`
 * are a fork's inherited prefix: they are not written (the fork's `history_base` points into
 * its parent's file), so the parent must already be in the home with the same prefix —
 * otherwise the fork would read a different history, and the import is refused.
 *
 * @throws InvalidRequestError for a history without the thread's own `session_meta`, a line
 *   with a newline in its raw text, or a fork whose parent prefix is not in the home.
 */
export async function planImport(home: string, threadId: ThreadId, params: ImportThreadParams): Promise<ImportPlan> {
  const ownStart = params.lines.findIndex((l) => l?.line?.type === "session_meta" && sameId((l.line.payload as SessionMeta).id, threadId));
  if (ownStart < 0) throw new InvalidRequestError(`cannot import thread ${threadId}: its history has no session_meta of its own`);
  const prefix = params.lines.slice(0, ownStart);
  if (prefix.length > 0) await assertParentPrefix(home, threadId, params.lines[ownStart]!.line.payload as SessionMeta, prefix);
  const lines = params.lines.slice(ownStart).map(textOf);
  if (lines.some((text) => text.includes("\n"))) {
    throw new InvalidRequestError(`cannot import thread ${threadId}: a raw line contains a newline`);
  }
  const name = fileNameFor(threadId, params.thread);
  const archivedPath = join(home, ARCHIVED_SESSIONS_SUBDIR, name);
  const archived = params.thread.archived === true;
  return { path: archived ? archivedPath : unarchivedPathFor(home, archivedPath), archived, lines };
}

async function assertParentPrefix(home: string, threadId: ThreadId, meta: SessionMeta, prefix: readonly ImportLine[]): Promise<void> {
  const base = meta.history_mode === "paginated" ? meta.history_base : undefined;
  if (!base) {
    throw new InvalidRequestError(`cannot import thread ${threadId}: lines precede its session_meta but it has no history_base`);
  }
  const parent = await findUsableRollout(home, base.thread_id as ThreadId);
  if (!parent || "refused" in parent) {
    throw new InvalidRequestError(`cannot import fork ${threadId}: its parent ${base.thread_id} is not in ${home}; import the parent first`);
  }
  const expected = await readRawHistory(home, parent.path, base.end_byte_offset);
  const same = expected.length === prefix.length && expected.every((e, i) => e.raw === textOf(prefix[i]!) || sameLine(e.line, prefix[i]!.line));
  if (!same) {
    throw new InvalidRequestError(`cannot import fork ${threadId}: its parent ${base.thread_id} in ${home} holds a different history prefix`);
  }
}

/** The source's file name when it is a plain rollout name for this id, else the name Codex would give it. */
function fileNameFor(threadId: ThreadId, thread: StoredThread): string {
  const given = thread.rolloutPath ? basename(thread.rolloutPath) : undefined;
  const parsed = given ? parseRolloutFileName(given) : undefined;
  if (given && parsed && !parsed.compressed && sameId(parsed.threadId, threadId)) return given;
  return rolloutFileName(threadId, thread.createdAt);
}

/**
 * Writes a new rollout atomically: a temp file in the same folder, then `link` (which fails
 * when the name exists, so nothing is ever overwritten), then the temp name is removed.
 * The file's mtime is set to `mtimeMs` (Codex reads `updated_at` from it).
 *
 * @throws ConflictError when the file already exists.
 */
export async function writeNewRollout(plan: ImportPlan, options: { mtimeMs: number; fsync: boolean }): Promise<void> {
  const dir = dirname(plan.path);
  const temp = join(dir, `.import-${process.pid}-${randomBytes(6).toString("hex")}.tmp`);
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const handle = await open(temp, "wx", 0o600);
    try {
      await handle.writeFile(plan.lines.map((text) => `${text}\n`).join(""));
      if (options.fsync) await handle.sync();
    } finally {
      await handle.close();
    }
    await utimes(temp, options.mtimeMs / 1000, options.mtimeMs / 1000);
    await link(temp, plan.path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") throw new ConflictError(`cannot import: ${plan.path} already exists`);
    throw internal(`failed to write ${plan.path}`, error);
  } finally {
    await rm(temp, { force: true });
  }
}

/** The index row of an imported thread: the source's summary, at its new path. */
export function importedRow(thread: StoredThread, plan: ImportPlan): ThreadRowInput {
  return dropUndefined({
    ...thread,
    rolloutPath: plan.path,
    archived: plan.archived,
    archivedAt: plan.archived ? (thread.archivedAt ?? thread.updatedAt) : undefined,
  }) as ThreadRowInput;
}

function textOf(line: ImportLine): string {
  return line.raw ?? JSON.stringify(line.line);
}

function sameLine(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function sameId(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
