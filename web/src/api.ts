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

/** A failed request: `status` 0 means the server could not be reached. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field: string | null,
  ) {
    super(message);
  }
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
  method: "GET" | "POST" | "DELETE",
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
    const failure = (json ?? {}) as { error?: string; message?: string; field?: string | null };
    if (response.status === 401 && path !== "/session" && onUnauthenticated) {
      onUnauthenticated();
    }
    throw new ApiError(
      response.status,
      failure.error ?? "http",
      failure.message ?? response.statusText,
      failure.field ?? null,
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
};
