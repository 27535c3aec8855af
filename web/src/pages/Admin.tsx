// The administration page (`/admin?tab=users|roles|assignment`, administrators only): users —
// the list, a form to create one with a role, deactivation and reactivation (confirmed), and a
// new password; the role × permission matrix the server
// enforces; and the `[assignment]` rules in force (read-only: they come from recoup.toml).
import { useState } from "react";
import { useSearchParams } from "react-router-dom";
import {
  App as AntApp,
  Button,
  Card,
  Col,
  Descriptions,
  Form,
  Input,
  Modal,
  Row,
  Select,
  Space,
  Table,
  Tabs,
  Tag,
  Typography,
} from "antd";
import {
  api,
  asApiError,
  type NewUserBody,
  type RoleCode,
  type RolesView,
  type UserView,
} from "../api";
import { useAuth } from "../auth";
import { useI18n } from "../i18n/I18nProvider";
import { useLoad } from "../api/useLoad";
import { Loaded } from "../oversight/load";
import { ALL_ROLES } from "../roles";

const TABS = ["users", "roles", "assignment"] as const;

export default function Admin() {
  const { t } = useI18n();
  const [params, setParams] = useSearchParams();
  const tab = TABS.find((name) => name === params.get("tab")) ?? "users";
  return (
    <div data-testid="admin-page">
      <Typography.Title level={3} style={{ marginTop: 0 }} data-testid="page-title">
        {t("admin.title")}
      </Typography.Title>
      <Tabs
        activeKey={tab}
        onChange={(key) => {
          const next = new URLSearchParams(params);
          if (key === "users") {
            next.delete("tab");
          } else {
            next.set("tab", key);
          }
          setParams(next);
        }}
        items={[
          { key: "users", label: <span data-testid="tab-users">{t("admin.tab.users")}</span>, children: <Users /> },
          { key: "roles", label: <span data-testid="tab-roles">{t("admin.tab.roles")}</span>, children: <Roles /> },
          {
            key: "assignment",
            label: <span data-testid="tab-assignment">{t("admin.tab.assignment")}</span>,
            children: <Assignment />,
          },
        ]}
      />
    </div>
  );
}

function Users() {
  const i18n = useI18n();
  const { t, fmt } = i18n;
  const users = useLoad((s) => api.users(s), []);
  const reload = users.reload;
  const [creating, setCreating] = useState(false);
  const [resetting, setResetting] = useState<UserView | null>(null);
  const [roleFilter, setRoleFilter] = useState<RoleCode | undefined>(undefined);
  return (
    <Card
      title={t("admin.users.title")}
      extra={
        <Space>
          <Select
            allowClear
            style={{ minWidth: 160 }}
            placeholder={t("admin.users.roleFilter")}
            value={roleFilter}
            onChange={(value: RoleCode | undefined) => setRoleFilter(value)}
            options={ALL_ROLES.map((role) => ({ value: role, label: t(`role.${role}`) }))}
          />
          <Button type="primary" onClick={() => setCreating(true)} data-testid="user-create-open">
            {t("admin.users.create")}
          </Button>
        </Space>
      }
    >
      <Loaded load={users} empty={t("admin.users.empty")}>
        {(data) => (
          <Table<UserView>
            size="small"
            rowKey="id"
            data-testid="users-table"
            pagination={data.length > 20 ? { pageSize: 20 } : false}
            scroll={{ x: true }}
            dataSource={roleFilter ? data.filter((u) => u.role === roleFilter) : data}
            columns={[
              { title: t("account.username"), dataIndex: "username", sorter: (a, b) => a.username.localeCompare(b.username) },
              { title: t("account.displayName"), dataIndex: "display_name" },
              { title: t("account.role"), dataIndex: "role", render: (role: RoleCode) => t(`role.${role}`) },
              { title: t("account.agency"), dataIndex: "agency", render: (v: string | null) => v ?? t("account.none") },
              { title: t("account.region"), dataIndex: "region", render: (v: string | null) => v ?? t("account.none") },
              {
                title: t("admin.users.status"),
                dataIndex: "active",
                render: (active: boolean) =>
                  active ? <Tag color="green">{t("admin.users.active")}</Tag> : <Tag>{t("admin.users.inactive")}</Tag>,
              },
              { title: t("account.createdAt"), dataIndex: "created_at", render: (at: string) => fmt.dateTime(at) },
              {
                title: t("admin.users.actions"),
                key: "actions",
                render: (_: unknown, user: UserView) => (
                  <UserActions user={user} onChanged={reload} onSetPassword={() => setResetting(user)} />
                ),
              },
            ]}
          />
        )}
      </Loaded>
      <SetPassword user={resetting} onClose={() => setResetting(null)} />
      <CreateUser
        open={creating}
        onClose={() => setCreating(false)}
        onCreated={() => {
          setCreating(false);
          reload();
        }}
      />
    </Card>
  );
}

