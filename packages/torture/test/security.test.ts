import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { LiveThread } from "@skein/core-session";
import type { ThreadId } from "@skein/protocol";
import { activeRolloutPath } from "@skein/rollout";
import { LocalThreadStore } from "@skein/thread-store";
import { describe, expect, it } from "vitest";
import { workerScript } from "../src/index.js";
import { runSkein, seedThread, useTempDirs, userMessage } from "./helpers/home.js";
import { snapshotTree } from "./helpers/snapshot.js";

const tempDir = useTempDirs();
const mode = (path: string) => (statSync(path).mode & 0o777).toString(8).padStart(4, "0");

/** Every directory and file under `dir`, relative, with its mode. */
function modes(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (path: string, rel: string) => {
    for (const name of readdirSync(path)) {
      const abs = join(path, name);
      const r = rel ? `${rel}/${name}` : name;
      out[r] = mode(abs);
      if (statSync(abs).isDirectory()) walk(abs, r);
    }
  };
  walk(dir, "");
  return out;
}

describe("file modes", () => {
  it("a writer running with umask 000 creates folders 0700 and rollouts and the index 0600", () => {
    const home = join(tempDir(), "home");
    execFileSync("sh", ["-c", `umask 000 && exec "${process.execPath}" "${workerScript("fsync-writer")}" "${home}" 0 3`]);
    const found = modes(home);
    expect(Object.keys(found).some((p) => p.endsWith(".jsonl"))).toBe(true);
    for (const [path, m] of Object.entries(found)) {
      const isDir = statSync(join(home, path)).isDirectory();
      expect(`${path} ${m}`).toBe(`${path} ${isDir ? "0700" : "0600"}`);
    }
    expect(mode(home)).toBe("0700");
  });

  it("lock files, the session index, archived folders, WAL files and .torn sidecars are private too", async () => {
    const home = join(tempDir(), "home");
    const store = await LocalThreadStore.open({ home });
    try {
      const { threadId, path } = await seedThread(store, ["private"]);
      await store.updateThreadMetadata({ threadId, patch: { name: "private name" } });
      writeFileSync(path, "{\"torn", { flag: "a" });
      const live = await LiveThread.resume(store, { threadId, metadata: { cwd: home, modelProvider: "openai" } });
      await live.appendItems([userMessage("after tear")]);
      const lock = join(home, ".skein", "locks", `${threadId}.lock`);
      expect(mode(lock)).toBe("0600");
      expect(mode(dirname(lock))).toBe("0700");
      expect(mode(join(home, ".skein"))).toBe("0700");
      expect(mode(`${path}.torn`)).toBe("0600");
      // The index is open in WAL mode, and the rename above appended to session_index.jsonl:
      // all three files exist now, and each must be private.
      for (const file of ["skein_state_1.sqlite-wal", "skein_state_1.sqlite-shm", "session_index.jsonl"]) {
        expect(`${file} ${existsSync(join(home, file)) ? mode(join(home, file)) : "missing"}`).toBe(`${file} 0600`);
      }
      await live.shutdown();
      await store.archiveThread({ threadId });
      expect(mode(join(home, "archived_sessions"))).toBe("0700");
      for (const name of readdirSync(join(home, "archived_sessions"))) expect(`${name} ${mode(join(home, "archived_sessions", name))}`).toBe(`${name} 0600`);
    } finally {
      await store.close();
    }
  });
});

