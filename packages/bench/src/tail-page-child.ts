// Child process of the load case: reads one page of 50 items from the end of a rollout and
// prints `{ms, items, peakRssMb}`. A separate process so that its peak RSS is its own and an
// out-of-memory crash cannot take the bench down.
// Usage: node tail-page-child.js skein|offset <home> <threadId> <rolloutPath>
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { LocalThreadStore } from "@skein/thread-store";
import { nowMs } from "./stats.js";

const PAGE = 50;

/** The physical reference: read backwards from the end in 256 KiB steps until 50 lines are complete. */
function offsetTail(path: string): number {
  const fd = openSync(path, "r");
  try {
    const size = fstatSync(fd).size;
    let end = size;
    let tail = Buffer.alloc(0);
    let lines: string[] = [];
    while (end > 0) {
      const len = Math.min(256 * 1024, end);
      const chunk = Buffer.alloc(len);
      readSync(fd, chunk, 0, len, end - len);
      end -= len;
      tail = Buffer.concat([chunk, tail]);
      lines = tail.toString("utf8").split("\n").filter(Boolean);
      if (lines.length > PAGE) break;
    }
    return lines.slice(-PAGE).map((l) => JSON.parse(l) as unknown).length;
  } finally {
    closeSync(fd);
  }
}

async function main(): Promise<void> {
  const [mode, home, threadId, path] = process.argv.slice(2);
  let start = nowMs();
  let items: number;
  if (mode === "offset") items = offsetTail(path!);
  else {
    const store = await LocalThreadStore.open({ home: home!, catchUp: "none" });
    start = nowMs(); // the page itself: the store is already open, as in a running app
    try {
      const page = await store.listItems({ threadId: threadId as never, pageSize: PAGE, sortDirection: "desc" });
      items = page.items.length;
    } finally {
      await store.close();
    }
  }
  const ms = nowMs() - start;
  process.stdout.write(JSON.stringify({ ms, items, peakRssMb: process.resourceUsage().maxRSS / 1024 }) + "\n");
}

await main();
