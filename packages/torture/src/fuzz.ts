import { writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { parseRolloutLine, readRollout } from "@skein/rollout";
import { StateDb } from "@skein/state";
import { type CursorScope, decodeCursor, encodeCursor } from "@skein/thread-store";
import { InvariantViolationError } from "./errors.js";

/** Options shared by the fuzzers. */
export interface FuzzOptions {
  /** Generated inputs (each line of a generated file counts once). */
  runs: number;
  /** fast-check seed, for replaying a failure. */
  seed?: number;
  /** A single case slower than this is a hang. Default 500 ms. */
  caseTimeBoundMs?: number;
}

/** What a fuzzer did. */
export interface FuzzReport {
  target: string;
  /** Inputs fed to the target. */
  inputs: number;
  /** Inputs the target rejected with its own typed error (or reported as a bad line). */
  rejected: number;
  maxCaseMs: number;
  durationMs: number;
  seed: number;
}

type Mutation =
  | { kind: "delete"; at: number; len: number }
  | { kind: "insert"; at: number; text: string }
  | { kind: "byte"; at: number; value: number }
  | { kind: "truncate"; at: number }
  | { kind: "duplicate"; at: number; len: number };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), len: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), text: fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom("\"", "{", "}", "\\", "\n", ",", ":", "null", "\u0000", "\ud800", "]", "[")) }),
  fc.record({ kind: fc.constant("byte" as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("duplicate" as const), at: fc.nat(), len: fc.integer({ min: 1, max: 200 }) }),
);

/** Applies byte-level mutations to a line (so invalid UTF-8 can appear). */
export function mutate(line: string, mutations: readonly Mutation[]): Buffer {
  let b = Buffer.from(line, "utf8");
  for (const m of mutations) {
    const at = b.length === 0 ? 0 : m.at % (b.length + 1);
    if (m.kind === "delete") b = Buffer.concat([b.subarray(0, at), b.subarray(at + m.len)]);
    else if (m.kind === "insert") b = Buffer.concat([b.subarray(0, at), Buffer.from(m.text, "utf8"), b.subarray(at)]);
    else if (m.kind === "byte" && b.length > 0) b[at % b.length] = m.value;
    else if (m.kind === "truncate") b = b.subarray(0, at);
    else if (m.kind === "duplicate") b = Buffer.concat([b.subarray(0, at), b.subarray(at, at + m.len), b.subarray(at)]);
  }
  return b;
}

/** Generated line bytes: mutated seed lines, random JSON records of known and unknown kinds, random bytes. */
function lineArb(seeds: readonly string[]): fc.Arbitrary<Buffer> {
  const kinds = ["session_meta", "response_item", "event_msg", "turn_context", "compacted", "unknown_kind_v9", "", "__proto__", "constructor"];
  return fc.oneof(
    { weight: 5, arbitrary: fc.tuple(fc.constantFrom(...seeds), fc.array(mutationArb, { minLength: 1, maxLength: 4 })).map(([l, ms]) => mutate(l, ms)) },
    { weight: 1, arbitrary: fc.constantFrom(...seeds).map((l) => Buffer.from(l)) },
    {
      weight: 2,
      arbitrary: fc
        .record({ timestamp: fc.oneof(fc.string(), fc.constant("2026-01-01T00:00:00.000Z"), fc.integer()), type: fc.constantFrom(...kinds), payload: fc.jsonValue({ maxDepth: 3 }), ordinal: fc.option(fc.oneof(fc.integer(), fc.double(), fc.string())) }, { requiredKeys: ["type"] })
        .map((r) => Buffer.from(JSON.stringify(r))),
    },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 120 }).map((a) => Buffer.from(a)) },
    { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 120 }).map((s) => Buffer.from(s)) },
  );
}

function timed<T>(bound: number, what: () => T, describe: () => string): { value: T; ms: number } {
  const started = performance.now();
  const value = what();
  const ms = performance.now() - started;
  if (ms > bound) throw new InvariantViolationError("no input makes the reader hang", `${ms.toFixed(0)} ms > ${bound} ms for ${describe()}`);
  return { value, ms };
}

