import { mkdirSync, utimesSync, writeFileSync, createWriteStream } from "node:fs";
import { dirname, join } from "node:path";
import { once } from "node:events";
import { activeRolloutPath, SESSION_INDEX_FILE } from "@skein/rollout";
import { AGENT, FILLER, OBJECTS, VERBS } from "./internal/words.js";
import { createRng, type Rng } from "./rng.js";
import { jsonText, loadTemplates, render, type HistoryShape, type ShapeTemplates, type Slot } from "./templates.js";

/** Options of {@link generateHome}. */
export interface GenerateHomeOptions {
  /** The home to write into (`sessions/…`, `session_index.jsonl`); created when missing. */
  home: string;
  /** Number of rollout files. */
  threads: number;
  /** Same seed, same bytes. Default 42. */
  seed?: number;
  /** Mean rollout size in bytes. Default 44,000 (a real home's average). */
  meanBytes?: number;
  /** Share of legacy-history rollouts (the rest are paginated). Default 0.3. */
  legacyShare?: number;
  /** Share of paginated threads that are forks of an earlier thread. Default 0.05. */
  forkShare?: number;
  /** Share of threads with a name in `session_index.jsonl`. Default 0.15. */
  nameShare?: number;
  /** Creation time of the oldest thread (epoch ms). Default 2025-09-01T00:00:00Z. */
  startMs?: number;
  /** Time span the threads are spread over. Default 90 days. */
  spanMs?: number;
}

/** One generated rollout. */
export interface GeneratedThread {
  threadId: string;
  path: string;
  shape: HistoryShape;
  createdAtMs: number;
  updatedAtMs: number;
  bytes: number;
  /** Next ordinal after the last line (paginated), or line count (legacy). */
  nextOrdinal: number;
  cwd: string;
  source: string;
  firstUserMessage: string;
  forkedFromId?: string;
  name?: string;
}

/** What {@link generateHome} wrote. */
export interface GeneratedHome {
  home: string;
  threads: GeneratedThread[];
  /** Total rollout bytes. */
  bytes: number;
}

const DEFAULT_START_MS = Date.UTC(2025, 8, 1);
const DAY_MS = 86_400_000;
const SOURCES = ["cli", "cli", "vscode", "exec"] as const;
const CWDS = ["/home/dev/projects/api", "/home/dev/projects/web", "/home/dev/src/skein", "/work/monorepo", "/home/dev/scratch"];

