import type { z } from "zod";
import { InvalidArgumentError } from "../errors.js";

/**
 * Parses a caller's value with `schema`, turning a failure into InvalidArgumentError (never
 * a bare ZodError) whose detail lists each issue as `path: message`.
 */
export function parseArgument<S extends z.ZodType>(schema: S, value: unknown, argument: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const detail = parsed.error.issues
    .map((issue) => (issue.path.length ? `${issue.path.map(String).join(".")}: ${issue.message}` : issue.message))
    .join("; ");
  throw new InvalidArgumentError(argument, detail, { cause: parsed.error });
}
