import DOMPurify from "dompurify";
import { renderMarkdown } from "../model/markdown.js";

/**
 * Transcript Markdown: rendered with every HTML tag of the input escaped (model/markdown.ts),
 * then sanitized by DOMPurify as a second wall, so nothing in a transcript can run.
 */
// Set once: a config passed to every sanitize call is parsed again each time.
DOMPurify.setConfig({ USE_PROFILES: { html: true }, FORBID_TAGS: ["style", "form", "input", "img"], FORBID_ATTR: ["style"] });

export function Markdown({ text }: { text: string }) {
  const html = DOMPurify.sanitize(renderMarkdown(text));
  return <div class="md" dangerouslySetInnerHTML={{ __html: html }} />;
}
