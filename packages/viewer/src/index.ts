export { transcriptBody, toTranscript, MAX_ENTRY_TEXT, type TranscriptBody, type TranscriptEntry } from "./model/transcript.js";
export { patchOf, diffLines, type DiffLine } from "./model/patch.js";
export { renderMarkdown, escapeHtml } from "./model/markdown.js";
export { threadToMarkdown, threadToHtml, threadTitle } from "./model/thread-export.js";
