import { readFileSync } from "node:fs";

/** The history layouts Codex 0.169.0 writes: ordinals + `item_completed` (paginated) or the older event forms. */
export type HistoryShape = "paginated" | "legacy";

/** Placeholders a compiled line template fills in. */
export type Slot = "TS" | "ORD" | "TID" | "TURN" | "USER" | "AGENT" | "CWD" | "PROVIDER";

/** A real Codex line with its variable parts cut out: literals at even, slots at odd indexes. */
export type LineTemplate = readonly string[];

/** Every line shape of one history layout, plus the parsed `session_meta` line. */
export interface ShapeTemplates {
  readonly shape: HistoryShape;
  readonly sessionMeta: Record<string, unknown> & { payload: Record<string, unknown> };
  readonly lines: Readonly<Record<string, LineTemplate>>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TEXT_SLOTS: Readonly<Record<string, Slot>> = {
  user_prompt: "USER",
  item_user: "USER",
  user_message: "USER",
  assistant: "AGENT",
  item_agent: "AGENT",
  agent_message: "AGENT",
  task_complete: "AGENT",
};

/**
 * Loads the real line shapes copied from Codex 0.169.0 fixtures (`templates/<shape>.json`,
 * made by `scripts/extract-templates.mjs`) and cuts out what varies per thread.
 */
export function loadTemplates(shape: HistoryShape): ShapeTemplates {
  const raw = JSON.parse(readFileSync(new URL(`../templates/${shape}.json`, import.meta.url), "utf8")) as Record<
    string,
    Record<string, unknown> & { payload: Record<string, unknown> }
  >;
  const sessionMeta = raw["session_meta"]!;
  const threadId = String(sessionMeta.payload["id"]);
  const cwd = String(sessionMeta.payload["cwd"]);
  const lines: Record<string, LineTemplate> = {};
  for (const [key, line] of Object.entries(raw)) {
    if (key === "session_meta") continue;
    lines[key] = compile(key, structuredClone(line), threadId, cwd);
  }
  return { shape, sessionMeta, lines };
}

function compile(key: string, line: Record<string, unknown> & { payload: Record<string, unknown> }, threadId: string, cwd: string): LineTemplate {
  line["timestamp"] = "@@TS@@";
  if ("ordinal" in line) line["ordinal"] = "@@ORD@@";
  const textSlot = TEXT_SLOTS[key];
  if (textSlot) setText(key, line.payload, `@@${textSlot}@@`);
  const threadIds = new Set([threadId]);
  for (const field of ["thread_id", "session_id"]) {
    const value = line.payload[field];
    if (typeof value === "string") threadIds.add(value);
  }
  const turnIds = new Set<string>();
  walk(line, (k, v) => {
    if ((k === "turn_id" || k === "root_turn_id") && typeof v === "string" && UUID.test(v)) turnIds.add(v);
  });
  let text = JSON.stringify(line)
    .replace('"@@ORD@@"', "@@ORD@@")
    .replace(/"model_provider(_id)?":"mock"/g, (_m, id: string | undefined) => `"model_provider${id ?? ""}":"@@PROVIDER@@"`);
  for (const id of threadIds) text = text.split(id).join("@@TID@@");
  for (const id of turnIds) text = text.split(id).join("@@TURN@@");
  text = text.split(cwd).join("@@CWD@@");
  return text.split(/@@([A-Z]+)@@/);
}

function setText(key: string, payload: Record<string, unknown>, value: string): void {
  if (key === "user_message" || key === "agent_message") payload["message"] = value;
  else if (key === "task_complete") payload["last_agent_message"] = value;
  else if (key === "item_user" || key === "item_agent") {
    ((payload["item"] as { content: Array<{ text: string }> }).content[0]!).text = value;
  } else (payload["content"] as Array<{ text: string }>)[0]!.text = value;
}

function walk(value: unknown, visit: (key: string, value: unknown) => void): void {
  if (Array.isArray(value)) for (const item of value) walk(item, visit);
  else if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      visit(k, v);
      walk(v, visit);
    }
  }
}

/** Fills a template's slots. Text slots get JSON-escaped content (without quotes). */
export function render(template: LineTemplate, values: Readonly<Partial<Record<Slot, string>>>): string {
  let out = template[0]!;
  for (let i = 1; i < template.length; i += 2) {
    out += values[template[i] as Slot] ?? "";
    out += template[i + 1]!;
  }
  return out;
}

/** JSON string content (escaped, without the surrounding quotes). */
export function jsonText(text: string): string {
  return JSON.stringify(text).slice(1, -1);
}
