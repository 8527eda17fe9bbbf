import type { RolloutItem } from "@skein/protocol";

/** Parses a line into `{type, payload}`, or undefined when it is not JSON with a string `type`. */
export function parseItem(bytes: Buffer): Pick<RolloutItem, "type" | "payload"> | undefined {
  try {
    const value = JSON.parse(bytes.toString("utf8")) as { type?: unknown; payload?: unknown };
    if (typeof value !== "object" || value === null || typeof value.type !== "string") return undefined;
    return { type: value.type, payload: value.payload } as Pick<RolloutItem, "type" | "payload">;
  } catch {
    return undefined;
  }
}

/** Codex's snake_case git facts as our camelCase shape, dropping cleared (null) fields. */
export function gitInfoOf(git: { commit_hash?: string | null; branch?: string | null; repository_url?: string | null }): {
  sha?: string;
  branch?: string;
  originUrl?: string;
} {
  return { ...opt("sha", git.commit_hash), ...opt("branch", git.branch), ...opt("originUrl", git.repository_url) };
}

/** `{[key]: value}` when value is neither undefined nor null, else `{}` (for exactOptionalPropertyTypes). */
export function opt<K extends string, V>(key: K, value: V | null | undefined): { [P in K]?: V } {
  return (value === undefined || value === null ? {} : { [key]: value }) as { [P in K]?: V };
}
