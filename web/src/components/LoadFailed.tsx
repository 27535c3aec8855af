// What a page or card shows when its data did not load: the error, and a button to try again.
import { Alert, Button } from "antd";
import { useI18n } from "../i18n/I18nProvider";

export function LoadFailed({ message, onRetry }: { message: string; onRetry: () => void }) {
  const { t } = useI18n();
  return (
    <Alert
      type="error"
      showIcon
      message={message}
      action={
        <Button size="small" onClick={onRetry}>
          {t("app.retry")}
        </Button>
      }
    />
  );
}
