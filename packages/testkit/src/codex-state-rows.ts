import Database from "better-sqlite3";
import { join } from "node:path";

/** One row of Codex's own `threads` table (`state_5.sqlite`), the columns tests compare with. */
export interface CodexThreadRow {
  readonly id: string;
  readonly rolloutPath: string;
  readonly title: string;
  readonly preview: string;
  readonly firstUserMessage: string;
  readonly tokensUsed: number;
  readonly source: string;
  readonly archived: boolean;
  readonly model: string | null;
  readonly modelProvider: string;
  readonly approvalMode: string;
  readonly sandboxPolicy: string;
  readonly cliVersion: string;
  readonly cwd: string;
  readonly name: string | null;
  readonly historyMode: string;
}

/**
 * Codex's own rows for the threads of a home, by id: what Codex itself derived from the
 * rollouts it wrote, the reference our extraction is compared with. Open a copy (e.g. from
 * `extractCodexHome`): opening a WAL database checkpoints it.
 */
export function readCodexThreadRows(home: string): Map<string, CodexThreadRow> {
  const db = new Database(join(home, "state_5.sqlite"), { fileMustExist: true });
  try {
    const rows = db
      .prepare(
        `SELECT id, rollout_path AS rolloutPath, title, preview, first_user_message AS firstUserMessage, tokens_used AS tokensUsed,
                source, archived, model, model_provider AS modelProvider, approval_mode AS approvalMode,
                sandbox_policy AS sandboxPolicy, cli_version AS cliVersion, cwd, name, history_mode AS historyMode
           FROM threads`,
      )
      .all() as Array<Omit<CodexThreadRow, "archived"> & { archived: number }>;
    return new Map(rows.map((row) => [row.id, { ...row, archived: row.archived !== 0 }]));
  } finally {
    db.close();
  }
}
