// The compliance page (`/compliance?from=&to=&actor=&action=&before=`): the audit trail's
// verification status first (administrators and compliance officers), then contacts the guard
// blocked by rule, language-QA flags on notes and templates, and the audit trail itself, newest
// first, filtered and paged through the URL. Managers see the blocks and QA flags only.
import { useMemo, useState } from "react";
import { useSearchParams } from "react-router-dom";
import { Alert, Button, Card, Col, Empty, Input, Row, Select, Space, Table, Tag, Typography } from "antd";
import { api, type AuditEntryView, type ComplianceView } from "../api";
import { useAuth } from "../auth";
import { Chart, type ChartOption } from "../charts/Chart";
import { useI18n, type I18n } from "../i18n/I18nProvider";
import { useLoad } from "../api/useLoad";
import { channelName, errorText, Loaded, loadStatus, ruleName } from "../oversight/load";
import { WithPeriod } from "../oversight/Period";
import { canReadAudit } from "../roles";

const AUDIT_ACTIONS = [
  "login",
  "login_failed",
  "login_throttled",
  "logout",
  "user_created",
  "user_changed",
  "approval_requested",
  "approval_granted",
  "approval_rejected",
  "plan_broken",
  "sms_sent",
  "call_placed",
  "cases_reassigned",
  "pii_revealed",
];

function actionName(i18n: I18n, action: string): string {
  return i18n.tOr(`compliance.action.${action}`, action);
}

function categoryName(i18n: I18n, category: string): string {
  return i18n.tOr(`compliance.qa.category.${category}`, category);
}

export default function Compliance() {
  const { t } = useI18n();
  const { state } = useAuth();
  const auditor = state.status === "signed-in" && canReadAudit(state.user.role);
  return (
    <div data-testid="compliance-page">
      <WithPeriod title={t("compliance.title")}>
        {(period) => (
          <Space direction="vertical" size={16} style={{ width: "100%" }}>
            {auditor && <AuditVerification />}
            <Blocks from={period.from} to={period.to} />
            <QaFlags from={period.from} to={period.to} />
            {auditor && <AuditTrail />}
          </Space>
        )}
      </WithPeriod>
    </div>
  );
}

function AuditVerification() {
  const i18n = useI18n();
  const { t, fmt } = i18n;
  const verify = useLoad((s) => api.auditVerify(s), []);
  const recheck = (
    <Button size="small" onClick={verify.reload} data-testid="audit-recheck">
      {t("compliance.verify.recheck")}
    </Button>
  );
  if (loadStatus(verify) === "loading") {
    return <Alert type="info" showIcon message={t("compliance.verify.checking")} data-testid="audit-verify" />;
  }
  if (verify.error || !verify.data) {
    return (
      <Alert
        type="warning"
        showIcon
        message={verify.error ? errorText(i18n, verify.error) : ""}
        action={recheck}
        data-testid="audit-verify"
      />
    );
  }
  const { intact, rows_checked, broken_seq, reason } = verify.data;
  const rows = fmt.integer(rows_checked);
  return (
    <Alert
      type={intact ? "success" : "error"}
      showIcon
      data-testid="audit-verify"
      data-status={intact ? "verified" : "broken"}
      message={<Typography.Text strong>{t(intact ? "compliance.verify.verified" : "compliance.verify.broken")}</Typography.Text>}
      description={
        intact
          ? t("compliance.verify.verifiedDetail", { rows })
          : t("compliance.verify.brokenDetail", { seq: broken_seq ?? "?", reason: reason ?? "", rows })
      }
      action={recheck}
    />
  );
}

function Blocks({ from, to }: { from: string; to: string }) {
  const i18n = useI18n();
  const { t, fmt } = i18n;
  const report = useLoad((s) => api.compliance(from, to, s), [from, to]);
  const period = t("dash.period", { from: fmt.date(from), to: fmt.date(to) });
  return (
    <Card title={t("compliance.blocks.title")} extra={period} data-testid="card-blocks">
      <Loaded load={report} empty={t("dash.rules.empty")}>
        {(data) => <BlocksBody data={data} />}
      </Loaded>
    </Card>
  );
}

