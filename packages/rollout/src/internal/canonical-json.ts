// Behaviour: docs/rollout-format.md, "Appending JSON text": a text is written as-is only when it
// is exactly what `JSON.stringify` prints for the value it denotes; anything else is decided
// by `JSON.parse` (and re-printed) so both append paths write the same bytes.

/** What {@link scanCanonicalJson} found. */
export interface CanonicalScan {
  /** True when the text is `JSON.stringify(JSON.parse(text))`, character for character. */
  canonical: boolean;
  /** When canonical and the value is an object: its top-level `type` when that is a string. */
  topType: string | undefined;
}

const NOT_CANONICAL: CanonicalScan = { canonical: false, topType: undefined };
/** A control character (always escaped by `JSON.stringify`, never valid raw inside a string). */
const CONTROL = /[\u0000-\u001f]/;
const isWellFormed: (text: string) => boolean =
  typeof (String.prototype as { isWellFormed?: unknown }).isWellFormed === "function"
    ? (text) => (text as unknown as { isWellFormed(): boolean }).isWellFormed()
    : (text) => !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text);

// Char codes.
const QUOTE = 34;
const COMMA = 44;
const COLON = 58;
const MINUS = 45;
const ZERO = 48;
const NINE = 57;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;
/** Escapes `JSON.stringify` prints with a letter: `\"`, `\\`, `\b`, `\f`, `\n`, `\r`, `\t`. */
const SHORT_ESCAPES = new Set([34, 92, 98, 102, 110, 114, 116]);
/** Control characters `JSON.stringify` prints as a letter escape, never as `\u00XX`. */
const LETTER_ESCAPED_CONTROLS = new Set([8, 9, 10, 12, 13]);
const OBJECT_KEYS_LINEAR_MAX = 16;

/** Thrown inside the scan when the text is not canonical; caught by {@link scanCanonicalJson}. */
class NotCanonical {}
const NOT = new NotCanonical();

/**
 * Checks, in one pass and without building the value, that `text` is one JSON value printed as
 * `JSON.stringify` prints it: no whitespace, string escapes only where `JSON.stringify` puts
 * them, numbers in their shortest form, no duplicate or integer-like object keys (a parsed
 * object would move those). `canonical: false` means "let `JSON.parse` decide": the text may
 * still be valid JSON in another spelling. String contents are skipped with `indexOf`, so the
 * cost is in the structure, not the text.
 */
export function scanCanonicalJson(text: string): CanonicalScan {
  if (CONTROL.test(text) || !isWellFormed(text)) return NOT_CANONICAL;
  const scanner = new Scanner(text);
  try {
    const topType = scanner.topLevel();
    return { canonical: true, topType };
  } catch (error) {
    // Very deep nesting overflows the recursion: JSON.parse decides those too.
    if (error === NOT || error instanceof RangeError) return NOT_CANONICAL;
    throw error;
  }
}

class Scanner {
  readonly #text: string;
  #pos = 0;
  /** Index of the next backslash at or after the scan position; -1 when none is left. */
  #nextBackslash: number;

  constructor(text: string) {
    this.#text = text;
    this.#nextBackslash = text.indexOf("\\");
  }

