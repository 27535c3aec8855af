// The spinner shown while a page's chunk or the session loads.
import { Spin } from "antd";
import { useI18n } from "./i18n/I18nProvider";

export function PageLoading() {
  const { t } = useI18n();
  return (
    <div style={{ display: "flex", justifyContent: "center", padding: 64 }} data-testid="page-loading">
      <Spin size="large" tip={t("app.loading")}>
        <div style={{ width: 120, height: 60 }} />
      </Spin>
    </div>
  );
}
