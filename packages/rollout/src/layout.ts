import { basename, dirname, join, resolve } from "node:path";
import { isThreadId, type ThreadId } from "@skein/protocol";
import { InvalidRolloutFileNameError, InvalidThreadIdError } from "./errors.js";

// Behaviour: docs/rollout-format.md, "Where rollouts live".

/** Directory under the home that holds active rollouts in `YYYY/MM/DD` folders. */
export const SESSIONS_SUBDIR = "sessions";
/** Flat directory under the home that holds archived rollouts. */
export const ARCHIVED_SESSIONS_SUBDIR = "archived_sessions";

const NAME_RE =
  /^rollout-(\d{4})-(\d{2})-(\d{2})T(\d{2})-(\d{2})-(\d{2})-([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\.jsonl(\.zst)?$/;

export const pad = (n: number, width = 2): string => String(n).padStart(width, "0");

/** @throws InvalidThreadIdError when `threadId` is not a UUID. */
export function assertThreadId(threadId: string): asserts threadId is ThreadId {
  if (!isThreadId(threadId)) throw new InvalidThreadIdError(threadId);
}

/**
 * The file name Codex gives a thread's rollout: `rollout-YYYY-MM-DDThh-mm-ss-<uuid>.jsonl`,
 * with the creation time in the process's **local** time zone.
 * @throws InvalidThreadIdError when `threadId` is not a UUID.
 */
export function rolloutFileName(threadId: string, createdAtMs: number): string {
  assertThreadId(threadId);
  const d = new Date(createdAtMs);
  const date = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  const time = `${pad(d.getHours())}-${pad(d.getMinutes())}-${pad(d.getSeconds())}`;
  return `rollout-${date}T${time}-${threadId}.jsonl`;
}

/**
 * The active path of a new rollout: `<home>/sessions/YYYY/MM/DD/<rolloutFileName>`, dated in local time.
 * @throws InvalidThreadIdError when `threadId` is not a UUID.
 */
export function activeRolloutPath(home: string, threadId: string, createdAtMs: number): string {
  const name = rolloutFileName(threadId, createdAtMs);
  return join(resolve(home), SESSIONS_SUBDIR, name.slice(8, 12), name.slice(13, 15), name.slice(16, 18), name);
}

/** What a rollout file name encodes. */
export interface ParsedRolloutFileName {
  threadId: ThreadId;
  /** The name's timestamp read as UTC, as Codex's listing does (the name itself is local time). */
  timestampMs: number;
  /** True for a `.jsonl.zst` (compressed) name. */
  compressed: boolean;
}

/**
 * Parses a rollout file name (or a path; only the base name counts). Accepts `.jsonl` and
 * `.jsonl.zst`. Returns undefined for anything else, including an impossible date.
 */
export function parseRolloutFileName(name: string): ParsedRolloutFileName | undefined {
  // A reindex parses every file name of the home: no `Date`, and `basename` only for a path.
  const m = NAME_RE.exec(name.includes("/") || name.includes("\\") ? basename(name) : name);
  if (!m) return undefined;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  const h = Number(m[4]);
  const mi = Number(m[5]);
  const s = Number(m[6]);
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 59) return undefined;
  return { threadId: m[7]!.toLowerCase(), timestampMs: Date.UTC(y, mo - 1, d, h, mi, s), compressed: m[8] !== undefined };
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Days of month `mo` (1-12) of year `y` as `Date.UTC` reads it (years 0-99 are 1900-1999). */
function daysInMonth(y: number, mo: number): number {
  const year = y < 100 ? y + 1900 : y;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return mo === 2 && leap ? 29 : DAYS_IN_MONTH[mo - 1]!;
}

/** True when `path` lies directly in `<home>/archived_sessions`. */
export function isArchivedPath(home: string, path: string): boolean {
  return dirname(resolve(path)) === join(resolve(home), ARCHIVED_SESSIONS_SUBDIR);
}

/** Where archiving moves an active rollout: `<home>/archived_sessions/<same name>`. */
export function archivedPathFor(home: string, activePath: string): string {
  return join(resolve(home), ARCHIVED_SESSIONS_SUBDIR, basename(activePath));
}

/**
 * Where unarchiving moves an archived rollout: the dated folder spelled by its file name.
 * @throws InvalidRolloutFileNameError when the name carries no timestamp.
 */
export function unarchivedPathFor(home: string, archivedPath: string): string {
  const name = basename(archivedPath);
  if (!parseRolloutFileName(name)) throw new InvalidRolloutFileNameError(archivedPath);
  return join(resolve(home), SESSIONS_SUBDIR, name.slice(8, 12), name.slice(13, 15), name.slice(16, 18), name);
}
