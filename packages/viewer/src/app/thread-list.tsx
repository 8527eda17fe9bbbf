import { useCallback, useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { api, type ListQuery, type SearchHit, type ThreadSummary } from "./api.js";
import { navigate } from "./router.js";
import { projectOf, relativeTime, sourceLabel } from "./time.js";

const POLL_MS = 2000;
const SOURCES = ["", "cli", "vscode", "exec", "mcp", "subagent"];

export const DEFAULT_QUERY: ListQuery = { archived: false, cwd: "", source: "", provider: "", sort: "updated", asc: false };

/** Merges a fresh first page over the rows already loaded: new and changed threads on top. */
function mergeFirstPage(fresh: ThreadSummary[], loaded: ThreadSummary[]): ThreadSummary[] {
  const seen = new Set(fresh.map((t) => t.id));
  return [...fresh, ...loaded.filter((t) => !seen.has(t.id))];
}

function Snippet({ text }: { text: string }) {
  // The store marks matches [like this]; show them highlighted, everything as text.
  const parts = text.split(/(\[[^\]]*\])/g);
  return (
    <span class="snippet">
      {parts.map((part, i) => (part.startsWith("[") && part.endsWith("]") ? <mark key={i}>{part.slice(1, -1)}</mark> : part))}
    </span>
  );
}

