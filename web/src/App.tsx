// Routes. Each page is its own chunk (React.lazy), so the sign-in page loads neither the
// dashboard nor ECharts. Signed-out visitors are sent to /login with the page they asked for
// in `?next=`, and come back to it after signing in.
import { lazy, Suspense, type ReactNode } from "react";
import { BrowserRouter, Navigate, Route, Routes, useLocation } from "react-router-dom";
import { App as AntApp, Button, ConfigProvider, Result } from "antd";
import enUS from "antd/locale/en_US";
import zhCN from "antd/locale/zh_CN";
import dayjs from "dayjs";
import "dayjs/locale/zh-cn";
import { useAuth } from "./auth";
import { useI18n } from "./i18n/I18nProvider";
import { canViewReports, homePath } from "./roles";
import { PageLoading } from "./PageLoading";

const loadShell = () => import("./layout/Shell");
const loadDashboard = () => import("./pages/Dashboard");
const Login = lazy(() => import("./pages/Login"));
const Shell = lazy(loadShell);
const Dashboard = lazy(loadDashboard);
const Account = lazy(() => import("./pages/Account"));
const Forbidden = lazy(() => import("./pages/Forbidden"));
const NotFound = lazy(() => import("./pages/NotFound"));

function RequireSignIn({ children }: { children: ReactNode }) {
  const { state, retry } = useAuth();
  const { t } = useI18n();
  const location = useLocation();
  if (state.status === "loading") {
    return <PageLoading />;
  }
  if (state.status === "error") {
    return (
      <Result
        status="warning"
        title={state.error.status === 0 ? t("app.networkError") : t("app.serverError", { status: state.error.status })}
        extra={<Button onClick={retry}>{t("app.retry")}</Button>}
      />
    );
  }
  if (state.status === "anonymous") {
    const next = encodeURIComponent(location.pathname + location.search);
    const expired = state.expired ? "&expired=1" : "";
    return <Navigate to={`/login?next=${next}${expired}`} replace />;
  }
  return <>{children}</>;
}

function Home() {
  const { state } = useAuth();
  if (state.status !== "signed-in") {
    return null;
  }
  return <Navigate to={homePath(state.user.role)} replace />;
}

function ReportsOnly({ children }: { children: ReactNode }) {
  const { state } = useAuth();
  if (state.status === "signed-in" && !canViewReports(state.user.role)) {
    return <Forbidden />;
  }
  return <>{children}</>;
}

// A dashboard link or reload fetches the page's chunks (and ECharts) while the session is
// checked, instead of after: the two would otherwise run one after the other.
if (window.location.pathname.startsWith("/dashboard")) {
  void loadShell();
  void loadDashboard();
}

export function App() {
  const { locale } = useI18n();
  dayjs.locale(locale === "zh-CN" ? "zh-cn" : "en");
  return (
    <ConfigProvider locale={locale === "zh-CN" ? zhCN : enUS} theme={{ token: { colorPrimary: "#1677ff" } }}>
      <AntApp>
        <BrowserRouter>
          <Suspense fallback={<PageLoading />}>
            <Routes>
              <Route path="/login" element={<Login />} />
              <Route
                element={
                  <RequireSignIn>
                    <Shell />
                  </RequireSignIn>
                }
              >
                <Route index element={<Home />} />
                <Route
                  path="dashboard"
                  element={
                    <ReportsOnly>
                      <Dashboard />
                    </ReportsOnly>
                  }
                />
                <Route path="account" element={<Account />} />
                <Route path="*" element={<NotFound />} />
              </Route>
            </Routes>
          </Suspense>
        </BrowserRouter>
      </AntApp>
    </ConfigProvider>
  );
}
