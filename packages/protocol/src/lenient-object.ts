import { z } from "zod";

// Codex reads a `session_meta` whose optional fields have unexpected types (a plain-string
// `base_instructions`, an unknown `memory_mode`) and lists the thread; one odd field must never
// hide a user's history (docs/rollout-generations.md, "Leniency"). These schemas validate the
// required fields strictly and each optional field on its own: a field that does not fit is left
// out of the typed value and kept, as written, where `unexpectedFieldsOf` finds it.

const UNEXPECTED = Symbol.for("skein.protocol.unexpectedFields");

/**
 * A loose object schema whose `required` fields must validate and whose `optional` fields are
 * each kept when valid, else set aside (see {@link unexpectedFieldsOf}). Unknown keys pass through.
 * The output keeps the input's key order.
 */
export function lenientObject<R extends z.ZodRawShape, O extends z.ZodRawShape>(required: R, optional: O) {
  const strict = z.looseObject({ ...required, ...optional });
  type Out = z.infer<typeof strict>;
  const fieldSchemas = optional as Record<string, z.core.$ZodType>;
  return z.looseObject(required).transform((raw): Out => {
    const out: Record<string, unknown> = {};
    let unexpected: Record<string, unknown> | undefined;
    for (const [key, value] of Object.entries(raw)) {
      const schema = Object.hasOwn(fieldSchemas, key) ? fieldSchemas[key] : undefined;
      if (!schema) {
        out[key] = value;
        continue;
      }
      const parsed = z.safeParse(schema, value);
      if (parsed.success) {
        if (parsed.data !== undefined || value === undefined) out[key] = parsed.data;
      } else (unexpected ??= {})[key] = value;
    }
    if (unexpected) Object.defineProperty(out, UNEXPECTED, { value: unexpected, enumerable: false });
    return out as Out;
  });
}

/**
 * The optional fields a lenient schema set aside because their value had an unexpected type or
 * enum value, exactly as written; undefined when every field fit.
 */
export function unexpectedFieldsOf(value: object): Readonly<Record<string, unknown>> | undefined {
  return (value as { [UNEXPECTED]?: Record<string, unknown> })[UNEXPECTED];
}

/** The value as written: the typed fields plus the ones set aside (for a writer copying it). */
export function asWritten<T extends object>(value: T): T & Record<string, unknown> {
  const unexpected = unexpectedFieldsOf(value);
  return (unexpected ? { ...value, ...unexpected } : { ...value }) as T & Record<string, unknown>;
}
