// Sign-in. A refusal is shown under the password field (the server does not say which part was
// wrong, on purpose); an error naming another field is shown under that field; a network or
// server failure is shown above the form. After repeated failures the server asks this address
// to wait (429 + Retry-After): the wait is counted down above the form and sign-in is disabled.
import { useEffect, useState } from "react";
import { Navigate, useNavigate, useSearchParams } from "react-router-dom";
import { Alert, Button, Card, Form, Input, Typography } from "antd";
import { ApiError, asApiError } from "../api";
import { useAuth } from "../auth";
import { useI18n } from "../i18n/I18nProvider";
import { LanguageSwitch } from "../layout/LanguageSwitch";
import { homePath } from "../roles";

interface Fields {
  username: string;
  password: string;
}

/** Only same-site paths may be a `next` target. */
function safeNext(next: string | null): string | null {
  return next && next.startsWith("/") && !next.startsWith("//") ? next : null;
}

export default function Login() {
  const { state, signIn } = useAuth();
  const { t } = useI18n();
  const [form] = Form.useForm<Fields>();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const [submitting, setSubmitting] = useState(false);
  const [failure, setFailure] = useState<ApiError | null>(null);
  const [refused, setRefused] = useState<"username" | "password" | null>(null);
  // Seconds this address must wait after repeated failures (429), counted down on screen.
  const [wait, setWait] = useState<number | null>(null);

  useEffect(() => {
    if (wait === null) {
      return;
    }
    if (wait <= 0) {
      setWait(null);
      return;
    }
    const timer = window.setTimeout(() => setWait(wait - 1), 1000);
    return () => window.clearTimeout(timer);
  }, [wait]);

  // Errors set with setFields are not re-translated by the form: set them again on a switch.
  useEffect(() => {
    if (refused) {
      form.setFields([{ name: refused, errors: [t("login.invalid")] }]);
    }
  }, [refused, form, t]);

  if (state.status === "signed-in") {
    return <Navigate to={safeNext(params.get("next")) ?? homePath(state.user.role)} replace />;
  }

  const onFinish = async (values: Fields) => {
    setSubmitting(true);
    setFailure(null);
    setRefused(null);
    try {
      const user = await signIn(values.username.trim(), values.password);
      navigate(safeNext(params.get("next")) ?? homePath(user.role), { replace: true });
    } catch (error) {
      if (error instanceof ApiError && error.status === 429) {
        setWait(error.retryAfter ?? 60);
        form.setFieldValue("password", "");
      } else if (error instanceof ApiError && (error.status === 401 || error.status === 422 || error.status === 400)) {
        setRefused(error.field === "username" ? "username" : "password");
        form.setFieldValue("password", "");
      } else {
        setFailure(asApiError(error));
      }
    } finally {
      setSubmitting(false);
    }
  };

  return (
    <div
      style={{
        minHeight: "100vh",
        display: "flex",
        alignItems: "center",
        justifyContent: "center",
        background: "linear-gradient(160deg, #e6f4ff 0%, #f5f5f5 60%)",
        padding: 16,
      }}
    >
      <Card style={{ width: "100%", maxWidth: 400 }}>
        <div style={{ display: "flex", justifyContent: "space-between", alignItems: "center", marginBottom: 8 }}>
          <Typography.Title level={3} style={{ margin: 0 }}>
            {t("login.title")}
          </Typography.Title>
          <LanguageSwitch />
        </div>
        <Typography.Paragraph type="secondary">
          {t("app.name")} · {t("login.subtitle")}
        </Typography.Paragraph>
        {params.get("expired") === "1" && !failure ? (
          <Alert type="info" showIcon message={t("app.sessionExpired")} style={{ marginBottom: 16 }} />
        ) : null}
        {failure ? (
          <Alert
            type="error"
            showIcon
            role="alert"
            message={failure.status === 0 ? t("app.networkError") : t("app.serverError", { status: failure.status })}
            style={{ marginBottom: 16 }}
          />
        ) : null}
        {wait !== null ? (
          <Alert
            type="warning"
            showIcon
            role="alert"
            data-testid="login-throttled"
            message={t("login.throttled", { seconds: wait })}
            style={{ marginBottom: 16 }}
          />
        ) : null}
        <Form<Fields>
          form={form}
          layout="vertical"
          requiredMark={false}
          onFinish={(values) => void onFinish(values)}
          onValuesChange={() => setRefused(null)}
        >
          <Form.Item
            label={t("login.username")}
            name="username"
            rules={[{ required: true, whitespace: true, message: t("login.usernameRequired") }]}
          >
            <Input autoComplete="username" autoFocus data-testid="login-username" />
          </Form.Item>
          <Form.Item
            label={t("login.password")}
            name="password"
            rules={[{ required: true, message: t("login.passwordRequired") }]}
          >
            <Input.Password autoComplete="current-password" data-testid="login-password" />
          </Form.Item>
          <Button
            type="primary"
            htmlType="submit"
            block
            loading={submitting}
            disabled={wait !== null}
            data-testid="login-submit"
          >
            {t("login.submit")}
          </Button>
        </Form>
        <Typography.Paragraph type="secondary" style={{ marginTop: 16, marginBottom: 0, fontSize: 12 }}>
          {t("login.demoHint")}
        </Typography.Paragraph>
      </Card>
    </div>
  );
}
