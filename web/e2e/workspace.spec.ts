// The workspace in a real browser against the real server and the 2,000-loan demo database:
// a collector works the first case of the queue (a call with a promise to pay, seen on the
// timeline); a waiver goes from collector to manager and changes the balance; each role sees
// only what it may; the field agent's view on a 375×667 phone; the language switch on the case
// page; the queue's URL filters and sort; bulk reassignment; time to main content of the queue
// and case pages. Screenshots go to artifacts/.
import { expect, test, type Page } from "@playwright/test";
import {
  HAN,
  apiGet,
  choose,
  confirm,
  labelTexts,
  printScripts,
  scrollsSideways,
  shanghaiDate,
  shot,
  signIn,
  timeToContent,
} from "./helpers";

interface QueueItem {
  borrower_id: number;
  assignee: string | null;
  agency: string | null;
  dpd: number;
  stage: string;
}
interface QueuePage {
  items: QueueItem[];
  total: number;
}
interface Loan {
  loan_no: string;
  status: string;
  arrears_fen: number;
  penalty_fen: number;
  fees_fen: number;
}
interface CaseFile {
  case: { borrower_id: number; assignee: string | null };
  loans: Loan[];
}

async function firstRow(page: Page) {
  const row = page.getByTestId("queue-row").first();
  await expect(row).toBeVisible();
  return row;
}

/** The case page's main content: the borrower and the timeline. */
async function caseShown(page: Page) {
  await expect(page.getByTestId("case-borrower")).toBeVisible();
  await expect(page.getByTestId("case-timeline")).toBeVisible();
}

/** The whole case page, with the loans and the case details drawn after the main content. */
async function caseLoaded(page: Page) {
  await caseShown(page);
  await expect(page.getByTestId("case-loans")).toBeVisible();
  await expect(page.getByTestId("case-summary")).toBeVisible();
}

test("a collector opens the first case of the queue, logs a call with a promise to pay and sees it on the timeline", async ({
  page,
}) => {
  await signIn(page, "collector1");
  await expect(page).toHaveURL(/\/queue/);
  await expect(page.getByTestId("page-title")).toHaveText("我的队列");
  const row = await firstRow(page);
  // Phones are masked in the queue.
  await expect(row).toContainText(/\d{3}\*{4}\d{4}/);
  await shot(page, "queue-collector-zh");
  const id = await row.getAttribute("data-row-key");
  await row.click();
  await expect(page).toHaveURL(new RegExp(`/cases/${id}$`));
  await caseLoaded(page);

  await page.getByTestId("action-log").click();
  const form = page.getByTestId("log-contact-form");
  await expect(form).toBeVisible();
  // The first field has the focus.
  await expect(form.locator("input").first()).toBeFocused();
  await choose(page, form.getByTestId("log-outcome"), "承诺还款");
  await choose(page, form.getByTestId("log-delay"), "经济困难");
  await choose(page, form.getByTestId("log-temperament"), "担忧型");
  await form.getByTestId("log-note").fill("客户表示本周五发工资后还款");
  await form.getByTestId("promise-amount").fill("1,234.50");
  // The date is typed (ISO is accepted beside the locale's format); Enter submits the form.
  const due = shanghaiDate(3);
  const dateInput = form.locator(".ant-picker input");
  await dateInput.click();
  await dateInput.fill(due);
  await dateInput.press("Enter");
  await expect(page.locator(".ant-message")).toContainText("联系记录和承诺还款已保存");
  await expect(form).toBeHidden();

  const promise = page.getByTestId("timeline-promise").filter({ hasText: "¥1,234.50" });
  await expect(promise.first()).toBeVisible();
  const [y, m, d] = due.split("-").map(Number);
  await expect(promise.first()).toContainText(`${y}年${m}月${d}日`);
  // The call itself is on the timeline too, newest first, with its outcome.
  await expect(page.getByTestId("timeline-contact").first()).toContainText("电话：承诺还款");
  await shot(page, "case-collector-zh");
});

