// The case page (`/cases/:id`): the borrower (masked, with the journaled reveal), the case and
// its segments, the loans with schedule, payments, delinquency history and vehicle, one timeline,
// and the actions the role may take. Two columns on a wide screen, one on a phone, where the
// actions come first as large buttons (a field agent logs a visit from the doorstep).
import { useEffect, useState, type ReactNode } from "react";
import { Link, useParams } from "react-router-dom";
import {
  Alert,
  App,
  Button,
  Card,
  Col,
  Descriptions,
  Empty,
  Result,
  Row,
  Skeleton,
  Space,
  Statistic,
  Table,
  Tabs,
  Tag,
  Typography,
} from "antd";
import dayjs from "dayjs";
import { useAuth } from "../auth";
import { LoadFailed } from "../components/LoadFailed";
import { useI18n } from "../i18n/I18nProvider";
import { canContactByDevice, canRequestPlans, canReveal, canWorkCases } from "../roles";
import { workspace, type Borrower, type CaseFile, type Loan } from "../api";
import {
  CallButton,
  LogContactDialog,
  NoteDialog,
  PlanDialog,
  PromiseDialog,
  RevealDialog,
  SmsDialog,
  WaiverDialog,
} from "../workspace/CaseActions";
import { SettlementQuotePanel } from "../workspace/SettlementQuote";
import { CaseTimeline } from "../workspace/Timeline";
import { errorText, label } from "../workspace/labels";
import { useLoad } from "../api/useLoad";
import { StageTag } from "../workspace/StageTag";
import { useMinWidth } from "../workspace/useMinWidth";

type Dialog = "log" | "promise" | "plan" | "waiver" | "sms" | "note" | "reveal" | null;

export default function CaseDetail() {
  const i18n = useI18n();
  const { t } = i18n;
  const { id: idText } = useParams();
  const id = Number(idText);
  const valid = Number.isInteger(id) && id > 0;
  const load = useLoad(
    (signal) => (valid ? workspace.caseFile(id, signal) : Promise.reject(new Error("bad id"))),
    [id],
  );
  const { data: file, reload } = load;
  if (!valid || load.error?.status === 404) {
    return (
      <Result
        status="404"
        title={t("case.notFound.title")}
        subTitle={<span data-testid="case-not-found">{t("case.notFound.body")}</span>}
        extra={
          <Link to="/queue">
            <Button type="primary">{t("case.backToQueue")}</Button>
          </Link>
        }
      />
    );
  }
  if (load.error) {
    return <LoadFailed message={errorText(i18n, load.error)} onRetry={reload} />;
  }
  if (!file) {
    return <Skeleton active paragraph={{ rows: 12 }} data-testid="case-loading" />;
  }
  return <CaseView file={file} reload={reload} />;
}

