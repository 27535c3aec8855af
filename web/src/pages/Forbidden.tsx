// 403: the role may not open this page (the menu does not offer it; a typed or shared URL can).
import { Link } from "react-router-dom";
import { Button, Result } from "antd";
import { useAuth } from "../auth";
import { useI18n } from "../i18n/I18nProvider";

export default function Forbidden() {
  const { state } = useAuth();
  const { t } = useI18n();
  const role = state.status === "signed-in" ? t(`role.${state.user.role}`) : "";
  return (
    <Result
      status="403"
      title={t("forbidden.title")}
      subTitle={<span data-testid="forbidden">{t("forbidden.body", { role })}</span>}
      extra={
        <Link to="/account">
          <Button type="primary">{t("forbidden.back")}</Button>
        </Link>
      }
    />
  );
}