/** A deterministic UUIDv7 for `ms` (the random bits come from `rng`). */
export function uuidV7(ms: number, rng: Rng): string {
  const h = ms.toString(16).padStart(12, "0");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-7${rng.hex(3)}-${"89ab"[rng.int(4)]}${rng.hex(3)}-${rng.hex(12)}`;
}

/** A user prompt of 20 to ~400 characters. */
export function userText(rng: Rng): string {
  let text = `${rng.pick(VERBS)} ${rng.pick(OBJECTS)}`;
  const extra = rng.int(5);
  for (let i = 0; i < extra; i++) text += `, ${rng.pick(FILLER)}`;
  return text;
}

function agentText(rng: Rng, sentences: number): string {
  const parts: string[] = [];
  for (let i = 0; i < sentences; i++) parts.push(rng.pick(AGENT));
  return parts.join(" ");
}

/** Builds one rollout's lines in memory, advancing a per-thread clock and ordinal. */
class RolloutBuilder {
  readonly lines: string[] = [];
  bytes = 0;
  ordinal: number;
  clockMs: number;
  firstUserMessage = "";
  readonly #t: ShapeTemplates;
  readonly #rng: Rng;
  readonly #values: Partial<Record<Slot, string>>;

  constructor(t: ShapeTemplates, rng: Rng, threadId: string, cwd: string, createdAtMs: number, firstOrdinal: number) {
    this.#t = t;
    this.#rng = rng;
    this.ordinal = firstOrdinal;
    this.clockMs = createdAtMs;
    this.#values = { TID: threadId, CWD: jsonText(cwd), PROVIDER: "openai" };
  }

  push(line: string): void {
    this.lines.push(line);
    this.bytes += Buffer.byteLength(line) + 1;
    this.ordinal++;
  }

  #line(key: string): void {
    const template = this.#t.lines[key];
    if (!template) return; // a shape without this record kind (legacy has no item_command)
    this.clockMs += this.#rng.between(2, 300);
    this.#values.TS = new Date(this.clockMs).toISOString();
    this.#values.ORD = String(this.ordinal);
    this.push(render(template, this.#values));
  }

  turn(kind: "first" | "followup" | "fork"): void {
    const rng = this.#rng;
    const paginated = this.#t.shape === "paginated";
    const user = userText(rng);
    if (!this.firstUserMessage) this.firstUserMessage = user;
    this.#values.TURN = uuidV7(this.clockMs, rng);
    this.#values.USER = jsonText(user);
    this.#values.AGENT = jsonText(agentText(rng, rng.between(1, 8)));
    if (kind === "first") {
      for (const key of ["task_started", "developer", "env_context", "world_state", "turn_context"]) this.#line(key);
      if (paginated) this.#line("thread_settings_applied");
    } else {
      this.#line("thread_settings_applied");
      if (kind === "fork") this.#line("thread_settings_applied");
      this.#line("task_started");
      this.#line("turn_context");
    }
    this.#line("user_prompt");
    this.#line(paginated ? "item_user" : "user_message");
    if (kind === "followup" && rng.chance(0.5)) {
      for (const key of ["function_call", "token_usage_record", "item_command", "function_call_output", "token_count"]) this.#line(key);
    }
    this.#line(paginated ? "item_agent" : "agent_message");
    for (const key of ["assistant", "token_usage_record", "token_count", "task_complete"]) this.#line(key);
    this.clockMs += rng.between(1_000, 900_000);
  }
}

function sessionMetaLine(
  t: ShapeTemplates,
  fields: { threadId: string; createdAtMs: number; cwd: string; source: string; rng: Rng; ordinal: number; fork?: { parent: GeneratedThread } },
): string {
  const src = t.sessionMeta.payload;
  const payload: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(src)) {
    if (key === "session_id" || key === "id") payload[key] = fields.threadId;
    else if (key === "timestamp") {
      if (fields.fork) {
        payload["forked_from_id"] = fields.fork.parent.threadId;
        payload["forked_from_ordinal_exclusive"] = fields.fork.parent.nextOrdinal;
      }
      payload[key] = new Date(fields.createdAtMs).toISOString();
    } else if (key === "cwd") payload[key] = fields.cwd;
    else if (key === "runtime_workspace_roots") payload[key] = [fields.cwd];
    else if (key === "originator") payload[key] = fields.source === "exec" ? "codex_exec" : fields.source === "vscode" ? "codex_vscode" : "codex_cli_rs";
    else if (key === "source") payload[key] = fields.source;
    else if (key === "thread_source") {
      if (fields.source !== "vscode") payload[key] = value;
    } else if (key === "model_provider") payload[key] = "openai";
    else if (key === "context_window") payload[key] = { window_id: uuidV7(fields.createdAtMs, fields.rng) };
    else if (key === "history_mode") {
      payload[key] = value;
      if (fields.fork) {
        payload["history_base"] = {
          thread_id: fields.fork.parent.threadId,
          end_ordinal_exclusive: fields.fork.parent.nextOrdinal,
          end_byte_offset: fields.fork.parent.bytes,
        };
        payload["multi_agent_version"] = "v1";
      }
    } else payload[key] = value;
  }
  if (payload["source"] === undefined) payload["source"] = fields.source;
  const envelope: Record<string, unknown> = { timestamp: new Date(fields.createdAtMs).toISOString() };
  if ("ordinal" in t.sessionMeta) envelope["ordinal"] = fields.ordinal;
  envelope["type"] = "session_meta";
  envelope["payload"] = payload;
  return JSON.stringify(envelope);
}

/**
 * Writes a synthetic Codex 0.169.0 home: `threads` rollouts built from real line shapes
 * (paginated and legacy), with user messages, tool calls, some forks (`history_base` into an
 * earlier thread) and names in `session_index.jsonl`. Each file's mtime is its last line's time.
 * Deterministic: the same options write the same bytes.
 */
export function generateHome(options: GenerateHomeOptions): GeneratedHome {
  const rng = createRng(options.seed ?? 42);
  const templates = { paginated: loadTemplates("paginated"), legacy: loadTemplates("legacy") };
  const meanBytes = options.meanBytes ?? 44_000;
  const legacyShare = options.legacyShare ?? 0.3;
  const forkShare = options.forkShare ?? 0.05;
  const nameShare = options.nameShare ?? 0.15;
  const startMs = options.startMs ?? DEFAULT_START_MS;
  const spanMs = options.spanMs ?? 90 * DAY_MS;
  const threads: GeneratedThread[] = [];
  const paginatedDone: GeneratedThread[] = [];
  const names: string[] = [];
  const dirs = new Set<string>();
  let total = 0;
  for (let i = 0; i < options.threads; i++) {
    const createdAtMs = startMs + Math.floor((spanMs * i) / Math.max(1, options.threads)) + rng.int(60_000);
    const threadId = uuidV7(createdAtMs, rng);
    const shape: HistoryShape = rng.chance(legacyShare) ? "legacy" : "paginated";
    const parent = shape === "paginated" && paginatedDone.length > 0 && rng.chance(forkShare) ? rng.pick(paginatedDone) : undefined;
    const cwd = parent?.cwd ?? rng.pick(CWDS);
    const source = rng.pick(SOURCES);
    const t = templates[shape];
    const firstOrdinal = parent ? parent.nextOrdinal : 0;
    const b = new RolloutBuilder(t, rng, threadId, cwd, createdAtMs, firstOrdinal);
    b.push(sessionMetaLine(t, { threadId, createdAtMs, cwd, source, rng, ordinal: firstOrdinal, ...(parent ? { fork: { parent } } : {}) }));
    b.turn(parent ? "fork" : "first");
    // Sizes spread like a real home: most threads short, a long tail of long ones.
    const target = b.bytes + Math.max(0, -Math.log(1 - rng.next()) * Math.max(0, meanBytes - b.bytes - 4_500));
    while (b.bytes < target) b.turn("followup");
    const path = activeRolloutPath(options.home, threadId, createdAtMs);
    const dir = dirname(path);
    if (!dirs.has(dir)) {
      mkdirSync(dir, { recursive: true });
      dirs.add(dir);
    }
    writeFileSync(path, b.lines.join("\n") + "\n");
    const updatedAtMs = b.clockMs;
    utimesSync(path, updatedAtMs / 1000, updatedAtMs / 1000);
    const thread: GeneratedThread = {
      threadId,
      path,
      shape,
      createdAtMs,
      updatedAtMs,
      bytes: b.bytes,
      nextOrdinal: shape === "paginated" ? b.ordinal : b.lines.length,
      cwd,
      source,
      firstUserMessage: b.firstUserMessage,
      ...(parent ? { forkedFromId: parent.threadId } : {}),
    };
    if (rng.chance(nameShare)) {
      thread.name = `${rng.pick(VERBS)} ${rng.pick(OBJECTS)} #${i}`;
      names.push(JSON.stringify({ id: threadId, thread_name: thread.name, updated_at: new Date(updatedAtMs).toISOString() }));
    }
    if (shape === "paginated" && !parent) paginatedDone.push(thread);
    threads.push(thread);
    total += b.bytes;
  }
  mkdirSync(options.home, { recursive: true });
  writeFileSync(join(options.home, SESSION_INDEX_FILE), names.length ? names.join("\n") + "\n" : "");
  return { home: options.home, threads, bytes: total };
}

