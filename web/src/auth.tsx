// The signed-in user: read from `GET /me` when the page loads (the cookie survives reloads),
// set by signing in, cleared by signing out or by a 401 on any later request.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { api, ApiError, asApiError, setCsrfToken, setUnauthenticatedHandler, type UserView } from "./api";

export type AuthState =
  | { status: "loading" }
  | { status: "anonymous"; expired: boolean }
  | { status: "signed-in"; user: UserView; expiresAt: string }
  | { status: "error"; error: ApiError };

interface Auth {
  state: AuthState;
  signIn: (username: string, password: string) => Promise<UserView>;
  signOut: () => Promise<void>;
  retry: () => void;
}

const AuthContext = createContext<Auth | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<AuthState>({ status: "loading" });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let live = true;
    api
      .me()
      .then((me) => {
        if (live) {
          setCsrfToken(me.csrf_token);
          setState({ status: "signed-in", user: me.user, expiresAt: me.expires_at });
        }
      })
      .catch((error: unknown) => {
        if (!live) {
          return;
        }
        if (error instanceof ApiError && error.status === 401) {
          setState({ status: "anonymous", expired: false });
        } else {
          setState({
            status: "error",
            error: asApiError(error),
          });
        }
      });
    return () => {
      live = false;
    };
  }, [attempt]);

  useEffect(() => {
    setUnauthenticatedHandler(() => {
      setCsrfToken(null);
      // Only a session that existed can expire: a 401 while the sign-in check is still
      // running (or after it found none) is not signed in, not expired.
      setState((previous) =>
        previous.status === "signed-in" ? { status: "anonymous", expired: true } : previous,
      );
    });
    return () => setUnauthenticatedHandler(null);
  }, []);

  const signIn = useCallback(async (username: string, password: string) => {
    const session = await api.login(username, password);
    setCsrfToken(session.csrf_token);
    setState({ status: "signed-in", user: session.user, expiresAt: session.expires_at });
    return session.user;
  }, []);

  const signOut = useCallback(async () => {
    try {
      await api.logout();
    } finally {
      setCsrfToken(null);
      setState({ status: "anonymous", expired: false });
    }
  }, []);

  const retry = useCallback(() => {
    setState({ status: "loading" });
    setAttempt((n) => n + 1);
  }, []);

  const value = useMemo(() => ({ state, signIn, signOut, retry }), [state, signIn, signOut, retry]);
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): Auth {
  const context = useContext(AuthContext);
  if (!context) {
    throw new Error("useAuth outside AuthProvider");
  }
  return context;
}
