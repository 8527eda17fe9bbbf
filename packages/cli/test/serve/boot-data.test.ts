import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { pageWithBootData, scriptSafeJson } from "../../src/serve/boot-data.js";

const INDEX = "<html><head><title>t</title></head><body></body></html>";

describe("the page's first API answers (boot data)", () => {
  it("an answer not ready within the budget becomes a preload link, and the page does not wait for it", async () => {
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const api = new Hono();
    api.get("/threads", async (c) => (await held, c.json({ items: [] })));
    const page = await pageWithBootData(INDEX, "/", api, { budgetMs: 10 });
    expect(page).toContain('<link rel="preload" href="/api/threads?sort=updated&amp;limit=50" as="fetch" crossorigin="anonymous">');
    expect(page).not.toContain("data-boot-url");
    release();
  });

  it("JSON in a script element cannot end it: every < is escaped, and it parses back the same", () => {
    const value = { text: "</script><script>alert(1)</script> \u2028 <!--" };
    const safe = scriptSafeJson(JSON.stringify(value));
    expect(safe).not.toContain("<");
    expect(JSON.parse(safe)).toEqual(value);
  });
});
