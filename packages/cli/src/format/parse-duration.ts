import { UsageError } from "../errors.js";

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/** `30d`, `12h`, `2w`, `90m`, `0` → milliseconds. @throws UsageError naming the option. */
export function parseDuration(option: string, text: string): number {
  const match = /^(\d+(?:\.\d+)?)([smhdw])?$/.exec(text.trim());
  if (!match) throw new UsageError(`${option} expects a duration like 7d, 12h, 2w or 30m, not "${text}"`);
  const value = Number(match[1]);
  if (match[2] === undefined && value !== 0) throw new UsageError(`${option} needs a unit (s, m, h, d, w): "${text}"`);
  return Math.round(value * (UNITS[match[2] ?? "s"] ?? 0));
}

/** `10M`, `1.5G`, `500k`, `2048` (bytes) → bytes. @throws UsageError naming the option. */
export function parseSize(option: string, text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([kmgt])?i?b?$/i.exec(text.trim());
  if (!match) throw new UsageError(`${option} expects a size like 10M, 1.5G or 500k, not "${text}"`);
  const power = " kmgt".indexOf((match[2] ?? " ").toLowerCase());
  return Math.round(Number(match[1]) * 1024 ** power);
}
