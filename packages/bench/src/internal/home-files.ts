import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";

/** Removes Skein's index DB (and its WAL files) so that the next open starts cold. */
export function removeSkeinIndex(home: string): void {
  for (const name of readdirSync(home)) {
    if (name.startsWith("skein_state_1.sqlite")) rmSync(join(home, name), { force: true });
  }
}
