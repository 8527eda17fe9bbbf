import { diffLines } from "../model/patch.js";
import type { TranscriptEntry } from "./api.js";
import { Markdown } from "./markdown-view.js";

function Collapsed({ label, text, open = false, tone }: { label: string; text: string; open?: boolean; tone: string }) {
  return (
    <details class={`fold ${tone}`} open={open}>
      <summary>{label}</summary>
      <pre>{text}</pre>
    </details>
  );
}

function Patch({ patch }: { patch: string }) {
  return (
    <details class="fold patch" open>
      <summary>apply_patch</summary>
      <pre class="diff">
        {diffLines(patch).map((line, i) => (
          <div key={i} class={`d-${line.kind}`}>
            {line.text === "" ? " " : line.text}
          </div>
        ))}
      </pre>
    </details>
  );
}

/** One transcript entry, with a link to itself (`#m<position>`). */
export function EntryView({ entry, threadId, onFork }: { entry: TranscriptEntry; threadId: string; onFork: (position: number) => void }) {
  const anchor = `m${entry.position}`;
  const link = (
    <a class="permalink" href={`/t/${threadId}#${anchor}`} title="link to this message">
      #
    </a>
  );
  switch (entry.kind) {
    case "user":
    case "assistant":
      return (
        <article id={anchor} class={`msg ${entry.kind}`} data-position={entry.position}>
          <header>
            <span class="role">{entry.kind === "user" ? "You" : "Assistant"}</span>
            {entry.kind === "user" && entry.images > 0 && <span class="muted"> · {entry.images} image(s)</span>}
            {link}
            {entry.kind === "assistant" && (
              <button class="link fork-here" title="fork a new thread with the history up to this turn" onClick={() => onFork(entry.position)}>
                fork from here
              </button>
            )}
          </header>
          <Markdown text={entry.text} />
        </article>
      );
    case "reasoning":
      return (
        <div id={anchor} data-position={entry.position}>
          <Collapsed label="Reasoning" text={entry.text} tone="reasoning" />
        </div>
      );
    case "tool_call":
      return (
        <div id={anchor} data-position={entry.position}>
          <Collapsed label={`Tool call: ${entry.name}`} text={entry.input} tone="tool" />
        </div>
      );
    case "tool_output":
      return (
        <div id={anchor} data-position={entry.position}>
          <Collapsed label="Tool output" text={entry.output} tone="tool" />
        </div>
      );
    case "patch":
      return (
        <div id={anchor} data-position={entry.position}>
          <Patch patch={entry.patch} />
        </div>
      );
    case "tokens":
      return (
        <div id={anchor} class="tokens" data-position={entry.position}>
          tokens: {entry.input.toLocaleString()} in ({entry.cached.toLocaleString()} cached) · {entry.output.toLocaleString()} out
          {entry.reasoning > 0 && ` (${entry.reasoning.toLocaleString()} reasoning)`}
          {entry.threadTotal !== undefined && ` · thread ${entry.threadTotal.toLocaleString()}`}
        </div>
      );
    case "turn_start":
      return <hr id={anchor} class="turn" data-position={entry.position} />;
    case "turn_end":
      return entry.aborted ? (
        <div id={anchor} class="muted small" data-position={entry.position}>
          turn interrupted
        </div>
      ) : null;
    case "compacted":
      return (
        <div id={anchor} data-position={entry.position}>
          <Collapsed label="Compacted history" text={entry.text} tone="reasoning" />
        </div>
      );
    case "meta":
      return (
        <div id={anchor} class="muted small meta" data-position={entry.position}>
          session started{entry.cwd ? ` in ${entry.cwd}` : ""}
          {entry.model ? ` · ${entry.model}` : ""}
          {entry.cliVersion ? ` · v${entry.cliVersion}` : ""}
        </div>
      );
    default:
      return null;
  }
}
