import { mkdirSync, utimesSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";

/** One thread a storage test writes. */
export interface StorageThreadSpec {
  id: string;
  /** Creation time (epoch ms): the file name's date and session_meta's timestamp. */
  createdAtMs: number;
  /** File mtime (default: createdAtMs). */
  mtimeMs?: number;
  cwd?: string;
  source?: string;
  archived?: boolean;
  /** Roughly this many bytes of ordinary conversation. */
  bytes?: number;
  /** Bytes of base64 image data in one inline `data:image/png` URL. */
  imageBytes?: number;
  /** A paginated fork reading its prefix from this thread (`history_base`). */
  historyBase?: { threadId: string; endByteOffset: number };
  firstMessage?: string;
}

/** A written thread: its file and plain size. */
export interface WrittenThread {
  id: string;
  path: string;
  bytes: number;
}

const line = (ts: string, type: string, payload: unknown): string => JSON.stringify({ timestamp: ts, type, payload }) + "\n";

/**
 * Writes a rollout in Codex's format (session_meta, then user/assistant message pairs) at
 * `sessions/YYYY/MM/DD/` or `archived_sessions/`, and sets its mtime.
 */
export function writeStorageThread(home: string, spec: StorageThreadSpec): WrittenThread {
  const created = new Date(spec.createdAtMs);
  const iso = created.toISOString();
  const stamp = iso.slice(0, 19).replaceAll(":", "-");
  const name = `rollout-${stamp}-${spec.id}.jsonl`;
  const dir = spec.archived ? join(home, "archived_sessions") : join(home, "sessions", iso.slice(0, 4), iso.slice(5, 7), iso.slice(8, 10));
  mkdirSync(dir, { recursive: true });
  const meta: Record<string, unknown> = {
    id: spec.id,
    timestamp: iso,
    cwd: spec.cwd ?? "/work/project",
    originator: "codex_cli_rs",
    cli_version: "0.169.0",
    source: spec.source ?? "cli",
    model_provider: "openai",
    history_mode: spec.historyBase ? "paginated" : "legacy",
  };
  if (spec.historyBase) {
    meta["forked_from_id"] = spec.historyBase.threadId;
    meta["history_base"] = { thread_id: spec.historyBase.threadId, end_byte_offset: spec.historyBase.endByteOffset };
  }
  let text = line(iso, "session_meta", meta);
  const first = spec.firstMessage ?? `question about ${spec.id.slice(-4)}`;
  text += line(iso, "response_item", { type: "message", role: "user", content: [{ type: "input_text", text: first }] });
  text += line(iso, "event_msg", { type: "user_message", message: first, images: [], local_images: [], text_elements: [] });
  if (spec.imageBytes) {
    const data = Buffer.alloc(Math.ceil((spec.imageBytes * 3) / 4), 7).toString("base64").slice(0, spec.imageBytes);
    text += line(iso, "response_item", { type: "message", role: "user", content: [{ type: "input_image", image_url: `data:image/png;base64,${data}` }] });
  }
  let n = 0;
  while (Buffer.byteLength(text) < (spec.bytes ?? 2000)) {
    n++;
    text += line(iso, "response_item", { type: "message", role: "assistant", content: [{ type: "output_text", text: `answer ${n}: ${"lorem ipsum dolor sit amet ".repeat(8)}` }] });
  }
  const path = join(dir, name);
  writeFileSync(path, text);
  const mtime = (spec.mtimeMs ?? spec.createdAtMs) / 1000;
  utimesSync(path, mtime, mtime);
  return { id: spec.id, path, bytes: Buffer.byteLength(text) };
}

/** A thread id (UUID v7 shape) whose last digits are `n`, so tests can tell threads apart. */
export function storageThreadId(n: number): string {
  return `01900000-0000-7000-8000-${n.toString(16).padStart(12, "0")}`;
}

/** Epoch ms of a UTC date. */
export const utc = (iso: string): number => Date.parse(iso);

/** Writes a Skein writer lock held by this (live) test process, as a running writer would. */
export function holdSkeinLock(home: string, threadId: string): void {
  const dir = join(home, ".skein", "locks");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${threadId}.lock`), JSON.stringify({ pid: process.pid, hostname: hostname(), startedAtMs: Date.now(), token: "test-holder" }));
}

export const DAY_MS = 86_400_000;
