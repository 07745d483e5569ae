import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { axeViolations } from "../support/axe";
import { launchBrowser, signIn } from "../support/browser";
import { startServer, type TestServer } from "../support/server";
import { SEEDED, seedUiData } from "../support/ui-seed";

/** An iPhone 13 mini / SE-class screen, the narrowest the dashboard is made for. */
const PHONE = { width: 375, height: 812 };
/** WCAG 2.5.5 / Apple HIG: a finger needs 44 CSS px. */
const MIN_TAP_PX = 44;

let server: TestServer;
let browser: Browser;
let context: BrowserContext;
let p: Page;

before(async () => {
  server = await startServer();
  await seedUiData(server);
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: PHONE, hasTouch: true, isMobile: true });
  p = await signIn(context, server.url, server.password);
});

after(async () => {
  await browser?.close();
  await server?.dispose();
});

async function open(page: Page, route: string) {
  await page.goto(`${server.url}${route}`);
  await page.waitForLoadState("networkidle");
  if (route.startsWith("/analytics")) await page.locator(".recharts-surface").first().waitFor();
}

const sideways = (page: Page) =>
  page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    client: document.documentElement.clientWidth,
  }));

test("no page scrolls sideways at 375 px", async () => {
  const wide: string[] = [];
  for (const route of [
    "/",
    `/sessions/${SEEDED.markdown}`,
    `/sessions/${SEEDED.permission}`,
    `/sessions/${SEEDED.question}`,
    "/analytics",
    "/analytics?range=7d",
    "/instances",
  ]) {
    await open(p, route);
    const { scroll, client } = await sideways(p);
    if (scroll > client) wide.push(`${route}: ${scroll}px wide in ${client}px`);
  }
  const anonymous = await browser.newContext({ viewport: PHONE, isMobile: true });
  const login = await anonymous.newPage();
  await open(login, "/login");
  const { scroll, client } = await sideways(login);
  if (scroll > client) wide.push(`/login: ${scroll}px wide in ${client}px`);
  await anonymous.close();
  assert.deepEqual(wide, []);
});

test("the announcer's settings open inside the screen", async () => {
  await open(p, "/");
  await p.getByTestId("announcer-toggle").click();
  const panel = p.locator("#" + (await p.getByTestId("announcer-toggle").getAttribute("aria-controls")));
  await panel.waitFor();
  const box = await panel.boundingBox();
  assert.ok(box);
  assert.ok(box.x >= 0 && box.x + box.width <= PHONE.width, `panel spans ${box.x}..${box.x + box.width}px`);
});

test("a long title wraps instead of being cut to a few words", async () => {
  await open(p, "/");
  const title = p.locator(`[data-session-id="${SEEDED.markdown}"] [data-row-link]`);
  const shape = await title.evaluate((el) => {
    const text = (el.querySelector("[data-row-title]") ?? el) as HTMLElement;
    return {
      cut: text.scrollWidth > text.clientWidth,
      lines: Math.round(text.getBoundingClientRect().height / parseFloat(getComputedStyle(text).lineHeight)),
    };
  });
  assert.equal(shape.cut, false, "not cut off sideways");
  assert.ok(shape.lines >= 2, `wraps onto ${shape.lines} lines`);
});

/** What a finger can tap in `scope` and is shorter than MIN_TAP_PX, named for the message. */
const smallTargets = (page: Page, scope: string) =>
  page.evaluate(
    ([scope, min]) => {
      const found: string[] = [];
      const tappable = "a, button, input:not([type=hidden]), select, textarea, summary";
      for (const el of document.querySelectorAll<HTMLElement>(`${scope} :is(${tappable})`)) {
        // A radio or checkbox is tapped through its label.
        const target = el.closest("label") ?? el;
        const box = target.getBoundingClientRect();
        if (box.width <= 1 || box.height <= 1) continue; // not shown at this width
        const style = getComputedStyle(target);
        if (style.clipPath === "inset(50%)" || style.clip === "rect(0px, 0px, 0px, 0px)") continue; // a skip link
        if (el.closest("dialog") && !el.closest("dialog[open]")) continue;
        const where = el.closest("[data-session-id]")?.getAttribute("data-session-id") ?? "";
        if (box.height < min) found.push(`${where} ${el.tagName} "${el.textContent?.trim()}": ${box.height}px`);
      }
      return found;
    },
    [scope, MIN_TAP_PX] as const,
  );

test(`everything tappable in a row is at least ${MIN_TAP_PX} px tall`, async () => {
  await open(p, "/");
  assert.deepEqual(await smallTargets(p, "[data-testid=session-row]"), []);
});

test(`the header, the filters and the board's buttons are at least ${MIN_TAP_PX} px tall too`, async () => {
  await open(p, "/");
  assert.deepEqual(await smallTargets(p, "body"), []);
  await open(p, "/analytics");
  assert.deepEqual(await smallTargets(p, "header"), []);
});

test("at 375 px axe-core finds nothing either (regions that scroll sideways take the focus)", async () => {
  const narrow = await browser.newContext({ viewport: PHONE, isMobile: true, bypassCSP: true });
  try {
    await narrow.addCookies(await context.cookies());
    const page = await narrow.newPage();
    const found: string[] = [];
    for (const route of ["/", "/analytics?range=7d", `/sessions/${SEEDED.markdown}`, "/instances"]) {
      await open(page, route);
      for (const v of await axeViolations(page)) found.push(`${route} ${v.id}: ${v.nodes.join("; ")}`);
    }
    assert.deepEqual(found, []);
  } finally {
    await narrow.close();
  }
});
