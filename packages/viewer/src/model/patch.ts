const BEGIN = "*** Begin Patch";
const END = "*** End Patch";

/** Every string inside a JSON value (arguments are often JSON with the patch in one field). */
function stringsOf(value: unknown, out: string[] = []): string[] {
  if (typeof value === "string") out.push(value);
  else if (Array.isArray(value)) for (const item of value) stringsOf(item, out);
  else if (typeof value === "object" && value !== null) for (const item of Object.values(value)) stringsOf(item, out);
  return out;
}

/** The `*** Begin Patch … *** End Patch` block in `text`, if it holds one. */
function patchBlock(text: string): string | undefined {
  const start = text.indexOf(BEGIN);
  if (start < 0) return undefined;
  const end = text.indexOf(END, start);
  return end < 0 ? text.slice(start) : text.slice(start, end + END.length);
}

/**
 * The patch of an `apply_patch` edit, however the call carried it: the raw input of the
 * `apply_patch` custom tool, a JSON `{input}` argument, or a shell command running
 * `apply_patch` with the patch as an argument or heredoc. Undefined for any other call.
 */
export function patchOf(name: string, input: string, action?: unknown): string | undefined {
  const looksJson = /^\s*[[{]/.test(input);
  let parsed: unknown = action;
  if (looksJson) {
    try {
      parsed = JSON.parse(input);
    } catch {
      // Not JSON after all: read it as raw text below.
    }
  }
  if (parsed === action) {
    const direct = patchBlock(input);
    if (direct !== undefined && (name === "apply_patch" || /\bapply_patch\b/.test(input))) return direct;
  }
  const all = stringsOf(parsed);
  if (name !== "apply_patch" && !all.some((text) => /\bapply_patch\b/.test(text))) return undefined;
  for (const text of all) {
    const block = patchBlock(text);
    if (block !== undefined) return block;
  }
  return undefined;
}

/** A line of a patch as a diff shows it. */
export interface DiffLine {
  kind: "file" | "hunk" | "add" | "del" | "context" | "marker";
  text: string;
}

/** Classifies each line of an `apply_patch` patch for display. */
export function diffLines(patch: string): DiffLine[] {
  return patch.split("\n").map((text): DiffLine => {
    if (text.startsWith("*** Begin Patch") || text.startsWith("*** End Patch") || text.startsWith("*** End of File")) return { kind: "marker", text };
    if (text.startsWith("*** ")) return { kind: "file", text };
    if (text.startsWith("@@")) return { kind: "hunk", text };
    if (text.startsWith("+")) return { kind: "add", text };
    if (text.startsWith("-")) return { kind: "del", text };
    return { kind: "context", text };
  });
}