test("a note blocked by language QA is refused next to the field; a clean note is saved", async ({ page }) => {
  await signIn(page, "collector1");
  await (await firstRow(page)).click();
  await caseLoaded(page);
  await page.getByTestId("action-note").click();
  const form = page.getByTestId("note-form");
  await expect(form.getByTestId("note-text")).toBeFocused();
  await form.getByTestId("note-text").fill("再不还钱就弄死你");
  await form.getByTestId("note-submit").click();
  const item = form.locator(".ant-form-item").filter({ has: page.getByTestId("note-text") });
  await expect(item.locator(".ant-form-item-explain-error")).toContainText("话术质检拦截");
  await form.getByTestId("note-text").fill("已与客户沟通，约定下周再联系");
  await form.getByTestId("note-submit").click();
  await expect(form).toBeHidden();
  await expect(page.getByTestId("timeline-note").first()).toContainText("约定下周再联系");
});

test("a waiver requested by a collector and approved by a manager changes the case's balance", async ({ page }) => {
  await signIn(page, "collector1");
  // A case of collector1 with penalty interest to waive.
  const queue = await apiGet<QueuePage>(page, "/queue?limit=50");
  let found: { id: number; loan: Loan } | null = null;
  for (const item of queue.body.items) {
    const file = await apiGet<CaseFile>(page, `/cases/${item.borrower_id}`);
    const loan = file.body.loans.find((l) => l.status === "active" && l.penalty_fen >= 100);
    if (loan && file.body.loans.filter((l) => l.status === "active").length === 1) {
      found = { id: item.borrower_id, loan };
      break;
    }
  }
  expect(found, "a case of collector1 with penalty interest").not.toBeNull();
  const { id, loan } = found as { id: number; loan: Loan };

  await page.goto(`/cases/${id}`);
  await caseLoaded(page);
  await expect(page.getByTestId("loan-penalty").first()).toBeVisible();
  await page.getByTestId("action-waiver").click();
  const form = page.getByTestId("waiver-form");
  await expect(form.getByTestId("waiver-penalty")).toBeFocused();
  await expect(form.getByTestId("waiver-balances")).toContainText(loan.loan_no);
  // More than is owed is refused by the form, next to the field.
  await form.getByTestId("waiver-penalty").fill(((loan.penalty_fen + 100_000) / 100).toFixed(2));
  await form.getByTestId("waiver-reason").fill("客户配合还款，申请减免部分罚息");
  await form.getByTestId("waiver-submit").click();
  await expect(form.locator(".ant-form-item-explain-error").first()).toContainText("不能超过");
  await form.getByTestId("waiver-penalty").fill("1.00");
  await form.getByTestId("waiver-submit").click();
  await confirm(page);
  await expect(page.locator(".ant-message")).toContainText("减免申请已提交");

  // The manager approves it in the inbox.
  await page.context().clearCookies();
  await signIn(page, "manager");
  await page.goto("/approvals");
  await expect(page.getByTestId("page-title")).toHaveText("待审批");
  const row = page.getByTestId("approvals-table").locator("tr").filter({ hasText: loan.loan_no }).last();
  await expect(row).toBeVisible();
  await expect(row).toContainText("¥1.00");
  await shot(page, "approvals-manager-zh");
  await row.getByTestId("approve").click();
  const decision = page.getByTestId("decision-submit");
  await expect(page.getByTestId("decision-comment")).toBeFocused();
  await page.getByTestId("decision-comment").fill("同意");
  await decision.click();
  await confirm(page);
  const result = page.getByTestId("approval-result");
  await expect(result).toBeVisible();
  const before = loan.arrears_fen;
  const money = (fen: number) =>
    new Intl.NumberFormat("zh-CN", { style: "currency", currency: "CNY", currencyDisplay: "narrowSymbol", minimumFractionDigits: 2 }).format(fen / 100);
  await expect(page.getByTestId("approval-arrears-change")).toContainText(`${money(before)} → ${money(before - 100)}`);
  await shot(page, "approvals-approved-zh");

  // The case shows the new figures.
  await page.getByTestId("approval-case-link").click();
  await caseLoaded(page);
  await expect(page.getByTestId("loan-arrears").first()).toHaveText(money(before - 100));
  await expect(page.getByTestId("loan-penalty").first()).toHaveText(money(loan.penalty_fen - 100));
});

