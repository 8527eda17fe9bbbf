/**
 * Fits text on one line of at most `width` characters: whitespace runs collapse to one space and
 * an overflow ends in `…`. `fromStart` keeps the end instead (for paths).
 */
export function truncate(text: string, width: number, fromStart = false): string {
  const flat = text.replace(/\s+/g, " ").trim();
  const chars = Array.from(flat);
  if (chars.length <= width) return flat;
  if (width <= 1) return "…".slice(0, width);
  return fromStart ? `…${chars.slice(chars.length - width + 1).join("")}` : `${chars.slice(0, width - 1).join("")}…`;
}
