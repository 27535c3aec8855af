// The case-work half of the API: the queue, the case file and its actions, the approvals inbox,
// SMS templates and click-to-call. Wire types mirror the server's OpenAPI document
// (`/api/openapi.json`); money is fen (integers) except where the server takes yuan text.
import { request } from "./api";

export interface QueueItem {
  borrower_id: number;
  name: string;
  /** Masked (`138****8000`). */
  phones: string[];
  home_address: string;
  status: string;
  stage: string;
  queue: string | null;
  next_action_on: string | null;
  assignee: string | null;
  agency: string | null;
  dpd: number;
  bucket: string;
  arrears_fen: number;
  loans: number;
}

export interface QueuePage {
  items: QueueItem[];
  total: number;
  limit: number;
  offset: number;
}

export const QUEUE_SORTS = [
  "best",
  "dpd_desc",
  "dpd_asc",
  "arrears_desc",
  "arrears_asc",
  "next_action_desc",
] as const;
export type QueueSort = (typeof QUEUE_SORTS)[number];

export interface QueueParams {
  stage?: string;
  bucket?: string;
  queue?: string;
  assignee?: string;
  q?: string;
  sort?: QueueSort;
  include_closed?: boolean;
  limit: number;
  offset: number;
}

export interface ContactPerson {
  seq: number;
  name: string;
  relation: string;
  phone: string;
}

export interface Borrower {
  id: number;
  name: string;
  national_id: string;
  phones: string[];
  home_address: string;
  work_address: string | null;
  dispute: boolean;
  contacts: ContactPerson[];
  masked: boolean;
}

export interface CaseSummary {
  borrower_id: number;
  status: string;
  stage: string;
  opened_on: string;
  stage_since: string;
  closed_on: string | null;
  times_opened: number;
  queue: string | null;
  next_action_on: string | null;
  assignee: string | null;
  agency: string | null;
  arm: string;
  segment: string | null;
  quadrant: string;
  contactability: string;
  delay_reason: string | null;
  temperament: string | null;
  planned_on: string;
}

export interface Installment {
  period: number;
  due_date: string;
  principal_due_fen: number;
  interest_due_fen: number;
  principal_paid_fen: number;
  interest_paid_fen: number;
  paid_off_on: string | null;
}

export interface Payment {
  id: number;
  channel: string;
  value_date: string;
  amount_fen: number;
}

export interface BucketChange {
  business_date: string;
  from_bucket: string;
  to_bucket: string;
}

export interface Vehicle {
  id: number;
  vin: string;
  plate: string;
  make: string;
  model: string;
  model_year: number;
  price_fen: number;
  lien_status: string;
  gps_terminal_id: string | null;
}

export interface Loan {
  id: number;
  loan_no: string;
  product: string;
  principal_fen: number;
  term_months: number;
  method: string;
  disbursement_date: string;
  status: string;
  principal_outstanding_fen: number;
  arrears_fen: number;
  penalty_fen: number;
  fees_fen: number;
  dpd: number;
  bucket: string;
  next_due_date: string | null;
  schedule: Installment[];
  payments: Payment[];
  delinquency_history: BucketChange[];
  vehicle: Vehicle | null;
}

export interface Segment {
  business_date: string;
  quadrant: string;
  contactability: string;
  segment: string | null;
}

export interface PromiseView {
  id: number;
  borrower_id: number;
  amount_fen: number;
  due_on: string;
  made_on: string;
  made_at: string;
  made_by: string;
  status: string;
  paid_fen: number | null;
  settled_on: string | null;
}

export interface QaFlag {
  category: string;
  tier: string;
  term: string;
  start: number;
  end: number;
}

export interface TimelineEntry {
  at: string;
  kind: "contact" | "case_event" | "note" | "promise";
  actor: string | null;
  address: string | null;
  detail: Record<string, unknown>;
}

export interface CaseFile {
  case: CaseSummary;
  borrower: Borrower;
  loans: Loan[];
  segments: Segment[];
  promises: PromiseView[];
  timeline: TimelineEntry[];
}

export interface LogContactBody {
  channel: string;
  party?: string;
  phone_index?: number;
  outcome: string;
  delay_reason?: string;
  temperament?: string;
  note?: string;
}

export interface LoggedContact {
  id: number;
  at: string;
  result: string;
  conversation: boolean;
  dispute_flagged: boolean;
}

export interface Note {
  id: number;
  borrower_id: number;
  at: string;
  author: string;
  text: string;
  qa_flags: QaFlag[];
}

export interface Approval {
  id: number;
  case_id: number;
  loan_no: string;
  kind: string;
  months: number | null;
  /** Yuan text (`"8000.00"`). */
  amount: string | null;
  pay_by: string | null;
  waive_penalty: string | null;
  waive_fees: string | null;
  reason: string;
  status: string;
  requested_by: string;
  requested_at: string;
  forgiven: string;
  decided_by: string | null;
  decided_at: string | null;
  comment: string | null;
  applied_on: string | null;
}