test("each role sees only what it may", async ({ page }) => {
  const menu = () => page.getByTestId("main-menu");

  // collector1: only its own cases, no approvals, no dashboard.
  await signIn(page, "collector1");
  await expect(menu()).toContainText("我的队列");
  await expect(menu()).not.toContainText("审批");
  await expect(menu()).not.toContainText("经营看板");
  const own = await apiGet<QueuePage>(page, "/queue?limit=200");
  expect(own.body.total).toBeGreaterThan(0);
  expect(own.body.items.every((i) => i.assignee === "collector1")).toBe(true);
  await page.goto("/approvals");
  await expect(page.getByTestId("forbidden")).toBeVisible();
  expect((await apiGet(page, "/approvals")).status).toBe(403);
  // Someone else's case is not found, exactly like a case that does not exist.
  const all = await (async () => {
    await page.context().clearCookies();
    await signIn(page, "manager");
    return apiGet<QueuePage>(page, "/queue?assignee=collector2&limit=1");
  })();
  const othersCase = all.body.items[0]?.borrower_id;
  // manager: approvals, all cases, reassignment.
  await expect(menu()).toContainText("审批");
  await expect(menu()).toContainText("案件队列");
  await page.goto("/queue");
  await firstRow(page);
  await expect(page.getByTestId("queue-reassign")).toBeVisible();
  await shot(page, "queue-manager-zh");

  await page.context().clearCookies();
  await signIn(page, "collector1");
  if (othersCase) {
    await page.goto(`/cases/${othersCase}`);
    await expect(page.getByTestId("case-not-found")).toBeVisible();
  }

  // agency1: only the accounts placed with its agency, and no reveal.
  await page.context().clearCookies();
  await signIn(page, "agency1");
  await expect(menu()).not.toContainText("审批");
  const me = await apiGet<{ user: { agency: string } }>(page, "/me");
  const placed = await apiGet<QueuePage>(page, "/queue?limit=200");
  expect(placed.body.items.every((i) => i.agency === me.body.user.agency)).toBe(true);
  if (placed.body.items.length > 0) {
    await (await firstRow(page)).click();
    await caseLoaded(page);
    await expect(page.getByTestId("action-reveal")).toHaveCount(0);
    await expect(page.getByTestId("action-log")).toBeVisible();
  } else {
    await expect(page.getByTestId("queue-empty")).toBeVisible();
  }

  // compliance: every case, but no case actions and no reveal.
  await page.context().clearCookies();
  await signIn(page, "compliance");
  await expect(menu()).toContainText("案件队列");
  await expect(menu()).not.toContainText("审批");
  await page.goto("/queue");
  await (await firstRow(page)).click();
  await caseLoaded(page);
  await expect(page.getByTestId("case-read-only")).toBeVisible();
  await expect(page.getByTestId("case-actions")).toHaveCount(0);
  await expect(page.getByTestId("action-reveal")).toHaveCount(0);

  // legal and recovery: their own scope, no approvals.
  for (const username of ["legal", "recovery"]) {
    await page.context().clearCookies();
    await signIn(page, username);
    await expect(page).toHaveURL(/\/queue/);
    await expect(menu()).not.toContainText("审批");
    await expect(page.getByTestId("queue-table")).toBeVisible();
  }

  // admin: approvals and all cases; plans and SMS but no contact logging (not a case worker).
  await page.context().clearCookies();
  await signIn(page, "admin");
  await expect(menu()).toContainText("审批");
  await page.goto("/queue");
  await (await firstRow(page)).click();
  await caseLoaded(page);
  await expect(page.getByTestId("action-waiver")).toBeVisible();
  await expect(page.getByTestId("action-log")).toHaveCount(0);
});

