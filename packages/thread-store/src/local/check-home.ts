import { existsSync } from "node:fs";
import { readRollout, readSessionIndex, scanRolloutFiles } from "@skein/rollout";
import type { StateDb, ThreadRow } from "@skein/state";
import type { HomeCheckReport, HomeProblem } from "./types.js";
import { RolloutPathGuard } from "./home-paths.js";
import { UNREADABLE_LOCK_STALE_MS, describeHolder, inspectWriterLock, listWriterLocks } from "./writer-lock.js";

/** What {@link checkHome} needs from the store. */
export interface CheckHomeContext {
  home: string;
  db: StateDb | undefined;
  dbPath: string;
  indexUnavailableReason: string | undefined;
  /** Lock tokens held by the calling store (reported as live, not as problems). */
  ownTokens: Set<string>;
}

const REINDEX = "skein reindex";
const SYMLINK_FIX = "remove the symlink or point it inside the home";
const BYTE_POSITIONS_SHOWN = 10;

/**
 * Read-only health check of a home (the data behind `skein doctor`): every rollout is read
 * tolerantly (torn tails, unreadable lines with byte positions), the index is compared with the
 * files both ways, writer locks are classified, and the index DB is probed.
 */
export async function checkHome(ctx: CheckHomeContext): Promise<HomeCheckReport> {
  const problems: HomeProblem[] = [];
  const files = await scanRolloutFiles(ctx.home, {
    onRefused: (error) =>
      problems.push({ kind: "unreadable_file", detail: error.message, fix: SYMLINK_FIX }),
  });
  const guard = new RolloutPathGuard(ctx.home);
  const refused = new Set<string>();
  for (const file of files) {
    const state = guard.inspect(file.path);
    if (state.kind === "outside") {
      // Inside the home but outside its rollout folders (the scan only refuses links leaving the home).
      refused.add(file.path);
      problems.push({ kind: "unreadable_file", threadId: file.threadId, path: file.path, detail: `path ${file.path} resolves to ${state.realPath}, outside the sessions folders`, fix: SYMLINK_FIX });
      continue;
    }
    if (file.size === 0) {
      problems.push({
        kind: "empty_rollout", threadId: file.threadId, path: file.path,
        detail: "0-byte rollout: the thread's file was created but never written (a process killed in between); reads treat the thread as absent",
        fix: "none needed: creating the thread with this id writes into the file; or delete the empty file",
      });
      continue;
    }
    try {
      const read = await readRollout(file.path, { maxBadLines: BYTE_POSITIONS_SHOWN });
      if (read.tornTail) {
        problems.push({
          kind: "torn_tail", threadId: file.threadId, path: file.path,
          detail: `${read.tornTail.length} bytes after the last newline at byte ${read.tornTail.byteOffset}`,
          fix: "resume the thread (the torn bytes are moved to <file>.torn before the next append)",
        });
      }
      const bad = read.badLines.filter((b) => b.byteOffset !== read.tornTail?.byteOffset);
      if (bad.length > 0) {
        problems.push({
          kind: "unreadable_lines", threadId: file.threadId, path: file.path,
          detail: `${read.parseErrors - (read.tornTail && !read.tornTail.parsed ? 1 : 0)} unreadable line(s) at byte ${bad.map((b) => b.byteOffset).join(", ")}`,
          fix: "none needed: readers skip them; inspect the bytes if history looks incomplete",
        });
      }
      if (!read.meta) {
        problems.push({ kind: "unreadable_file", threadId: file.threadId, path: file.path, detail: "no valid session_meta line", fix: "inspect the file; it cannot be resumed" });
      }
    } catch (error) {
      problems.push({
        kind: "unreadable_file", threadId: file.threadId, path: file.path,
        detail: error instanceof Error ? error.message : String(error), fix: "inspect or remove the file",
      });
    }
  }
  const index = await readSessionIndex(ctx.home).catch(() => undefined);
  if (index && index.badLines > 0) {
    problems.push({ kind: "session_index_unreadable_lines", detail: `${index.badLines} unreadable line(s) in session_index.jsonl`, fix: "none needed: readers skip them" });
  }

  let indexedThreads = 0;
  if (!ctx.db) {
    if (ctx.indexUnavailableReason) {
      problems.push({ kind: "db_unavailable", path: ctx.dbPath, detail: ctx.indexUnavailableReason, fix: "the store works from files; fix SQLite, then run `skein reindex`" });
    }
  } else {
    try {
      const rows = allRows(ctx.db);
      indexedThreads = rows.length;
      const byId = new Map(rows.map((r) => [r.threadId, r]));
      const fileIds = new Map(files.map((f) => [f.threadId, f]));
      for (const row of rows) {
        if (!existsSync(row.rolloutPath)) {
          const elsewhere = fileIds.get(row.threadId);
          problems.push(elsewhere
            ? { kind: "stale_row", threadId: row.threadId, path: row.rolloutPath, detail: `index points at ${row.rolloutPath}; the file is at ${elsewhere.path}`, fix: REINDEX }
            : { kind: "missing_file", threadId: row.threadId, path: row.rolloutPath, detail: "indexed thread has no rollout file", fix: REINDEX });
        } else if (fileIds.get(row.threadId)?.archived !== undefined && fileIds.get(row.threadId)!.path === row.rolloutPath && fileIds.get(row.threadId)!.archived !== row.archived) {
          problems.push({ kind: "stale_row", threadId: row.threadId, path: row.rolloutPath, detail: "archived flag differs from the file's folder", fix: REINDEX });
        }
      }
      for (const file of files) {
        if (!byId.has(file.threadId) && file.size > 0 && !refused.has(file.path)) {
          problems.push({ kind: "unindexed_file", threadId: file.threadId, path: file.path, detail: "rollout file is not in the index", fix: REINDEX });
        }
      }
    } catch (error) {
      problems.push({ kind: "db_corrupt", path: ctx.dbPath, detail: error instanceof Error ? error.message : String(error), fix: "reopen the store: a corrupt index is moved aside and rebuilt" });
    }
  }

  const locks = listWriterLocks(ctx.home);
  for (const lock of locks) {
    const state = inspectWriterLock(lock.path);
    if (state.kind === "stale") {
      problems.push({ kind: "stale_lock", threadId: lock.threadId, path: lock.path, detail: `writer ${describeHolder(state.holder)} is gone`, fix: "none needed: the next writer takes the lock over" });
    } else if (state.kind === "live") {
      problems.push({ kind: "live_lock", threadId: lock.threadId, path: lock.path, detail: `held by ${describeHolder(state.holder)}${ctx.ownTokens.has(state.holder.token) ? " (this store)" : ""}`, fix: "none: a writer is running" });
    } else if (state.kind === "unreadable") {
      const old = state.ageMs >= UNREADABLE_LOCK_STALE_MS;
      problems.push({
        kind: "stale_lock", threadId: lock.threadId, path: lock.path, detail: state.detail,
        fix: old ? "none needed: the next writer takes an unreadable lock this old over" : "none needed if it becomes readable: it may be being written",
      });
    }
  }
  const archivedFiles = files.filter((f) => f.archived).length;
  return {
    ok: problems.every((p) => p.kind === "live_lock"),
    problems,
    counts: { files: files.length, activeFiles: files.length - archivedFiles, archivedFiles, indexedThreads, locks: locks.length },
  };
}

/** Every row of the index, both collections, empty previews included. */
function allRows(db: StateDb): ThreadRow[] {
  const rows: ThreadRow[] = [];
  for (const archived of [false, true]) {
    let cursor: string | undefined;
    do {
      const page = db.listThreads({ pageSize: 1000, archived, includeEmptyPreview: true, ...(cursor ? { cursor } : {}) });
      rows.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
  }
  return rows;
}
