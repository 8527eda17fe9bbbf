// Reads one rollout as another process sees it right now, and prints what it found.
// argv: <rolloutPath>
import { readRollout } from "@skein/rollout";

const [path] = process.argv.slice(2);
if (!path) {
  process.stderr.write("usage: append-reader <rolloutPath>\n");
  process.exit(2);
}
const read = await readRollout(path);
const messages = read.lines.flatMap((l) => (l.type === "event_msg" ? [String((l.payload as { message?: unknown }).message)] : []));
process.stdout.write(`${JSON.stringify({ size: read.size, messages, tornTail: read.tornTail ?? null })}\n`);
