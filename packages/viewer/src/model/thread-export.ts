import type { StoredThread } from "@skein/protocol";
import { escapeHtml, renderMarkdown } from "./markdown.js";
import { diffLines } from "./patch.js";
import type { TranscriptEntry } from "./transcript.js";

/** The title a thread is shown under: its name, else its title, else its preview, else its id. */
export function threadTitle(thread: Pick<StoredThread, "threadId" | "name" | "title" | "preview">): string {
  for (const text of [thread.name, thread.title, thread.preview]) if (text !== undefined && text.trim() !== "") return text.trim();
  return thread.threadId;
}

function fence(text: string, lang = ""): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const ticks = "`".repeat(longest + 1);
  return `${ticks}${lang}\n${text}\n${ticks}`;
}

const iso = (ms: number): string => new Date(ms).toISOString();

function headerFacts(thread: StoredThread): [string, string][] {
  const facts: [string, string][] = [
    ["id", thread.threadId],
    ["cwd", thread.cwd],
    ["source", typeof thread.source === "string" ? thread.source : JSON.stringify(thread.source)],
    ["provider", thread.modelProvider],
  ];
  if (thread.model) facts.push(["model", thread.model]);
  facts.push(["created", iso(thread.createdAt)], ["updated", iso(thread.updatedAt)]);
  if (thread.forkedFromId) facts.push(["forked from", thread.forkedFromId]);
  if (thread.archived) facts.push(["archived", "yes"]);
  return facts;
}

/** A thread as Markdown: a header of facts, then each message, tool call and turn in order. */
export function threadToMarkdown(thread: StoredThread, entries: readonly TranscriptEntry[]): string {
  const out: string[] = [`# ${threadTitle(thread)}`, "", ...headerFacts(thread).map(([k, v]) => `- **${k}**: ${v}`), ""];
  for (const entry of entries) {
    switch (entry.kind) {
      case "user":
        out.push("## User", "", entry.text, "");
        break;
      case "assistant":
        out.push("## Assistant", "", entry.text, "");
        break;
      case "reasoning":
        out.push("<details><summary>Reasoning</summary>", "", fence(entry.text), "", "</details>", "");
        break;
      case "tool_call":
        out.push(`**Tool call** \`${entry.name}\``, "", fence(entry.input, "json"), "");
        break;
      case "tool_output":
        out.push("**Tool output**", "", fence(entry.output), "");
        break;
      case "patch":
        out.push(`**Patch** (\`${entry.name}\`)`, "", fence(entry.patch, "diff"), "");
        break;
      case "tokens":
        out.push(`_tokens: ${entry.input} in, ${entry.output} out${entry.threadTotal !== undefined ? `, ${entry.threadTotal} in the thread so far` : ""}_`, "");
        break;
      case "turn_start":
        out.push("---", "");
        break;
      case "compacted":
        out.push("**Compacted**", "", fence(entry.text), "");
        break;
      default:
        break;
    }
  }
  return `${out.join("\n").trimEnd()}\n`;
}

const EXPORT_CSS = `
body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1d1f23;background:#fff}
h1{font-size:1.5rem}dl{display:grid;grid-template-columns:max-content 1fr;gap:.1rem 1rem;color:#555;font-size:.9rem}
dt{font-weight:600}dd{margin:0;word-break:break-all}.msg{border-radius:8px;padding:.5rem 1rem;margin:.75rem 0}
.user{background:#eef4ff}.assistant{background:#f5f5f5}.role{font-size:.75rem;font-weight:700;text-transform:uppercase;color:#666}
pre{background:#f6f8fa;padding:.5rem;overflow:auto;white-space:pre-wrap;word-break:break-word}details{margin:.5rem 0}
summary{cursor:pointer;color:#555}.add{color:#116329;background:#e6ffec}.del{color:#82071e;background:#ffebe9}
.file{font-weight:700}.hunk{color:#6f42c1}.tokens{font-size:.8rem;color:#777}hr{border:0;border-top:1px solid #ddd;margin:1.5rem 0}
`;

function entryHtml(entry: TranscriptEntry): string {
  const anchor = `id="m${entry.position}"`;
  switch (entry.kind) {
    case "user":
    case "assistant":
      return `<div class="msg ${entry.kind}" ${anchor}><div class="role">${entry.kind}</div>${renderMarkdown(entry.text)}</div>`;
    case "reasoning":
      return `<details ${anchor}><summary>Reasoning</summary><pre>${escapeHtml(entry.text)}</pre></details>`;
    case "tool_call":
      return `<details ${anchor}><summary>Tool call <code>${escapeHtml(entry.name)}</code></summary><pre>${escapeHtml(entry.input)}</pre></details>`;
    case "tool_output":
      return `<details ${anchor}><summary>Tool output</summary><pre>${escapeHtml(entry.output)}</pre></details>`;
    case "patch":
      return `<details open ${anchor}><summary>Patch</summary><pre>${diffLines(entry.patch)
        .map((line) => `<span class="${line.kind}">${escapeHtml(line.text)}</span>`)
        .join("\n")}</pre></details>`;
    case "tokens":
      return `<div class="tokens" ${anchor}>tokens: ${entry.input} in, ${entry.output} out</div>`;
    case "turn_start":
      return `<hr ${anchor}>`;
    case "compacted":
      return `<details ${anchor}><summary>Compacted history</summary><pre>${escapeHtml(entry.text)}</pre></details>`;
    default:
      return "";
  }
}

/**
 * A thread as one self-contained HTML file: inline CSS, no script, no external resource, and a
 * Content-Security-Policy that forbids scripts even if a browser found one.
 */
export function threadToHtml(thread: StoredThread, entries: readonly TranscriptEntry[]): string {
  const title = escapeHtml(threadTitle(thread));
  const facts = headerFacts(thread)
    .map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`)
    .join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title><style>${EXPORT_CSS}</style></head>
<body><h1>${title}</h1><dl>${facts}</dl>
${entries.map(entryHtml).filter(Boolean).join("\n")}
</body></html>
`;
}
