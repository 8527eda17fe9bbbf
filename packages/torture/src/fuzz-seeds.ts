import { existsSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";

/**
 * Hand-written seed lines in the Codex 0.169 shapes (one per record family, plus an unknown
 * kind), mixed into the committed example lines (packages/testkit/fixtures/examples).
 */
export const BUILTIN_SEED_LINES: readonly string[] = [
  '{"timestamp":"2026-01-01T00:00:00.000Z","type":"session_meta","payload":{"id":"01a20000-0000-7000-8000-000000000000","timestamp":"2026-01-01T00:00:00.000Z","cwd":"/w","originator":"codex_cli_rs","cli_version":"0.169.0","source":"cli","model_provider":"openai"}}',
  '{"timestamp":"2026-01-01T00:00:01.000Z","type":"event_msg","payload":{"type":"user_message","message":"list the files","images":[]}}',
  '{"timestamp":"2026-01-01T00:00:02.000Z","type":"response_item","payload":{"type":"message","role":"assistant","content":[{"type":"output_text","text":"done"}]}}',
  '{"timestamp":"2026-01-01T00:00:03.000Z","type":"response_item","payload":{"type":"function_call","name":"shell","arguments":"{\\"cmd\\":[\\"ls\\"]}","call_id":"c1"}}',
  '{"timestamp":"2026-01-01T00:00:04.000Z","type":"turn_context","payload":{"cwd":"/w","approval_policy":"never","model":"gpt-5"}}',
  '{"timestamp":"2026-01-01T00:00:05.000Z","type":"compacted","payload":{"message":"summary","replacement_history":[]}}',
  '{"timestamp":"2026-01-01T00:00:06.000Z","ordinal":7,"type":"event_msg","payload":{"type":"task_complete","turn_id":"t1"}}',
  '{"timestamp":"2026-01-01T00:00:07.000Z","type":"from_the_future","payload":{"anything":[1,{"x":null}]}}',
];

/**
 * The hand-written example lines per record kind committed in this repository
 * (`packages/testkit/fixtures/examples`), found by walking up from `start`.
 */
export function findExamplesDir(start: string = dirname(new URL(import.meta.url).pathname)): string | undefined {
  for (let dir = start; dirname(dir) !== dir; dir = dirname(dir)) {
    const candidate = join(dir, "packages", "testkit", "fixtures", "examples");
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** Every line of every `*.jsonl` under `dir` (one level of sets), capped at `max` lines. */
export function loadSeedLines(dir: string | undefined, max = 5_000): string[] {
  const out = [...BUILTIN_SEED_LINES];
  if (!dir) return out;
  for (const set of readdirSync(dir)) {
    const setDir = join(dir, set);
    let names: string[];
    try {
      names = readdirSync(setDir).filter((n) => n.endsWith(".jsonl"));
    } catch {
      continue;
    }
    for (const name of names) {
      for (const line of readFileSync(join(setDir, name), "utf8").split("\n")) {
        if (line.trim() !== "" && line.length < 200_000) out.push(line);
        if (out.length >= max) return out;
      }
    }
  }
  return out;
}