function BlocksBody({ data }: { data: ComplianceView }) {
  const i18n = useI18n();
  const { t, fmt } = i18n;
  const blocked = data.lines.filter((line) => line.decision === "blocked");
  const byRule = useMemo(() => {
    const totals = new Map<string, number>();
    for (const line of blocked) {
      const rule = line.rule ?? "";
      totals.set(rule, (totals.get(rule) ?? 0) + line.count);
    }
    return [...totals.entries()].sort((a, b) => b[1] - a[1]);
  }, [blocked]);
  const option: ChartOption = useMemo(
    () => ({
      tooltip: { trigger: "axis", valueFormatter: (v: number) => fmt.integer(v) },
      grid: { left: 8, right: 24, bottom: 8, top: 8, containLabel: true },
      xAxis: { type: "value", axisLabel: { formatter: (v: number) => fmt.integer(v) } },
      yAxis: { type: "category", inverse: true, data: byRule.map(([rule]) => ruleName(i18n, rule)), axisLabel: { interval: 0 } },
      series: [{ type: "bar", itemStyle: { color: "#ff4d4f" }, data: byRule.map(([, n]) => n) }],
    }),
    [byRule, i18n, fmt],
  );
  const share = data.permitted + data.blocked > 0 ? Math.round((data.blocked / (data.permitted + data.blocked)) * 1_000_000) : 0;
  return (
    <>
      <Typography.Paragraph data-testid="blocks-total">
        {t("compliance.blocks.summary", {
          permitted: fmt.integer(data.permitted),
          blocked: fmt.integer(data.blocked),
          share: fmt.percentPpm(share),
        })}
      </Typography.Paragraph>
      {blocked.length === 0 ? (
        <Empty description={t("dash.rules.empty")} />
      ) : (
        <Row gutter={[16, 16]}>
          <Col xs={24} xl={12}>
            <Chart option={option} height={Math.max(160, 40 + byRule.length * 36)} testId="chart-blocks" />
          </Col>
          <Col xs={24} xl={12}>
            <Table
              size="small"
              pagination={false}
              data-testid="blocks-table"
              rowKey={(line) => `${line.rule ?? ""}|${line.channel}`}
              dataSource={blocked}
              columns={[
                { title: t("dash.rules.rule"), dataIndex: "rule", render: (rule: string | null) => ruleName(i18n, rule ?? "") },
                { title: t("dash.rules.channel"), dataIndex: "channel", render: (c: string) => channelName(i18n, c) },
                { title: t("dash.rules.count"), dataIndex: "count", align: "right", render: (n: number) => fmt.integer(n) },
              ]}
            />
          </Col>
        </Row>
      )}
    </>
  );
}

