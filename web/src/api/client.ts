// The one API client: `openapi-fetch` over the types generated from the server's OpenAPI
// document (`schema.d.ts`, `npm run gen:api`). Same-origin fetches with the session cookie, the
// CSRF token on changes, a 401 on a signed-in request reported as an expired session, and every
// failure thrown as an `ApiError` carrying the server's `{error, message, field, rule}`.
import createClient, { type Middleware } from "openapi-fetch";
import type { components, paths } from "./schema";

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

function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === "AbortError";
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

/** The path that signs in and out: its 401 is a refused sign-in, not an expired session. */
const SESSION_PATH = "/api/v1/session";

const session: Middleware = {
  onRequest({ request }) {
    if (request.method !== "GET" && csrfToken) {
      request.headers.set("X-CSRF-Token", csrfToken);
    }
    return request;
  },
  onResponse({ response, schemaPath }) {
    if (response.status === 401 && schemaPath !== SESSION_PATH && onUnauthenticated) {
      onUnauthenticated();
    }
    return response;
  },
};

/** The typed client; paths are the document's (`/api/v1/…`), served from this origin. */
export const client = createClient<paths>({
  baseUrl: "",
  credentials: "same-origin",
  headers: { Accept: "application/json" },
});
client.use(session);

type ErrorBody = components["schemas"]["ErrorBody"];

/**
 * The data of a client call, or the failure as an `ApiError` (an aborted request rethrows the
 * `AbortError` as it is).
 */
export async function call<D>(pending: Promise<{ data?: D; error?: unknown; response: Response }>): Promise<D> {
  let result: { data?: D; error?: unknown; response: Response };
  try {
    result = await pending;
  } catch (error) {
    if (isAbort(error)) {
      throw error;
    }
    throw new ApiError(0, "network", String(error), null);
  }
  const { data, error, response } = result;
  if (!response.ok) {
    const failure: Partial<ErrorBody> = error !== null && typeof error === "object" ? (error as Partial<ErrorBody>) : {};
    throw new ApiError(
      response.status,
      failure.error ?? "http",
      failure.message ?? response.statusText,
      failure.field ?? null,
      failure.rule ?? null,
      retryAfterSeconds(response.headers.get("Retry-After")),
    );
  }
  return data as D;
}

/** Query parameters without the empty ones (`undefined`, `null`, `""`, `false`). */
export function clean<T extends object>(params: T): { [K in keyof T]?: Exclude<T[K], null> } {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "" && value !== false) {
      out[key] = value;
    }
  }
  return out as { [K in keyof T]?: Exclude<T[K], null> };
}

// Requests started when the page loads (see `prefetch` in App.tsx), before the session check
// and the page's code have finished, and taken by the page when it first asks for the same
// path. A prefetched request that failed (e.g. the session had expired) is simply made again.
const prefetched = new Map<string, { at: number; promise: Promise<unknown> }>();

/** Starts a GET of `path` (below `/api/v1`) for a page that will ask for it soon. */
export function prefetch(path: string): void {
  // A plain fetch: a 401 here (not signed in) must not count as an expired session.
  const promise = fetch(`/api/v1${path}`, { headers: { Accept: "application/json" }, credentials: "same-origin" }).then(
    (response) => (response.ok ? response.json() : Promise.reject(new Error(String(response.status)))),
  );
  promise.catch(() => undefined);
  prefetched.set(path, { at: Date.now(), promise });
}

/** The prefetched answer for `path` when there is a fresh one, else `load()`. */
export function prefetchedOr<T>(path: string, load: () => Promise<T>): Promise<T> {
  const early = prefetched.get(path);
  prefetched.delete(path);
  if (early && Date.now() - early.at < 10_000) {
    return (early.promise as Promise<T>).catch(() => load());
  }
  return load();
}