test("a shared case link, opened signed out, leads through sign-in back to the case", async ({ page }) => {
  await signIn(page, "collector1");
  const id = await (await firstRow(page)).getAttribute("data-row-key");
  await page.context().clearCookies();
  await page.goto(`/cases/${id}?from=link`);
  await expect(page).toHaveURL(/\/login\?next=/);
  // Not signed in is not an expired session.
  expect(page.url()).not.toContain("expired=1");
  await page.getByTestId("login-username").fill("collector1");
  await page.getByTestId("login-password").fill("recoup-demo");
  await page.getByTestId("login-submit").click();
  await expect(page).toHaveURL(new RegExp(`/cases/${id}\\?from=link$`));
  await caseLoaded(page);
});

test("the queue's filters and sort live in the URL", async ({ page }) => {
  await signIn(page, "manager");
  await page.goto("/queue?stage=early&sort=dpd_desc");
  await firstRow(page);
  await expect(page.getByTestId("queue-stage")).toContainText("早期催收");
  const rows = page.getByTestId("queue-row");
  const count = await rows.count();
  expect(count).toBeGreaterThan(1);
  for (let i = 0; i < Math.min(count, 5); i++) {
    await expect(rows.nth(i)).toContainText("早期催收");
  }
  const api = await apiGet<QueuePage>(page, "/queue?stage=early&sort=dpd_desc&limit=20");
  const dpds = api.body.items.map((i) => i.dpd);
  expect(dpds).toEqual([...dpds].sort((a, b) => b - a));
  await expect(rows.first()).toHaveAttribute("data-row-key", String(api.body.items[0]?.borrower_id));
  // Searching writes the URL.
  await page.getByTestId("queue-search").fill("L");
  await page.getByTestId("queue-search").press("Enter");
  await expect(page).toHaveURL(/q=L/);
  await expect(page).toHaveURL(/stage=early/);
  // Sorting by a column writes the URL.
  await page.goto("/queue");
  await firstRow(page);
  await page.locator(".ant-table-thead th").filter({ hasText: "逾期金额" }).click();
  await expect(page).toHaveURL(/sort=arrears_/);
});

test("a manager reassigns selected cases after confirming", async ({ page }) => {
  await signIn(page, "manager");
  await page.goto("/queue?assignee=collector2");
  const row = await firstRow(page);
  const id = await row.getAttribute("data-row-key");
  await row.locator(".ant-checkbox-input").check();
  await page.getByTestId("queue-reassign").click();
  await expect(page.getByTestId("reassign-to")).toBeFocused();
  await page.getByTestId("reassign-to").fill("collector1");
  await page.getByTestId("reassign-to").press("Enter");
  await confirm(page);
  await expect(page.locator(".ant-message")).toContainText("已将 1 件案件调给 collector1");
  const file = await apiGet<CaseFile>(page, `/cases/${id}`);
  expect(file.body.case.assignee).toBe("collector1");
});

test("the SMS dialog lists templates with a preview", async ({ page }) => {
  await signIn(page, "collector1");
  await (await firstRow(page)).click();
  await caseLoaded(page);
  const templates = await apiGet<{ templates: { id: string; text: string }[] }>(page, "/sms/templates");
  await page.getByTestId("action-sms").click();
  await expect(page.getByTestId("sms-form")).toBeVisible();
  if (templates.status === 404) {
    // The SMS endpoints are built on another branch; until they are merged the dialog says
    // that SMS is not enabled, and the template assertion is skipped.
    test.info().annotations.push({ type: "skipped assertion", description: "GET /api/v1/sms/templates answers 404" });
    await expect(page.getByTestId("sms-missing")).toBeVisible();
    console.log("sms: /api/v1/sms/templates answers 404 — template list not checked");
    return;
  }
  expect(templates.status).toBe(200);
  const radios = page.getByTestId("sms-templates").locator(".ant-radio-wrapper");
  await expect(radios).toHaveCount(templates.body.templates.length);
  if (templates.body.templates.length > 0) {
    await radios.first().click();
    await expect(page.getByTestId("sms-preview")).toBeVisible();
  }
});

