import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CodexRunner, type AppServerClient } from "../src/index.js";
import { cliSkipReason, skeinJson } from "./support/skein-cli.js";
import { skeinOk } from "./support/skein-run.js";

// Issue 15 acceptance: on a home the real Codex 0.169 indexed itself, Skein's archive, unarchive,
// rename, delete and fork leave Codex's view as if Codex had made each change — checked from a
// fresh `codex app-server`, and from one that was running while Skein changed the home.

interface Listed {
  id: string;
  name: string | null;
}

interface SkeinListed {
  id: string;
  archived: boolean;
}

async function codexView(app: AppServerClient): Promise<{ active: Map<string, Listed>; archived: Set<string> }> {
  const active = new Map((await app.listThreads()).map((t) => [t.id, t as unknown as Listed]));
  const archived = new Set((await app.listThreads({ archived: true })).map((t) => t.id));
  return { active, archived };
}

function describeSync(label: string, withRunningAppServer: boolean): void {
  describe.skipIf(cliSkipReason)(label, () => {
    let codex: CodexRunner;
    let running: AppServerClient | undefined;
    const ids: Record<string, string> = {};

    beforeAll(async () => {
      codex = await CodexRunner.start();
      for (const key of ["keep", "archive", "roundtrip", "rename", "remove"]) ids[key] = (await codex.exec(`thread ${key}: say hi`)).threadId;
      const starter = await codex.appServer(); // a legacy-history thread: Codex keeps its name in `title`
      ids["legacy"] = (await starter.startThread({ cwd: codex.workDir, historyMode: "legacy" })).id;
      await starter.runTurn(ids["legacy"]!, "legacy thread: say hi");
      await starter.close();
      if (withRunningAppServer) {
        running = await codex.appServer();
        expect((await running.listThreads()).length).toBe(6); // Codex has indexed every thread
      }
      const home = codex.codexHome;
      await skeinOk(home, ["archive", ids["archive"]!]);
      await skeinOk(home, ["archive", ids["roundtrip"]!]);
      await skeinOk(home, ["unarchive", ids["roundtrip"]!]);
      await skeinOk(home, ["rename", ids["rename"]!, "renamed by skein"]);
      await skeinOk(home, ["rename", ids["legacy"]!, "legacy renamed by skein"]);
      await skeinOk(home, ["delete", ids["remove"]!, "--yes"]);
      ids["fork"] = await skeinOk(home, ["fork", ids["keep"]!, "--name", "fork by skein"]);
    }, 240_000);

    afterAll(async () => {
      await running?.close();
      await codex?.close();
    });

    const views = (): Promise<AppServerClient>[] => [codex.appServer(), ...(running ? [Promise.resolve(running)] : [])];

    it("archived: Codex lists it as archived, not active; renamed: Codex lists the new name; deleted: gone; forked: listed", async () => {
      for (const pending of views()) {
        const app = await pending;
        const { active, archived } = await codexView(app);
        expect(archived.has(ids["archive"]!)).toBe(true);
        expect(active.has(ids["archive"]!)).toBe(false);
        expect(active.has(ids["roundtrip"]!)).toBe(true);
        expect(archived.has(ids["roundtrip"]!)).toBe(false);
        expect(active.get(ids["rename"]!)?.name).toBe("renamed by skein");
        expect(active.get(ids["legacy"]!)?.name).toBe("legacy renamed by skein");
        expect(active.has(ids["remove"]!)).toBe(false);
        expect(archived.has(ids["remove"]!)).toBe(false);
        expect(active.get(ids["fork"]!)?.name).toBe("fork by skein");
        if (app !== running) await app.close();
      }
    }, 180_000);

    it("Codex's thread/read: the deleted thread fails, the renamed one carries its name, the archived one reads", async () => {
      for (const pending of views()) {
        const app = await pending;
        await expect(app.readThread(ids["remove"]!)).rejects.toThrow();
        expect(((await app.readThread(ids["rename"]!)) as unknown as Listed).name).toBe("renamed by skein");
        expect((await app.readThread(ids["archive"]!)).id).toBe(ids["archive"]);
        if (app !== running) await app.close();
      }
    }, 180_000);

    it("Codex's own unarchive of the thread Skein archived works, and Skein then lists it as active", async () => {
      await running?.close();
      running = undefined;
      await codex.unarchive(ids["archive"]!);
      const app = await codex.appServer();
      const { active, archived } = await codexView(app);
      await app.close();
      expect(active.has(ids["archive"]!)).toBe(true);
      expect(archived.has(ids["archive"]!)).toBe(false);
      const ours = await skeinJson<{ items: SkeinListed[] }>(codex.codexHome, ["list", "--json", "--limit", "100"]);
      expect(ours.items.find((t) => t.id === ids["archive"])?.archived).toBe(false);
    }, 180_000);
  });
}

describeSync("Skein's changes as Codex sees them (fresh codex app-server)", false);
describeSync("Skein's changes as Codex sees them (codex app-server running during the changes)", true);
