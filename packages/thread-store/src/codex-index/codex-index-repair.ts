import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import Database from "better-sqlite3";
import { withNativeBinding } from "@skein/state";
import { checkCodexIndex, type CodexIndexProblem, type CodexIndexProblemKind } from "./codex-index-check.js";
import { CODEX_BUSY_TIMEOUT_MS, CODEX_STATE_DB_FILE, codexStateDbPath, inWriteTransaction, tableColumns, type CodexDbOptions } from "./codex-state-db.js";
import { checkThreadsShape } from "./threads-shape.js";
import { forgetProjection } from "./codex-index-sync.js";

// `skein doctor --fix` for Codex's index: a backup of Codex's database first, then every fix in
// one short transaction, each applied only if the row is still as the check read it.
// Design: docs/codex-home-sync.md.

/** Where backups of Codex's database go, relative to the home. */
export const CODEX_BACKUPS_SUBDIR = join(".skein", "codex-backups");

/** What {@link repairCodexIndex} did. */
export interface CodexRepairReport {
  /** The backup of Codex's database taken before any change (absent when nothing needed fixing). */
  readonly backupPath?: string;
  /** Problems found before the repair. */
  readonly found: readonly CodexIndexProblem[];
  /** Fixes applied, by kind. */
  readonly fixed: Readonly<Record<CodexIndexProblemKind, number>>;
  /** Fixes skipped because the row changed since it was read (Codex wrote meanwhile). */
  readonly skipped: number;
  /** Why nothing was touched, when Codex's DB is absent or of an unknown shape. */
  readonly untouched?: string;
}

const emptyCounts = (): Record<CodexIndexProblemKind, number> => ({
  "stale-path": 0,
  "archived-flag-wrong": 0,
  "row-without-file": 0,
  "name-lost": 0,
});

function backupName(now: number): string {
  return `${CODEX_STATE_DB_FILE}.${new Date(now).toISOString().replaceAll(":", "-")}.bak`;
}

/**
 * Checks Codex's index ({@link checkCodexIndex}) and repairs every problem found: re-points
 * rows at their files (a moved home included), sets the archived flag the file's place says,
 * drops rows whose file is gone (with their dependants and `thread_history_1.sqlite` rows, as
 * Codex's delete does), restores
 * names from `session_index.jsonl`. Backs Codex's database up first (SQLite's online backup,
 * so Codex may be running), into `<home>/.skein/codex-backups/`.
 */
export async function repairCodexIndex(home: string, options: CodexDbOptions & { now?: () => number } = {}): Promise<CodexRepairReport> {
  const root = resolve(home);
  const now = options.now ?? Date.now;
  const report = await checkCodexIndex(root, options);
  const fixed = emptyCounts();
  if (!report.present) return { found: [], fixed, skipped: 0, untouched: "the home has no Codex state database" };
  if (report.unknownSchema) return { found: [], fixed, skipped: 0, untouched: report.unknownSchema };
  if (report.problems.length === 0) return { found: [], fixed, skipped: 0 };

  const db = new Database(codexStateDbPath(root), withNativeBinding({ fileMustExist: true }));
  try {
    db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? CODEX_BUSY_TIMEOUT_MS}`);
    db.pragma("foreign_keys = ON");
    const shape = checkThreadsShape(db);
    if (!shape.known) return { found: report.problems, fixed, skipped: 0, untouched: shape.reason };
    const dir = join(root, CODEX_BACKUPS_SUBDIR);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const backupPath = join(dir, backupName(now()));
    await db.backup(backupPath);
    let skipped = 0;
    const deleted: string[] = [];
    const hasReceipts = tableColumns(db, "thread_read_receipts").has("thread_id");
    inWriteTransaction(db, options, () => {
      const nowS = Math.floor(now() / 1000);
      for (const problem of report.problems) {
        const fix = problem.fix;
        let changes = 0;
        if (fix.op === "repoint") {
          changes = db
            .prepare(
              `UPDATE threads SET rollout_path = ?, archived = ?,
                 archived_at = CASE WHEN ? = 1 THEN COALESCE(archived_at, ?) ELSE NULL END
               WHERE id = ? AND rollout_path = ?`,
            )
            .run(fix.rolloutPath, fix.archived ? 1 : 0, fix.archived ? 1 : 0, nowS, problem.threadId, fix.expectedPath).changes;
        } else if (fix.op === "delete") {
          changes = db.prepare("DELETE FROM threads WHERE id = ? AND rollout_path = ?").run(problem.threadId, fix.expectedPath).changes;
          if (changes > 0 && hasReceipts) db.prepare("DELETE FROM thread_read_receipts WHERE thread_id = ?").run(problem.threadId);
          if (changes > 0) deleted.push(problem.threadId);
        } else {
          changes = db.prepare("UPDATE threads SET name = ? WHERE id = ? AND name IS ?").run(fix.name, problem.threadId, fix.expectedName).changes;
        }
        if (changes > 0) fixed[problem.kind]++;
        else skipped++;
      }
    });
    // As Codex's delete: the projection rows of a thread whose row is gone go too (after the commit).
    for (const threadId of deleted) forgetProjection(root, threadId, options);
    return { backupPath, found: report.problems, fixed, skipped };
  } finally {
    db.close();
  }
}