describe("symlinked rollouts", () => {
  /** A valid rollout outside the home, linked into the home's sessions tree under a thread's name. */
  async function linkedOutside(): Promise<{ home: string; outside: string; link: string; threadId: ThreadId; before: Record<string, string> }> {
    const root = tempDir();
    const home = join(root, "home");
    const outsideHome = join(root, "outside");
    const store = await LocalThreadStore.open({ home: outsideHome });
    const { threadId, path: outside } = await seedThread(store, ["lives outside the home"]);
    await store.close();
    const store2 = await LocalThreadStore.open({ home });
    await seedThread(store2, ["lives inside"]);
    await store2.close();
    const link = activeRolloutPath(home, threadId, Date.now());
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(outside, link);
    return { home, outside, link, threadId, before: snapshotTree(dirname(dirname(dirname(dirname(dirname(outside)))))) };
  }

  it("are reported by checkHome as a refused file with a fix", async () => {
    const s = await linkedOutside();
    const store = await LocalThreadStore.open({ home: s.home });
    try {
      const report = await store.checkHome();
      const refused = report.problems.find((p) => p.kind === "unreadable_file" && p.detail.includes(s.link));
      expect(refused?.detail).toBe(`path ${s.link} resolves outside home ${s.home}`);
      expect(refused?.fix).toBe("remove the symlink or point it inside the home");
    } finally {
      await store.close();
    }
  });

  // Was a bug (security): only scanRolloutFiles refused such links; readThread and listThreads
  // answered with the outside file, and resume + append wrote into it. Every rollout path the
  // local store reads or writes now goes through RolloutPathGuard.
  it("are refused by reads, listings, resumes and appends; the target stays untouched", async () => {
    const s = await linkedOutside();
    const store = await LocalThreadStore.open({ home: s.home, catchUp: "full" });
    try {
      await expect(store.readThread({ threadId: s.threadId })).rejects.toMatchObject({
        code: "invalid_request",
        message: `invalid thread-store request: rollout path ${s.link} resolves outside the sessions folders of ${s.home}; refused`,
      });
      expect((await store.listThreads({})).items.map((t) => t.threadId)).not.toContain(s.threadId);
      const resumed = await store.resumeThread({ threadId: s.threadId, metadata: { cwd: s.home, modelProvider: "openai" } }).then(
        () => true,
        () => false,
      );
      if (resumed) await store.appendItems({ threadId: s.threadId, items: [userMessage("written through a symlink")] });
      expect(resumed).toBe(false);
    } finally {
      await store.close();
      expect(snapshotTree(dirname(dirname(dirname(dirname(dirname(s.outside))))))).toEqual(s.before);
    }
  });
});

const HOSTILE_TERMS = [
  "'; DROP TABLE threads; --",
  "\"; DROP TABLE threads_fts; --",
  "' OR '1'='1",
  "*",
  "\"",
  "\"unbalanced",
  "NEAR(a b, 2)",
  "a OR b NOT c",
  "title:secret",
  "{title name}: x",
  "^start",
  "-minus",
  "(",
  ")",
  "a AND",
  "%",
  "_",
  "\\",
  "\u0000",
  "x".repeat(4_000),
  "🧵 émoji ünïcode",
  "1; SELECT * FROM meta",
];