test("SMS and click-to-call show the blocking rule on 409 and the missing gateway on 503 (contract, mocked)", async ({
  page,
}) => {
  // The SMS and call endpoints come from another branch; their contract is mocked here so that
  // the dialogs are checked whatever the server has: 201 sent, 409 {error, rule}, 503.
  let smsAnswer: { status: number; body: unknown } = { status: 409, body: { error: "blocked", rule: "cn.quiet_hours" } };
  let callAnswer: { status: number; body: unknown } = {
    status: 409,
    body: { error: "blocked", rule: "cn.daily_connected_calls" },
  };
  await page.route("**/api/v1/sms/templates", (route) =>
    route.fulfill({
      json: {
        source: "zh-CN",
        templates: [
          { id: "due_reminder", text: "【recoup】尊敬的客户，您的车贷本期应还款项已逾期，请尽快还款。", warnings: [] },
          { id: "debit_failed", text: "【recoup】您本期的自动扣款未成功，请确认还款账户余额。", warnings: [] },
        ],
      },
    }),
  );
  await page.route("**/api/v1/cases/*/sms", (route) =>
    route.fulfill({ status: smsAnswer.status, json: smsAnswer.body }),
  );
  await page.route("**/api/v1/cases/*/calls", (route) =>
    route.fulfill({ status: callAnswer.status, json: callAnswer.body }),
  );
  await signIn(page, "collector1");
  await (await firstRow(page)).click();
  await caseLoaded(page);

  await page.getByTestId("action-sms").click();
  const form = page.getByTestId("sms-form");
  await expect(form.getByTestId("sms-templates").locator(".ant-radio-wrapper")).toHaveCount(2);
  await form.getByText("自动扣款未成功", { exact: false }).click();
  await expect(form.getByTestId("sms-preview")).toContainText("请确认还款账户余额");
  await form.getByTestId("sms-submit").click();
  await confirm(page);
  await expect(form.getByTestId("sms-error")).toHaveText("合规规则禁止此次联系：休息时间禁止联系");
  smsAnswer = { status: 503, body: { error: "unavailable", message: "no SMS gateway is configured" } };
  await form.getByTestId("sms-submit").click();
  await confirm(page);
  await expect(form.getByTestId("sms-error")).toHaveText("未配置短信网关，无法发送短信。");
  smsAnswer = { status: 201, body: { id: 1, status: "queued", text: "…" } };
  await form.getByTestId("sms-submit").click();
  await confirm(page);
  await expect(page.locator(".ant-message")).toContainText("短信已提交发送");
  await expect(form).toBeHidden();

  await page.getByTestId("action-call").click();
  await confirm(page);
  await expect(page.getByTestId("call-error")).toHaveText("合规规则禁止此次联系：每日接通次数上限");
  callAnswer = { status: 503, body: { error: "unavailable", message: "no dialer is configured" } };
  await page.getByTestId("action-call").click();
  await confirm(page);
  await expect(page.getByTestId("call-error")).toHaveText("未配置外呼系统，无法拨打电话。");
  callAnswer = { status: 201, body: { id: 7, status: "dialing" } };
  await page.getByTestId("action-call").click();
  await confirm(page);
  await expect(page.locator(".ant-message")).toContainText("正在呼叫");
  await expect(page.getByTestId("call-error")).toHaveCount(0);
});

test("the case page switches to English with no Chinese left in its labels", async ({ page }) => {
  await signIn(page, "collector1");
  await (await firstRow(page)).click();
  await caseLoaded(page);
  const chinese = await labelTexts(page);
  expect(chinese.join(" ")).toContain("借款人");
  await page.getByTestId("language-switch").getByText("English").click();
  await expect(page.getByTestId("case-borrower")).toContainText("National ID");
  const english = await labelTexts(page);
  // Tags and buttons carry interface text; names and addresses (data) are not checked.
  const left = english.filter((text) => HAN.test(text));
  expect(left, `Chinese left on the English case page: ${left.join(" | ")}`).toEqual([]);
  expect(english.join(" ")).toContain("Timeline");
  await expect(page.getByTestId("case-figures")).toContainText(/¥[\d,]+\.\d{2}/);
  await shot(page, "case-collector-en");
  await page.getByTestId("action-log").click();
  const dialogLabels = await labelTexts(page, ".ant-modal-wrap:not([style*='none'])");
  expect(dialogLabels.filter((text) => HAN.test(text))).toEqual([]);
  await page.getByTestId("log-contact-form").getByRole("button", { name: "Cancel" }).click();
  await expect(page.getByTestId("log-contact-form")).toBeHidden();
  await page.getByTestId("language-switch").getByText("中文").click();
  await expect(page.getByTestId("case-borrower")).toContainText("身份证号");
});

