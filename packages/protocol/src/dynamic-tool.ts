import { z } from "zod";

/**
 * A tool the application defines at thread start and the model may call.
 * Stored in `session_meta.dynamic_tools`. Codex 0.169 writes `{type:"function", name,
 * description, inputSchema}`; older specs used snake_case `input_schema`: both are read.
 */
export const DynamicToolSpec = z.looseObject({
  type: z.string().optional(),
  namespace: z.string().nullish(),
  name: z.string().min(1),
  description: z.string(),
  inputSchema: z.unknown().optional(),
  input_schema: z.unknown().optional(),
  defer_loading: z.boolean().optional(),
});
export type DynamicToolSpec = z.infer<typeof DynamicToolSpec>;

/** The JSON schema of a tool's input, whichever key spelling the writer used. */
export function dynamicToolInputSchema(tool: DynamicToolSpec): unknown {
  return tool.inputSchema ?? tool.input_schema ?? { type: "object", properties: {} };
}

/** A tool in the form Codex 0.169 writes into `session_meta` (what Codex reads back). */
export function toCodexDynamicTool(tool: DynamicToolSpec): DynamicToolSpec {
  const { input_schema: _legacy, inputSchema: _schema, ...rest } = tool;
  return { type: "function", ...rest, inputSchema: dynamicToolInputSchema(tool) };
}
