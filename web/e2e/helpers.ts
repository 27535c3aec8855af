// Helpers shared by the workspace tests: sign-in, screenshots into artifacts/, the API as the
// signed-in browser sees it, Ant Design selects and confirmations, and timing.
import { expect, type Locator, type Page } from "@playwright/test";
import { mkdirSync } from "node:fs";

export const PASSWORD = "recoup-demo";
/** Which server build the timings are of (`.ci/e2e` says); the 1 s target is for release. */
export const BUILD_NOTE =
  process.env.RECOUP_E2E_BUILD === "debug"
    ? "; debug server — the target is for release: run .ci/e2e alone"
    : process.env.RECOUP_E2E_BUILD
      ? `; ${process.env.RECOUP_E2E_BUILD} server`
      : "";
export const ARTIFACTS = new URL("../../artifacts/", import.meta.url).pathname;
mkdirSync(ARTIFACTS, { recursive: true });

export async function signIn(page: Page, username: string, password = PASSWORD): Promise<void> {
  await page.goto("/login");
  await page.getByTestId("login-username").fill(username);
  await page.getByTestId("login-password").fill(password);
  await page.getByTestId("login-submit").click();
  await expect(page.getByTestId("signed-in-user")).toBeVisible();
}

export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage: true });
}

/** GET from the API with the page's session; returns status and JSON. */
export async function apiGet<T = unknown>(page: Page, path: string): Promise<{ status: number; body: T }> {
  return page.evaluate(async (p) => {
    const response = await fetch(`/api/v1${p}`, { headers: { Accept: "application/json" } });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : null) as never };
  }, path);
}

/** Opens an Ant Design select and picks the option with this text. */
export async function choose(page: Page, select: Locator, option: string): Promise<void> {
  // A select inside a dialog that is still zooming in can have its list closed by the click that
  // lands on the dialog's wrapper (seen on a slow phone-sized run): wait for dialogs to settle,
  // and open the list again if it closed before the option was clicked.
  await expect(page.locator(".ant-modal.ant-zoom-appear, .ant-modal.ant-zoom-enter, .ant-modal.ant-zoom-leave")).toHaveCount(0);
  const item = page.locator(`.ant-select-dropdown:visible .ant-select-item-option[title="${option}"]`);
  await expect(async () => {
    if (!(await item.isVisible())) await select.click();
    await item.click({ timeout: 3_000 });
  }).toPass({ timeout: 30_000 });
  // Wait until the list has closed, so that the next select's list is the only one open.
  await expect(item).toBeHidden();
}

/** Accepts the confirmation dialog that is open. */
export async function confirm(page: Page): Promise<void> {
  const dialog = page.locator(".ant-modal-confirm:visible");
  await expect(dialog).toBeVisible();
  // A click while the dialog is still zooming in can be lost (seen once on a loaded machine).
  await expect(page.locator(".ant-modal.ant-zoom-appear, .ant-modal.ant-zoom-enter")).toHaveCount(0);
  // The OK button is the last one (a dangerous action's is red, not "primary").
  await dialog.locator(".ant-modal-confirm-btns .ant-btn").last().click();
}

/** A date `days` from today in the lender's time zone (the server's "today"), as YYYY-MM-DD. */
export function shanghaiDate(days: number): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai" }).format(Date.now() + days * 86_400_000);
}

/** Times `visit` (which loads a page and waits for its main content) `runs` times. */
export async function timeToContent(
  page: Page,
  label: string,
  runs: number,
  visit: () => Promise<void>,
): Promise<number[]> {
  const figures: number[] = [];
  for (let run = 0; run < runs; run++) {
    await page.goto("about:blank");
    const started = Date.now();
    await visit();
    figures.push(Date.now() - started);
  }
  const sorted = [...figures].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
  console.log(
    `time to main content: ${label} ${figures.join(" ms, ")} ms (median ${median} ms, best ${sorted[0]} ms, target ≤ 1000 ms${BUILD_NOTE})`,
  );
  return figures;
}

/** Text of the interface labels on the page (titles, field labels, buttons, tabs, column heads). */
export async function labelTexts(page: Page, within = "body"): Promise<string[]> {
  return page.evaluate((root) => {
    const selectors = [
      ".ant-card-head-title",
      ".ant-descriptions-item-label",
      ".ant-btn",
      ".ant-tabs-tab",
      ".ant-statistic-title",
      ".ant-table-thead th",
      ".ant-segmented-item-label",
      ".ant-menu-item",
      ".ant-tag",
      ".ant-form-item-label",
      ".ant-empty-description",
      ".ant-alert-message",
    ];
    const scope = document.querySelector(root) ?? document.body;
    return Array.from(scope.querySelectorAll<HTMLElement>(selectors.join(",")))
      // Elements marked data-user-data quote stored data (a note's words), not interface text.
      .filter(
        (el) =>
          el.offsetParent !== null &&
          !el.closest('[data-testid="language-switch"]') &&
          !el.closest("[data-user-data]"),
      )
      .map((el) => el.innerText.trim())
      .filter(Boolean);
  }, within);
}

export const HAN = /[\u3400-\u9fff\uff00-\uffef]/;

/** Whether the page scrolls sideways. */
export async function scrollsSideways(page: Page): Promise<{ scroll: number; width: number }> {
  return page.evaluate(() => ({
    scroll: Math.max(document.documentElement.scrollWidth, document.body.scrollWidth),
    width: window.innerWidth,
  }));
}

/** The JavaScript files the page has loaded, with their sizes as sent (the server does not compress). */
export async function printScripts(page: Page, label: string): Promise<void> {
  const list = await page.evaluate(() =>
    (performance.getEntriesByType("resource") as PerformanceResourceTiming[])
      .filter((entry) => entry.name.endsWith(".js"))
      .map((entry) => ({
        name: new URL(entry.name).pathname.replace("/assets/", ""),
        kib: Math.round((entry.encodedBodySize / 1024) * 10) / 10,
      })),
  );
  const total = list.reduce((sum, s) => sum + s.kib, 0);
  console.log(`bundle: ${label} loads ${list.length} scripts, ${total.toFixed(1)} KiB: ${list.map((s) => s.name).join(" ")}`);
}
