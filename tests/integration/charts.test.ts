import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import { launchBrowser, signIn } from "../support/browser";
import { startServer, type TestServer } from "../support/server";
import { SEEDED, seedUiData } from "../support/ui-seed";

let server: TestServer;
let browser: Browser;
let p: Page;

before(async () => {
  server = await startServer();
  await seedUiData(server);
  browser = await launchBrowser();
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  p = await signIn(context, server.url, server.password);
});

after(async () => {
  await browser?.close();
  await server?.dispose();
});

async function legendColour(range: string, model: string) {
  await p.goto(`${server.url}/analytics?range=${range}`);
  const item = p.locator(".recharts-legend-item").filter({ hasText: model }).first();
  await item.waitFor();
  return item.locator(".recharts-legend-icon").getAttribute("fill");
}

test("a model keeps its colour whatever the range", async () => {
  // Today only this model has usage; over the week another one costs more and comes first.
  const today = await legendColour("today", SEEDED.todayModel);
  const week = await legendColour("7d", SEEDED.todayModel);
  assert.ok(today);
  assert.equal(week, today);
  assert.notEqual(await legendColour("7d", SEEDED.weekModel), null);
});

test("areas over sparse days are drawn straight, without curves that bulge between them", async () => {
  await p.goto(`${server.url}/analytics?range=7d`);
  const areas = p.locator(".recharts-area-area");
  await areas.first().waitFor();
  for (const d of await areas.evaluateAll((paths) => paths.map((el) => el.getAttribute("d") ?? ""))) {
    assert.doesNotMatch(d, /C/, "no cubic Bézier segments");
  }
});
