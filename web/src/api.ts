// The API client: same-origin fetches with the session cookie, the CSRF token on changes, and
// every failure as an `ApiError` carrying the server's `{error, message, field}`.
// The wire types below mirror the server's OpenAPI document (`/api/openapi.json`).

export type RoleCode =
  | "admin"
  | "manager"
  | "collector"
  | "field_agent"
  | "legal"
  | "recovery"
  | "compliance"
  | "agency";

export interface UserView {
  id: number;
  username: string;
  display_name: string;
  role: RoleCode;
  agency: string | null;
  region: string | null;
  active: boolean;
  created_at: string;
}

export interface SessionView {
  token: string;
  csrf_token: string;
  expires_at: string;
  user: UserView;
}

export interface MeView {
  user: UserView;
  csrf_token: string;
  expires_at: string;
}

export interface ReportDates {
  first: string | null;
  last: string | null;
}

export interface BucketView {
  label: string;
  npl: boolean;
  loans: number;
  principal_fen: number;
  arrears_fen: number;
}

export interface PortfolioView {
  date: string;
  loans: number;
  principal_fen: number;
  npl_principal_fen: number;
  npl_ratio_ppm: number;
  npl_from: string;
  buckets: BucketView[];
}

export interface RollRow {
  from: string;
  loans: number;
  counts: number[];
  rates_ppm: number[];
}

export interface RollRatesView {
  from_month: string;
  to_month: string;
  columns: string[];
  rows: RollRow[];
}

export interface ChannelContacts {
  channel: string;
  contacts: number;
  cost_fen: number;
}

export interface ArmView {
  arm: string;
  cases: number;
  contacts: ChannelContacts[];
  contacts_total: number;
  blocked: number;
  cures: number;
  recovered_fen: number;
}

export interface StrategyView {
  from: string;
  to: string;
  arms: ArmView[];
}

export interface ComplianceLine {
  decision: "permitted" | "blocked";
  channel: string;
  rule: string | null;
  count: number;
}

export interface ComplianceView {
  from: string;
  to: string;
  permitted: number;
  blocked: number;
  lines: ComplianceLine[];
}

// --- oversight ---
export interface KpiView {
  from: string;
  to: string;
  cure: { cases: number; cured: number; rate_ppm: number };
  recovery: {
    base_date: string | null;
    arrears_at_start_fen: number;
    collected_overdue_fen: number;
    collected_total_fen: number;
    rate_ppm: number;
  };
  promises: {
    kept: number;
    partly_kept: number;
    broken: number;
    pending: number;
    settled: number;
    promised_fen: number;
    paid_fen: number;
    kept_rate_ppm: number;
    kept_or_partly_rate_ppm: number;
  };
  contacts: {
    attempts: number;
    right_party: number;
    rate_ppm: number;
    by_channel: { channel: string; attempts: number; right_party: number; rate_ppm: number }[];
  };
}

export interface LeaderboardEntry {
  rank: number;
  username: string;
  display_name: string;
  role: RoleCode;
  active: boolean;
  cases_held: number;
  contacts: number;
  right_party: number;
  rpc_rate_ppm: number;
  promises_made: number;
  promises_kept: number;
  promises_settled: number;
  promise_kept_rate_ppm: number;
  collected_fen: number;
  cures: number;
}

export interface LeaderboardView {
  from: string;
  to: string;
  scope: "all" | "own";
  rows: LeaderboardEntry[];
}

export interface QaHit {
  category: string;
  term: string;
}

export interface QaFlagsView {
  from: string;
  to: string;
  total: number;
  notes: { id: number; case_id: number; at: string; author: string; text: string; hits: QaHit[] }[];
  templates: { id: string; channel: string; text: string; terms: string[] }[];
}

export interface NamedValue {
  name: string;
  value: string;
}

export interface StrategyOutlineView {
  file: string;
  name: string;
  description: string | null;
  parameters: NamedValue[];
  stage_rules: { stage: string; when: string | null }[];
  segments: { name: string; when: string; description: string | null }[];
  arms: { name: string; share: number; description: string | null; parameters: NamedValue[] }[];
  treatments: {
    id: string;
    stages: string[];
    segments: string[];
    arms: string[];
    when: string | null;
    channel: string;
    template: string;
    queue: string;
    offset_days: number;
    priority: number;
    group: string | null;
    cost_fen: number;
    description: string | null;
  }[];
}

export interface AssignmentView {
  rule: string;
  by_region: boolean;
  by_skill: boolean;
  sticky: boolean;
  queues: { queue: string; role: RoleCode }[];
  regions: { region: string; cities: string[] }[];
}

export interface RolesView {
  permissions: string[];
  roles: { role: RoleCode; meaning: string; permissions: string[] }[];
}

export interface AuditEntryView {
  seq: number;
  at: string;
  actor: string;
  action: string;
  subject: string;
  detail: unknown;
  event_id: string;
  prev_hash: string;
  hash: string;
}

export interface AuditPage {
  entries: AuditEntryView[];
  next_before: number | null;
}

export interface AuditVerifyView {
  intact: boolean;
  rows_checked: number;
  broken_seq: number | null;
  reason: string | null;
}

export interface NewUserBody {
  username: string;
  display_name?: string;
  role: RoleCode;
  password: string;
  agency?: string;
  region?: string;
}