/** The note's text with every flagged term marked. */
function Highlighted({ text, terms }: { text: string; terms: string[] }) {
  const parts = useMemo(() => {
    const wanted = [...new Set(terms)].filter(Boolean);
    if (wanted.length === 0) {
      return [text];
    }
    const escaped = wanted.map((term) => term.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
    return text.split(new RegExp(`(${escaped.join("|")})`, "g"));
  }, [text, terms]);
  return (
    <span>
      {parts.map((part, idx) => (terms.includes(part) ? <mark key={idx}>{part}</mark> : <span key={idx}>{part}</span>))}
    </span>
  );
}

function QaFlags({ from, to }: { from: string; to: string }) {
  const i18n = useI18n();
  const { t, fmt } = i18n;
  const flags = useLoad((s) => api.qaFlags(from, to, s), [from, to]);
  return (
    <Card title={t("compliance.qa.title")} data-testid="card-qa">
      <Loaded load={flags} empty={t("compliance.qa.empty")}>
        {(data) => (
          <Space direction="vertical" size={12} style={{ width: "100%" }}>
            <Typography.Text strong>
              {t("compliance.qa.notes", { total: fmt.integer(data.total), shown: fmt.integer(data.notes.length) })}
            </Typography.Text>
            {data.notes.length === 0 ? (
              <Empty description={t("compliance.qa.empty")} image={Empty.PRESENTED_IMAGE_SIMPLE} />
            ) : (
              <Table
                size="small"
                rowKey="id"
                pagination={data.notes.length > 10 ? { pageSize: 10 } : false}
                dataSource={data.notes}
                data-testid="qa-notes"
                columns={[
                  { title: t("compliance.qa.at"), dataIndex: "at", render: (at: string) => fmt.dateTime(at) },
                  { title: t("compliance.qa.case"), dataIndex: "case_id" },
                  { title: t("compliance.qa.author"), dataIndex: "author" },
                  {
                    title: t("compliance.qa.text"),
                    dataIndex: "text",
                    render: (text: string, row) => <Highlighted text={text} terms={row.hits.map((h) => h.term)} />,
                  },
                  {
                    title: t("compliance.qa.categories"),
                    dataIndex: "hits",
                    render: (hits: { category: string; term: string }[]) =>
                      [...new Set(hits.map((h) => h.category))].map((c) => (
                        <Tag color="orange" key={c}>
                          {categoryName(i18n, c)}
                        </Tag>
                      )),
                  },
                ]}
              />
            )}
            <Typography.Text strong>{t("compliance.qa.templates", { count: fmt.integer(data.templates.length) })}</Typography.Text>
            {data.templates.length === 0 ? (
              <Empty description={t("compliance.qa.templatesEmpty")} image={Empty.PRESENTED_IMAGE_SIMPLE} />
            ) : (
              <Table
                size="small"
                rowKey="id"
                pagination={false}
                dataSource={data.templates}
                data-testid="qa-templates"
                columns={[
                  { title: t("compliance.qa.template"), dataIndex: "id", render: (id: string) => <Typography.Text code>{id}</Typography.Text> },
                  {
                    title: t("dash.rules.channel"),
                    dataIndex: "channel",
                    render: (c: string) => i18n.tOr(`compliance.channel.${c}`, channelName(i18n, c)),
                  },
                  {
                    title: t("compliance.qa.terms"),
                    dataIndex: "terms",
                    render: (terms: string[]) =>
                      terms.map((term) => (
                        <Tag color="orange" key={term}>
                          {term}
                        </Tag>
                      )),
                  },
                ]}
              />
            )}
          </Space>
        )}
      </Loaded>
    </Card>
  );
}

function AuditTrail() {
  const i18n = useI18n();
  const { t, fmt } = i18n;
  const [params, setParams] = useSearchParams();
  const actor = params.get("actor");
  const action = params.get("action");
  const beforeText = params.get("before");
  const before = beforeText && /^\d+$/.test(beforeText) ? Number(beforeText) : null;
  const [actorInput, setActorInput] = useState(actor ?? "");
  const page = useLoad((s) => api.audit({ actor, action, before, limit: 50 }, s), [actor, action, before]);
  const update = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(params);
    for (const [key, value] of Object.entries(changes)) {
      if (value) {
        next.set(key, value);
      } else {
        next.delete(key);
      }
    }
    setParams(next);
  };
  return (
    <Card
      title={t("compliance.audit.title")}
      data-testid="card-audit"
      extra={
        <Space wrap>
          <Input.Search
            allowClear
            style={{ width: 200 }}
            placeholder={t("compliance.audit.actor")}
            value={actorInput}
            onChange={(event) => setActorInput(event.target.value)}
            onSearch={(value) => update({ actor: value.trim() || null, before: null })}
            data-testid="audit-actor"
          />
          <Select
            allowClear
            style={{ minWidth: 180 }}
            placeholder={t("compliance.audit.action")}
            value={action ?? undefined}
            onChange={(value: string | undefined) => update({ action: value ?? null, before: null })}
            options={AUDIT_ACTIONS.map((code) => ({ value: code, label: actionName(i18n, code) }))}
            data-testid="audit-action"
          />
        </Space>
      }
    >
      <Loaded load={page} empty={t("compliance.audit.empty")}>
        {(data) => (
          <>
            <Table<AuditEntryView>
              size="small"
              rowKey="seq"
              pagination={false}
              scroll={{ x: true }}
              dataSource={data.entries}
              data-testid="audit-table"
              locale={{ emptyText: <Empty description={t("compliance.audit.empty")} /> }}
              columns={[
                { title: t("compliance.audit.seq"), dataIndex: "seq", align: "right" },
                { title: t("compliance.audit.at"), dataIndex: "at", render: (at: string) => fmt.dateTime(at) },
                { title: t("compliance.audit.actor"), dataIndex: "actor" },
                { title: t("compliance.audit.action"), dataIndex: "action", render: (a: string) => <Tag>{actionName(i18n, a)}</Tag> },
                { title: t("compliance.audit.subject"), dataIndex: "subject" },
                {
                  title: t("compliance.audit.detail"),
                  dataIndex: "detail",
                  render: (detail: unknown) => (
                    <Typography.Text code style={{ fontSize: 12 }}>
                      {JSON.stringify(detail)}
                    </Typography.Text>
                  ),
                },
                {
                  title: t("compliance.audit.hash"),
                  dataIndex: "hash",
                  render: (hash: string) => <Typography.Text type="secondary">{hash.slice(0, 12)}…</Typography.Text>,
                },
              ]}
            />
            <Space style={{ marginTop: 12 }}>
              <Button disabled={before === null} onClick={() => update({ before: null })} data-testid="audit-newest">
                {t("compliance.audit.newest")}
              </Button>
              <Button
                disabled={data.next_before === null}
                onClick={() => update({ before: data.next_before === null ? null : String(data.next_before) })}
                data-testid="audit-older"
              >
                {t("compliance.audit.older")}
              </Button>
            </Space>
          </>
        )}
      </Loaded>
    </Card>
  );
}
