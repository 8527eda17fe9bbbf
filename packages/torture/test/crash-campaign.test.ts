import { join } from "node:path";
import { makeTempDir } from "@skein/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { runCrashCampaign } from "../src/index.js";

describe("runCrashCampaign", () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => cleanups.splice(0).forEach((c) => c()));

  it("keeps every acknowledged item in order, exactly once, through 200 SIGKILLs", async () => {
    const dir = makeTempDir();
    cleanups.push(dir.cleanup);
    const report = await runCrashCampaign({ home: join(dir.path, "home"), workDir: join(dir.path, "acks"), kills: 200, lanes: 4 });
    console.log(`crash quick: ${JSON.stringify(report)}`);
    expect(report.kills).toBe(200);
    expect(report.itemsAcknowledged).toBeGreaterThan(200);
    expect(report.tornInjected + report.tornNatural).toBeGreaterThan(0);
    expect(report.tornKeptAside).toBeGreaterThan(0);
  }, 240_000);
});