describe("hostile search terms", () => {
  // searchThreads is content search (docs/search.md, "Query"): every word of the term occurs in one
  // message, words of 3+ characters as prefixes; quotes, FTS operators and SQL are plain text,
  // characters that are not letters or digits carry no meaning, and a term with no letter or
  // digit matches nothing. listThreads' searchTerm is always a case-insensitive substring of the
  // name/preview. O = the three ordinary threads, S = the special one; "substring" = computed from
  // the seeded texts.
  const EXPECTED_HITS: Readonly<Record<string, "O" | "S" | "none" | "substring">> = {
    "'; DROP TABLE threads; --": "O",
    "\"; DROP TABLE threads_fts; --": "none",
    "' OR '1'='1": "none",
    "*": "none",
    "\"": "none",
    "\"unbalanced": "none",
    "NEAR(a b, 2)": "S",
    "a OR b NOT c": "none",
    "title:secret": "S",
    "{title name}: x": "none",
    "^start": "S",
    "-minus": "S",
    "(": "none",
    ")": "none",
    "a AND": "none",
    "%": "none",
    "_": "none",
    "\\": "none",
    "\u0000": "none",
    ["x".repeat(4_000)]: "none",
    "🧵 émoji ünïcode": "S",
    "1; SELECT * FROM meta": "none",
  };

  it("find exactly the threads whose words they name, and leave every table intact", async () => {
    expect(Object.keys(EXPECTED_HITS).sort()).toEqual([...HOSTILE_TERMS].sort());
    const home = join(tempDir(), "home");
    const store = await LocalThreadStore.open({ home });
    try {
      const texts = new Map<string, string>();
      const seed = async (text: string) => texts.set((await seedThread(store, [text])).threadId, text).size;
      for (let i = 0; i < 3; i++) await seed(`ordinary thread ${i} '; DROP TABLE threads; --`);
      const ordinary = [...texts.keys()].sort();
      await seed("title:secret NEAR(a b, 2) 🧵 émoji ünïcode ^start -minus");
      const special = [...texts.keys()].filter((id) => !ordinary.includes(id));
      const containing = (term: string) => [...texts].filter(([, text]) => text.toLowerCase().includes(term.toLowerCase())).map(([id]) => id).sort();
      expect(containing("(")).toEqual(special);
      expect(containing("'")).toEqual(ordinary);
      for (const term of HOSTILE_TERMS) {
        const kind = EXPECTED_HITS[term]!;
        const expected = kind === "substring" ? containing(term) : { O: ordinary, S: special, none: [] }[kind];
        const page = await store.searchThreads({ searchTerm: term });
        expect({ term, hits: page.items.map((hit) => hit.thread.threadId).sort() }).toEqual({ term, hits: expected });
        const listed = await store.listThreads({ searchTerm: term });
        expect({ term, listed: listed.items.map((t) => t.threadId).sort() }).toEqual({ term, listed: containing(term) });
        const filtered = await store.listThreads({ cwdFilters: [term], sources: [term], modelProviders: [term] });
        expect({ term, filtered: filtered.items }).toEqual({ term, filtered: [] });
      }
      expect((await store.listThreads({})).items).toHaveLength(4);
      expect((await store.checkHome()).ok).toBe(true);
    } finally {
      await store.close();
    }
    const check = execFileSync("sqlite3", [join(home, "skein_state_1.sqlite"), "PRAGMA integrity_check; SELECT count(*) FROM threads; INSERT INTO threads_fts(threads_fts) VALUES('integrity-check');"], { encoding: "utf8" });
    expect(check.trim().split("\n")).toEqual(["ok", "4"]);
  });

  // Was a bug: a term over StateDb's 4,096-character limit came back as InternalError. The shared
  // request validation now refuses it (MAX_SEARCH_TERM_LENGTH) in every store.
  it("a 10,000-character search term is searched as text; one over 16,384 characters is an InvalidRequestError", async () => {
    const home = join(tempDir(), "home");
    const store = await LocalThreadStore.open({ home });
    try {
      await seedThread(store, ["plain"]);
      expect((await store.searchThreads({ searchTerm: "x".repeat(10_000) })).items).toEqual([]);
      expect((await store.searchThreads({ searchTerm: `plain ${'"(*:^'.repeat(1_999)}` })).items).toHaveLength(1);
      await expect(store.searchThreads({ searchTerm: "x".repeat(16_385) })).rejects.toMatchObject({
        code: "invalid_request",
        message: "invalid thread-store request: searchTerm must be at most 16384 characters, got 16385",
      });
      await expect(store.listThreads({ searchTerm: "x".repeat(16_385) })).rejects.toMatchObject({ code: "invalid_request" });
    } finally {
      await store.close();
    }
  });

  it("names made of SQL come back byte for byte", async () => {
    const home = join(tempDir(), "home");
    const store = await LocalThreadStore.open({ home });
    try {
      const { threadId } = await seedThread(store, ["plain"]);
      for (const name of HOSTILE_TERMS.filter((t) => !t.includes("\u0000"))) {
        expect((await store.updateThreadMetadata({ threadId, patch: { name } })).name).toBe(name);
        expect((await store.readThread({ threadId })).name).toBe(name);
      }
    } finally {
      await store.close();
    }
  });

  it("`skein search` with hostile terms exits 0 and the index survives", async () => {
    const home = join(tempDir(), "home");
    const store = await LocalThreadStore.open({ home });
    await seedThread(store, ["needle in a thread"]);
    await store.close();
    for (const term of ["'; DROP TABLE threads; --", "NEAR(a b)", "\"", "*", "needle OR x"]) {
      const run = await runSkein(["search", term, "--home", home, "--json"]);
      expect(run.code, `${term}: ${run.stderr}`).toBe(0);
      // None of these names a word or a substring of the one thread ("needle in a thread").
      expect({ term, items: (JSON.parse(run.stdout) as { items: unknown[] }).items }).toEqual({ term, items: [] });
    }
    const run = await runSkein(["search", "needle", "--home", home, "--json"]);
    expect((JSON.parse(run.stdout) as { items: unknown[] }).items).toHaveLength(1);
  });
});

