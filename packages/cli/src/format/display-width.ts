// Terminal columns taken by text: what a table needs to line up cells. Not a full Unicode
// width algorithm (no grapheme clusters); it covers what thread names and paths contain:
// ASCII, accents (combining marks), CJK and emoji.

// SGR colour sequences (`ESC [ ... m`) take no room.
const ANSI_SGR = /\u001b\[[0-9;]*m/g;
const PRINTABLE_ASCII = /^[\u0020-\u007e]*$/;
// Combining marks, format characters (zero-width joiner, soft hyphen…) and variation selectors.
const ZERO_WIDTH = /^[\p{Mn}\p{Me}\p{Cf}\u{fe00}-\u{fe0f}]$/u;

/** True for code points a terminal draws two columns wide (East Asian Wide/Fullwidth, emoji). */
function isWide(code: number): boolean {
  return (
    (code >= 0x1100 && code <= 0x115f) ||
    (code >= 0x2e80 && code <= 0x303e) ||
    (code >= 0x3041 && code <= 0x33ff) ||
    (code >= 0x3400 && code <= 0x4dbf) ||
    (code >= 0x4e00 && code <= 0x9fff) ||
    (code >= 0xa000 && code <= 0xa4cf) ||
    (code >= 0xac00 && code <= 0xd7a3) ||
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0xfe30 && code <= 0xfe4f) ||
    (code >= 0xff00 && code <= 0xff60) ||
    (code >= 0xffe0 && code <= 0xffe6) ||
    (code >= 0x1f300 && code <= 0x1f64f) ||
    (code >= 0x1f900 && code <= 0x1f9ff) ||
    (code >= 0x20000 && code <= 0x3fffd)
  );
}

/**
 * The number of terminal columns `text` takes on one line: colour codes and control characters
 * count 0, combining marks 0, wide CJK characters and emoji 2, everything else 1.
 */
export function displayWidth(text: string): number {
  const plain = text.includes("\u001b") ? text.replace(ANSI_SGR, "") : text;
  if (PRINTABLE_ASCII.test(plain)) return plain.length;
  let width = 0;
  for (const char of plain) {
    const code = char.codePointAt(0) ?? 0;
    if (code < 0x20 || (code >= 0x7f && code < 0xa0) || ZERO_WIDTH.test(char)) continue;
    width += isWide(code) ? 2 : 1;
  }
  return width;
}