  /** Scans the whole text; returns the top-level object's `type` string, if any. */
  topLevel(): string | undefined {
    const text = this.#text;
    let topType: string | undefined;
    if (text.charCodeAt(0) === OPEN_BRACE) topType = this.#object(true);
    else this.#value();
    if (this.#pos !== text.length) throw NOT;
    return topType;
  }

  #value(): void {
    const c = this.#text.charCodeAt(this.#pos);
    if (c === QUOTE) this.#string();
    else if (c === OPEN_BRACE) this.#object(false);
    else if (c === OPEN_BRACKET) this.#array();
    else if (c === MINUS || (c >= ZERO && c <= NINE)) this.#number();
    else if (this.#text.startsWith("true", this.#pos)) this.#pos += 4;
    else if (this.#text.startsWith("false", this.#pos)) this.#pos += 5;
    else if (this.#text.startsWith("null", this.#pos)) this.#pos += 4;
    else throw NOT;
  }

  /** Scans an object at `#pos`; at the top level returns its `type` when that is a string. */
  #object(top: boolean): string | undefined {
    const text = this.#text;
    this.#pos++;
    if (text.charCodeAt(this.#pos) === CLOSE_BRACE) {
      this.#pos++;
      return undefined;
    }
    let keys: string[] | Set<string> = [];
    let topType: string | undefined;
    for (;;) {
      if (text.charCodeAt(this.#pos) !== QUOTE) throw NOT;
      const keyStart = this.#pos;
      const escaped = this.#string();
      const firstKeyChar = text.charCodeAt(keyStart + 1);
      // An escaped key, or one a parsed object would order first (`"1"`): let JSON.parse decide.
      if (escaped || (firstKeyChar >= ZERO && firstKeyChar <= NINE)) throw NOT;
      const key = text.slice(keyStart + 1, this.#pos - 1);
      if (Array.isArray(keys)) {
        if (keys.includes(key)) throw NOT;
        keys.push(key);
        if (keys.length > OBJECT_KEYS_LINEAR_MAX) keys = new Set(keys);
      } else {
        if (keys.has(key)) throw NOT;
        keys.add(key);
      }
      if (text.charCodeAt(this.#pos) !== COLON) throw NOT;
      this.#pos++;
      if (top && key === "type" && text.charCodeAt(this.#pos) === QUOTE) {
        const valueStart = this.#pos;
        const valueEscaped = this.#string();
        const raw = text.slice(valueStart, this.#pos);
        topType = valueEscaped ? (JSON.parse(raw) as string) : raw.slice(1, -1);
      } else {
        this.#value();
      }
      const next = text.charCodeAt(this.#pos++);
      if (next === CLOSE_BRACE) return topType;
      if (next !== COMMA) throw NOT;
    }
  }

  #array(): void {
    const text = this.#text;
    this.#pos++;
    if (text.charCodeAt(this.#pos) === CLOSE_BRACKET) {
      this.#pos++;
      return;
    }
    for (;;) {
      this.#value();
      const next = text.charCodeAt(this.#pos++);
      if (next === CLOSE_BRACKET) return;
      if (next !== COMMA) throw NOT;
    }
  }

  /** Scans a string at `#pos` (its opening quote); returns true when it holds an escape. */
  #string(): boolean {
    const text = this.#text;
    let pos = this.#pos + 1;
    let escaped = false;
    for (;;) {
      const quote = text.indexOf('"', pos);
      if (quote === -1) throw NOT;
      if (this.#nextBackslash !== -1 && this.#nextBackslash < pos) this.#nextBackslash = text.indexOf("\\", pos);
      const backslash = this.#nextBackslash;
      if (backslash === -1 || backslash > quote) {
        this.#pos = quote + 1;
        return escaped;
      }
      escaped = true;
      pos = backslash + this.#escapeLength(backslash);
    }
  }

  /** The length of the canonical escape at `at` (a backslash). */
  #escapeLength(at: number): number {
    const text = this.#text;
    const c = text.charCodeAt(at + 1);
    if (SHORT_ESCAPES.has(c)) return 2;
    // `\u00XX` (lowercase hex) is canonical only for controls without a letter escape; a lone
    // surrogate's escape is canonical too but rare enough to leave to JSON.parse.
    if (c !== 117 || text.charCodeAt(at + 2) !== ZERO || text.charCodeAt(at + 3) !== ZERO) throw NOT;
    const hi = text.charCodeAt(at + 4);
    const lo = text.charCodeAt(at + 5);
    if (hi !== ZERO && hi !== ZERO + 1) throw NOT;
    const loValue = lo >= ZERO && lo <= NINE ? lo - ZERO : lo >= 97 && lo <= 102 ? lo - 87 : -1;
    if (loValue === -1) throw NOT;
    const code = (hi - ZERO) * 16 + loValue;
    if (LETTER_ESCAPED_CONTROLS.has(code)) throw NOT;
    return 6;
  }

  #number(): void {
    const text = this.#text;
    const start = this.#pos;
    let pos = start;
    for (;;) {
      const c = text.charCodeAt(pos);
      // Digits, sign, decimal point and exponent; validity is checked by the round trip below.
      if ((c >= ZERO && c <= NINE) || c === MINUS || c === 46 || c === 43 || c === 101 || c === 69) pos++;
      else break;
    }
    const token = text.slice(start, pos);
    // `String(Number(x))` is how JSON.stringify prints a finite number; `-0` prints as `0`.
    if (String(Number(token)) !== token) throw NOT;
    this.#pos = pos;
  }
}
