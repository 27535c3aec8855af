// The API: the typed client's calls by the names the pages use, for reports and oversight
// (`api`) and for case work (`workspace`: the queue, the case file and its actions, the
// approvals inbox, SMS templates and click-to-call). Money is fen (integers) except where the
// server takes yuan text.
import { call, clean, client, prefetchedOr } from "./client";
import type { NewUserBody, QueueParams, UserChangeBody, LogContactBody, PlanBody, WaiverBody } from "./types";

export { ApiError, asApiError, prefetch, setCsrfToken, setUnauthenticatedHandler } from "./client";
export * from "./types";

export const api = {
  me: () => call(client.GET("/api/v1/me")),
  login: (username: string, password: string) => call(client.POST("/api/v1/session", { body: { username, password } })),
  logout: async (): Promise<void> => {
    await call(client.DELETE("/api/v1/session"));
  },
  reportDates: (signal?: AbortSignal) => call(client.GET("/api/v1/reports/dates", { signal })),
  portfolio: (date: string, signal?: AbortSignal) =>
    call(client.GET("/api/v1/reports/portfolio", { params: { query: { date } }, signal })),
  rollRates: (month: string, signal?: AbortSignal) =>
    call(client.GET("/api/v1/reports/roll-rates", { params: { query: { month } }, signal })),
  strategy: (from: string, to: string, signal?: AbortSignal) =>
    call(client.GET("/api/v1/reports/strategy", { params: { query: { from, to } }, signal })),
  compliance: (from: string, to: string, signal?: AbortSignal) =>
    call(client.GET("/api/v1/reports/compliance", { params: { query: { from, to } }, signal })),
  kpis: (from: string, to: string, signal?: AbortSignal) =>
    call(client.GET("/api/v1/reports/kpis", { params: { query: clean({ from, to }) }, signal })),
  leaderboard: (from: string, to: string, signal?: AbortSignal) =>
    call(client.GET("/api/v1/reports/leaderboard", { params: { query: clean({ from, to }) }, signal })),
  qaFlags: (from: string, to: string, signal?: AbortSignal) =>
    call(client.GET("/api/v1/reports/qa-flags", { params: { query: clean({ from, to, limit: 200 }) }, signal })),
  activeStrategy: (signal?: AbortSignal) => call(client.GET("/api/v1/strategy", { signal })),
  assignment: (signal?: AbortSignal) => call(client.GET("/api/v1/settings/assignment", { signal })),
  roles: (signal?: AbortSignal) => call(client.GET("/api/v1/roles", { signal })),
  users: (signal?: AbortSignal) => call(client.GET("/api/v1/users", { signal })),
  createUser: (body: NewUserBody) => call(client.POST("/api/v1/users", { body })),
  changeUser: (username: string, body: UserChangeBody) =>
    call(client.PATCH("/api/v1/users/{username}", { params: { path: { username } }, body })),
  audit: (
    filter: { before?: number | null; limit?: number; actor?: string | null; action?: string | null },
    signal?: AbortSignal,
  ) => call(client.GET("/api/v1/audit", { params: { query: clean(filter) }, signal })),
  auditVerify: (signal?: AbortSignal) => call(client.GET("/api/v1/audit/verify", { signal })),
};

/** The API path (below `/api/v1`) of a queue request: the key of its prefetched answer. */
export function queuePath(params: QueueParams): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(clean(params))) {
    search.set(key, String(value));
  }
  return `/queue?${search.toString()}`;
}

export const workspace = {
  queue: (params: QueueParams, signal?: AbortSignal) =>
    prefetchedOr(queuePath(params), () =>
      call(client.GET("/api/v1/queue", { params: { query: clean(params) }, signal })),
    ),
  caseFile: (id: number, signal?: AbortSignal) =>
    prefetchedOr(`/cases/${id}`, () =>
      call(client.GET("/api/v1/cases/{borrower_id}", { params: { path: { borrower_id: id } }, signal })),
    ),
  reveal: (id: number, reason: string) =>
    call(client.POST("/api/v1/cases/{borrower_id}/reveal", { params: { path: { borrower_id: id } }, body: { reason } })),
  logContact: (id: number, body: LogContactBody) =>
    call(client.POST("/api/v1/cases/{borrower_id}/contacts", { params: { path: { borrower_id: id } }, body })),
  promise: (id: number, amount_fen: number, due_on: string) =>
    call(
      client.POST("/api/v1/cases/{borrower_id}/promises", {
        params: { path: { borrower_id: id } },
        body: { amount_fen, due_on },
      }),
    ),
  note: (id: number, text: string) =>
    call(client.POST("/api/v1/cases/{borrower_id}/notes", { params: { path: { borrower_id: id } }, body: { text } })),
  plan: (id: number, body: PlanBody) => call(client.POST("/api/v1/cases/{id}/plans", { params: { path: { id } }, body })),
  waiver: (id: number, body: WaiverBody) =>
    call(client.POST("/api/v1/cases/{id}/waivers", { params: { path: { id } }, body })),
  reassign: (borrower_ids: number[], to: string) =>
    call(client.POST("/api/v1/cases/reassign", { body: { borrower_ids, to } })),
  approvals: (signal?: AbortSignal) => call(client.GET("/api/v1/approvals", { signal })),
  approve: (id: number, comment: string) =>
    call(client.POST("/api/v1/approvals/{id}/approve", { params: { path: { id } }, body: comment ? { comment } : {} })),
  reject: (id: number, comment: string) =>
    call(client.POST("/api/v1/approvals/{id}/reject", { params: { path: { id } }, body: { comment } })),
  smsTemplates: async (signal?: AbortSignal) => (await call(client.GET("/api/v1/sms/templates", { signal }))).templates,
  sendSms: (id: number, template: string, phone_index: number) =>
    call(
      client.POST("/api/v1/cases/{borrower_id}/sms", {
        params: { path: { borrower_id: id } },
        body: { template, phone_index },
      }),
    ),
  call: (id: number, phone_index: number) =>
    call(client.POST("/api/v1/cases/{borrower_id}/calls", { params: { path: { borrower_id: id } }, body: { phone_index } })),
  settlementQuote: (loanNo: string, date: string, signal?: AbortSignal) =>
    call(
      client.GET("/api/v1/loans/{loan_no}/settlement-quote", {
        params: { path: { loan_no: loanNo }, query: { date } },
        signal,
      }),
    ),
};

/** "1,234.5" or "1234.56" yuan → fen, exactly (no floating point); null when not an amount. */
export function yuanToFen(text: string): number | null {
  const cleaned = text.replace(/[,，\s¥]/g, "");
  const match = /^(\d{1,12})(?:\.(\d{1,2}))?$/.exec(cleaned);
  if (!match) {
    return null;
  }
  const whole = Number(match[1]);
  const cents = Number((match[2] ?? "").padEnd(2, "0"));
  return whole * 100 + cents;
}

/** Fen → the yuan text the plan and waiver endpoints take (`"12.30"`). */
export function fenToYuanText(fen: number): string {
  const sign = fen < 0 ? "-" : "";
  const abs = Math.abs(fen);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")}`;
}

/** Yuan text from the server (`"8000.00"`) → fen. */
export function yuanTextToFen(text: string | null | undefined): number | null {
  if (text === null || text === undefined) {
    return null;
  }
  const negative = text.startsWith("-");
  const fen = yuanToFen(negative ? text.slice(1) : text);
  return fen === null ? null : negative ? -fen : fen;
}