export interface PlanBody {
  kind: string;
  months?: number;
  amount?: string;
  pay_by?: string;
  loan_no?: string;
  reason: string;
}

export interface WaiverBody {
  penalty?: string;
  fees?: string;
  loan_no?: string;
  reason: string;
}

export interface SmsTemplate {
  id: string | number;
  text: string;
}

/** `GET /sms/templates`: the configured template file's texts. */
export interface SmsTemplateList {
  /** `zh-CN`, `en`, or the configured file. */
  source: string;
  templates: SmsTemplate[];
}

export interface SentSms {
  id: number;
  status: string;
  text: string;
}

export interface PlacedCall {
  id: number;
  status?: string;
}

function queryString(params: QueueParams): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== "" && value !== false) {
      search.set(key, String(value));
    }
  }
  return search.toString();
}

const enc = encodeURIComponent;

// Requests started when the page loads (see `prefetch` in App.tsx), before the session check
// and the page's code have finished, and taken by the page when it first asks for the same
// path. A prefetched request that failed (e.g. the session had expired) is simply made again.
const prefetched = new Map<string, { at: number; promise: Promise<unknown> }>();

export function prefetch(path: string): void {
  // A plain fetch: a 401 here (not signed in) must not count as an expired session.
  const promise = fetch(`/api/v1${path}`, { headers: { Accept: "application/json" }, credentials: "same-origin" }).then(
    (response) => (response.ok ? response.json() : Promise.reject(new Error(String(response.status)))),
  );
  promise.catch(() => undefined);
  prefetched.set(path, { at: Date.now(), promise });
}

function get<T>(path: string, signal?: AbortSignal): Promise<T> {
  const early = prefetched.get(path);
  prefetched.delete(path);
  if (early && Date.now() - early.at < 10_000) {
    return (early.promise as Promise<T>).catch(() => request<T>("GET", path, undefined, signal));
  }
  return request<T>("GET", path, undefined, signal);
}

/** The API path of a queue request. */
export function queuePath(params: QueueParams): string {
  return `/queue?${queryString(params)}`;
}

/** `GET /loans/{loan_no}/settlement-quote`: amounts are yuan text with two decimals. */
export interface SettlementQuote {
  loan_no: string;
  as_of: string;
  principal: string;
  overdue_interest: string;
  accrued_interest: string;
  penalty: string;
  fees: string;
  settlement_fee: string;
  credit: string;
  total: string;
}

export const workspace = {
  queue: (params: QueueParams, signal?: AbortSignal) => get<QueuePage>(queuePath(params), signal),
  caseFile: (id: number, signal?: AbortSignal) => get<CaseFile>(`/cases/${id}`, signal),
  reveal: (id: number, reason: string) => request<Borrower>("POST", `/cases/${id}/reveal`, { reason }),
  logContact: (id: number, body: LogContactBody) =>
    request<LoggedContact>("POST", `/cases/${id}/contacts`, body),
  promise: (id: number, amount_fen: number, due_on: string) =>
    request<PromiseView>("POST", `/cases/${id}/promises`, { amount_fen, due_on }),
  note: (id: number, text: string) => request<Note>("POST", `/cases/${id}/notes`, { text }),
  plan: (id: number, body: PlanBody) => request<Approval>("POST", `/cases/${id}/plans`, body),
  waiver: (id: number, body: WaiverBody) => request<Approval>("POST", `/cases/${id}/waivers`, body),
  reassign: (borrower_ids: number[], to: string) =>
    request<{ moved: number; borrower_ids: number[] }>("POST", "/cases/reassign", { borrower_ids, to }),
  approvals: (signal?: AbortSignal) => request<Approval[]>("GET", "/approvals", undefined, signal),
  approve: (id: number, comment: string) =>
    request<Approval>("POST", `/approvals/${enc(String(id))}/approve`, comment ? { comment } : {}),
  reject: (id: number, comment: string) =>
    request<Approval>("POST", `/approvals/${enc(String(id))}/reject`, { comment }),
  smsTemplates: async (signal?: AbortSignal) =>
    (await request<SmsTemplateList>("GET", "/sms/templates", undefined, signal)).templates,
  sendSms: (id: number, template: string | number, phone_index: number) =>
    request<SentSms>("POST", `/cases/${id}/sms`, { template, phone_index }),
  call: (id: number, phone_index: number) =>
    request<PlacedCall>("POST", `/cases/${id}/calls`, { phone_index }),
  settlementQuote: (loanNo: string, date: string, signal?: AbortSignal) =>
    request<SettlementQuote>(
      "GET",
      `/loans/${enc(loanNo)}/settlement-quote?date=${enc(date)}`,
      undefined,
      signal,
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
export function yuanTextToFen(text: string | null): number | null {
  if (text === null) {
    return null;
  }
  const negative = text.startsWith("-");
  const fen = yuanToFen(negative ? text.slice(1) : text);
  return fen === null ? null : negative ? -fen : fen;
}
