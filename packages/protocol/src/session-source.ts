import { z } from "zod";

/**
 * Where a thread came from, as Codex serializes `SessionSource`: a plain string for the
 * built-in kinds (`cli`, `vscode`, `exec`, `mcp`, `unknown`, ...) or an object for
 * sub-agents and custom sources (`{"subagent": ...}`, `{"custom": "atlas"}`).
 * Unknown shapes from newer writers are accepted and kept.
 */
export const SessionSource = z.union([z.string(), z.record(z.string(), z.unknown())]);
export type SessionSource = z.infer<typeof SessionSource>;

/** Sources Codex shows in its interactive pickers by default. */
export const INTERACTIVE_SESSION_SOURCES = ["cli", "vscode"] as const;

/** A stable string for a source: the string itself, or the object's JSON. */
export function sessionSourceKey(source: SessionSource | undefined): string {
  if (source === undefined) return "unknown";
  if (typeof source === "string") return source;
  if (typeof source["custom"] === "string") return source["custom"];
  return JSON.stringify(source);
}
