// The approvals inbox (`/approvals`, managers and administrators): pending plan and waiver
// requests, oldest first, with their terms, the amount they forgive, who asked and why, and a
// link to the case. Approving or rejecting asks for a confirmation (a rejection needs a
// comment); after an approval the case's balances are fetched again and shown before → after.
import { useState, type HTMLAttributes } from "react";
import { Link } from "react-router-dom";
import { Alert, App, Button, Card, Empty, Form, Input, Space, Table, Tag, Typography } from "antd";
import { LoadFailed } from "../components/LoadFailed";
import { useI18n, type I18n } from "../i18n/I18nProvider";
import { asApiError, workspace, yuanTextToFen, type Approval, type CaseFile } from "../api";
import { errorText, label } from "../workspace/labels";
import { useLoad } from "../api/useLoad";
import { FocusedModal } from "../workspace/focus";

interface Balances {
  arrears: number;
  penalty: number;
  fees: number;
  outstanding: number;
}

function balances(file: CaseFile, loanNo: string): Balances | null {
  const loan = file.loans.find((l) => l.loan_no === loanNo);
  return loan
    ? {
        arrears: loan.arrears_fen,
        penalty: loan.penalty_fen,
        fees: loan.fees_fen,
        outstanding: loan.principal_outstanding_fen,
      }
    : null;
}

function money(i18n: I18n, yuan: string | null | undefined): string {
  const fen = yuanTextToFen(yuan);
  return fen === null ? i18n.t("common.none") : i18n.fmt.money(fen);
}

/** The terms of a request in one line. */
function terms(i18n: I18n, a: Approval): string {
  const { t, fmt } = i18n;
  switch (a.kind) {
    case "waiver":
      return t("approvals.terms.waiver", {
        penalty: money(i18n, a.waive_penalty ?? "0.00"),
        fees: money(i18n, a.waive_fees ?? "0.00"),
      });
    case "settlement":
      return t("approvals.terms.settlement", {
        amount: money(i18n, a.amount),
        date: a.pay_by ? fmt.date(a.pay_by) : t("common.none"),
      });
    default:
      return t("approvals.terms.months", { count: a.months ?? 0 });
  }
}

interface Decided {
  approval: Approval;
  approved: boolean;
  before: Balances | null;
  after: Balances | null;
}

export default function Approvals() {
  const i18n = useI18n();
  const { t, fmt } = i18n;
  const load = useLoad((signal) => workspace.approvals(signal), []);
  const { data: list, reload } = load;
  const [deciding, setDeciding] = useState<{ approval: Approval; approve: boolean; before: Balances | null } | null>(
    null,
  );
  const [decided, setDecided] = useState<Decided | null>(null);

  const open = async (approval: Approval, approve: boolean) => {
    // The figures before the decision, to show what it changed.
    let before: Balances | null = null;
    try {
      before = balances(await workspace.caseFile(approval.case_id), approval.loan_no);
    } catch {
      before = null;
    }
    setDeciding({ approval, approve, before });
  };

  return (
    <div>
      <Typography.Title level={3} data-testid="page-title" style={{ marginTop: 0 }}>
        {t("approvals.title")}
      </Typography.Title>
      <Typography.Paragraph type="secondary">{t("approvals.subtitle")}</Typography.Paragraph>
      {decided ? (
        <Alert
          closable
          onClose={() => setDecided(null)}
          type={decided.approved ? "success" : "info"}
          showIcon
          style={{ marginBottom: 16 }}
          data-testid="approval-result"
          message={
            decided.approved
              ? t("approvals.approvedMessage", { id: decided.approval.id, case: decided.approval.case_id })
              : t("approvals.rejectedMessage", { id: decided.approval.id, case: decided.approval.case_id })
          }
          description={
            <Space direction="vertical" size={4}>
              {decided.approved && decided.before && decided.after ? (
                <>
                  <span data-testid="approval-arrears-change">
                    {t("approvals.change.arrears", {
                      before: fmt.money(decided.before.arrears),
                      after: fmt.money(decided.after.arrears),
                    })}
                  </span>
                  <span>
                    {t("approvals.change.penaltyFees", {
                      penaltyBefore: fmt.money(decided.before.penalty),
                      penaltyAfter: fmt.money(decided.after.penalty),
                      feesBefore: fmt.money(decided.before.fees),
                      feesAfter: fmt.money(decided.after.fees),
                    })}
                  </span>
                  <span>
                    {t("approvals.change.outstanding", {
                      before: fmt.money(decided.before.outstanding),
                      after: fmt.money(decided.after.outstanding),
                    })}
                  </span>
                </>
              ) : null}
              {decided.approved && decided.approval.applied_on ? (
                <span>{t("approvals.appliedOn", { date: fmt.date(decided.approval.applied_on) })}</span>
              ) : null}
              <Link to={`/cases/${decided.approval.case_id}`} data-testid="approval-case-link">
                {t("approvals.openCase", { case: decided.approval.case_id })}
              </Link>
            </Space>
          }
        />
      ) : null}
      {load.error ? (
        <LoadFailed message={errorText(i18n, load.error)} onRetry={reload} />
      ) : (
        <Card size="small">
          <Table<Approval>
            data-testid="approvals-table"
            rowKey="id"
            loading={load.loading}
            dataSource={list ?? []}
            scroll={{ x: 1000 }}
            pagination={(list?.length ?? 0) > 20 ? { pageSize: 20 } : false}
            locale={{
              emptyText:
                load.loading ? " " : <Empty data-testid="approvals-empty" description={t("approvals.empty")} />,
            }}
            onRow={(a) => ({ "data-testid": `approval-${a.id}` }) as HTMLAttributes<HTMLElement>}
            columns={[
              { title: t("approvals.col.id"), dataIndex: "id", width: 70 },
              {
                title: t("approvals.col.case"),
                dataIndex: "case_id",
                render: (id: number, a) => (
                  <Space direction="vertical" size={0}>
                    <Link to={`/cases/${id}`}>{t("case.number", { id })}</Link>
                    <Typography.Text type="secondary">{a.loan_no}</Typography.Text>
                  </Space>
                ),
              },
              {
                title: t("approvals.col.kind"),
                dataIndex: "kind",
                render: (kind: string) => <Tag color={kind === "waiver" ? "orange" : "blue"}>{label.planKind(i18n, kind)}</Tag>,
              },
              { title: t("approvals.col.terms"), render: (_: unknown, a) => terms(i18n, a) },
              {
                title: t("approvals.col.forgiven"),
                dataIndex: "forgiven",
                align: "right",
                render: (f: string) => money(i18n, f),
              },
              { title: t("approvals.col.reason"), dataIndex: "reason", ellipsis: true },
              {
                title: t("approvals.col.requested"),
                render: (_: unknown, a) => (
                  <Space direction="vertical" size={0}>
                    <span>{a.requested_by}</span>
                    <Typography.Text type="secondary">{fmt.dateTime(a.requested_at)}</Typography.Text>
                  </Space>
                ),
              },
              {
                title: t("approvals.col.actions"),
                fixed: "right",
                width: 180,
                render: (_: unknown, a) => (
                  <Space>
                    <Button type="primary" onClick={() => void open(a, true)} data-testid="approve">
                      {t("approvals.approve")}
                    </Button>
                    <Button danger onClick={() => void open(a, false)} data-testid="reject">
                      {t("approvals.reject")}
                    </Button>
                  </Space>
                ),
              },
            ]}
          />
        </Card>
      )}
      <DecisionDialog
        deciding={deciding}
        onClose={() => setDeciding(null)}
        onDecided={async (approval, approved) => {
          const before = deciding?.before ?? null;
          setDeciding(null);
          let after: Balances | null = null;
          try {
            after = balances(await workspace.caseFile(approval.case_id), approval.loan_no);
          } catch {
            after = null;
          }
          setDecided({ approval, approved, before, after });
          reload();
        }}
      />
    </div>
  );
}

