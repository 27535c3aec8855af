// My account: who is signed in, with which role and what it is for, what the role can open
// here, and when the session ends.
import { Link } from "react-router-dom";
import { Card, Descriptions, List, Typography } from "antd";
import { useAuth } from "../auth";
import { useI18n } from "../i18n/I18nProvider";
import { canApprove, canViewReports } from "../roles";

export default function Account() {
  const { state } = useAuth();
  const { t, fmt } = useI18n();
  if (state.status !== "signed-in") {
    return null;
  }
  const user = state.user;
  const access = [
    ...(canViewReports(user.role)
      ? [<Link key="dash" to="/dashboard">{t("account.access.dashboard")}</Link>]
      : []),
    <Link key="queue" to="/queue">
      {user.role === "field_agent" ? t("field.accessLink") : t("queue.accessLink")}
    </Link>,
    ...(canApprove(user.role)
      ? [<Link key="approvals" to="/approvals">{t("approvals.accessLink")}</Link>]
      : []),
  ];
  return (
    <div style={{ maxWidth: 880 }}>
      <Typography.Title level={3} data-testid="page-title">
        {t("account.title")}
      </Typography.Title>
      <Card>
        <Descriptions column={{ xs: 1, sm: 1, md: 2, lg: 2, xl: 2, xxl: 2 }} bordered size="middle">
          <Descriptions.Item label={t("account.username")}>{user.username}</Descriptions.Item>
          <Descriptions.Item label={t("account.displayName")}>{user.display_name}</Descriptions.Item>
          <Descriptions.Item label={t("account.role")}>{t(`role.${user.role}`)}</Descriptions.Item>
          <Descriptions.Item label={t("account.roleMeaning")}>{t(`roleInfo.${user.role}`)}</Descriptions.Item>
          <Descriptions.Item label={t("account.agency")}>{user.agency ?? t("account.none")}</Descriptions.Item>
          <Descriptions.Item label={t("account.region")}>{user.region ?? t("account.none")}</Descriptions.Item>
          <Descriptions.Item label={t("account.createdAt")}>{fmt.dateTime(user.created_at)}</Descriptions.Item>
          <Descriptions.Item label={t("account.sessionEnds")}>{fmt.dateTime(state.expiresAt)}</Descriptions.Item>
        </Descriptions>
      </Card>
      <Card title={t("account.access")} style={{ marginTop: 16 }}>
        <List dataSource={access} renderItem={(item) => <List.Item>{item}</List.Item>} />
      </Card>
    </div>
  );
}
