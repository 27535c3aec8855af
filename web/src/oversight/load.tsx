// Showing a resource for a page card (loaded with `useLoad` from ../api/useLoad): `Loaded` shows
// the loading, empty (a 422: no data for these parameters), error (with a retry) and loaded
// states. Shared by the dashboard and the strategy, compliance and admin pages.
import type { ReactNode } from "react";
import { Empty, Skeleton } from "antd";
import type { ApiError } from "../api";
import type { LoadState } from "../api/useLoad";
import { LoadFailed } from "../components/LoadFailed";
import { useI18n, type I18n } from "../i18n/I18nProvider";

/** What a card shows: loading, a 422 ("empty": no data for these parameters), an error, or the data. */
export function loadStatus<T>(load: LoadState<T>): "loading" | "empty" | "error" | "ok" {
  if (load.loading) {
    return "loading";
  }
  if (load.error) {
    return load.error.status === 422 ? "empty" : "error";
  }
  return load.data === null ? "loading" : "ok";
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
  empty,
  rows = 6,
  children,
}: {
  load: LoadState<T>;
  empty: string;
  rows?: number;
  children: (data: T) => ReactNode;
}) {
  const i18n = useI18n();
  if (load.loading || (load.data === null && load.error === null)) {
    return <Skeleton active paragraph={{ rows }} />;
  }
  if (load.error) {
    return load.error.status === 422 ? (
      <Empty description={empty} />
    ) : (
      <LoadFailed message={errorText(i18n, load.error)} onRetry={load.reload} />
    );
  }
  return <>{children(load.data as T)}</>;
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
