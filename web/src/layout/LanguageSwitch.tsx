// The language switch: 中文 / English, shown on the sign-in page and in the header.
import { Segmented } from "antd";
import { useI18n, type Locale } from "../i18n/I18nProvider";

export function LanguageSwitch() {
  const { locale, setLocale, t } = useI18n();
  return (
    <Segmented<Locale>
      aria-label={t("app.language")}
      data-testid="language-switch"
      size="small"
      value={locale}
      onChange={(value) => setLocale(value)}
      options={[
        { label: "中文", value: "zh-CN" },
        { label: "English", value: "en-US" },
      ]}
    />
  );
}