function Row({ thread, selected, hit, onOpen }: { thread: ThreadSummary; selected: boolean; hit?: SearchHit; onOpen: () => void }) {
  const title = thread.name ?? thread.preview ?? thread.id;
  return (
    <li class={`row${selected ? " selected" : ""}`} data-thread-id={thread.id} aria-selected={selected} onClick={onOpen}>
      <div class="row-main">
        <a class="title" href={`/t/${thread.id}`} onClick={(e) => (e.preventDefault(), onOpen())}>
          {title}
        </a>
        {thread.name && thread.preview && <span class="preview">{thread.preview}</span>}
        {hit && hit.matches.length === 0 && <Snippet text={hit.snippet} />}
        {hit?.matches.map((match, i) => (
          <a
            key={i}
            class="hit"
            href={`/t/${thread.id}${match.position !== undefined ? `#m${match.position}` : ""}`}
            onClick={(e) => (e.preventDefault(), e.stopPropagation(), navigate(`/t/${thread.id}${match.position !== undefined ? `#m${match.position}` : ""}`))}
          >
            <span class="badge">{match.role}</span> <Snippet text={match.snippet} />
          </a>
        ))}
      </div>
      <div class="row-facts">
        <span class="cwd" title={thread.cwd ?? ""}>
          {projectOf(thread.cwd)}
        </span>
        <span class="badge">{sourceLabel(thread.source)}</span>
        {thread.forkedFromId && (
          <span class="badge fork" title={`forked from ${thread.forkedFromId}`}>
            fork
          </span>
        )}
        {thread.archived && <span class="badge">archived</span>}
        <time title={thread.updatedAt ?? ""}>{relativeTime(thread.updatedAt)}</time>
      </div>
    </li>
  );
}

/** A text filter: keeps what is typed (re-renders from polling never reset it) and commits on Enter or blur. */
function FilterInput({ id, list, placeholder, value, onCommit }: { id: string; list: string; placeholder: string; value: string; onCommit: (value: string) => void }) {
  const [draft, setDraft] = useState(value);
  useEffect(() => setDraft(value), [value]);
  return <input id={id} list={list} placeholder={placeholder} value={draft} onInput={(e) => setDraft(e.currentTarget.value)} onChange={(e) => onCommit(e.currentTarget.value.trim())} />;
}

/** The threads of the store, newest first, paged on scroll, filtered, searchable, live. */
export function ThreadList({ query, setQuery }: { query: ListQuery; setQuery: (q: ListQuery) => void }) {
  const [rows, setRows] = useState<ThreadSummary[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [term, setTerm] = useState("");
  const [hits, setHits] = useState<SearchHit[] | null>(null);
  const [selected, setSelected] = useState(0);
  const sentinel = useRef<HTMLDivElement>(null);
  const searchBox = useRef<HTMLInputElement>(null);
  const generation = useRef(0);

  // First page for this query. A layout effect: it starts before the first paint, not a frame
  // after it (the first page is usually already in the page's HTML: api.ts).
  useLayoutEffect(() => {
    const gen = ++generation.current;
    setRows([]);
    setCursor(null);
    setSelected(0);
    setLoading(true);
    api
      .listThreads(query, null)
      .then((page) => {
        if (gen !== generation.current) return;
        setRows(page.items);
        setCursor(page.nextCursor);
        setError(null);
      })
      .catch((e: Error) => gen === generation.current && setError(e.message))
      .finally(() => gen === generation.current && setLoading(false));
  }, [query]);

  const loadMore = useCallback(() => {
    if (loading || cursor === null || hits !== null) return;
    const gen = generation.current;
    setLoading(true);
    api
      .listThreads(query, cursor)
      .then((page) => {
        if (gen !== generation.current) return;
        setRows((old) => {
          const seen = new Set(old.map((t) => t.id));
          return [...old, ...page.items.filter((t) => !seen.has(t.id))];
        });
        setCursor(page.nextCursor);
      })
      .catch((e: Error) => setError(e.message))
      .finally(() => setLoading(false));
  }, [loading, cursor, query, hits]);

  // Paged on scroll: the sentinel below the last row asks for the next page.
  useEffect(() => {
    const node = sentinel.current;
    if (!node) return;
    const observer = new IntersectionObserver((seen) => seen.some((e) => e.isIntersecting) && loadMore(), { rootMargin: "400px" });
    observer.observe(node);
    return () => observer.disconnect();
  }, [loadMore]);

  // Live: new and changed threads appear without a reload.
  useEffect(() => {
    const timer = setInterval(() => {
      if (document.hidden) return;
      const gen = generation.current;
      api
        .listThreads(query, null, true)
        .then((page) => gen === generation.current && setRows((old) => mergeFirstPage(page.items, old)))
        .catch(() => undefined);
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [query]);

  // Search as you type (the store's search; hits with snippets): every keystroke asks at once
  // and aborts the request of the previous one, so no debounce delay and no stale hits
  // (docs/viewer.md, "Speed").
  useEffect(() => {
    const text = term.trim();
    if (text === "") {
      setHits(null);
      return;
    }
    const controller = new AbortController();
    api
      .search(text, query, null, controller.signal)
      .then((page) => !controller.signal.aborted && (setHits(page.items), setSelected(0)))
      .catch((e: Error) => !controller.signal.aborted && setError(e.message));
    return () => controller.abort();
  }, [term, query]);

  const shown = hits ? hits.map((h) => h.thread) : rows;
  const open = (thread: ThreadSummary, position?: number) => navigate(`/t/${thread.id}${position !== undefined ? `#m${position}` : ""}`);

  // Keyboard: / focuses search, j/k move, Enter opens.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement;
      const typing = target.tagName === "INPUT" || target.tagName === "SELECT" || target.tagName === "TEXTAREA";
      if (event.key === "/" && !typing) {
        event.preventDefault();
        searchBox.current?.focus();
      } else if (event.key === "Escape" && typing) {
        target.blur();
      } else if (!typing && (event.key === "j" || event.key === "k")) {
        setSelected((i) => Math.max(0, Math.min(shown.length - 1, i + (event.key === "j" ? 1 : -1))));
      } else if (event.key === "Enter" && (!typing || target === searchBox.current)) {
        const thread = shown[selected];
        if (thread) {
          event.preventDefault();
          open(thread, hits?.[selected]?.position);
        }
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [shown, selected, hits]);

  useEffect(() => {
    document.querySelector(".row.selected")?.scrollIntoView({ block: "nearest" });
  }, [selected]);

  const cwds = [...new Set(rows.map((t) => t.cwd).filter((c): c is string => !!c))].slice(0, 200);
  const providers = [...new Set(rows.map((t) => t.modelProvider).filter((c): c is string => !!c))];
  const set = (patch: Partial<ListQuery>) => setQuery({ ...query, ...patch });

  return (
    <main class="list">
      <div class="toolbar">
        <input ref={searchBox} id="search" type="search" placeholder="Search threads  ( / )" value={term} onInput={(e) => setTerm(e.currentTarget.value)} />
        <FilterInput id="filter-cwd" list="cwds" placeholder="cwd" value={query.cwd} onCommit={(cwd) => set({ cwd })} />
        <datalist id="cwds">{cwds.map((c) => <option key={c} value={c} />)}</datalist>
        <select id="filter-source" value={query.source} onChange={(e) => set({ source: e.currentTarget.value })}>
          {SOURCES.map((s) => (
            <option key={s} value={s}>
              {s === "" ? "any source" : s}
            </option>
          ))}
        </select>
        <FilterInput id="filter-provider" list="providers" placeholder="provider" value={query.provider} onCommit={(provider) => set({ provider })} />
        <datalist id="providers">{providers.map((c) => <option key={c} value={c} />)}</datalist>
        <select id="sort" value={`${query.sort}:${query.asc ? "asc" : "desc"}`} onChange={(e) => {
          const [sort, dir] = e.currentTarget.value.split(":") as [ListQuery["sort"], string];
          set({ sort, asc: dir === "asc" });
        }}>
          <option value="updated:desc">recently updated</option>
          <option value="created:desc">newest</option>
          <option value="created:asc">oldest</option>
          <option value="recency:desc">recent activity</option>
        </select>
        <label class="check">
          <input id="filter-archived" type="checkbox" checked={query.archived} onChange={(e) => set({ archived: e.currentTarget.checked })} /> archived
        </label>
      </div>
      {error && <div class="error" role="alert">{error}</div>}
      {hits && <div class="muted small" id="hit-count">{hits.length === 0 ? "no matches" : `${hits.length} matching threads`}</div>}
      <ul class="rows" id="threads">
        {shown.map((thread, i) => (
          <Row key={thread.id} thread={thread} selected={i === selected} hit={hits?.[i]} onOpen={() => open(thread, hits?.[i]?.position)} />
        ))}
      </ul>
      {!loading && shown.length === 0 && !hits && <div class="muted empty">{query.archived ? "no archived threads" : "no threads"}</div>}
      <div ref={sentinel} class="sentinel">{loading ? "loading…" : cursor && !hits ? " " : ""}</div>
    </main>
  );
}
