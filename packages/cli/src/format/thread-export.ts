import type { RolloutLine, StoredThread } from "@skein/protocol";
import type { ThreadStore } from "@skein/thread-store";
import { threadToHtml, threadToMarkdown, toTranscript, type TranscriptEntry } from "@skein/viewer";
import { toThreadDetailJson } from "./thread-json.js";

/** The formats a thread exports to (`skein show --format`, the viewer's Export links). */
export const EXPORT_FORMATS = ["markdown", "html", "json"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Lines per store page while exporting (the whole history is read, a page at a time). */
const EXPORT_PAGE = 1000;

/** Every history line of the thread, oldest first, a store page at a time. */
export async function* historyLines(store: ThreadStore, threadId: string): AsyncGenerator<{ position: number; turnId?: string; line: RolloutLine }[]> {
  let cursor: string | undefined;
  do {
    const page = await store.listItems({ threadId, includeArchived: true, sortDirection: "asc", pageSize: EXPORT_PAGE, ...(cursor !== undefined && { cursor }) });
    yield page.items;
    cursor = page.nextCursor;
  } while (cursor !== undefined);
}

/** The whole transcript of a thread (no per-entry text limit: an export is complete). */
async function fullTranscript(store: ThreadStore, threadId: string): Promise<TranscriptEntry[]> {
  const entries: TranscriptEntry[] = [];
  for await (const items of historyLines(store, threadId)) entries.push(...toTranscript(items, Number.MAX_SAFE_INTEGER));
  return entries;
}

/**
 * A thread as one document: Markdown, a self-contained HTML page (no script, no external
 * resource), or JSON (the summary as `skein show --json` prints it plus every raw history line).
 */
export async function exportThread(store: ThreadStore, thread: StoredThread, format: ExportFormat): Promise<string> {
  if (format === "json") {
    const items: RolloutLine[] = [];
    for await (const page of historyLines(store, thread.threadId)) for (const item of page) items.push(item.line);
    return `${JSON.stringify({ ...toThreadDetailJson(thread), items }, null, 2)}\n`;
  }
  const entries = await fullTranscript(store, thread.threadId);
  return format === "markdown" ? threadToMarkdown(thread, entries) : threadToHtml(thread, entries);
}

/** A file name for an exported thread: its id and the format's extension. */
export function exportFileName(thread: StoredThread, format: ExportFormat): string {
  return `${thread.threadId}.${format === "markdown" ? "md" : format}`;
}
