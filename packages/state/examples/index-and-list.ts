import { newThreadId } from "@skein/protocol";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StateDb } from "@skein/state";

const home = mkdtempSync(join(tmpdir(), "skein-example-"));
const { db, recovered } = StateDb.openOrRecover({ path: join(home, "skein_state_1.sqlite") });
if (recovered) console.warn(`index moved aside to ${recovered.movedTo} (${recovered.reason}); reindex from JSONL`);

const threadId = newThreadId();
db.upsertThread({
  threadId,
  rolloutPath: join(home, "sessions/2025/01/02", `rollout-2025-01-02T03-04-05-${threadId}.jsonl`),
  preview: "fix the flaky parser test",
  modelProvider: "openai",
  createdAt: Date.now(),
  updatedAt: Date.now(),
  cwd: "/work/project",
  cliVersion: "0.169.0",
  source: "cli",
});
db.applyMetadataPatch(threadId, { name: "Parser fix", gitInfo: { branch: "main" } });

const page = db.listThreads({ pageSize: 20, sortKey: "recency", sortDirection: "desc", archived: false });
for (const row of page.items) console.log(row.name ?? row.preview, row.rolloutPath);
for (const hit of db.searchThreads({ term: "parser" }).items) console.log(hit.snippet);
db.close();
