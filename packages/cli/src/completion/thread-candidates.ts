import { join } from "node:path";
import { readSessionIndex } from "@skein/rollout";
// The read-only entry points: completion loads neither zod nor the store (docs/cli-startup.md).
import { readThreadLabels } from "@skein/state/read-only";
import { SKEIN_STATE_DB_FILE } from "@skein/thread-store/read-only";

// Design: docs/cli-completion.md ("Thread candidates").

/** One completion: what is inserted, and what a shell may show next to it. */
export interface ThreadCandidate {
  value: string;
  description: string;
}

/**
 * Thread names and ids of a local home that start with `prefix`: names first (each once, newest
 * thread first), then ids. Read the lean way, so a completion on a home of 10,000 threads stays
 * instant: the SQLite index opened read-only with one query (no migration, no catch-up scan —
 * what `skein list` would bring up to date first), plus `session_index.jsonl` for names Codex set
 * since. Anything unreadable just gives fewer candidates: completion never fails loudly.
 */
export async function threadCandidates(home: string, prefix: string): Promise<ThreadCandidate[]> {
  const rows = readThreadLabels(join(home, SKEIN_STATE_DB_FILE));
  const names = new Map<string, string>();
  for (const row of rows) if (row.name) names.set(row.id, row.name);
  try {
    // Later entries win, as for every reader of the file.
    for (const [id, name] of (await readSessionIndex(home)).names) names.set(id, name);
  } catch {
    // no readable name log: the index's names are all there is
  }
  const known = new Set(rows.map((row) => row.id));
  const ids = [...rows.map((row) => row.id), ...[...names.keys()].filter((id) => !known.has(id))];
  const out: ThreadCandidate[] = [];
  const seenNames = new Set<string>();
  for (const id of ids) {
    const name = names.get(id);
    if (name === undefined || seenNames.has(name) || !name.startsWith(prefix)) continue;
    seenNames.add(name);
    out.push({ value: name, description: id });
  }
  const previews = new Map<string, string>(rows.map((row) => [row.id, row.preview]));
  for (const id of ids) {
    if (id.startsWith(prefix)) out.push({ value: id, description: oneLine(names.get(id) ?? previews.get(id) ?? "") });
  }
  return out;
}

function oneLine(text: string): string {
  const flat = text.replaceAll(/\s+/g, " ").trim();
  return flat.length > 60 ? `${flat.slice(0, 59)}…` : flat;
}