test("time to the main content of the queue and the case page", async ({ page }) => {
  await signIn(page, "collector1");
  const row = await firstRow(page);
  const id = await row.getAttribute("data-row-key");
  const queue = await timeToContent(page, "/queue", 5, async () => {
    await page.goto("/queue");
    await firstRow(page);
  });
  const kase = await timeToContent(page, `/cases/${id}`, 5, async () => {
    await page.goto(`/cases/${id}`);
    await caseShown(page);
  });
  // And until every card (loans with their tables, case details, segments) is drawn.
  await timeToContent(page, `/cases/${id} (every card)`, 3, async () => {
    await page.goto(`/cases/${id}`);
    await caseLoaded(page);
  });
  await printScripts(page, `/cases/${id}`);
  await page.goto("about:blank");
  await page.goto("/queue");
  await firstRow(page);
  await printScripts(page, "/queue");
  // The target is 1 s; the bound leaves room for a CI machine busy with other builds.
  expect(Math.min(...queue)).toBeLessThan(3000);
  expect(Math.min(...kase)).toBeLessThan(3000);
});

test.describe("the field agent on a phone", () => {
  test.use({ viewport: { width: 375, height: 667 }, isMobile: true, hasTouch: true });

  test("sees the visit list and a case without sideways scrolling, and logs a visit outcome", async ({ page }) => {
    await signIn(page, "field1");
    await expect(page).toHaveURL(/\/queue/);
    await expect(page.getByTestId("page-title")).toHaveText("我的外访");
    const mine = await apiGet<QueuePage>(page, "/queue?limit=200");
    expect(mine.body.items.every((i) => i.assignee === "field1")).toBe(true);
    expect(mine.body.total, "field1 has visits in the demo").toBeGreaterThan(0);
    const card = page.getByTestId("queue-card").first();
    await expect(card).toBeVisible();
    const box = await card.boundingBox();
    expect(box?.height ?? 0).toBeGreaterThanOrEqual(44);
    let overflow = await scrollsSideways(page);
    expect(overflow.scroll, "the visit list scrolls sideways").toBeLessThanOrEqual(overflow.width);
    await shot(page, "field-visits-phone-zh");

    await card.click();
    await caseLoaded(page);
    overflow = await scrollsSideways(page);
    expect(overflow.scroll, "the case page scrolls sideways").toBeLessThanOrEqual(overflow.width);
    const log = page.getByTestId("action-log");
    await expect(log).toHaveText(/记录外访结果/);
    const logBox = await log.boundingBox();
    expect(logBox?.height ?? 0).toBeGreaterThanOrEqual(40);
    expect(logBox?.width ?? 0).toBeGreaterThan(300);
    await expect(page.getByTestId("action-sms")).toHaveCount(0);
    await shot(page, "field-case-phone-zh");

    await log.click();
    const form = page.getByTestId("log-contact-form");
    await expect(form.getByTestId("log-channel")).toContainText("外访");
    await choose(page, form.getByTestId("log-outcome"), "本人接通");
    await choose(page, form.getByTestId("log-delay"), "经济困难");
    await form.getByTestId("log-note").fill("上门见到本人，车辆在小区停放");
    overflow = await scrollsSideways(page);
    expect(overflow.scroll, "the visit form scrolls sideways").toBeLessThanOrEqual(overflow.width);
    await form.getByTestId("log-contact-submit").click();
    await expect(page.locator(".ant-message")).toContainText("联系记录已保存");
    await expect(page.getByTestId("timeline-contact").first()).toContainText("外访：本人接通");
  });
});