/**
 * Fuzzes the rollout reader: `parseRolloutLine` on single generated lines, and `readRollout` on
 * generated files (several lines, mixed separators, torn ends, invalid UTF-8). Never an uncaught
 * exception (only `EmptyRolloutError` for a file with no non-blank line), never a slow case, and
 * every report is consistent: bad-line offsets increase and lie inside the file, a torn tail
 * ends exactly at the end of the file.
 * @throws InvariantViolationError, or fast-check's failure with the shrunk counterexample.
 */
export async function fuzzRolloutReader(options: FuzzOptions & { workDir: string; seedLines: readonly string[] }): Promise<FuzzReport> {
  const bound = options.caseTimeBoundMs ?? 500;
  const seed = options.seed ?? Date.now() % 2 ** 31;
  const started = performance.now();
  const report: FuzzReport = { target: "rollout reader", inputs: 0, rejected: 0, maxCaseMs: 0, durationMs: 0, seed };
  const lines = lineArb(options.seedLines);
  // Half the budget: single lines straight into the parser.
  const lineRuns = Math.ceil(options.runs / 2);
  fc.assert(
    fc.property(lines, (bytes) => {
      const raw = bytes.toString("utf8");
      const { value, ms } = timed(bound, () => parseRolloutLine(raw), () => JSON.stringify(raw.slice(0, 200)));
      report.inputs++;
      report.maxCaseMs = Math.max(report.maxCaseMs, ms);
      if ("error" in value) {
        if (typeof value.error !== "string" || value.error.length === 0) throw new InvariantViolationError("a bad line has a reason", JSON.stringify(raw.slice(0, 200)));
        report.rejected++;
      } else if (typeof value.line.type !== "string") {
        throw new InvariantViolationError("a parsed line has a type", JSON.stringify(raw.slice(0, 200)));
      }
    }),
    { numRuns: lineRuns, seed },
  );
  // The other half: lines inside files, through the streaming reader.
  const path = join(options.workDir, "fuzz.jsonl");
  const fileArb = fc.tuple(
    fc.array(fc.tuple(lines, fc.constantFrom("\n", "\n", "\n", "\r\n", "\n\n", "")), { minLength: 1, maxLength: 40 }),
    fc.boolean(),
  );
  let fileInputs = 0;
  const fileTarget = options.runs - lineRuns;
  // Files hold a varying number of lines: run batches until the line budget is used.
  for (let batch = 0; fileInputs < fileTarget; batch++) await fc.assert(
    fc.asyncProperty(fileArb, async ([parts, tornEnd]) => {
      const bytes = Buffer.concat(parts.flatMap(([l, sep], i) => (i === parts.length - 1 && tornEnd ? [l] : [l, Buffer.from(sep)])));
      writeFileSync(path, bytes);
      const t0 = performance.now();
      let read: Awaited<ReturnType<typeof readRollout>> | undefined;
      try {
        read = await readRollout(path, { maxBadLines: 1_000 });
      } catch (error) {
        if ((error as { code?: string }).code !== "empty_rollout") throw error;
      }
      const ms = performance.now() - t0;
      if (ms > bound) throw new InvariantViolationError("no input makes the reader hang", `${ms.toFixed(0)} ms for a ${bytes.length}-byte file`);
      report.maxCaseMs = Math.max(report.maxCaseMs, ms);
      fileInputs += parts.length;
      if (!read) return;
      report.rejected += read.parseErrors;
      let last = -1;
      for (const bad of read.badLines) {
        if (bad.byteOffset <= last || bad.byteOffset >= bytes.length) throw new InvariantViolationError("bad-line positions are inside the file, in order", `${bad.byteOffset} after ${last}, size ${bytes.length}`);
        last = bad.byteOffset;
      }
      if (read.tornTail && read.tornTail.byteOffset + read.tornTail.length !== bytes.length) {
        throw new InvariantViolationError("a torn tail ends at the end of the file", JSON.stringify(read.tornTail));
      }
      // `size` ends after the last non-blank line: only blank bytes may follow it.
      if (read.size > bytes.length || !/^[\s]*$/.test(bytes.subarray(read.size).toString("latin1"))) {
        throw new InvariantViolationError("the reader covers the whole file", `${read.size} of ${bytes.length}`);
      }
    }),
    { numRuns: Math.max(1, Math.ceil((fileTarget - fileInputs) / 10)), seed: seed + batch },
  );
  report.inputs += fileInputs;
  report.durationMs = Math.round(performance.now() - started);
  report.maxCaseMs = Math.round(report.maxCaseMs * 10) / 10;
  return report;
}

