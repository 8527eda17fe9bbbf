import { render } from "preact";
import { useLayoutEffect, useState } from "preact/hooks";
import type { ListQuery } from "./api.js";
import { useLocation } from "./router.js";
import { DEFAULT_QUERY, ThreadList } from "./thread-list.js";

type ThreadViewModule = typeof import("./thread-view.js");
const THREAD_PATH = /^\/t\/([0-9a-fA-F-]{36})$/;

// The thread view (with Markdown and DOMPurify, two thirds of the script) is its own chunk: the
// list does not parse it. A thread URL starts loading it at once (the server also names it in a
// <link rel="modulepreload">); the list fetches it when idle, so opening a thread does not wait.
let threadView: Promise<ThreadViewModule> | undefined;
const loadThreadView = (): Promise<ThreadViewModule> => (threadView ??= import("./thread-view.js"));
if (THREAD_PATH.test(location.pathname)) void loadThreadView();
else setTimeout(() => void loadThreadView(), 1000);

let loaded: ThreadViewModule | null = null;

function LazyThreadView({ id, hash }: { id: string; hash: string }) {
  const [module, setModule] = useState<ThreadViewModule | null>(loaded);
  useLayoutEffect(() => void loadThreadView().then((m) => setModule((loaded = m))), []);
  return module ? <module.ThreadView id={id} hash={hash} /> : null;
}

function App() {
  const { path, hash } = useLocation();
  const [query, setQuery] = useState<ListQuery>(DEFAULT_QUERY);
  const thread = THREAD_PATH.exec(path);
  return (
    <>
      <header class="top">
        <a class="brand" href="/">skein</a>
      </header>
      {thread ? <LazyThreadView key={thread[1]} id={thread[1]!} hash={hash} /> : <ThreadList query={query} setQuery={setQuery} />}
    </>
  );
}

render(<App />, document.getElementById("app")!);
