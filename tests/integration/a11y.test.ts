import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { axeViolations } from "../support/axe";
import { launchBrowser, signIn } from "../support/browser";
import { startServer, type TestServer } from "../support/server";
import { SEEDED, seedUiData } from "../support/ui-seed";

let server: TestServer;
let browser: Browser;
let signedIn: BrowserContext;

const PAGES = [
  ["board", "/"],
  ["session with Markdown", `/sessions/${SEEDED.markdown}`],
  ["session asking permission", `/sessions/${SEEDED.permission}`],
  ["session with a question", `/sessions/${SEEDED.question}`],
  ["session with an error", `/sessions/${SEEDED.error}`],
  ["analytics", "/analytics?range=7d"],
  ["hosts", "/instances"],
] as const;

before(async () => {
  server = await startServer();
  await seedUiData(server);
  browser = await launchBrowser();
  signedIn = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await signIn(signedIn, server.url, server.password);
});

after(async () => {
  await browser?.close();
  await server?.dispose();
});

/** A page as someone sees it once it settled: live, charts drawn, entries laid out. */
async function open(p: Page, route: string) {
  await p.goto(`${server.url}${route}`);
  await p.waitForLoadState("networkidle");
  if (route !== "/login") await p.getByTestId("connection").filter({ hasText: "Live" }).waitFor();
  if (route.startsWith("/analytics")) await p.locator(".recharts-surface").first().waitFor();
}

const report = (violations: Awaited<ReturnType<typeof axeViolations>>) =>
  violations.map((v) => `${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.join("\n    ")}`).join("\n");

async function themed(colorScheme: "light" | "dark", signedInToo = true) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme, bypassCSP: true });
  if (signedInToo) await context.addCookies(await signedIn.cookies());
  return context;
}

describe("axe-core finds nothing", () => {
  for (const colorScheme of ["light", "dark"] as const) {
    test(`on every page in the ${colorScheme} theme`, async () => {
      const context = await themed(colorScheme);
      try {
        const p = await context.newPage();
        const found: string[] = [];
        for (const [name, route] of PAGES) {
          await open(p, route);
          assert.equal(await p.evaluate(() => document.documentElement.dataset.theme), colorScheme);
          const violations = await axeViolations(p);
          if (violations.length) found.push(`${name} (${route}):\n  ${report(violations)}`);
        }
        const anonymous = await themed(colorScheme, false);
        const login = await anonymous.newPage();
        await open(login, "/login");
        const onLogin = await axeViolations(login);
        if (onLogin.length) found.push(`login:\n  ${report(onLogin)}`);
        await anonymous.close();
        assert.deepEqual(found, [], found.join("\n\n"));
      } finally {
        await context.close();
      }
    });

    test(`in the shortcuts help and the announcer's settings, ${colorScheme} theme`, async () => {
      const context = await themed(colorScheme);
      try {
        const p = await context.newPage();
        const found: string[] = [];
        await open(p, "/");
        await p.getByTestId("announcer-toggle").click();
        const announcer = await axeViolations(p);
        if (announcer.length) found.push(`announcer settings:\n  ${report(announcer)}`);
        await p.getByTestId("announcer-toggle").click();
        await p.keyboard.press("?");
        await p.getByRole("dialog", { name: "Keyboard shortcuts" }).waitFor();
        const help = await axeViolations(p);
        if (help.length) found.push(`shortcuts help:\n  ${report(help)}`);
        assert.deepEqual(found, [], found.join("\n\n"));
      } finally {
        await context.close();
      }
    });
  }
});

describe("keyboard", () => {
  let p: Page;
  const focused = () =>
    p.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      return {
        row: el?.closest("[data-testid=session-row]")?.getAttribute("data-session-id") ?? null,
        rowLink: el?.hasAttribute("data-row-link") ?? false,
        tag: el?.tagName ?? "",
        type: el?.getAttribute("type") ?? "",
      };
    });
  const rowOrder = () =>
    p.evaluate(() =>
      [...document.querySelectorAll("[data-testid=session-row]")].map((r) => r.getAttribute("data-session-id")),
    );

  before(async () => {
    p = await signedIn.newPage();
  });

  test("the first row is one Tab stop away, through the skip link", async () => {
    await open(p, "/");
    await p.keyboard.press("Tab");
    const skip = await p.evaluate(() => document.activeElement?.textContent ?? "");
    assert.match(skip, /Skip to sessions/);
    await p.keyboard.press("Enter");
    const order = await rowOrder();
    assert.deepEqual(await focused(), { row: order[0], rowLink: true, tag: "A", type: "" });
  });

  test("a focused row shows a ring, not only an underline", async () => {
    const outline = await p.evaluate(() => {
      const style = getComputedStyle(document.activeElement as HTMLElement);
      return { style: style.outlineStyle, width: parseFloat(style.outlineWidth) };
    });
    assert.notEqual(outline.style, "none");
    assert.ok(outline.width >= 2, `outline ${outline.width}px`);
  });

  test("j and k move between rows, Enter opens the focused one", async () => {
    await open(p, "/");
    const order = await rowOrder();
    assert.ok(order.length >= 3);
    await p.keyboard.press("j");
    assert.equal((await focused()).row, order[0]);
    await p.keyboard.press("j");
    await p.keyboard.press("j");
    assert.equal((await focused()).row, order[2]);
    await p.keyboard.press("k");
    const target = (await focused()).row;
    assert.equal(target, order[1]);
    assert.equal((await focused()).rowLink, true);
    await p.keyboard.press("Enter");
    await p.waitForURL((url) => url.pathname === `/sessions/${target}`);
  });

  test("/ focuses the search, and keys typed there stay text", async () => {
    await open(p, "/");
    await p.keyboard.press("/");
    assert.deepEqual(await focused(), { row: null, rowLink: false, tag: "INPUT", type: "search" });
    await p.keyboard.type("jk?");
    assert.equal(await p.locator("input[type=search]").inputValue(), "jk?");
    assert.equal(await p.getByRole("dialog", { name: "Keyboard shortcuts" }).count(), 0);
  });

  test("? lists the shortcuts, Escape closes the list", async () => {
    await open(p, "/");
    await p.keyboard.press("?");
    const help = p.getByRole("dialog", { name: "Keyboard shortcuts" });
    await help.waitFor();
    for (const key of ["j", "k", "Enter", "/", "w", "?"]) {
      assert.ok(await help.locator("kbd", { hasText: key }).count(), `${key} is listed`);
    }
    await p.keyboard.press("Escape");
    await help.waitFor({ state: "hidden" });
  });
});
