// The oversight pages in a real browser against the real server and a demo database: the
// dashboard's KPIs and collector leaderboard (manager), the strategy page, the compliance page
// with blocks and the audit trail's verification (compliance officer), creating a user on the
// admin page (administrator), a collector refused the admin page, and the language switch on
// each page. Screenshots go to artifacts/.
import { expect, test, type Page } from "@playwright/test";
import { confirm, PASSWORD, shot } from "./helpers";

async function signIn(page: Page, username: string, next = "") {
  await page.goto(next ? `/login?next=${encodeURIComponent(next)}` : "/login");
  await page.getByTestId("login-username").fill(username);
  await page.getByTestId("login-password").fill(PASSWORD);
  await page.getByTestId("login-submit").click();
}

/** Interface text only: data cells (names, notes, audit details, cities) are left out. */
async function interfaceText(page: Page): Promise<string> {
  return page.evaluate(() => {
    const clone = document.body.cloneNode(true) as HTMLElement;
    const data = [
      '[data-testid="signed-in-user"]',
      '[data-testid="language-switch"]',
      "[data-user-data]",
      '[data-testid="qa-notes"] tbody',
      '[data-testid="qa-templates"] tbody',
      '[data-testid="audit-table"] tbody',
      '[data-testid="users-table"] tbody',
      ".ant-tag",
    ];
    clone.querySelectorAll(data.join(", ")).forEach((n) => n.remove());
    document.body.appendChild(clone);
    clone.style.position = "absolute";
    const text = clone.innerText;
    clone.remove();
    return text;
  });
}

async function expectNoChinese(page: Page, where: string) {
  const han = (await interfaceText(page)).match(/[\u3400-\u9fff\uff00-\uffef]+/g);
  expect(han, `Chinese left on the English ${where}: ${han?.join(" ")}`).toBeNull();
}

test("as manager the dashboard shows the collection KPIs and the collector leaderboard", async ({ page }) => {
  await signIn(page, "manager");
  await expect(page).toHaveURL(/\/dashboard/);
  for (const id of ["kpi-cure", "kpi-recovery", "kpi-ptp", "kpi-rpc"]) {
    await expect(page.getByTestId(id), id).toBeVisible();
  }
  await expect(page.getByTestId("kpi-cure")).toContainText("%");
  await expect(page.getByTestId("kpi-recovery-detail")).toContainText("¥");
  await expect(page.getByTestId("kpi-rpc")).toContainText("%");
  await expect(page.getByTestId("chart-rpc").locator("canvas").first()).toBeVisible();
  await expect(page.getByTestId("chart-promises").locator("canvas").first()).toBeVisible();
  const board = page.getByTestId("leaderboard");
  await expect(board).toBeVisible();
  await expect(board.getByTestId("leader-collector1")).toBeVisible();
  await expect(board.getByTestId("leader-collector2")).toBeVisible();
  await expect(board).toContainText(/¥[\d,]+\.\d{2}/);
  await shot(page, "dashboard-kpis-manager-zh");

  // The period lives in the URL.
  await page.getByTestId("dashboard-days").getByText("近 30 天").click();
  await expect(page).toHaveURL(/days=30/);
  await expect(page.getByTestId("card-leaderboard")).toContainText("统计区间");

  // A collector asking the API gets only their own row.
  const own = await page.evaluate(async () => {
    const signIn = await fetch("/api/v1/session", {
      method: "POST",
      credentials: "omit",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ username: "collector1", password: "recoup-demo" }),
    });
    const { token } = await signIn.json();
    const response = await fetch("/api/v1/reports/leaderboard", {
      credentials: "omit",
      headers: { Authorization: `Bearer ${token}` },
    });
    return response.json();
  });
  expect(own.scope).toBe("own");
  expect(own.rows.map((r: { username: string }) => r.username)).toEqual(["collector1"]);
});

