#!/usr/bin/env node
// Placeholder main job until the CLI issue lands: writes a thread and reads it back.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RolloutLine, newThreadId } from "@skein/protocol";

const home = mkdtempSync(join(tmpdir(), "skein-demo-"));
const id = newThreadId();
const now = new Date().toISOString();
const lines = [
  { timestamp: now, type: "session_meta", payload: { id, timestamp: now, cwd: process.cwd(), originator: "skein", cli_version: "0.1.0", source: "exec", model_provider: "demo" } },
  { timestamp: now, type: "event_msg", payload: { type: "user_message", message: "hello skein", images: [] } },
];
const file = join(home, `rollout-${id}.jsonl`);
writeFileSync(file, lines.map((l) => JSON.stringify(l) + "\n").join(""), { mode: 0o600 });
console.log(`wrote thread ${id} to ${file}`);
for (const raw of readFileSync(file, "utf8").split("\n").filter(Boolean)) {
  const line = RolloutLine.parse(JSON.parse(raw));
  console.log(`read back: ${line.type}`);
}