const SCOPES: CursorScope[] = [
  { operation: "listThreads", query: { sortKey: "created", archived: false } },
  { operation: "listThreads", query: { sortKey: "recency", archived: true } },
  { operation: "searchThreads", query: { term: "x" } },
  { operation: "listTurns", query: { threadId: "01a20000-0000-7000-8000-000000000000" } },
  { operation: "listItems", query: {} },
];

/**
 * Fuzzes the cursor decoders: thread-store's `decodeCursor` (round-trips any JSON position,
 * refuses foreign scopes and edits) and `StateDb.listThreads({ cursor })`. Every rejection
 * must be the typed error (`invalid_request` / `invalid_cursor`) with an `invalid cursor` message.
 */
export function fuzzCursorDecoder(options: FuzzOptions): FuzzReport {
  const bound = options.caseTimeBoundMs ?? 500;
  const seed = options.seed ?? Date.now() % 2 ** 31;
  const started = performance.now();
  const report: FuzzReport = { target: "cursor decoder", inputs: 0, rejected: 0, maxCaseMs: 0, durationMs: 0, seed };
  const scopeIdx = fc.integer({ min: 0, max: SCOPES.length - 1 });
  const cursorArb = fc.oneof(
    { weight: 3, arbitrary: fc.tuple(scopeIdx, fc.jsonValue({ maxDepth: 3 }), fc.array(mutationArb, { maxLength: 3 })).map(([i, p, ms]) => ({ made: i, position: p, cursor: mutate(encodeCursor(SCOPES[i]!, p), ms).toString("utf8"), mutated: ms.length > 0 })) },
    { weight: 1, arbitrary: fc.string({ maxLength: 200 }).map((s) => ({ made: -1, position: undefined, cursor: s, mutated: true })) },
    { weight: 1, arbitrary: fc.tuple(fc.string({ unit: "binary", maxLength: 60 }), fc.string({ unit: fc.constantFrom(..."0123456789abcdef"), minLength: 16, maxLength: 16 })).map(([b, h]) => ({ made: -1, position: undefined, cursor: `${Buffer.from(b).toString("base64url")}.${h}`, mutated: true })) },
  );
  const db = StateDb.open({ path: ":memory:" });
  try {
    fc.assert(
      fc.property(cursorArb, scopeIdx, fc.boolean(), (c, use, viaState) => {
        report.inputs++;
        const t0 = performance.now();
        try {
          if (viaState) {
            db.listThreads({ pageSize: 5, cursor: c.cursor });
          } else {
            const position = decodeCursor(c.cursor, SCOPES[use]!);
            if (!c.mutated && c.made === use && JSON.stringify(position) !== JSON.stringify(c.position)) {
              throw new InvariantViolationError("a cursor round-trips its position", `${JSON.stringify(c.position)} came back as ${JSON.stringify(position)}`);
            }
            if (c.made !== use && c.made !== -1 && !c.mutated && JSON.stringify(SCOPES[c.made]) !== JSON.stringify(SCOPES[use])) {
              throw new InvariantViolationError("a cursor of another query is refused", c.cursor);
            }
          }
        } catch (error) {
          const e = error as { code?: string; message?: string };
          if (error instanceof InvariantViolationError) throw error;
          const typed = (e.code === "invalid_request" || e.code === "invalid_cursor") && /invalid cursor/.test(e.message ?? "");
          if (!typed) throw new InvariantViolationError("a bad cursor is a typed error", `${String(e.code)}: ${String(e.message)} for ${JSON.stringify(c.cursor.slice(0, 120))}`);
          report.rejected++;
        }
        const ms = performance.now() - t0;
        if (ms > bound) throw new InvariantViolationError("no cursor makes the decoder hang", `${ms.toFixed(0)} ms for ${JSON.stringify(c.cursor.slice(0, 120))}`);
        report.maxCaseMs = Math.max(report.maxCaseMs, ms);
      }),
      { numRuns: options.runs, seed },
    );
  } finally {
    db.close();
  }
  report.durationMs = Math.round(performance.now() - started);
  report.maxCaseMs = Math.round(report.maxCaseMs * 10) / 10;
  return report;
}