/** Options of {@link generateLargeRollout}. */
export interface GenerateLargeRolloutOptions {
  home: string;
  /** Approximate file size in bytes (the last turn is completed, so it ends a little past this). */
  bytes: number;
  seed?: number;
  shape?: HistoryShape;
}

/**
 * Streams one very long rollout (one thread, many turns) into `home`, for load and paging
 * benchmarks. Memory stays flat: turns are written as they are built.
 */
export async function generateLargeRollout(options: GenerateLargeRolloutOptions): Promise<GeneratedThread> {
  const rng = createRng(options.seed ?? 7);
  const shape = options.shape ?? "paginated";
  const t = loadTemplates(shape);
  const createdAtMs = DEFAULT_START_MS;
  const threadId = uuidV7(createdAtMs, rng);
  const cwd = CWDS[0]!;
  const path = activeRolloutPath(options.home, threadId, createdAtMs);
  mkdirSync(dirname(path), { recursive: true });
  const out = createWriteStream(path);
  const b = new RolloutBuilder(t, rng, threadId, cwd, createdAtMs, 0);
  b.push(sessionMetaLine(t, { threadId, createdAtMs, cwd, source: "cli", rng, ordinal: 0 }));
  b.turn("first");
  let written = 0;
  let lineCount = 0;
  const flush = async (): Promise<void> => {
    const chunk = b.lines.join("\n") + "\n";
    lineCount += b.lines.length;
    b.lines.length = 0;
    written += Buffer.byteLength(chunk);
    if (!out.write(chunk)) await once(out, "drain");
  };
  await flush();
  while (written < options.bytes) {
    for (let i = 0; i < 50; i++) b.turn("followup");
    await flush();
  }
  out.end();
  await once(out, "finish");
  utimesSync(path, b.clockMs / 1000, b.clockMs / 1000);
  return {
    threadId,
    path,
    shape,
    createdAtMs,
    updatedAtMs: b.clockMs,
    bytes: written,
    nextOrdinal: shape === "paginated" ? b.ordinal : lineCount,
    cwd,
    source: "cli",
    firstUserMessage: b.firstUserMessage,
  };
}