function CaseView({ file, reload }: { file: CaseFile; reload: () => void }) {
  const i18n = useI18n();
  const { t, fmt } = i18n;
  const { state } = useAuth();
  const role = state.status === "signed-in" ? state.user.role : "compliance";
  const { message } = App.useApp();
  const narrow = !useMinWidth(992);
  const [dialog, setDialog] = useState<Dialog>(null);
  const [revealed, setRevealed] = useState<{ borrower: Borrower; reason: string } | null>(null);
  // The header, actions, borrower and timeline are drawn first; the loans' tables, the case
  // details and the segment history (heavier, and below them) right after the first paint.
  const [rest, setRest] = useState(false);
  useEffect(() => {
    let timer = 0;
    const frame = window.requestAnimationFrame(() => {
      timer = window.setTimeout(() => setRest(true), 0);
    });
    return () => {
      window.cancelAnimationFrame(frame);
      window.clearTimeout(timer);
    };
  }, []);
  const later = (node: ReactNode, key: string) =>
    rest ? (
      <div key={key}>{node}</div>
    ) : (
      <Card key={key} size="small">
        <Skeleton active paragraph={{ rows: 4 }} />
      </Card>
    );
  const c = file.case;
  const active = file.loans.filter((l) => l.status === "active");
  const arrears = active.reduce((sum, l) => sum + l.arrears_fen, 0);
  const outstanding = active.reduce((sum, l) => sum + l.principal_outstanding_fen, 0);
  const dpd = active.reduce((worst, l) => Math.max(worst, l.dpd), 0);
  const openPromise = file.promises.find((p) => p.status === "open");

  const done = (text: string) => {
    setDialog(null);
    void message.success(text);
    reload();
  };

  const work = canWorkCases(role);
  const visit = role === "field_agent";
  const actions: { key: Dialog; label: string; show: boolean; primary?: boolean }[] = [
    { key: "log", label: visit ? t("case.action.logVisit") : t("case.action.logCall"), show: work, primary: true },
    { key: "promise", label: t("case.action.promise"), show: work },
    { key: "note", label: t("case.action.note"), show: work },
    { key: "plan", label: t("case.action.plan"), show: canRequestPlans(role) },
    { key: "waiver", label: t("case.action.waiver"), show: canRequestPlans(role) },
    { key: "sms", label: t("case.action.sms"), show: canContactByDevice(role) },
  ];
  const shown = actions.filter((a) => a.show);
  const device = canContactByDevice(role);

  const actionsCard =
    shown.length > 0 || device ? (
      <Card title={t("case.actions")} size="small" data-testid="case-actions">
        <div style={{ display: "grid", gridTemplateColumns: narrow ? "1fr" : "1fr 1fr", gap: 8 }}>
          {shown.map((a) => (
            <Button
              key={a.key}
              type={a.primary ? "primary" : "default"}
              size="large"
              block
              onClick={() => setDialog(a.key)}
              data-testid={`action-${a.key}`}
            >
              {a.label}
            </Button>
          ))}
          {device ? (
            <div style={{ gridColumn: "1 / -1" }}>
              <CallButton file={file} onDone={done} block />
            </div>
          ) : null}
        </div>
      </Card>
    ) : (
      <Alert type="info" showIcon message={t("case.readOnly")} data-testid="case-read-only" />
    );

  const borrower = revealed?.borrower ?? file.borrower;
  const borrowerCard = (
    <Card
      title={t("case.borrower")}
      size="small"
      data-testid="case-borrower"
      extra={
        canReveal(role) && !revealed ? (
          <Button onClick={() => setDialog("reveal")} data-testid="action-reveal">
            {t("case.reveal.button")}
          </Button>
        ) : null
      }
    >
      {revealed ? (
        <Alert
          type="warning"
          showIcon
          style={{ marginBottom: 12 }}
          data-testid="revealed-notice"
          message={t("case.reveal.shown", { reason: revealed.reason })}
          action={
            <Button size="small" onClick={() => setRevealed(null)}>
              {t("case.reveal.hide")}
            </Button>
          }
        />
      ) : null}
      <Descriptions column={1} size="small" labelStyle={{ width: 110 }}>
        <Descriptions.Item label={t("case.field.name")}>
          <span data-testid="borrower-name">{borrower.name}</span>
          {borrower.dispute ? (
            <Tag color="red" style={{ marginLeft: 8 }}>
              {t("case.dispute")}
            </Tag>
          ) : null}
        </Descriptions.Item>
        <Descriptions.Item label={t("case.field.nationalId")}>
          <span className={borrower.masked ? "masked" : "revealed"}>{borrower.national_id}</span>
        </Descriptions.Item>
        <Descriptions.Item label={t("case.field.phones")}>
          <span data-testid="borrower-phones">{borrower.phones.join(t("common.listSep")) || t("common.none")}</span>
        </Descriptions.Item>
        <Descriptions.Item label={t("case.field.homeAddress")}>
          <span style={{ overflowWrap: "anywhere" }}>{borrower.home_address}</span>
        </Descriptions.Item>
        <Descriptions.Item label={t("case.field.workAddress")}>
          <span style={{ overflowWrap: "anywhere" }}>{borrower.work_address ?? t("common.none")}</span>
        </Descriptions.Item>
        <Descriptions.Item label={t("case.field.contacts")}>
          {borrower.contacts.length === 0 ? (
            t("common.none")
          ) : (
            <Space direction="vertical" size={0}>
              {borrower.contacts.map((p) => (
                <span key={p.seq}>
                  {t("case.contactLine", { name: p.name, relation: label.relation(i18n, p.relation), phone: p.phone })}
                </span>
              ))}
            </Space>
          )}
        </Descriptions.Item>
      </Descriptions>
    </Card>
  );

  const caseCard = (
    <Card title={t("case.case")} size="small" data-testid="case-summary">
      <Descriptions column={1} size="small" labelStyle={{ width: 110 }}>
        <Descriptions.Item label={t("case.field.status")}>{label.caseStatus(i18n, c.status)}</Descriptions.Item>
        <Descriptions.Item label={t("case.field.stage")}>
          <StageTag stage={c.stage} /> {t("case.since", { date: fmt.date(c.stage_since) })}
        </Descriptions.Item>
        <Descriptions.Item label={t("case.field.queue")}>{label.queue(i18n, c.queue)}</Descriptions.Item>
        <Descriptions.Item label={t("case.field.nextAction")}>
          {c.next_action_on ? fmt.date(c.next_action_on) : t("common.none")}
        </Descriptions.Item>
        <Descriptions.Item label={t("case.field.assignee")}>{c.assignee ?? t("queue.unassigned")}</Descriptions.Item>
        {c.agency ? <Descriptions.Item label={t("case.field.agency")}>{c.agency}</Descriptions.Item> : null}
        <Descriptions.Item label={t("case.field.opened")}>
          {fmt.date(c.opened_on)}
          {c.times_opened > 1 ? ` · ${t("case.timesOpened", { count: c.times_opened })}` : ""}
        </Descriptions.Item>
        <Descriptions.Item label={t("case.field.segment")}>{label.segment(i18n, c.segment)}</Descriptions.Item>
        <Descriptions.Item label={t("case.field.quadrant")}>{label.quadrant(i18n, c.quadrant)}</Descriptions.Item>
        <Descriptions.Item label={t("case.field.contactability")}>
          {label.contactability(i18n, c.contactability)}
        </Descriptions.Item>
        <Descriptions.Item label={t("case.field.delayReason")}>{label.delay(i18n, c.delay_reason)}</Descriptions.Item>
        <Descriptions.Item label={t("case.field.temperament")}>{label.temperament(i18n, c.temperament)}</Descriptions.Item>
        <Descriptions.Item label={t("case.field.arm")}>{label.arm(i18n, c.arm)}</Descriptions.Item>
      </Descriptions>
    </Card>
  );

  const segmentsCard = (
    <Card title={t("case.segments")} size="small">
      {file.segments.length === 0 ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("case.segmentsEmpty")} />
      ) : (
        <Table
          size="small"
          rowKey="business_date"
          pagination={file.segments.length > 5 ? { pageSize: 5, size: "small" } : false}
          dataSource={file.segments}
          scroll={{ x: true }}
          columns={[
            { title: t("case.col.date"), dataIndex: "business_date", render: (d: string) => fmt.date(d) },
            { title: t("case.field.segment"), dataIndex: "segment", render: (s: string | null) => label.segment(i18n, s) },
            { title: t("case.field.quadrant"), dataIndex: "quadrant", render: (s: string) => label.quadrant(i18n, s) },
            {
              title: t("case.field.contactability"),
              dataIndex: "contactability",
              render: (s: string) => label.contactability(i18n, s),
            },
          ]}
        />
      )}
    </Card>
  );

  const header = (
    <div style={{ marginBottom: 16 }}>
      <Link to="/queue" data-testid="back-to-queue">
        ← {role === "field_agent" ? t("field.back") : t("case.backToQueue")}
      </Link>
      <div style={{ display: "flex", alignItems: "center", gap: 8, flexWrap: "wrap", marginTop: 8 }}>
        <Typography.Title level={3} style={{ margin: 0 }} data-testid="page-title">
          {file.borrower.name}
        </Typography.Title>
        <StageTag stage={c.stage} />
        <Typography.Text type="secondary">{t("case.number", { id: c.borrower_id })}</Typography.Text>
      </div>
      <Row gutter={[12, 12]} style={{ marginTop: 12 }} data-testid="case-figures">
        <Col xs={12} md={6}>
          <Statistic title={t("case.figure.arrears")} value={fmt.money(arrears)} data-testid="case-arrears" />
        </Col>
        <Col xs={12} md={6}>
          <Statistic title={t("case.figure.dpd")} value={fmt.integer(dpd)} />
        </Col>
        <Col xs={12} md={6}>
          <Statistic title={t("case.figure.outstanding")} value={fmt.money(outstanding)} />
        </Col>
        <Col xs={12} md={6}>
          <Statistic
            title={t("case.figure.promise")}
            value={openPromise ? fmt.money(openPromise.amount_fen) : t("common.none")}
            suffix={
              openPromise ? (
                <Typography.Text type="secondary" style={{ fontSize: 13 }}>
                  {fmt.date(openPromise.due_on)}
                </Typography.Text>
              ) : undefined
            }
          />
        </Col>
      </Row>
    </div>
  );

  const loansCard = (
    <Card title={t("case.loans", { count: file.loans.length })} size="small" data-testid="case-loans">
      {file.loans.length === 0 ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} />
      ) : (
        <Tabs
          items={file.loans.map((loan) => ({
            key: loan.loan_no,
            label: loan.loan_no,
            children: <LoanPanel loan={loan} />,
          }))}
        />
      )}
    </Card>
  );

  const timelineCard = (
    <Card title={t("case.timeline.title")} size="small">
      <CaseTimeline file={file} />
    </Card>
  );

  const stack = (nodes: ReactNode[]) => (
    <Space direction="vertical" size={16} style={{ width: "100%" }}>
      {nodes}
    </Space>
  );

  return (
    <div data-testid="case-page" style={{ maxWidth: 1400 }}>
      {header}
      {narrow ? (
        stack([
          <div key="a">{actionsCard}</div>,
          <div key="b">{borrowerCard}</div>,
          <div key="t">{timelineCard}</div>,
          later(loansCard, "l"),
          later(caseCard, "c"),
          later(segmentsCard, "s"),
        ])
      ) : (
        <Row gutter={16}>
          <Col span={16}>{stack([<div key="t">{timelineCard}</div>, later(loansCard, "l")])}</Col>
          <Col span={8}>
            {stack([
              <div key="a">{actionsCard}</div>,
              <div key="b">{borrowerCard}</div>,
              later(caseCard, "c"),
              later(segmentsCard, "s"),
            ])}
          </Col>
        </Row>
      )}
      <LogContactDialog open={dialog === "log"} file={file} visit={visit} onClose={() => setDialog(null)} onDone={done} />
      <PromiseDialog open={dialog === "promise"} file={file} onClose={() => setDialog(null)} onDone={done} />
      <PlanDialog open={dialog === "plan"} file={file} onClose={() => setDialog(null)} onDone={done} />
      <WaiverDialog open={dialog === "waiver"} file={file} onClose={() => setDialog(null)} onDone={done} />
      <SmsDialog open={dialog === "sms"} file={file} onClose={() => setDialog(null)} onDone={done} />
      <NoteDialog
        open={dialog === "note"}
        file={file}
        onClose={() => setDialog(null)}
        onDone={(text, flags) => {
          if (flags.length === 0) {
            done(text);
          } else {
            // Keep the dialog open: the flags are shown next to the field.
            void message.warning(text);
            reload();
          }
        }}
      />
      <RevealDialog
        open={dialog === "reveal"}
        file={file}
        onClose={() => setDialog(null)}
        onRevealed={(b, reason) => {
          setRevealed({ borrower: b, reason });
          setDialog(null);
        }}
      />
    </div>
  );
}

