// 404 inside the signed-in frame.
import { Link } from "react-router-dom";
import { Button, Result } from "antd";
import { useI18n } from "../i18n/I18nProvider";

export default function NotFound() {
  const { t } = useI18n();
  return (
    <Result
      status="404"
      title={t("notFound.title")}
      subTitle={t("notFound.body")}
      extra={
        <Link to="/">
          <Button type="primary">{t("notFound.back")}</Button>
        </Link>
      }
    />
  );
}