function DecisionDialog({
  deciding,
  onClose,
  onDecided,
}: {
  deciding: { approval: Approval; approve: boolean; before: Balances | null } | null;
  onClose: () => void;
  onDecided: (approval: Approval, approved: boolean) => Promise<void>;
}) {
  const i18n = useI18n();
  const { t, fmt } = i18n;
  const { modal } = App.useApp();
  const [form] = Form.useForm<{ comment?: string }>();
  const [alert, setAlert] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const a = deciding?.approval;
  const approve = deciding?.approve ?? true;
  return (
    <FocusedModal
      open={deciding !== null}
      title={a ? t(approve ? "approvals.approveTitle" : "approvals.rejectTitle", { id: a.id }) : ""}
      onCancel={() => {
        setAlert(null);
        onClose();
      }}
    >
      {a ? (
        <Form
          form={form}
          layout="vertical"
          preserve={false}
          onFinish={(values) =>
            modal.confirm({
              title: t(approve ? "approvals.confirmApprove" : "approvals.confirmReject"),
              content: approve ? t("approvals.confirmApproveBody", { amount: money(i18n, a.forgiven) }) : undefined,
              okText: t("common.confirm"),
              cancelText: t("common.cancel"),
              onOk: async () => {
                setBusy(true);
                setAlert(null);
                try {
                  const comment = values.comment?.trim() ?? "";
                  const result = approve ? await workspace.approve(a.id, comment) : await workspace.reject(a.id, comment);
                  await onDecided(result, approve);
                } catch (error) {
                  const apiError = asApiError(error);
                  const text = errorText(i18n, apiError);
                  if (apiError.field === "comment") {
                    form.setFields([{ name: "comment", errors: [text] }]);
                  } else {
                    setAlert(text);
                  }
                } finally {
                  setBusy(false);
                }
              },
            })
          }
        >
          <Typography.Paragraph>
            {t("approvals.summary", {
              kind: label.planKind(i18n, a.kind),
              terms: terms(i18n, a),
              who: a.requested_by,
              case: a.case_id,
            })}
          </Typography.Paragraph>
          <Typography.Paragraph type="secondary">{t("approvals.reasonLine", { reason: a.reason })}</Typography.Paragraph>
          {deciding?.before ? (
            <Typography.Paragraph type="secondary">
              {t("approvals.currentBalances", {
                arrears: fmt.money(deciding.before.arrears),
                penalty: fmt.money(deciding.before.penalty),
                fees: fmt.money(deciding.before.fees),
              })}
            </Typography.Paragraph>
          ) : null}
          <Form.Item
            name="comment"
            label={approve ? t("approvals.commentOptional") : t("approvals.comment")}
            rules={approve ? [] : [{ required: true, whitespace: true, message: t("approvals.commentRequired") }]}
          >
            <Input autoFocus maxLength={500} data-testid="decision-comment" />
          </Form.Item>
          {alert ? <Alert type="error" showIcon message={alert} style={{ marginBottom: 16 }} data-testid="decision-error" /> : null}
          <Space>
            <Button type="primary" danger={!approve} htmlType="submit" loading={busy} data-testid="decision-submit">
              {approve ? t("approvals.approve") : t("approvals.reject")}
            </Button>
            <Button onClick={onClose}>{t("common.cancel")}</Button>
          </Space>
        </Form>
      ) : null}
    </FocusedModal>
  );
}
