// The one loading hook: runs `fetcher` when the component mounts and whenever `deps` change (or
// `reload()` is called), aborts the request a change or unmount leaves behind, and reports
// `{ data, error, loading, reload }`. While a new request runs, `data` keeps the last loaded
// data (so a reload after an action does not blank the page); a failure clears it. A `null`
// fetcher loads nothing and leaves the state as it is (e.g. a dialog that is closed).
import { useCallback, useEffect, useState, type DependencyList } from "react";
import { asApiError, type ApiError } from "./client";

export interface LoadState<T> {
  /** The loaded data; while reloading, the previous data; null before the first load or after a failure. */
  data: T | null;
  error: ApiError | null;
  loading: boolean;
  reload: () => void;
}

export function useLoad<T>(fetcher: ((signal: AbortSignal) => Promise<T>) | null, deps: DependencyList): LoadState<T> {
  const [state, setState] = useState<{ data: T | null; error: ApiError | null; loading: boolean }>({
    data: null,
    error: null,
    loading: fetcher !== null,
  });
  const [attempt, setAttempt] = useState(0);
  const enabled = fetcher !== null;
  useEffect(() => {
    if (!fetcher) {
      return;
    }
    const controller = new AbortController();
    setState((old) => ({ data: old.data, error: null, loading: true }));
    fetcher(controller.signal)
      .then((data) => {
        if (!controller.signal.aborted) {
          setState({ data, error: null, loading: false });
        }
      })
      .catch((error: unknown) => {
        if (!controller.signal.aborted) {
          setState({ data: null, error: asApiError(error), loading: false });
        }
      });
    return () => controller.abort();
    // The fetcher is rebuilt on every render; `deps` name what it fetches.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, enabled, attempt]);
  const reload = useCallback(() => setAttempt((n) => n + 1), []);
  return { ...state, reload };
}