test("the strategy page shows the active strategy and the champion/challenger results", async ({ page }) => {
  await signIn(page, "manager", "/strategy");
  await expect(page).toHaveURL(/\/strategy/);
  await expect(page.getByTestId("page-title")).toHaveText("催收策略");
  await expect(page.getByTestId("strategy-name")).toHaveText("cn-default");
  await expect(page.getByTestId("segment-lost_contact")).toContainText("失联");
  await expect(page.getByTestId("strategy-arms")).toContainText("挑战者策略");
  await expect(page.getByTestId("arm-results")).toContainText("冠军策略");
  await expect(page.getByTestId("chart-arms").locator("canvas").first()).toBeVisible();
  const rows = page.getByTestId("treatments").locator("tbody tr.ant-table-row");
  const all = await rows.count();
  expect(all).toBeGreaterThan(5);
  await shot(page, "strategy-zh");
  await page.getByTestId("treatment-stage-filter").click();
  await page.locator(".ant-select-item-option", { hasText: "后期" }).click();
  await expect(page).toHaveURL(/stage=late/);
  await expect.poll(() => rows.count()).toBeLessThan(all);
});

test("as compliance the compliance page shows blocks and the audit trail verified", async ({ page }) => {
  await signIn(page, "compliance", "/compliance");
  await expect(page).toHaveURL(/\/compliance/);
  const verify = page.getByTestId("audit-verify");
  await expect(verify).toHaveAttribute("data-status", "verified");
  await expect(verify).toContainText("审计日志校验通过");
  await expect(page.getByTestId("blocks-total")).toContainText("拦截");
  // The demo's planned week may block nothing; then the card says so instead of a table.
  const report = await page.evaluate(async () => (await fetch("/api/v1/reports/compliance")).json());
  if (report.blocked > 0) {
    await expect(page.getByTestId("blocks-table")).toBeVisible();
    await expect(page.getByTestId("chart-blocks").locator("canvas").first()).toBeVisible();
  } else {
    await expect(page.getByTestId("card-blocks")).toContainText("该区间没有被合规规则拦截的联系");
  }
  console.log(`compliance page: ${report.permitted} contacts permitted, ${report.blocked} blocked in the demo's last week`);
  await expect(page.getByTestId("qa-notes")).toContainText("诉讼");
  await expect(page.getByTestId("audit-table").locator("tbody tr.ant-table-row").first()).toBeVisible();
  await shot(page, "compliance-zh");

  // Filter the trail by action: the filter goes into the URL and every row matches.
  await page.getByTestId("audit-action").click();
  await page.locator(".ant-select-item-option").filter({ hasText: /^登录$/ }).click();
  await expect(page).toHaveURL(/action=login/);
  const actions = page.getByTestId("audit-table").locator("tbody tr.ant-table-row td:nth-child(4)");
  await expect(actions.first()).toHaveText("登录");
  expect(new Set(await actions.allInnerTexts())).toEqual(new Set(["登录"]));
});

test("as admin a user is created on the admin page", async ({ page }) => {
  await signIn(page, "admin", "/admin");
  await expect(page).toHaveURL(/\/admin/);
  await expect(page.getByTestId("users-table")).toContainText("collector1");
  const username = `e2e-${Date.now().toString(36)}`;
  await page.getByTestId("user-create-open").click();
  await page.getByTestId("user-username").fill(username);
  await page.getByTestId("user-display-name").fill("测试催收员");
  await page.getByTestId("user-role").click();
  await page.locator(".ant-select-item-option", { hasText: "催收员" }).first().click();
  await page.getByTestId("user-password").fill("short");
  await page.getByTestId("user-create-submit").click();
  // The server's refusal is shown next to the password field.
  const passwordItem = page.locator(".ant-form-item").filter({ has: page.getByTestId("user-password") });
  await expect(passwordItem.locator(".ant-form-item-explain-error")).toContainText("密码不符合要求");
  await page.getByTestId("user-password").fill("a-long-enough-passphrase-42");
  await page.getByTestId("user-create-submit").click();
  await expect(page.getByTestId("users-table")).toContainText(username);
  await shot(page, "admin-zh");

  // The admin cannot deactivate their own account; the new user can be.
  await expect(page.getByTestId("user-actions-admin").getByTestId("user-toggle-active")).toHaveCount(0);
  const actions = page.getByTestId(`user-actions-${username}`);
  const row = page.getByTestId("users-table").locator("tr", { has: actions });
  // A new password: a weak one is refused next to the field, a good one is saved.
  await actions.getByTestId("user-set-password").click();
  // Wait for the dialog's opening motion to end: on a loaded machine a click on its button
  // while it still zooms in can be lost.
  await expect(page.locator(".ant-modal.ant-zoom-enter, .ant-modal.ant-zoom-appear")).toHaveCount(0);
  await page.getByTestId("user-new-password").fill("short");
  const refused = page.waitForResponse(
    (response) => response.url().includes(`/api/v1/users/${username}`) && response.request().method() === "PATCH",
  );
  await page.getByTestId("user-password-submit").click();
  expect((await refused).status()).toBe(422);
  const newPasswordItem = page.locator(".ant-form-item").filter({ has: page.getByTestId("user-new-password") });
  await expect(newPasswordItem.locator(".ant-form-item-explain-error")).toContainText("密码不符合要求");
  await page.getByTestId("user-new-password").fill("another-long-passphrase-43");
  await page.getByTestId("user-password-submit").click();
  await expect(page.locator(".ant-message")).toContainText("已为");
  await expect(page.getByTestId("user-password-form")).toHaveCount(0);
  // Deactivate, confirmed, and bring back.
  await actions.getByTestId("user-toggle-active").click();
  await confirm(page);
  await expect(page.locator(".ant-message")).toContainText("已停用");
  await expect(row).toContainText("停用");
  await expect(actions.getByTestId("user-toggle-active")).toHaveText(/启\s*用/);
  const status = await page.evaluate(async (name) => {
    const response = await fetch("/api/v1/session", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ username: name, password: "another-long-passphrase-43" }),
    });
    return response.status;
  }, username);
  expect(status, "a deactivated user cannot sign in").toBe(401);
  await actions.getByTestId("user-toggle-active").click();
  await confirm(page);
  await expect(row.locator(".ant-tag-green")).toBeVisible();

  await page.getByTestId("tab-roles").click();
  await expect(page).toHaveURL(/tab=roles/);
  await expect(page.getByTestId("roles-matrix")).toContainText("管理用户");
  await page.getByTestId("tab-assignment").click();
  await expect(page.getByTestId("assignment-queues")).toContainText("外访员");
});

