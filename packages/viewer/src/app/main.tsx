import { render } from "preact";
import { useState } from "preact/hooks";
import type { ListQuery } from "./api.js";
import { useLocation } from "./router.js";
import { DEFAULT_QUERY, ThreadList } from "./thread-list.js";
import { ThreadView } from "./thread-view.js";

function App() {
  const { path, hash } = useLocation();
  const [query, setQuery] = useState<ListQuery>(DEFAULT_QUERY);
  const thread = /^\/t\/([0-9a-fA-F-]{36})$/.exec(path);
  return (
    <>
      <header class="top">
        <a class="brand" href="/">skein</a>
      </header>
      {thread ? <ThreadView key={thread[1]} id={thread[1]!} hash={hash} /> : <ThreadList query={query} setQuery={setQuery} />}
    </>
  );
}

render(<App />, document.getElementById("app")!);