function LoanPanel({ loan }: { loan: Loan }) {
  const i18n = useI18n();
  const { t, fmt } = i18n;
  const today = dayjs().format("YYYY-MM-DD");
  const v = loan.vehicle;
  return (
    <div>
      <Descriptions
        size="small"
        column={{ xs: 1, sm: 2, md: 3, lg: 3, xl: 3, xxl: 4 }}
        data-testid={`loan-${loan.loan_no}`}
      >
        <Descriptions.Item label={t("case.loan.product")}>{label.product(i18n, loan.product)}</Descriptions.Item>
        <Descriptions.Item label={t("case.loan.status")}>{label.loanStatus(i18n, loan.status)}</Descriptions.Item>
        <Descriptions.Item label={t("case.loan.principal")}>{fmt.money(loan.principal_fen)}</Descriptions.Item>
        <Descriptions.Item label={t("case.loan.term")}>
          {t("case.loan.months", { count: loan.term_months })} · {label.method(i18n, loan.method)}
        </Descriptions.Item>
        <Descriptions.Item label={t("case.loan.disbursed")}>{fmt.date(loan.disbursement_date)}</Descriptions.Item>
        <Descriptions.Item label={t("case.loan.outstanding")}>{fmt.money(loan.principal_outstanding_fen)}</Descriptions.Item>
        <Descriptions.Item label={t("case.loan.arrears")}>
          <span data-testid="loan-arrears">{fmt.money(loan.arrears_fen)}</span>
        </Descriptions.Item>
        <Descriptions.Item label={t("case.loan.penalty")}>
          <span data-testid="loan-penalty">{fmt.money(loan.penalty_fen)}</span>
        </Descriptions.Item>
        <Descriptions.Item label={t("case.loan.fees")}>
          <span data-testid="loan-fees">{fmt.money(loan.fees_fen)}</span>
        </Descriptions.Item>
        <Descriptions.Item label={t("case.loan.dpd")}>
          {fmt.integer(loan.dpd)} · {label.bucket(i18n, loan.bucket)}
        </Descriptions.Item>
        <Descriptions.Item label={t("case.loan.nextDue")}>
          {loan.next_due_date ? fmt.date(loan.next_due_date) : t("common.none")}
        </Descriptions.Item>
      </Descriptions>
      <Tabs
        size="small"
        items={[
          {
            key: "schedule",
            label: t("case.loan.schedule"),
            children: (
              <Table
                size="small"
                rowKey="period"
                dataSource={loan.schedule}
                pagination={loan.schedule.length > 12 ? { pageSize: 12, size: "small" } : false}
                scroll={{ x: 560 }}
                columns={[
                  { title: t("case.col.period"), dataIndex: "period", width: 60 },
                  { title: t("case.col.dueDate"), dataIndex: "due_date", render: (d: string) => fmt.date(d) },
                  {
                    title: t("case.col.due"),
                    align: "right",
                    render: (_: unknown, i) => fmt.money(i.principal_due_fen + i.interest_due_fen),
                  },
                  {
                    title: t("case.col.paid"),
                    align: "right",
                    render: (_: unknown, i) => fmt.money(i.principal_paid_fen + i.interest_paid_fen),
                  },
                  {
                    title: t("case.col.state"),
                    render: (_: unknown, i) =>
                      i.paid_off_on ? (
                        <Tag color="green">{t("case.installment.paid", { date: fmt.date(i.paid_off_on) })}</Tag>
                      ) : i.due_date < today ? (
                        <Tag color="red">{t("case.installment.overdue")}</Tag>
                      ) : i.principal_paid_fen + i.interest_paid_fen > 0 ? (
                        <Tag color="gold">{t("case.installment.partly")}</Tag>
                      ) : (
                        <Tag>{t("case.installment.open")}</Tag>
                      ),
                  },
                ]}
              />
            ),
          },
          {
            key: "payments",
            label: t("case.loan.payments", { count: loan.payments.length }),
            children:
              loan.payments.length === 0 ? (
                <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("case.loan.noPayments")} />
              ) : (
                <Table
                  size="small"
                  rowKey="id"
                  dataSource={loan.payments}
                  pagination={loan.payments.length > 10 ? { pageSize: 10, size: "small" } : false}
                  columns={[
                    { title: t("case.col.valueDate"), dataIndex: "value_date", render: (d: string) => fmt.date(d) },
                    {
                      title: t("case.col.amount"),
                      dataIndex: "amount_fen",
                      align: "right",
                      render: (f: number) => fmt.money(f),
                    },
                    {
                      title: t("case.col.channel"),
                      dataIndex: "channel",
                      render: (ch: string) => label.payChannel(i18n, ch),
                    },
                  ]}
                />
              ),
          },
          {
            key: "history",
            label: t("case.loan.history"),
            children:
              loan.delinquency_history.length === 0 ? (
                <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("case.loan.noHistory")} />
              ) : (
                <Table
                  size="small"
                  rowKey={(r) => `${r.business_date}-${r.to_bucket}`}
                  dataSource={loan.delinquency_history}
                  pagination={loan.delinquency_history.length > 10 ? { pageSize: 10, size: "small" } : false}
                  columns={[
                    { title: t("case.col.date"), dataIndex: "business_date", render: (d: string) => fmt.date(d) },
                    {
                      title: t("case.col.bucketMove"),
                      render: (_: unknown, r) =>
                        `${label.bucket(i18n, r.from_bucket)} → ${label.bucket(i18n, r.to_bucket)}`,
                    },
                  ]}
                />
              ),
          },
          ...(loan.status === "active"
            ? [
                {
                  key: "settlement",
                  label: t("case.loan.settlement"),
                  children: <SettlementQuotePanel loanNo={loan.loan_no} />,
                },
              ]
            : []),
          {
            key: "vehicle",
            label: t("case.loan.vehicle"),
            children: v ? (
              <Descriptions size="small" column={{ xs: 1, sm: 2, md: 2, lg: 2, xl: 3, xxl: 3 }}>
                <Descriptions.Item label={t("case.vehicle.car")}>
                  {t("case.vehicle.model", { make: v.make, model: v.model, year: v.model_year })}
                </Descriptions.Item>
                <Descriptions.Item label={t("case.vehicle.plate")}>{v.plate}</Descriptions.Item>
                <Descriptions.Item label={t("case.vehicle.vin")}>
                  <span style={{ overflowWrap: "anywhere" }}>{v.vin}</span>
                </Descriptions.Item>
                <Descriptions.Item label={t("case.vehicle.price")}>{fmt.money(v.price_fen)}</Descriptions.Item>
                <Descriptions.Item label={t("case.vehicle.lien")}>{label.lien(i18n, v.lien_status)}</Descriptions.Item>
                <Descriptions.Item label={t("case.vehicle.gps")}>
                  {v.gps_terminal_id ?? t("case.vehicle.noGps")}
                </Descriptions.Item>
              </Descriptions>
            ) : (
              <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("case.vehicle.none")} />
            ),
          },
        ]}
      />
    </div>
  );
}
