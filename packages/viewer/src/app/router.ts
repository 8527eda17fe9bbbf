import { useEffect, useState } from "preact/hooks";

const listeners = new Set<() => void>();

/** Goes to a path of the page (history.pushState) and tells the app. */
export function navigate(path: string): void {
  history.pushState(null, "", path);
  for (const listener of listeners) listener();
}

/** The current path and hash, updated on navigate and on back/forward. */
export function useLocation(): { path: string; hash: string } {
  const read = () => ({ path: location.pathname, hash: location.hash });
  const [where, setWhere] = useState(read);
  useEffect(() => {
    const update = () => setWhere(read());
    listeners.add(update);
    window.addEventListener("popstate", update);
    window.addEventListener("hashchange", update);
    return () => (listeners.delete(update), window.removeEventListener("popstate", update), window.removeEventListener("hashchange", update));
  }, []);
  return where;
}