/** What an administrator changes about a user (`PATCH /users/{username}`); at least one field. */
export interface UserChangeBody {
  active?: boolean;
  password?: string;
  display_name?: string;
  region?: string;
}

export interface UserChangedView {
  user: UserView;
  /** Sessions ended by a deactivation or a new password. */
  sessions_ended: number;
  /** Open cases assigned to the user (a deactivated user's move at the next assignment run). */
  open_cases: number;
}

function query(params: Record<string, string | number | null | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== "") {
      search.set(key, String(value));
    }
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}
// --- end oversight ---

/** A failed request: `status` 0 means the server could not be reached. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field: string | null,
    /** The compliance rule that blocked a contact (409 from the SMS and call endpoints). */
    readonly rule: string | null = null,
    /** Seconds to wait before trying again (`Retry-After` on 429 from sign-in). */
    readonly retryAfter: number | null = null,
  ) {
    super(message);
  }
}

/** A `Retry-After` header in seconds (the server sends whole seconds), or null. */
function retryAfterSeconds(header: string | null): number | null {
  const seconds = header === null ? NaN : Number(header);
  return Number.isFinite(seconds) && seconds >= 0 ? Math.ceil(seconds) : null;
}

/** Any thrown value as an `ApiError`. */
export function asApiError(error: unknown): ApiError {
  return error instanceof ApiError ? error : new ApiError(0, "network", String(error), null);
}

let csrfToken: string | null = null;
let onUnauthenticated: (() => void) | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Called when a request that had a session gets 401 (the session expired). */
export function setUnauthenticatedHandler(handler: (() => void) | null): void {
  onUnauthenticated = handler;
}

export async function request<T>(
  method: "GET" | "POST" | "PATCH" | "DELETE",
  path: string,
  body?: unknown,
  signal?: AbortSignal,
): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
  }
  if (method !== "GET" && csrfToken) {
    headers["X-CSRF-Token"] = csrfToken;
  }
  let response: Response;
  try {
    response = await fetch(`/api/v1${path}`, {
      method,
      headers,
      credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") {
      throw error;
    }
    throw new ApiError(0, "network", String(error), null);
  }
  const text = await response.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!response.ok) {
    const failure = (json ?? {}) as {
      error?: string;
      message?: string;
      field?: string | null;
      rule?: string | null;
    };
    if (response.status === 401 && path !== "/session" && onUnauthenticated) {
      onUnauthenticated();
    }
    throw new ApiError(
      response.status,
      failure.error ?? "http",
      failure.message ?? response.statusText,
      failure.field ?? null,
      failure.rule ?? null,
      retryAfterSeconds(response.headers.get("Retry-After")),
    );
  }
  return json as T;
}

export const api = {
  me: () => request<MeView>("GET", "/me"),
  login: (username: string, password: string) =>
    request<SessionView>("POST", "/session", { username, password }),
  logout: () => request<unknown>("DELETE", "/session"),
  reportDates: (signal?: AbortSignal) =>
    request<ReportDates>("GET", "/reports/dates", undefined, signal),
  portfolio: (date: string, signal?: AbortSignal) =>
    request<PortfolioView>("GET", `/reports/portfolio?date=${date}`, undefined, signal),
  rollRates: (month: string, signal?: AbortSignal) =>
    request<RollRatesView>("GET", `/reports/roll-rates?month=${month}`, undefined, signal),
  strategy: (from: string, to: string, signal?: AbortSignal) =>
    request<StrategyView>("GET", `/reports/strategy?from=${from}&to=${to}`, undefined, signal),
  compliance: (from: string, to: string, signal?: AbortSignal) =>
    request<ComplianceView>("GET", `/reports/compliance?from=${from}&to=${to}`, undefined, signal),
  // --- oversight ---
  kpis: (from: string, to: string, signal?: AbortSignal) =>
    request<KpiView>("GET", `/reports/kpis${query({ from, to })}`, undefined, signal),
  leaderboard: (from: string, to: string, signal?: AbortSignal) =>
    request<LeaderboardView>("GET", `/reports/leaderboard${query({ from, to })}`, undefined, signal),
  qaFlags: (from: string, to: string, signal?: AbortSignal) =>
    request<QaFlagsView>("GET", `/reports/qa-flags${query({ from, to, limit: 200 })}`, undefined, signal),
  activeStrategy: (signal?: AbortSignal) => request<StrategyOutlineView>("GET", "/strategy", undefined, signal),
  assignment: (signal?: AbortSignal) => request<AssignmentView>("GET", "/settings/assignment", undefined, signal),
  roles: (signal?: AbortSignal) => request<RolesView>("GET", "/roles", undefined, signal),
  users: (signal?: AbortSignal) => request<UserView[]>("GET", "/users", undefined, signal),
  createUser: (body: NewUserBody) => request<UserView>("POST", "/users", body),
  changeUser: (username: string, body: UserChangeBody) =>
    request<UserChangedView>("PATCH", `/users/${encodeURIComponent(username)}`, body),
  audit: (
    filter: { before?: number | null; limit?: number; actor?: string | null; action?: string | null },
    signal?: AbortSignal,
  ) => request<AuditPage>("GET", `/audit${query(filter)}`, undefined, signal),
  auditVerify: (signal?: AbortSignal) => request<AuditVerifyView>("GET", "/audit/verify", undefined, signal),
  // --- end oversight ---
};
