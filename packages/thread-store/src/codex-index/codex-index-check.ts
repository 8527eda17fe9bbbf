import { existsSync } from "node:fs";
import { isAbsolute, relative, resolve, sep } from "node:path";
import { readSessionIndex, scanHome } from "@skein/rollout";
import { CODEX_STATE_DB_FILE, codexStateDbPath, hasCodexStateDb, withCodexDb, type CodexDbOptions } from "./codex-state-db.js";

// `skein doctor` for Codex's view of a home: compares Codex's `threads` rows with the rollout
// files and the name log, and names each disagreement with what it does to a Codex user.
// Read-only. Design: docs/codex-home-sync.md.

/** One kind of disagreement between Codex's index and the home. */
export type CodexIndexProblemKind =
  /** The row points at a path where the file no longer is (moved inside the home, or the whole home moved). */
  | "stale-path"
  /** The file is in the other collection than the row's archived flag says. */
  | "archived-flag-wrong"
  /** The row's file is nowhere in the home. */
  | "row-without-file"
  /** The name log names a paginated thread differently from Codex's row. */
  | "name-lost";

/** One disagreement, with the change `--fix` would make. */
export interface CodexIndexProblem {
  readonly kind: CodexIndexProblemKind;
  readonly threadId: string;
  /** What is wrong, with the values involved. */
  readonly detail: string;
  /** What a Codex user sees because of it. */
  readonly effect: string;
  /** The repair, applied by `repairCodexIndex` only if the row is still as it was read. */
  readonly fix: CodexRowFix;
}

/** A row change, applied only if the row still holds the expected value (path or name). */
export type CodexRowFix =
  | { readonly op: "repoint"; readonly expectedPath: string; readonly rolloutPath: string; readonly archived: boolean }
  | { readonly op: "delete"; readonly expectedPath: string }
  | { readonly op: "rename"; readonly expectedName: string | null; readonly name: string };

/** What {@link checkCodexIndex} found. */
export interface CodexIndexReport {
  /** Absolute path of Codex's state DB. */
  readonly dbPath: string;
  /** False when the home has no Codex state DB (nothing else is filled then). */
  readonly present: boolean;
  /** Why the `threads` table was left alone, when its shape is unknown. */
  readonly unknownSchema?: string;
  /** Rows in Codex's `threads` table. */
  readonly rows: number;
  readonly problems: CodexIndexProblem[];
  /** Rollout files Codex has no row for (Codex indexes them itself on its next scan; not a problem). */
  readonly notIndexed: number;
  /** When rows point into another folder that looks like this home moved: that folder. */
  readonly movedFrom?: string;
}

interface CodexRow {
  id: string;
  rollout_path: string;
  archived: number;
  name: string | null;
  history_mode: string;
}

const isInside = (parent: string, child: string): boolean => {
  const rel = relative(parent, child);
  return rel !== "" && !rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel);
};

/** The folder a row path was recorded under when the home moved: the part before `sessions/` or `archived_sessions/`. */
function formerHome(path: string): string | undefined {
  const m = /^(.*?)[\\/](?:sessions[\\/]\d{4}[\\/]\d{2}[\\/]\d{2}|archived_sessions)[\\/][^\\/]+$/.exec(path);
  return m?.[1];
}

/** Reads Codex's index and the home and lists their disagreements. Never writes. */
export async function checkCodexIndex(home: string, options: CodexDbOptions = {}): Promise<CodexIndexReport> {
  const root = resolve(home);
  const dbPath = codexStateDbPath(root);
  if (!hasCodexStateDb(root)) return { dbPath, present: false, rows: 0, problems: [], notIndexed: 0 };
  const read = withCodexDb(root, options, ({ db, shape }) => {
    if (!shape.known) return { unknown: shape.reason } as const;
    return { rows: db.prepare("SELECT id, rollout_path, archived, name, history_mode FROM threads").all() as CodexRow[] } as const;
  });
  if ("unknown" in read) return { dbPath, present: true, unknownSchema: read.unknown, rows: 0, problems: [], notIndexed: 0 };

  const files = new Map<string, { path: string; archived: boolean }>();
  for (const f of scanHome(root).files) {
    const id = f.threadId.toLowerCase();
    if (!files.has(id) || !f.compressed) files.set(id, { path: f.path, archived: f.archived });
  }
  const names = (await readSessionIndex(root)).names;
  const problems: CodexIndexProblem[] = [];
  const formerHomes = new Map<string, number>();
  const indexed = new Set<string>();
  for (const row of read.rows) {
    const id = row.id.toLowerCase();
    indexed.add(id);
    const file = files.get(id);
    const rowArchived = row.archived !== 0;
    if (!file) {
      if (existsSync(row.rollout_path)) continue; // a file Codex keeps elsewhere: not ours to judge
      problems.push({
        kind: "row-without-file",
        threadId: row.id,
        detail: `Codex's row points at ${row.rollout_path}, and no rollout of this thread is in the home`,
        effect: "Codex still lists the thread, but opening or resuming it fails (its file was deleted)",
        fix: { op: "delete", expectedPath: row.rollout_path },
      });
      continue;
    }
    if (file.path !== row.rollout_path || file.archived !== rowArchived) {
      const elsewhere = !isInside(root, row.rollout_path);
      const former = elsewhere ? formerHome(row.rollout_path) : undefined;
      if (former) formerHomes.set(former, (formerHomes.get(former) ?? 0) + 1);
      const fix: CodexRowFix = { op: "repoint", expectedPath: row.rollout_path, rolloutPath: file.path, archived: file.archived };
      if (file.archived !== rowArchived) {
        problems.push({
          kind: "archived-flag-wrong",
          threadId: row.id,
          detail: `the file is ${file.archived ? "archived" : "active"} (${file.path}); Codex's row says ${rowArchived ? "archived" : "active"} at ${row.rollout_path}`,
          effect: file.archived
            ? "the thread is missing from Codex's picker and from its archived list, and Codex's unarchive fails"
            : "Codex lists an active thread as archived, and Codex's archive of it fails",
          fix,
        });
      } else {
        problems.push({
          kind: "stale-path",
          threadId: row.id,
          detail: `Codex's row points at ${row.rollout_path}; the file is at ${file.path}${elsewhere ? " (the row names another home)" : ""}`,
          effect: elsewhere
            ? "the home was moved or restored: Codex lists nothing from the old rows and cannot open them (missing source rollout)"
            : "Codex cannot open or resume the thread (missing source rollout)",
          fix,
        });
      }
    }
    const logged = names.get(row.id) ?? names.get(id);
    if (row.history_mode === "paginated" && logged !== undefined && logged !== row.name) {
      problems.push({
        kind: "name-lost",
        threadId: row.id,
        detail: `session_index.jsonl names it ${JSON.stringify(logged)}; Codex's row has ${row.name === null ? "no name" : JSON.stringify(row.name)}`,
        effect: `Codex's picker shows ${row.name === null ? "no name" : JSON.stringify(row.name)} for it`,
        fix: { op: "rename", expectedName: row.name, name: logged },
      });
    }
  }
  let notIndexed = 0;
  for (const id of files.keys()) if (!indexed.has(id)) notIndexed++;
  const movedFrom = [...formerHomes.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
  return { dbPath, present: true, rows: read.rows.length, problems, notIndexed, ...(movedFrom ? { movedFrom } : {}) };
}

export { CODEX_STATE_DB_FILE };
