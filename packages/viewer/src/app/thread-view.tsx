import { useCallback, useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { api, type ThreadDetail, type ThreadSummary, type TranscriptEntry } from "./api.js";
import { EntryView } from "./entry-view.js";
import { navigate } from "./router.js";
import { projectOf, relativeTime, sourceLabel } from "./time.js";

const POLL_MS = 1500;
/**
 * A thread opened at its end first draws only its newest entries (enough to fill a screen),
 * then the rest of the page after that frame: the first look waits for a dozen entries'
 * Markdown, not a hundred (docs/viewer.md, "Speed").
 */
const FIRST_FRAME_ENTRIES = 12;

function ThreadLink({ id, label }: { id: string; label: string }) {
  return (
    <a href={`/t/${id}`} onClick={(e) => (e.preventDefault(), navigate(`/t/${id}`))}>
      {label}
    </a>
  );
}

/** Rename, archive/unarchive, fork, delete (confirmed) and export, all through the server's store. */
function Actions({ detail, onChanged, onFork }: { detail: ThreadDetail; onChanged: () => void; onFork: (position: number | null) => void }) {
  const { thread } = detail;
  const [renaming, setRenaming] = useState(false);
  const [name, setName] = useState(thread.name ?? "");
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = (action: () => Promise<unknown>, after = onChanged) => action().then(after, (e: Error) => setError(e.message));
  return (
    <div class="actions">
      {renaming ? (
        <form
          class="inline"
          onSubmit={(e) => {
            e.preventDefault();
            run(() => api.rename(thread.id, name), () => (setRenaming(false), onChanged()));
          }}
        >
          <input id="rename-input" value={name} onInput={(e) => setName(e.currentTarget.value)} autoFocus />
          <button type="submit" id="rename-save">Save</button>
          <button type="button" onClick={() => setRenaming(false)}>Cancel</button>
        </form>
      ) : (
        <button id="rename" onClick={() => (setName(thread.name ?? ""), setRenaming(true))}>Rename</button>
      )}
      {thread.archived ? (
        <button id="unarchive" onClick={() => run(() => api.unarchive(thread.id))}>Unarchive</button>
      ) : (
        <button id="archive" onClick={() => run(() => api.archive(thread.id))}>Archive</button>
      )}
      <button id="fork" onClick={() => onFork(null)}>Fork</button>
      <span class="export">
        Export: <a id="export-md" href={api.exportUrl(thread.id, "markdown")} download>Markdown</a> · <a id="export-html" href={api.exportUrl(thread.id, "html")} download>HTML</a> · <a id="export-json" href={api.exportUrl(thread.id, "json")} download>JSON</a>
      </span>
      {confirming ? (
        <span class="confirm" role="alertdialog">
          Delete this thread? A local home moves it to the trash (<code>skein trash restore</code> brings it back); PostgreSQL deletes it for good.{" "}
          <button id="delete-confirm" class="danger" onClick={() => run(() => api.remove(thread.id), () => navigate("/"))}>Delete</button>
          <button onClick={() => setConfirming(false)}>Cancel</button>
        </span>
      ) : (
        <button id="delete" class="danger" onClick={() => setConfirming(true)}>Delete…</button>
      )}
      {error && <div class="error" role="alert">{error}</div>}
    </div>
  );
}

/**
 * One thread: opens at its end (or at the linked message) and pages back as you scroll up,
 * from the store's positioned history pages; lines appended by another process appear live.
 */
export function ThreadView({ id, hash }: { id: string; hash: string }) {
  const [detail, setDetail] = useState<ThreadDetail | null>(null);
  const [entries, setEntries] = useState<TranscriptEntry[]>([]);
  const [before, setBefore] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [reload, setReload] = useState(0);
  const [loaded, setLoaded] = useState(false);
  /** Entries before this index wait for the frame after the first (see FIRST_FRAME_ENTRIES). */
  const [windowStart, setWindowStart] = useState(0);
  const last = useRef(-1);
  const top = useRef<HTMLDivElement>(null);
  const keepBottom = useRef<number | null>(null);
  const scrollTarget = useRef<string | null>(null);

  const [forks, setForks] = useState<ThreadSummary[]>([]);
  const loadDetail = useCallback(
    () =>
      api.thread(id).then(
        (d) => (setDetail(d), api.forks(id).then((f) => setForks(f.forks), () => undefined)),
        (e: Error) => setError(e.message),
      ),
    [id],
  );
  // Layout effects: the first data (usually in the page's HTML) is asked for before the first
  // paint, not a frame after it.
  useLayoutEffect(() => void loadDetail(), [loadDetail]);

  // A link to a message of this thread: scroll to it when it is loaded, else load around it.
  const firstHash = useRef(hash);
  useEffect(() => {
    if (hash === firstHash.current) return;
    firstHash.current = hash;
    const node = hash.startsWith("#m") ? document.getElementById(hash.slice(1)) : null;
    if (node) {
      document.querySelector(".linked")?.classList.remove("linked");
      node.scrollIntoView({ block: "center" });
      node.classList.add("linked");
    } else if (hash.startsWith("#m")) setReload((n) => n + 1);
  }, [hash]);

  useLayoutEffect(() => {
    const around = /^#m(\d+)$/.exec(location.hash);
    setEntries([]);
    setLoaded(false);
    last.current = -1;
    api.entries(id, null, around ? Number(around[1]) : undefined).then(
      (page) => {
        setEntries(page.entries);
        setWindowStart(around ? 0 : Math.max(0, page.entries.length - FIRST_FRAME_ENTRIES));
        setLoaded(true);
        setBefore(page.before);
        last.current = page.lastPosition;
        scrollTarget.current = around ? `m${around[1]}` : "end";
      },
      (e: Error) => setError(e.message),
    );
  }, [id, reload]);

  useLayoutEffect(() => {
    if (scrollTarget.current === null) {
      if (keepBottom.current !== null) {
        window.scrollTo(0, document.documentElement.scrollHeight - keepBottom.current);
        keepBottom.current = null;
      }
      return;
    }
    const target = scrollTarget.current;
    scrollTarget.current = null;
    if (target === "end") window.scrollTo(0, document.documentElement.scrollHeight);
    else {
      const node = document.getElementById(target);
      node?.scrollIntoView({ block: "center" });
      node?.classList.add("linked");
    }
  }, [entries, windowStart]);

  // The rest of the first page, once the newest entries are on screen (effects run after paint).
  useEffect(() => {
    if (windowStart === 0) return;
    keepBottom.current = document.documentElement.scrollHeight - window.scrollY;
    setWindowStart(0);
  }, [windowStart]);

  const loadOlder = useCallback(() => {
    if (before === null || loadingOlder || windowStart > 0) return;
    setLoadingOlder(true);
    api
      .entries(id, before)
      .then((page) => {
        keepBottom.current = document.documentElement.scrollHeight - window.scrollY;
        setEntries((old) => [...page.entries, ...old]);
        setBefore(page.before);
      }, (e: Error) => setError(e.message))
      .finally(() => setLoadingOlder(false));
  }, [id, before, loadingOlder, windowStart]);

  useEffect(() => {
    const node = top.current;
    if (!node || entries.length === 0) return;
    const observer = new IntersectionObserver((seen) => seen.some((e) => e.isIntersecting) && loadOlder());
    observer.observe(node);
    return () => observer.disconnect();
  }, [loadOlder, entries.length]);

  // Live: lines another process appends show up; follow them when already at the bottom.
  useEffect(() => {
    const timer = setInterval(() => {
      if (document.hidden || last.current < 0) return;
      api.entriesAfter(id, last.current).then((page) => {
        if (page.lastPosition <= last.current) return;
        last.current = page.lastPosition;
        if (page.entries.length === 0) return;
        const atBottom = window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 40;
        setEntries((old) => {
          const seen = new Set(old.map((e) => e.position));
          return [...old, ...page.entries.filter((e) => !seen.has(e.position))];
        });
        if (atBottom) scrollTarget.current = "end";
      }, () => undefined);
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [id]);

  // j/k move between messages; Escape goes back to the list.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement;
      if (target.tagName === "INPUT" || target.tagName === "TEXTAREA") return;
      if (event.key === "Escape") navigate("/");
      if (event.key !== "j" && event.key !== "k") return;
      const messages = [...document.querySelectorAll<HTMLElement>("article.msg")];
      const current = messages.findIndex((m) => m.getBoundingClientRect().top > 60);
      const next = event.key === "j" ? messages[Math.max(current, 0) + (current >= 0 && messages[current]!.getBoundingClientRect().top < 80 ? 1 : 0)] : messages[Math.max(0, current - 1)];
      next?.scrollIntoView({ block: "start" });
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  const fork = (position: number | null) => {
    const name = window.prompt("Name of the fork (optional)", detail?.thread.name ? `${detail.thread.name} (fork)` : "");
    if (name === null) return;
    api.fork(id, position, name).then((r) => navigate(`/t/${r.threadId}`), (e: Error) => setError(e.message));
  };

  if (error && !detail) return <main class="thread"><div class="error" role="alert">{error}</div></main>;
  const thread = detail?.thread;
  return (
    <main class="thread">
      <nav class="crumbs">
        <a href="/" onClick={(e) => (e.preventDefault(), navigate("/"))}>← threads</a>
      </nav>
      {thread && (
        <header class="thread-head">
          <h1 id="thread-title">{thread.name ?? thread.preview ?? thread.id}</h1>
          <div class="facts muted small">
            <span title={thread.cwd ?? ""}>{projectOf(thread.cwd)}</span> · <span>{sourceLabel(thread.source)}</span> · <span>{thread.modelProvider}</span>
            {thread.model && <> · <span>{thread.model}</span></>} · <span>updated {relativeTime(thread.updatedAt)}</span>
            {thread.archived && <> · <span class="badge" id="archived-badge">archived</span></>}
            {thread.tokensUsed ? <> · <span>{thread.tokensUsed.toLocaleString()} tokens</span></> : null}
          </div>
          <div class="family small">
            {detail.parent && <span>forked from <ThreadLink id={detail.parent.id} label={detail.parent.name ?? detail.parent.preview ?? detail.parent.id} /></span>}
            {!detail.parent && thread.forkedFromId && <span>forked from <ThreadLink id={thread.forkedFromId} label={thread.forkedFromId} /></span>}
            {forks.length > 0 && (
              <span id="forks">
                {" "}forks: {forks.map((f, i) => <>{i > 0 && ", "}<ThreadLink key={f.id} id={f.id} label={f.name ?? f.preview ?? f.id} /></>)}
              </span>
            )}
          </div>
          <Actions detail={detail} onChanged={loadDetail} onFork={fork} />
        </header>
      )}
      <div ref={top} class="sentinel older" id="older">
        {before !== null ? (loadingOlder ? "loading earlier…" : <button class="link" onClick={loadOlder}>load earlier</button>) : entries.length > 0 ? "start of the thread" : ""}
      </div>
      {error && <div class="error" role="alert">{error}</div>}
      {entries.length === 0 && !error && (
        <div class="muted empty" id="loading">
          {loaded ? "nothing readable in this thread yet" : "loading… (a very large thread is indexed once, on its first opening)"}
        </div>
      )}
      <section id="transcript">
        {(windowStart > 0 ? entries.slice(windowStart) : entries).map((entry) => (
          <EntryView key={entry.position} entry={entry} threadId={id} onFork={fork} />
        ))}
      </section>
    </main>
  );
}
