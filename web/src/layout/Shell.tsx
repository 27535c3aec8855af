// The signed-in frame: a side menu with only the pages the role may open, a header with the
// user, the language switch and sign-out, and the page in the middle.
import { Suspense } from "react";
import { Link, Outlet, useLocation, useNavigate } from "react-router-dom";
import { Button, Grid, Layout, Menu, Space, Typography } from "antd";
import { useAuth } from "../auth";
import { useI18n } from "../i18n/I18nProvider";
import { canApprove, canManageUsers, canViewReports, seesAllCases } from "../roles";
import { LanguageSwitch } from "./LanguageSwitch";
import { PageLoading } from "../PageLoading";

export default function Shell() {
  const { state, signOut } = useAuth();
  const { t } = useI18n();
  const location = useLocation();
  const navigate = useNavigate();
  const screens = Grid.useBreakpoint();
  if (state.status !== "signed-in") {
    return null;
  }
  const user = state.user;
  const items = [
    ...(canViewReports(user.role)
      ? [{ key: "/dashboard", label: <Link to="/dashboard">{t("menu.dashboard")}</Link> }]
      : []),
    // --- workspace pages ---
    {
      key: "/queue",
      label: (
        <Link to="/queue">
          {user.role === "field_agent"
            ? t("field.menu")
            : seesAllCases(user.role)
              ? t("queue.menuAll")
              : t("queue.menu")}
        </Link>
      ),
    },
    ...(canApprove(user.role)
      ? [{ key: "/approvals", label: <Link to="/approvals">{t("approvals.menu")}</Link> }]
      : []),
    // --- end workspace pages ---
    ...(canViewReports(user.role)
      ? [
          { key: "/strategy", label: <Link to="/strategy">{t("strategy.menu")}</Link> },
          { key: "/compliance", label: <Link to="/compliance">{t("compliance.menu")}</Link> },
        ]
      : []),
    ...(canManageUsers(user.role) ? [{ key: "/admin", label: <Link to="/admin">{t("admin.menu")}</Link> }] : []),
    { key: "/account", label: <Link to="/account">{t("menu.account")}</Link> },
  ];
  const selected =
    items.find((item) => location.pathname.startsWith(item.key))?.key ??
    (location.pathname.startsWith("/cases/") ? "/queue" : undefined);
  return (
    <Layout style={{ minHeight: "100vh" }}>
      <Layout.Sider breakpoint="md" collapsedWidth={0} theme="dark" width={200}>
        <div style={{ color: "#fff", padding: "16px 24px", fontWeight: 600, fontSize: 16 }}>
          {t("app.name")}
        </div>
        <Menu
          data-testid="main-menu"
          theme="dark"
          mode="inline"
          selectedKeys={selected ? [selected] : []}
          items={items}
        />
      </Layout.Sider>
      <Layout>
        <Layout.Header
          style={{
            background: "#fff",
            padding: screens.md ? "0 24px" : "0 12px",
            display: "flex",
            justifyContent: "flex-end",
            alignItems: "center",
            borderBottom: "1px solid #f0f0f0",
          }}
        >
          <Space size="middle" wrap>
            <Typography.Text data-testid="signed-in-user">
              {t("app.signedInAs", { name: user.display_name, role: t(`role.${user.role}`) })}
            </Typography.Text>
            <LanguageSwitch />
            <Button
              size="small"
              onClick={() => {
                void signOut().finally(() => navigate("/login", { replace: true }));
              }}
            >
              {t("app.signOut")}
            </Button>
          </Space>
        </Layout.Header>
        {/* On a phone the menu's toggle sits at the content's top left: leave it room. */}
        <Layout.Content style={{ padding: screens.md ? 24 : "52px 12px 12px" }}>
          <Suspense fallback={<PageLoading />}>
            <Outlet />
          </Suspense>
        </Layout.Content>
      </Layout>
    </Layout>
  );
}
