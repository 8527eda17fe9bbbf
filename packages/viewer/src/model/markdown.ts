import { Marked, type Tokens } from "marked";

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** Link targets a transcript may point at; anything else (javascript:, data:, vbscript:) stays text. */
const SAFE_URL = /^(https?:|mailto:|#)/i;

/**
 * Markdown for transcripts: GitHub-flavoured, with every raw HTML tag or block shown as text
 * (a transcript's `<script>` is something someone typed, never markup to run), links only to
 * http(s)/mailto/fragments, and images as links (the page loads nothing from elsewhere).
 * The page sanitizes the result once more with DOMPurify (see docs/viewer.md, "Safety").
 */
const marked = new Marked({
  gfm: true,
  breaks: true,
  async: false,
  renderer: {
    html({ text }: Tokens.HTML | Tokens.Tag): string {
      return escapeHtml(text);
    },
    link(this: { parser: { parseInline(tokens: Tokens.Generic[]): string } }, { href, title, tokens }: Tokens.Link): string {
      const label = this.parser.parseInline(tokens);
      if (!SAFE_URL.test(href.trim())) return label;
      const titleAttr = title ? ` title="${escapeHtml(title)}"` : "";
      return `<a href="${escapeHtml(href.trim())}"${titleAttr} rel="noopener noreferrer nofollow" target="_blank">${label}</a>`;
    },
    image({ href, text }: Tokens.Image): string {
      const label = escapeHtml(text || href);
      return SAFE_URL.test(href.trim()) ? `<a href="${escapeHtml(href.trim())}" rel="noopener noreferrer nofollow" target="_blank">[image: ${label}]</a>` : `[image: ${label}]`;
    },
  },
});

/** Renders transcript Markdown to HTML in which no tag comes from the input. */
export function renderMarkdown(text: string): string {
  return marked.parse(text, { async: false }) as string;
}
