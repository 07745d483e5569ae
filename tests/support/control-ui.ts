/**
 * What the control browser tests share (tests/integration/control-ui*.test.ts): finding a session's
 * row on the board, waiting for its attention to change, and screenshots for a person to look at.
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import type { Page } from "playwright-core";
import type { SessionDetail } from "../../lib/sessions/detail.ts";
import type { TestServer } from "./server.ts";

const SCREENSHOTS = path.resolve(import.meta.dirname, "../../test-results/screenshots");

/** A session's page data; fields are read with `?.` because the dashboard answers 404 until it knows the session. */
export async function detailOf(dashboard: TestServer, id: string): Promise<Partial<SessionDetail>> {
  const res = await fetch(`${dashboard.url}/api/sessions/${id}?order=desc&limit=50`, {
    headers: { "x-api-key": dashboard.password },
    signal: AbortSignal.timeout(15_000),
  });
  return (await res.json()) as Partial<SessionDetail>;
}

export const rowOf = (p: Page, id: string) => p.locator(`[data-testid="session-row"][data-session-id="${id}"]`);

/** Waits until the session's row on the board waits for `reason` ("permission", "question", …). */
export async function attentionOf(p: Page, id: string, reason: string, timeout = 60_000) {
  await p.waitForFunction(
    ([id, reason]) =>
      document.querySelector(`[data-testid="session-row"][data-session-id="${id}"]`)?.getAttribute("data-attention") ===
      reason,
    [id, reason],
    { timeout },
  );
}

/** The row no longer asks for the permission (it may wait for the next prompt once the turn ends). */
export async function stopsWaitingForPermission(p: Page, id: string) {
  await p.waitForFunction(
    (id) =>
      document.querySelector(`[data-testid="session-row"][data-session-id="${id}"]`)?.getAttribute("data-attention") !==
      "permission",
    id,
    { timeout: 30_000 },
  );
}

export async function shoot(p: Page, name: string) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await p.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}
