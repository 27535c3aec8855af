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
import { canApprove, canManageUsers, canViewReports, homePath } from "./roles";
import { PageLoading } from "./PageLoading";
import { prefetch, queuePath } from "./api";
import { readQueueParams } from "./workspace/queueParams";

const loadShell = () => import("./layout/Shell");
const loadDashboard = () => import("./pages/Dashboard");
const Login = lazy(() => import("./pages/Login"));
const Shell = lazy(loadShell);
const Dashboard = lazy(loadDashboard);
const Account = lazy(() => import("./pages/Account"));
const Forbidden = lazy(() => import("./pages/Forbidden"));
const NotFound = lazy(() => import("./pages/NotFound"));
// --- workspace pages ---
const loadQueue = () => import("./pages/Queue");
const loadCase = () => import("./pages/CaseDetail");
const Queue = lazy(loadQueue);
const CaseDetail = lazy(loadCase);
const Approvals = lazy(() => import("./pages/Approvals"));
// --- end workspace pages ---
const Strategy = lazy(() => import("./pages/Strategy"));
const Compliance = lazy(() => import("./pages/Compliance"));
const Admin = lazy(() => import("./pages/Admin"));

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

function AdminOnly({ children }: { children: ReactNode }) {
  const { state } = useAuth();
  if (state.status === "signed-in" && !canManageUsers(state.user.role)) {
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
// The same for the queue and case pages, whose data is requested at once too (the page takes
// the answer when it asks; a failed early request, e.g. without a session, is made again).
if (window.location.pathname === "/queue") {
  void loadShell();
  void loadQueue();
  const search = new URLSearchParams(window.location.search);
  if (!search.has("assignee")) {
    prefetch(queuePath(readQueueParams(search, false).request));
  }
}
const caseMatch = /^\/cases\/(\d+)$/.exec(window.location.pathname);
if (caseMatch) {
  void loadShell();
  void loadCase();
  prefetch(`/cases/${caseMatch[1]}`);
}

function ApproversOnly({ children }: { children: ReactNode }) {
  const { state } = useAuth();
  if (state.status === "signed-in" && !canApprove(state.user.role)) {
    return <Forbidden />;
  }
  return <>{children}</>;
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
                <Route
                  path="strategy"
                  element={
                    <ReportsOnly>
                      <Strategy />
                    </ReportsOnly>
                  }
                />
                <Route
                  path="compliance"
                  element={
                    <ReportsOnly>
                      <Compliance />
                    </ReportsOnly>
                  }
                />
                <Route
                  path="admin"
                  element={
                    <AdminOnly>
                      <Admin />
                    </AdminOnly>
                  }
                />
                <Route path="account" element={<Account />} />
                <Route path="queue" element={<Queue />} />
                <Route path="cases/:id" element={<CaseDetail />} />
                <Route
                  path="approvals"
                  element={
                    <ApproversOnly>
                      <Approvals />
                    </ApproversOnly>
                  }
                />
                <Route path="*" element={<NotFound />} />
              </Route>
            </Routes>
          </Suspense>
        </BrowserRouter>
      </AntApp>
    </ConfigProvider>
  );
}
