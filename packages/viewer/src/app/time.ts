const UNITS: [number, string][] = [
  [365 * 24 * 3600_000, "y"],
  [30 * 24 * 3600_000, "mo"],
  [7 * 24 * 3600_000, "w"],
  [24 * 3600_000, "d"],
  [3600_000, "h"],
  [60_000, "m"],
];

/** "3h ago", "just now": how long before `now` an ISO time was. */
export function relativeTime(iso: string | null, now = Date.now()): string {
  if (iso === null) return "";
  const ms = now - Date.parse(iso);
  if (!Number.isFinite(ms)) return "";
  if (ms < 60_000) return "just now";
  for (const [size, unit] of UNITS) if (ms >= size) return `${Math.floor(ms / size)}${unit} ago`;
  return "just now";
}

/** The last folder of a path, for a compact project label. */
export function projectOf(cwd: string | null): string {
  if (!cwd) return "";
  const parts = cwd.split(/[\\/]/).filter(Boolean);
  return parts.at(-1) ?? cwd;
}

/** A source as text (`cli`, `vscode`, or the sub-agent kind). */
export function sourceLabel(source: unknown): string {
  if (typeof source === "string") return source;
  if (typeof source === "object" && source !== null) return Object.keys(source)[0] ?? "other";
  return "";
}
