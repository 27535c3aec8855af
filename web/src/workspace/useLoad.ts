// Loads data for a page: refetches when `key` changes, aborts the request a change or unmount
// leaves behind, and can be reloaded (after an action changed the data) without blanking the
// page: a reload keeps showing the previous data until the new arrives.
import { useCallback, useEffect, useState } from "react";
import { asApiError, type ApiError } from "../api";

export type Load<T> =
  | { status: "loading"; previous: T | null }
  | { status: "ok"; data: T }
  | { status: "error"; error: ApiError };

export function useLoad<T>(
  key: string,
  fetcher: (signal: AbortSignal) => Promise<T>,
): [Load<T>, () => void] {
  const [state, setState] = useState<Load<T>>({ status: "loading", previous: null });
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    const controller = new AbortController();
    setState((old) => ({ status: "loading", previous: old.status === "ok" ? old.data : null }));
    fetcher(controller.signal)
      .then((data) => {
        if (!controller.signal.aborted) {
          setState({ status: "ok", data });
        }
      })
      .catch((error: unknown) => {
        if (!controller.signal.aborted) {
          setState({ status: "error", error: asApiError(error) });
        }
      });
    return () => controller.abort();
    // The fetcher is rebuilt on every render; `key` names what it fetches.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, attempt]);
  const reload = useCallback(() => setAttempt((n) => n + 1), []);
  return [state, reload];
}

/** The data to show: the loaded data, or while reloading the previous data. */
export function current<T>(load: Load<T>): T | null {
  if (load.status === "ok") {
    return load.data;
  }
  if (load.status === "loading") {
    return load.previous;
  }
  return null;
}
