import { readdirSync, readFileSync, statSync } from "node:fs";
import { createHash } from "node:crypto";
import { join, relative, sep } from "node:path";
import { RolloutLine } from "@skein/protocol";

/** One thread as the files of a Codex home describe it, read independently of the store. */
export interface HomeThread {
  id: string;
  path: string;
  archived: boolean;
  forkedFromId: string | null;
  source: unknown;
  lines: number;
}

/** Every rollout file of a home (active and archived), each with what its first line says. */
export function threadsOnDisk(home: string): HomeThread[] {
  const out: HomeThread[] = [];
  for (const [dir, archived] of [[join(home, "sessions"), false], [join(home, "archived_sessions"), true]] as const) {
    for (const path of walk(dir)) {
      if (!/rollout-.*\.jsonl$/.test(path)) continue;
      const lines = readFileSync(path, "utf8").split("\n").filter((line) => line.trim() !== "");
      const head = JSON.parse(lines[0]!) as { type: string; payload: Record<string, unknown> };
      out.push({
        id: String(head.payload["id"]),
        path,
        archived,
        forkedFromId: typeof head.payload["forked_from_id"] === "string" ? head.payload["forked_from_id"] : null,
        source: head.payload["source"],
        lines: lines.length,
      });
    }
  }
  return out;
}

/** Names from `session_index.jsonl`: the last entry per id wins; an empty name means none. */
export function sessionIndexNames(home: string): Map<string, string | null> {
  const names = new Map<string, string | null>();
  let text = "";
  try {
    text = readFileSync(join(home, "session_index.jsonl"), "utf8");
  } catch {
    return names;
  }
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const entry = JSON.parse(line) as { id: string; thread_name?: string };
    names.set(entry.id, entry.thread_name ? entry.thread_name : null);
  }
  return names;
}

/** The last `session_index.jsonl` entry for `id`, or undefined. */
export function lastSessionIndexEntry(home: string, id: string): { id: string; thread_name: string } | undefined {
  let text = "";
  try {
    text = readFileSync(join(home, "session_index.jsonl"), "utf8");
  } catch {
    return undefined;
  }
  const entries = text.split("\n").filter((line) => line.trim() !== "").map((line) => JSON.parse(line) as { id: string; thread_name: string });
  return entries.filter((entry) => entry.id === id).at(-1);
}

/**
 * Problems that would stop Codex from reading the home's rollouts: a line that is not a valid
 * rollout record, or a file that does not start with its `session_meta`. Empty = readable.
 */
export function codexReadProblems(home: string): string[] {
  const problems: string[] = [];
  for (const thread of threadsOnDisk(home)) {
    const lines = readFileSync(thread.path, "utf8").split("\n");
    if (lines.at(-1) !== "") problems.push(`${thread.path}: no trailing newline`);
    lines.filter((line) => line !== "").forEach((line, index) => {
      const parsed = RolloutLine.safeParse(JSON.parse(line));
      if (!parsed.success) problems.push(`${thread.path}:${index + 1}: ${parsed.error.message}`);
      if (index === 0 && parsed.success && parsed.data.type !== "session_meta") problems.push(`${thread.path}: first line is ${parsed.data.type}`);
    });
  }
  return problems;
}

/**
 * A digest of every file of a home except Skein's own index (`skein_*`): relative path →
 * sha256. Equal before and after a command = the command changed none of Codex's files
 * (rollouts, `session_index.jsonl`, Codex's databases) and moved none.
 */
export function codexFilesDigest(home: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const path of walk(home).sort()) {
    const rel = relative(home, path);
    if (rel.split(sep).some((part) => part.startsWith("skein_"))) continue;
    out[rel] = createHash("sha256").update(readFileSync(path)).digest("hex");
  }
  return out;
}

function walk(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}