/** How a refused change reads: the server's field message, or the status. */
function refusal(i18n: ReturnType<typeof useI18n>, error: unknown): string {
  const apiError = asApiError(error);
  if (apiError.status === 0) {
    return i18n.t("app.networkError");
  }
  if (apiError.status >= 500) {
    return i18n.t("app.serverError", { status: apiError.status });
  }
  if (apiError.field === "password") {
    return i18n.t("admin.users.error.password");
  }
  return i18n.t("admin.users.changeRefused", { status: apiError.status });
}

/** Deactivate or reactivate (confirmed; not one's own account) and open the password dialog. */
function UserActions({
  user,
  onChanged,
  onSetPassword,
}: {
  user: UserView;
  onChanged: () => void;
  onSetPassword: () => void;
}) {
  const i18n = useI18n();
  const { t } = i18n;
  const { modal, message } = AntApp.useApp();
  const { state } = useAuth();
  const self = state.status === "signed-in" && state.user.username === user.username;
  const toggle = () => {
    const active = !user.active;
    modal.confirm({
      title: t(active ? "admin.users.reactivateTitle" : "admin.users.deactivateTitle", { username: user.username }),
      content: t(active ? "admin.users.reactivateBody" : "admin.users.deactivateBody"),
      okText: t(active ? "admin.users.reactivate" : "admin.users.deactivate"),
      okButtonProps: { danger: !active },
      cancelText: t("admin.users.cancel"),
      onOk: async () => {
        try {
          const changed = await api.changeUser(user.username, { active });
          message.success(
            active
              ? t("admin.users.reactivated", { username: user.username })
              : t("admin.users.deactivated", {
                  username: user.username,
                  sessions: changed.sessions_ended,
                  cases: changed.open_cases,
                }),
          );
          onChanged();
        } catch (error) {
          message.error(refusal(i18n, error));
        }
      },
    });
  };
  return (
    <Space size={4} data-testid={`user-actions-${user.username}`}>
      <Button size="small" onClick={onSetPassword} data-testid="user-set-password">
        {t("admin.users.setPassword")}
      </Button>
      {self ? (
        <Tag>{t("admin.users.self")}</Tag>
      ) : (
        <Button size="small" danger={user.active} onClick={toggle} data-testid="user-toggle-active">
          {t(user.active ? "admin.users.deactivate" : "admin.users.reactivate")}
        </Button>
      )}
    </Space>
  );
}

