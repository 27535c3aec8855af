// Loading a resource for a page card: `useLoad` fetches when its key changes, `Loaded` shows the
// loading, empty (a 422: no data for these parameters), error (with a retry) and loaded states.
// Shared by the dashboard and the strategy, compliance and admin pages.
import { useCallback, useEffect, useState, type ReactNode } from "react";
import { Empty, Skeleton } from "antd";
import { asApiError, type ApiError } from "../api";
import { LoadFailed } from "../components/LoadFailed";
import { useI18n, type I18n } from "../i18n/I18nProvider";

export type Load<T> =
  | { status: "loading" }
  | { status: "ok"; data: T }
  | { status: "empty"; error: ApiError }
  | { status: "error"; error: ApiError };

/** Runs `fetcher` whenever `key` changes; a 422 (no data for these parameters) is "empty". */
export function useLoad<T>(key: string | null, fetcher: (signal: AbortSignal) => Promise<T>): [Load<T>, () => void] {
  const [state, setState] = useState<Load<T>>({ status: "loading" });
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    if (key === null) {
      return;
    }
    const controller = new AbortController();
    setState({ status: "loading" });
    fetcher(controller.signal)
      .then((data) => setState({ status: "ok", data }))
      .catch((error: unknown) => {
        if (controller.signal.aborted) {
          return;
        }
        const apiError = asApiError(error);
        setState({ status: apiError.status === 422 ? "empty" : "error", error: apiError });
      });
    return () => controller.abort();
    // The fetcher is rebuilt on every render; `key` names what it fetches.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, attempt]);
  const reload = useCallback(() => setAttempt((n) => n + 1), []);
  return [state, reload];
}

export function errorText(i18n: I18n, error: ApiError): string {
  if (error.status === 0) {
    return i18n.t("app.networkError");
  }
  if (error.status >= 500) {
    return i18n.t("app.serverError", { status: error.status });
  }
  return i18n.t("dash.error", { message: error.message });
}

/** The loading, error and empty states every card shares. */
export function Loaded<T>({
  load,
  reload,
  empty,
  rows = 6,
  children,
}: {
  load: Load<T>;
  reload: () => void;
  empty: string;
  rows?: number;
  children: (data: T) => ReactNode;
}) {
  const i18n = useI18n();
  switch (load.status) {
    case "loading":
      return <Skeleton active paragraph={{ rows }} />;
    case "empty":
      return <Empty description={empty} />;
    case "error":
      return <LoadFailed message={errorText(i18n, load.error)} onRetry={reload} />;
    case "ok":
      return <>{children(load.data)}</>;
  }
}

export function channelName(i18n: I18n, channel: string): string {
  return i18n.tOr(`channel.${channel}`, channel);
}

/** Stored rules are `<profile prefix>.<rule code>` (`cn.quiet_hours`). */
export function ruleName(i18n: I18n, rule: string): string {
  const dot = rule.indexOf(".");
  const code = dot >= 0 ? rule.slice(dot + 1) : rule;
  return i18n.tOr(`rule.${code}`, i18n.tOr(`rule.${rule}`, i18n.t("rule.unknown", { code: rule })));
}

export const ISO = "YYYY-MM-DD";
