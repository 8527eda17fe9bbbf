import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { newThreadId } from "@skein/protocol";
import { afterEach, describe, expect, it } from "vitest";
import { localHome, type LocalHome } from "./local-helpers.js";

// The local store's content search beyond the shared suite (docs/search.md): rollouts written
// by another program, torn tails, an index built before the message index, the scan fallback.

const T = "2026-01-02T03:04:05.000Z";
const line = (type: string, payload: unknown) => JSON.stringify({ timestamp: T, type, payload });
const meta = (id: string, extra: Record<string, unknown> = {}) =>
  line("session_meta", { id, timestamp: T, cwd: "/repo", originator: "codex_exec", cli_version: "0.169.0", source: "exec", model_provider: "openai", ...extra });
const user = (text: string) => line("event_msg", { type: "user_message", message: text, images: [] });
const agent = (text: string) => line("event_msg", { type: "agent_message", message: text });

/** Writes a rollout as another program (Codex) would, without going through the store. */
function writeRollout(home: string, id: string, lines: string[], tail = ""): string {
  const dir = join(home, "sessions", "2026", "01", "02");
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `rollout-2026-01-02T03-04-05-${id}.jsonl`);
  writeFileSync(path, lines.map((l) => `${l}\n`).join("") + tail);
  return path;
}

describe("LocalThreadStore content search", () => {
  let h: LocalHome;
  afterEach(async () => h.cleanup());

  const ids = async (store: Awaited<ReturnType<LocalHome["open"]>>, term: string) =>
    (await store.searchThreads({ searchTerm: term })).items.map((x) => x.thread.threadId).sort();

  it("indexes rollouts written by another program, and their appended lines on reindex", async () => {
    h = localHome();
    const a = newThreadId();
    const path = writeRollout(h.home, a, [meta(a), user("first question"), agent("an answer about the heron")]);
    const store = await h.open();
    expect(await ids(store, "heron")).toEqual([a]);
    appendFileSync(path, `${user("later question about the ibis")}\n`);
    await store.reindex();
    expect(await ids(store, "ibis")).toEqual([a]);
    expect(await ids(store, "heron")).toEqual([a]);
    const [hit] = (await store.searchThreads({ searchTerm: "ibis" })).items;
    expect(hit?.matches[0]?.position).toBe(3);
  });

  it("leaves a torn tail out until it is completed, then finds it", async () => {
    h = localHome();
    const a = newThreadId();
    const path = writeRollout(h.home, a, [meta(a), user("complete line")], user("torn jackal line").slice(0, 60));
    const store = await h.open();
    expect(await ids(store, "complete")).toEqual([a]);
    expect(await ids(store, "jackal")).toEqual([]);
    appendFileSync(path, `${user("torn jackal line").slice(60)}\n`);
    await store.reindex();
    expect(await ids(store, "jackal")).toEqual([a]);
  });

  it("a thread appended through the store after a torn tail keeps its history and finds the new words", async () => {
    h = localHome();
    const a = newThreadId();
    writeRollout(h.home, a, [meta(a), user("before the tear")], '{"timestamp":"x","type":"event_m');
    const store = await h.open();
    await store.resumeThread({ threadId: a, metadata: { cwd: "/repo", modelProvider: "openai" } });
    await store.appendItems({ threadId: a, items: [{ type: "event_msg", payload: { type: "user_message", message: "after the tear: lynx", images: [] } }] });
    await store.shutdownThread({ threadId: a });
    expect(await ids(store, "lynx")).toEqual([a]);
    expect(await ids(store, "tear")).toEqual([a]);
    const items = (await store.listItems({ threadId: a, pageSize: 100 })).items;
    const [hit] = (await store.searchThreads({ searchTerm: "lynx" })).items;
    expect(JSON.stringify(items.find((i) => i.position === hit!.matches[0]!.position)?.line)).toContain("lynx");
  });

  it("an index built before the message index gets its messages on the next open", async () => {
    h = localHome();
    const a = newThreadId();
    writeRollout(h.home, a, [meta(a), user("hello"), agent("the tapir answer")]);
    await (await h.open()).close();
    // What a build without migration 0005's contents left: no message rows, no marker.
    const db = new Database(join(h.home, "skein_state_1.sqlite"));
    db.exec("DELETE FROM thread_messages_fts; DELETE FROM thread_messages; DELETE FROM thread_message_state; DELETE FROM meta WHERE key = 'messages_indexed_at'");
    db.close();
    const store = await h.open();
    expect(await ids(store, "tapir")).toEqual([a]);
  });

  it("a legacy fork indexed before its parent still finds the inherited messages once", async () => {
    h = localHome();
    const parent = "01a2143c-0000-7000-8000-00000000000f";
    const fork = "01a2143c-0000-7000-8000-000000000001"; // scanned first
    writeRollout(h.home, parent, [meta(parent), user("inherited quail question"), agent("inherited answer")]);
    writeRollout(h.home, fork, [meta(fork, { forked_from_id: parent }), meta(parent), user("inherited quail question"), agent("inherited answer"), user("own stoat followup")]);
    const store = await h.open();
    expect(await ids(store, "quail")).toEqual([parent]);
    expect(await ids(store, "stoat")).toEqual([fork]);
  });

  it("answers the same threads from the files alone", async () => {
    h = localHome();
    const a = newThreadId();
    const b = newThreadId();
    writeRollout(h.home, a, [meta(a), user("alpha words about caching"), agent("use an LRU cache")]);
    writeRollout(h.home, b, [meta(b), user("beta words"), agent('the "eviction policy" matters for caching')]);
    const indexed = await h.open();
    const files = await h.open({ index: "none" });
    for (const term of ["caching", "cache", '"eviction policy"', "lru", "words", "alpha caching", "nothing"]) {
      expect({ term, ids: await ids(files, term) }).toEqual({ term, ids: await ids(indexed, term) });
    }
  });
});