/** A new password for `user` (open while `user` is set); the server's verdict shows at the field. */
function SetPassword({ user, onClose }: { user: UserView | null; onClose: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { message } = AntApp.useApp();
  const [form] = Form.useForm<{ password: string }>();
  const [saving, setSaving] = useState(false);
  const submit = async ({ password }: { password: string }) => {
    if (!user) {
      return;
    }
    setSaving(true);
    try {
      const changed = await api.changeUser(user.username, { password });
      message.success(t("admin.users.passwordSet", { username: user.username, sessions: changed.sessions_ended }));
      form.resetFields();
      onClose();
    } catch (error) {
      form.setFields([{ name: "password", errors: [refusal(i18n, error)] }]);
    } finally {
      setSaving(false);
    }
  };
  return (
    <Modal
      open={user !== null}
      title={user ? t("admin.users.passwordTitle", { username: user.username }) : ""}
      okText={t("admin.users.passwordSubmit")}
      cancelText={t("admin.users.cancel")}
      confirmLoading={saving}
      onOk={() => form.submit()}
      onCancel={onClose}
      okButtonProps={{ "data-testid": "user-password-submit" }}
      destroyOnClose
    >
      <Form form={form} layout="vertical" preserve={false} onFinish={(values) => void submit(values)} data-testid="user-password-form">
        <Typography.Paragraph type="secondary">{t("admin.users.passwordNote")}</Typography.Paragraph>
        <Form.Item
          name="password"
          label={t("login.password")}
          extra={t("admin.users.passwordHint")}
          rules={[{ required: true, message: t("admin.users.required") }]}
        >
          <Input.Password autoComplete="new-password" data-testid="user-new-password" />
        </Form.Item>
      </Form>
    </Modal>
  );
}

/** The form holds the body's fields as typed; `submit` trims them. */
type CreateForm = NewUserBody;

const FORM_FIELDS = ["username", "display_name", "role", "password", "agency", "region"] as const;

function CreateUser({ open, onClose, onCreated }: { open: boolean; onClose: () => void; onCreated: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { message } = AntApp.useApp();
  const [form] = Form.useForm<CreateForm>();
  const [saving, setSaving] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const role = Form.useWatch("role", form);

  const submit = async (values: CreateForm) => {
    setSaving(true);
    setFailure(null);
    const body: NewUserBody = {
      username: values.username.trim(),
      role: values.role,
      password: values.password,
      ...(values.display_name?.trim() ? { display_name: values.display_name.trim() } : {}),
      ...(values.agency?.trim() ? { agency: values.agency.trim() } : {}),
      ...(values.region?.trim() ? { region: values.region.trim() } : {}),
    };
    try {
      const user = await api.createUser(body);
      message.success(t("admin.users.created", { username: user.username }));
      form.resetFields();
      onCreated();
    } catch (error) {
      const apiError = asApiError(error);
      const field = apiError.status === 409 ? "username" : FORM_FIELDS.find((name) => name === apiError.field);
      const text =
        apiError.status === 0
          ? t("app.networkError")
          : apiError.status >= 500
            ? t("app.serverError", { status: apiError.status })
            : apiError.status === 409
              ? t("admin.users.error.taken")
              : field
                ? i18n.tOr(`admin.users.error.${field}`, t("admin.users.refused", { status: apiError.status }))
                : t("admin.users.refused", { status: apiError.status });
      if (field) {
        form.setFields([{ name: field, errors: [text] }]);
      } else {
        setFailure(text);
      }
    } finally {
      setSaving(false);
    }
  };

  return (
    <Modal
      open={open}
      title={t("admin.users.createTitle")}
      okText={t("admin.users.createSubmit")}
      cancelText={t("admin.users.cancel")}
      confirmLoading={saving}
      onOk={() => form.submit()}
      onCancel={onClose}
      okButtonProps={{ "data-testid": "user-create-submit" }}
      destroyOnClose
    >
      <Form<CreateForm> form={form} layout="vertical" onFinish={(values) => void submit(values)} data-testid="user-create-form">
        <Form.Item
          name="username"
          label={t("account.username")}
          extra={t("admin.users.usernameHint")}
          rules={[{ required: true, message: t("admin.users.required") }]}
        >
          <Input autoComplete="off" data-testid="user-username" />
        </Form.Item>
        <Form.Item name="display_name" label={t("account.displayName")}>
          <Input data-testid="user-display-name" />
        </Form.Item>
        <Form.Item name="role" label={t("account.role")} rules={[{ required: true, message: t("admin.users.required") }]}>
          <Select
            data-testid="user-role"
            options={ALL_ROLES.map((code) => ({ value: code, label: t(`role.${code}`) }))}
          />
        </Form.Item>
        <Form.Item
          name="password"
          label={t("login.password")}
          extra={t("admin.users.passwordHint")}
          rules={[{ required: true, message: t("admin.users.required") }]}
        >
          <Input.Password autoComplete="new-password" data-testid="user-password" />
        </Form.Item>
        {role === "agency" && (
          <Form.Item name="agency" label={t("account.agency")} rules={[{ required: true, message: t("admin.users.required") }]}>
            <Input data-testid="user-agency" />
          </Form.Item>
        )}
        <Form.Item name="region" label={t("account.region")}>
          <Input data-testid="user-region" />
        </Form.Item>
        {failure && <Typography.Text type="danger">{failure}</Typography.Text>}
      </Form>
    </Modal>
  );
}

function Roles() {
  const i18n = useI18n();
  const { t } = i18n;
  const roles = useLoad((s) => api.roles(s), []);
  return (
    <Card title={t("admin.roles.title")}>
      <Typography.Paragraph type="secondary">{t("admin.roles.intro")}</Typography.Paragraph>
      <Loaded load={roles} empty={t("admin.roles.title")}>
        {(data) => (
          <Table
            size="small"
            rowKey="role"
            pagination={false}
            scroll={{ x: true }}
            data-testid="roles-matrix"
            dataSource={data.roles}
            columns={[
              {
                title: t("account.role"),
                dataIndex: "role",
                fixed: "left",
                render: (role: RoleCode) => (
                  <span>
                    <Typography.Text strong>{t(`role.${role}`)}</Typography.Text>
                    <br />
                    <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                      {t(`roleInfo.${role}`)}
                    </Typography.Text>
                  </span>
                ),
              },
              ...data.permissions.map((permission) => ({
                title: i18n.tOr(`admin.permission.${permission}`, permission),
                key: permission,
                align: "center" as const,
                render: (_: unknown, row: RolesView["roles"][number]) =>
                  row.permissions.includes(permission) ? (
                    <Typography.Text type="success" aria-label={t("admin.roles.allowed")}>
                      ✓
                    </Typography.Text>
                  ) : (
                    <Typography.Text type="secondary" aria-label={t("admin.roles.denied")}>
                      —
                    </Typography.Text>
                  ),
              })),
            ]}
          />
        )}
      </Loaded>
    </Card>
  );
}

function Assignment() {
  const i18n = useI18n();
  const { t } = i18n;
  const settings = useLoad((s) => api.assignment(s), []);
  const yesNo = (value: boolean) => (value ? t("admin.assignment.on") : t("admin.assignment.off"));
  return (
    <Loaded load={settings} empty={t("admin.assignment.title")}>
      {(data) => (
        <Space direction="vertical" size={16} style={{ width: "100%" }} data-testid="assignment-settings">
          <Card title={t("admin.assignment.title")}>
            <Typography.Paragraph type="secondary">{t("admin.assignment.intro")}</Typography.Paragraph>
            <Descriptions size="small" column={{ xs: 1, md: 2 }} bordered>
              <Descriptions.Item label={t("admin.assignment.rule")}>
                {i18n.tOr(`admin.assignment.rule.${data.rule}`, data.rule)}
              </Descriptions.Item>
              <Descriptions.Item label={t("admin.assignment.sticky")}>{yesNo(data.sticky)}</Descriptions.Item>
              <Descriptions.Item label={t("admin.assignment.byRegion")}>{yesNo(data.by_region)}</Descriptions.Item>
              <Descriptions.Item label={t("admin.assignment.bySkill")}>{yesNo(data.by_skill)}</Descriptions.Item>
            </Descriptions>
          </Card>
          <Row gutter={[16, 16]}>
            <Col xs={24} xl={10}>
              <Card title={t("admin.assignment.queues")}>
                <Table
                  size="small"
                  rowKey="queue"
                  pagination={false}
                  dataSource={data.queues}
                  data-testid="assignment-queues"
                  columns={[
                    {
                      title: t("admin.assignment.queue"),
                      dataIndex: "queue",
                      render: (queue: string) => (
                        <span>
                          {i18n.tOr(`strategy.queue.${queue.replace(/\*$/, "")}`, queue)}{" "}
                          <Typography.Text type="secondary" code>
                            {queue}
                          </Typography.Text>
                        </span>
                      ),
                    },
                    { title: t("account.role"), dataIndex: "role", render: (role: RoleCode) => t(`role.${role}`) },
                  ]}
                />
                <Typography.Paragraph type="secondary" style={{ marginTop: 8 }}>
                  {t("admin.assignment.unlisted")}
                </Typography.Paragraph>
              </Card>
            </Col>
            <Col xs={24} xl={14}>
              <Card title={t("admin.assignment.regions")}>
                <Table
                  size="small"
                  rowKey="region"
                  pagination={false}
                  dataSource={data.regions}
                  columns={[
                    { title: t("account.region"), dataIndex: "region", render: (r: string) => i18n.tOr(`admin.region.${r}`, r) },
                    {
                      title: t("admin.assignment.cities"),
                      dataIndex: "cities",
                      render: (cities: string[]) => cities.map((city) => <Tag key={city}>{city}</Tag>),
                    },
                  ]}
                />
              </Card>
            </Col>
          </Row>
        </Space>
      )}
    </Loaded>
  );
}
