// Copies one real Codex 0.169.0 line per record shape from the shared fixtures into
// templates/<mode>.json, so the generator needs no fixtures at run time.
// Usage: node scripts/extract-templates.mjs /work/shared/fixtures/codex/examples
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const examples = process.argv[2] ?? "/work/shared/fixtures/codex/examples";
const lines = (mode, kind) =>
  readFileSync(join(examples, mode, `${kind}.jsonl`), "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
const textOf = (l) => l.payload?.content?.[0]?.text ?? "";
const pick = (mode, kind, pred = () => true) => {
  const found = lines(mode, kind).find(pred);
  if (!found) throw new Error(`no ${mode}/${kind} line matches`);
  return found;
};
const notFork = (l) => l.payload.forked_from_id === undefined;
const common = (mode) => ({
  session_meta: pick(mode, "session_meta", notFork),
  task_started: pick(mode, "event_msg.task_started"),
  developer: pick(mode, "response_item.message.developer"),
  env_context: pick(mode, "response_item.message.user", (l) => textOf(l).startsWith("<environment_context>")),
  world_state: pick(mode, "world_state", (l) => l.payload.full === true),
  turn_context: pick(mode, "turn_context"),
  thread_settings_applied: pick(mode, "event_msg.thread_settings_applied"),
  user_prompt: pick(mode, "response_item.message.user", (l) => !textOf(l).startsWith("<")),
  assistant: pick(mode, "response_item.message.assistant", (l) => !textOf(l).startsWith("Tool")),
  token_usage_record: pick(mode, "token_usage_record"),
  token_count: pick(mode, "event_msg.token_count"),
  task_complete: pick(mode, "event_msg.task_complete"),
  function_call: pick(mode, "response_item.function_call"),
  function_call_output: pick(mode, "response_item.function_call_output"),
});
const paginated = {
  ...common("paginated"),
  item_user: pick("paginated", "event_msg.item_completed.UserMessage"),
  item_agent: pick("paginated", "event_msg.item_completed.AgentMessage"),
  item_command: pick("paginated", "event_msg.item_completed.CommandExecution"),
};
const legacy = {
  ...common("legacy"),
  user_message: pick("legacy", "event_msg.user_message"),
  agent_message: pick("legacy", "event_msg.agent_message"),
};
const out = new URL("../templates/", import.meta.url);
writeFileSync(new URL("paginated.json", out), JSON.stringify(paginated, null, 1) + "\n");
writeFileSync(new URL("legacy.json", out), JSON.stringify(legacy, null, 1) + "\n");