test("a collector cannot open the admin or compliance pages", async ({ page }) => {
  await signIn(page, "collector1");
  await expect(page).toHaveURL(/\/queue/);
  await expect(page.getByTestId("main-menu")).not.toContainText("系统管理");
  await page.goto("/admin");
  await expect(page.getByTestId("forbidden")).toContainText("催收员");
  await shot(page, "forbidden-admin-collector-zh");
  await page.goto("/compliance");
  await expect(page.getByTestId("forbidden")).toBeVisible();
  const statuses = await page.evaluate(async () =>
    Promise.all(["/api/v1/users", "/api/v1/roles", "/api/v1/settings/assignment", "/api/v1/reports/kpis"].map(
      async (path) => (await fetch(path)).status,
    )),
  );
  expect(statuses).toEqual([403, 403, 403, 403]);
});

test("the oversight pages switch to English and back", async ({ page }) => {
  await signIn(page, "admin", "/strategy");
  await expect(page.getByTestId("strategy-name")).toBeVisible();
  await page.getByTestId("language-switch").getByText("English").click();
  await expect(page.getByTestId("page-title")).toHaveText("Collection strategy");
  await expect(page.getByTestId("segment-lost_contact")).toContainText("Lost contact");
  await expectNoChinese(page, "strategy page");
  await shot(page, "strategy-en");

  await page.getByTestId("main-menu").getByText("Compliance").click();
  await expect(page.getByTestId("audit-verify")).toHaveAttribute("data-status", "verified");
  await expect(page.getByTestId("audit-verify")).toContainText("Audit trail verified");
  await expect(page.getByTestId("qa-notes")).toBeVisible();
  await expectNoChinese(page, "compliance page");
  await shot(page, "compliance-en");

  await page.getByTestId("main-menu").getByText("Administration").click();
  await expect(page.getByTestId("users-table")).toBeVisible();
  await expectNoChinese(page, "admin page");
  await shot(page, "admin-en");

  await page.getByTestId("main-menu").getByText("Dashboard").click();
  await expect(page.getByTestId("leaderboard")).toBeVisible();
  await expect(page.getByTestId("kpi-cure")).toContainText("%");
  await expect(page.getByTestId("card-leaderboard")).toContainText("Collector leaderboard");
  await expectNoChinese(page, "dashboard");
  await shot(page, "dashboard-kpis-admin-en");

  await page.getByTestId("language-switch").getByText("中文").click();
  await expect(page.getByTestId("page-title")).toHaveText("经营看板");
  const back = await interfaceText(page);
  for (const word of ["Cure rate", "Collector leaderboard", "Right-party", "Promises to pay"]) {
    expect(back, word).not.toContain(word);
  }
});
