// The actions on a case, each a small form in a dialog: log a call or visit (with a promise to
// pay when that was the outcome), a promise to pay, a plan or waiver request, an SMS from a
// template, click-to-call, a note, and the reveal of personal data. Every form focuses its first
// field and submits on Enter; the server's errors are shown under the field they name (others
// above the buttons); requests that cannot be taken back ask for a confirmation first.
import { forwardRef, useState, type ReactNode } from "react";
import {
  Alert,
  App,
  Button,
  DatePicker,
  Form,
  Input,
  InputNumber,
  Radio,
  Select,
  Space,
  Spin,
  Tag,
  Typography,
  type FormInstance,
  type InputProps,
  type InputRef,
} from "antd";
import dayjs, { type Dayjs } from "dayjs";
import {
  asApiError,
  fenToYuanText,
  workspace,
  yuanToFen,
  type ApiError,
  type Borrower,
  type CaseFile,
  type Loan,
  type QaFlag,
} from "../api";
import { useLoad } from "../api/useLoad";
import { useI18n, type I18n } from "../i18n/I18nProvider";
import { FocusedModal } from "./focus";
import { DELAY_REASONS, OUTCOMES, PLAN_KINDS, TEMPERAMENTS, errorText, label, ruleName } from "./labels";

const ISO = "YYYY-MM-DD";
/** The server's promise horizon (`[cases] promise_horizon_days`, 30 by default). */
const PROMISE_DAYS = 30;

export function dateFormats(i18n: I18n): string[] {
  return i18n.locale === "zh-CN" ? ["YYYY年M月D日", ISO] : ["MMM D, YYYY", ISO];
}

/**
 * Shows a server error under the form field it names (`fieldOf` maps the server's field names
 * to the form's); returns the text when no field of the form matches, for an alert.
 */
function showError(
  i18n: I18n,
  form: FormInstance,
  error: unknown,
  fieldOf: Record<string, string> = {},
): string | null {
  const apiError = asApiError(error);
  const text = errorText(i18n, apiError);
  const name = apiError.field ? (fieldOf[apiError.field] ?? apiError.field) : null;
  if (name && form.getFieldInstance(name) !== undefined) {
    form.setFields([{ name, errors: [text] }]);
    return null;
  }
  return text;
}

function yuanRule(i18n: I18n, required: boolean, maxFen?: number) {
  return {
    validator: (_: unknown, value: string | undefined) => {
      if (!value || !value.trim()) {
        return required ? Promise.reject(new Error(i18n.t("common.amountRequired"))) : Promise.resolve();
      }
      const fen = yuanToFen(value);
      if (fen === null) {
        return Promise.reject(new Error(i18n.t("common.amountInvalid")));
      }
      if (maxFen !== undefined && fen > maxFen) {
        return Promise.reject(new Error(i18n.t("common.amountMax", { max: i18n.fmt.money(maxFen) })));
      }
      return Promise.resolve();
    },
  };
}

/** What the case page gives every action dialog. */
interface ActionProps {
  open: boolean;
  file: CaseFile;
  onClose: () => void;
  onDone: (text: string) => void;
}

/** The server's names for a promise's fields, mapped to the form's. */
const PROMISE_FIELDS = { amount_fen: "amount", due_on: "due_on" };

/**
 * The state of an action dialog: its form, and the alert above the buttons, cleared when the
 * dialog closes. `send` runs a request and shows its error; `confirmThen` asks first.
 */
function useActionForm<T>(open: boolean, onClose: () => void) {
  const i18n = useI18n();
  const { modal } = App.useApp();
  const [form] = Form.useForm<T>();
  const [alert, setAlert] = useState<string | null>(null);
  const close = () => {
    setAlert(null);
    onClose();
  };
  /** Runs `request`; on failure shows the error under its field or in the alert, and answers false. */
  const send = async (
    request: () => Promise<unknown>,
    errorOf: (error: unknown) => string | null = (error) => showError(i18n, form, error),
  ): Promise<boolean> => {
    setAlert(null);
    try {
      await request();
      return true;
    } catch (error) {
      setAlert(errorOf(error));
      return false;
    }
  };
  /**
   * For requests that cannot be taken back: settles once the user cancels or `go` has ended, so
   * the submit button spins until then.
   */
  const confirmThen = (title: string, content: string, go: () => Promise<unknown>) =>
    new Promise<void>((resolve) => {
      modal.confirm({
        title,
        content,
        okText: i18n.t("common.confirm"),
        cancelText: i18n.t("common.cancel"),
        onCancel: () => resolve(),
        onOk: async () => {
          await go();
          resolve();
        },
      });
    });
  return { open, form, alert, setAlert, close, send, confirmThen };
}

type ActionForm<T> = ReturnType<typeof useActionForm<T>>;

/** A dialog holding one form; the submit button is inside the form, so Enter submits. */
function FormDialog<T extends object>({
  dialog,
  title,
  onSubmit,
  submitText,
  testid,
  submitDisabled = false,
  children,
}: {
  dialog: ActionForm<T>;
  title: string;
  onSubmit: (values: T) => Promise<void>;
  submitText: string;
  testid: string;
  submitDisabled?: boolean;
  children: ReactNode;
}) {
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  return (
    <FocusedModal open={dialog.open} title={title} onCancel={dialog.close}>
      <Form<T>
        form={dialog.form}
        layout="vertical"
        preserve={false}
        onFinish={async (values) => {
          setBusy(true);
          try {
            await onSubmit(values);
          } finally {
            setBusy(false);
          }
        }}
        data-testid={`${testid}-form`}
      >
        {children}
        {dialog.alert ? (
          <Alert type="error" showIcon message={dialog.alert} style={{ marginBottom: 16 }} data-testid={`${testid}-error`} />
        ) : null}
        <Space wrap>
          <Button
            type="primary"
            htmlType="submit"
            loading={busy}
            disabled={submitDisabled}
            size="large"
            data-testid={`${testid}-submit`}
          >
            {submitText}
          </Button>
          <Button onClick={dialog.close} size="large">
            {t("common.cancel")}
          </Button>
        </Space>
      </Form>
    </FocusedModal>
  );
}

/** Fields side by side on a wide screen, one under the other on a phone. */
function FieldRow({ children }: { children: ReactNode }) {
  return (
    <Space wrap style={{ width: "100%" }} styles={{ item: { minWidth: 180, flex: 1 } }}>
      {children}
    </Space>
  );
}

/** An amount in yuan. Passes the ref on, so that a server error can be shown under the field. */
const YuanInput = forwardRef<InputRef, InputProps>(function YuanInput(props, ref) {
  return <Input ref={ref} prefix="¥" inputMode="decimal" {...props} />;
});

function phoneOptions(borrower: Borrower) {
  return borrower.phones.map((phone, index) => ({ value: index, label: phone }));
}

/** The loan a request is for, asked only when there is a choice; left empty, the server picks. */
function LoanField({ loans, hint, placeholder }: { loans: Loan[]; hint?: string; placeholder?: string }) {
  const { t } = useI18n();
  const active = loans.filter((l) => l.status === "active").map((l) => ({ value: l.loan_no, label: l.loan_no }));
  if (active.length < 2) {
    return null;
  }
  return (
    <Form.Item name="loan_no" label={t("case.plan.loan")} extra={hint}>
      <Select allowClear options={active} placeholder={placeholder} />
    </Form.Item>
  );
}

/** Why a plan or waiver is asked for, for the approver. */
function ReasonField({ testid }: { testid: string }) {
  const { t } = useI18n();
  return (
    <Form.Item
      name="reason"
      label={t("case.plan.reason")}
      rules={[{ required: true, whitespace: true, message: t("case.plan.reasonRequired") }]}
    >
      <Input.TextArea rows={3} maxLength={500} showCount data-testid={testid} />
    </Form.Item>
  );
}

// -------------------------------------------------------------------------------------------
// Log a contact (a call, or a visit for field agents), with a promise when that was the outcome.

interface ContactFields {
  channel: string;
  phone_index?: number;
  outcome: string;
  delay_reason?: string;
  temperament?: string;
  note?: string;
  amount?: string;
  due_on?: Dayjs;
}

export function LogContactDialog({ open, file, visit, onClose, onDone }: ActionProps & { visit: boolean }) {
  const i18n = useI18n();
  const { t } = i18n;
  const dialog = useActionForm<ContactFields>(open, onClose);
  const { form, send, setAlert } = dialog;
  const outcome = Form.useWatch("outcome", form);
  const channel = Form.useWatch("channel", form);
  const id = file.case.borrower_id;
  const channels = visit ? ["field_visit", "call"] : ["call", "wechat", "sms", "email", "letter", "field_visit"];
  const byPhone = channel === "call" || channel === "sms" || channel === undefined;
  return (
    <FormDialog<ContactFields>
      dialog={dialog}
      title={visit ? t("case.log.titleVisit") : t("case.log.title")}
      testid="log-contact"
      submitText={t("case.log.submit")}
      onSubmit={async (values) => {
        const promised = values.outcome === "promise_to_pay";
        const logged = await send(() =>
          workspace.logContact(id, {
            channel: values.channel,
            phone_index: byPhone ? values.phone_index : undefined,
            outcome: values.outcome,
            delay_reason: values.delay_reason,
            temperament: values.temperament,
            note: values.note?.trim() ? values.note : undefined,
          }),
        );
        if (!logged) {
          return;
        }
        if (promised && values.amount && values.due_on) {
          try {
            await workspace.promise(id, yuanToFen(values.amount) ?? 0, values.due_on.format(ISO));
          } catch (error) {
            // The contact is logged; only the promise failed. Say so, and keep the form open.
            const text = showError(i18n, form, error, PROMISE_FIELDS);
            setAlert(t("case.log.promiseFailed", { error: text ?? t("case.log.seeFields") }));
            onDone(t("case.log.done"));
            return;
          }
          onDone(t("case.log.doneWithPromise"));
          return;
        }
        onDone(t("case.log.done"));
      }}
    >
      <Form.Item name="channel" label={t("case.log.channel")} initialValue={channels[0]} rules={[{ required: true }]}>
        <Select
          autoFocus
          data-testid="log-channel"
          options={channels.map((c) => ({ value: c, label: label.channel(i18n, c) }))}
        />
      </Form.Item>
      {byPhone && file.borrower.phones.length > 0 ? (
        <Form.Item name="phone_index" label={t("case.log.phone")} initialValue={0}>
          <Select options={phoneOptions(file.borrower)} data-testid="log-phone" />
        </Form.Item>
      ) : null}
      <Form.Item
        name="outcome"
        label={t("case.log.outcome")}
        rules={[{ required: true, message: t("case.log.outcomeRequired") }]}
      >
        <Select
          data-testid="log-outcome"
          placeholder={t("case.log.outcomePlaceholder")}
          showSearch
          optionFilterProp="label"
          options={OUTCOMES.map((o) => ({ value: o, label: label.outcome(i18n, o) }))}
        />
      </Form.Item>
      {outcome === "promise_to_pay" ? <PromiseFields /> : null}
      <FieldRow>
        <Form.Item name="delay_reason" label={t("case.log.delayReason")}>
          <Select
            allowClear
            data-testid="log-delay"
            placeholder={t("common.choose")}
            options={DELAY_REASONS.map((r) => ({ value: r, label: label.delay(i18n, r) }))}
          />
        </Form.Item>
        <Form.Item name="temperament" label={t("case.log.temperament")}>
          <Select
            allowClear
            data-testid="log-temperament"
            placeholder={t("common.choose")}
            options={TEMPERAMENTS.map((r) => ({ value: r, label: label.temperament(i18n, r) }))}
          />
        </Form.Item>
      </FieldRow>
      <Form.Item name="note" label={t("case.log.note")}>
        <Input.TextArea rows={3} maxLength={4000} showCount data-testid="log-note" />
      </Form.Item>
    </FormDialog>
  );
}

/** Amount (yuan) and due date of a promise, inside a form. */
function PromiseFields({ autoFocus = false }: { autoFocus?: boolean }) {
  const i18n = useI18n();
  const { t } = i18n;
  const today = dayjs().startOf("day");
  return (
    <FieldRow>
      <Form.Item
        name="amount"
        label={t("case.promise.amount")}
        rules={[yuanRule(i18n, true)]}
        extra={t("case.promise.amountHint")}
      >
        <YuanInput autoFocus={autoFocus} data-testid="promise-amount" />
      </Form.Item>
      <Form.Item
        name="due_on"
        label={t("case.promise.dueOn")}
        rules={[{ required: true, message: t("case.promise.dueOnRequired") }]}
        extra={t("case.promise.dueOnHint", { days: PROMISE_DAYS })}
      >
        <DatePicker
          style={{ width: "100%" }}
          format={dateFormats(i18n)}
          disabledDate={(day) => day.isBefore(today) || day.isAfter(today.add(PROMISE_DAYS, "day"))}
          data-testid="promise-due"
        />
      </Form.Item>
    </FieldRow>
  );
}

export function PromiseDialog({ open, file, onClose, onDone }: ActionProps) {
  const i18n = useI18n();
  const dialog = useActionForm<{ amount: string; due_on: Dayjs }>(open, onClose);
  const { form, send } = dialog;
  return (
    <FormDialog
      dialog={dialog}
      title={i18n.t("case.promise.title")}
      testid="promise"
      submitText={i18n.t("case.promise.submit")}
      onSubmit={async (values) => {
        await send(
          async () => {
            await workspace.promise(file.case.borrower_id, yuanToFen(values.amount) ?? 0, values.due_on.format(ISO));
            onDone(i18n.t("case.promise.done"));
          },
          (error) => showError(i18n, form, error, PROMISE_FIELDS),
        );
      }}
    >
      <PromiseFields autoFocus />
    </FormDialog>
  );
}

// -------------------------------------------------------------------------------------------
// Plan and waiver requests.

interface PlanFields {
  kind: string;
  months?: number;
  amount?: string;
  pay_by?: Dayjs;
  loan_no?: string;
  reason: string;
}

export function PlanDialog({ open, file, onClose, onDone }: ActionProps) {
  const i18n = useI18n();
  const { t } = i18n;
  const dialog = useActionForm<PlanFields>(open, onClose);
  const { send, confirmThen } = dialog;
  const kind = Form.useWatch("kind", dialog.form);
  return (
    <FormDialog<PlanFields>
      dialog={dialog}
      title={t("case.plan.title")}
      testid="plan"
      submitText={t("case.plan.submit")}
      onSubmit={(values) =>
        confirmThen(t("case.plan.confirmTitle"), t("case.plan.confirmBody", { kind: label.planKind(i18n, values.kind) }), () =>
          send(async () => {
            await workspace.plan(file.case.borrower_id, {
              kind: values.kind,
              months: values.kind === "settlement" ? undefined : values.months,
              amount: values.kind === "settlement" && values.amount ? fenToYuanText(yuanToFen(values.amount) ?? 0) : undefined,
              pay_by: values.kind === "settlement" ? values.pay_by?.format(ISO) : undefined,
              loan_no: values.loan_no,
              reason: values.reason,
            });
            onDone(t("case.plan.done"));
          }),
        )
      }
    >
      <Form.Item name="kind" label={t("case.plan.kind")} rules={[{ required: true, message: t("case.plan.kindRequired") }]}>
        <Select
          autoFocus
          data-testid="plan-kind"
          placeholder={t("common.choose")}
          options={PLAN_KINDS.map((k) => ({ value: k, label: label.planKind(i18n, k) }))}
        />
      </Form.Item>
      {kind && kind !== "settlement" ? (
        <Form.Item name="months" label={t("case.plan.months")} rules={[{ required: true, message: t("case.plan.monthsRequired") }]}>
          <InputNumber min={1} max={60} precision={0} style={{ width: "100%" }} data-testid="plan-months" />
        </Form.Item>
      ) : null}
      {kind === "settlement" ? (
        <>
          <Form.Item name="amount" label={t("case.plan.amount")} rules={[yuanRule(i18n, true)]}>
            <YuanInput />
          </Form.Item>
          <Form.Item name="pay_by" label={t("case.plan.payBy")} rules={[{ required: true, message: t("case.plan.payByRequired") }]}>
            <DatePicker style={{ width: "100%" }} format={dateFormats(i18n)} />
          </Form.Item>
        </>
      ) : null}
      <LoanField loans={file.loans} hint={t("case.plan.loanHint")} />
      <ReasonField testid="plan-reason" />
    </FormDialog>
  );
}

interface WaiverFields {
  loan_no?: string;
  penalty?: string;
  fees?: string;
  reason: string;
}

export function WaiverDialog({ open, file, onClose, onDone }: ActionProps) {
  const i18n = useI18n();
  const { t, fmt } = i18n;
  const dialog = useActionForm<WaiverFields>(open, onClose);
  const { form, send, confirmThen } = dialog;
  const active = file.loans.filter((l) => l.status === "active");
  const loanNo = Form.useWatch("loan_no", form);
  // The server's default loan: the active loan with the most arrears.
  const loan =
    active.find((l) => l.loan_no === loanNo) ?? [...active].sort((a, b) => b.arrears_fen - a.arrears_fen)[0];
  return (
    <FormDialog<WaiverFields>
      dialog={dialog}
      title={t("case.waiver.title")}
      testid="waiver"
      submitText={t("case.waiver.submit")}
      onSubmit={async (values) => {
        const penalty = values.penalty?.trim() ? yuanToFen(values.penalty) : null;
        const fees = values.fees?.trim() ? yuanToFen(values.fees) : null;
        if (!penalty && !fees) {
          form.setFields([{ name: "penalty", errors: [t("case.waiver.nothing")] }]);
          return;
        }
        await confirmThen(
          t("case.waiver.confirmTitle"),
          t("case.waiver.confirmBody", { penalty: fmt.money(penalty ?? 0), fees: fmt.money(fees ?? 0) }),
          () =>
            send(async () => {
              await workspace.waiver(file.case.borrower_id, {
                penalty: penalty ? fenToYuanText(penalty) : undefined,
                fees: fees ? fenToYuanText(fees) : undefined,
                loan_no: values.loan_no,
                reason: values.reason,
              });
              onDone(t("case.waiver.done"));
            }),
        );
      }}
    >
      <LoanField loans={file.loans} placeholder={loan?.loan_no} />
      {loan ? (
        <Typography.Paragraph type="secondary" data-testid="waiver-balances">
          {t("case.waiver.balances", {
            loan: loan.loan_no,
            penalty: fmt.money(loan.penalty_fen),
            fees: fmt.money(loan.fees_fen),
          })}
        </Typography.Paragraph>
      ) : null}
      <FieldRow>
        <Form.Item name="penalty" label={t("case.waiver.penalty")} rules={[yuanRule(i18n, false, loan?.penalty_fen)]}>
          <YuanInput autoFocus data-testid="waiver-penalty" />
        </Form.Item>
        <Form.Item name="fees" label={t("case.waiver.fees")} rules={[yuanRule(i18n, false, loan?.fees_fen)]}>
          <YuanInput data-testid="waiver-fees" />
        </Form.Item>
      </FieldRow>
      <ReasonField testid="waiver-reason" />
    </FormDialog>
  );
}

// -------------------------------------------------------------------------------------------
// Notes.

export function NoteDialog({
  open,
  file,
  onClose,
  onDone,
}: Omit<ActionProps, "onDone"> & { onDone: (text: string, flags: QaFlag[]) => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const [flags, setFlags] = useState<QaFlag[]>([]);
  const dialog = useActionForm<{ text: string }>(open, () => {
    setFlags([]);
    onClose();
  });
  const { form, send } = dialog;
  return (
    <FormDialog<{ text: string }>
      dialog={dialog}
      title={t("case.note.title")}
      testid="note"
      submitText={t("case.note.submit")}
      onSubmit={async (values) => {
        setFlags([]);
        await send(async () => {
          const note = await workspace.note(file.case.borrower_id, values.text);
          if (note.qa_flags.length > 0) {
            // Stored, but a person should look at the flagged words: show them by the field.
            setFlags(note.qa_flags);
            form.setFields([{ name: "text", warnings: [t("case.note.flagged")] }]);
            onDone(t("case.note.doneFlagged"), note.qa_flags);
            return;
          }
          onDone(t("case.note.done"), []);
        });
      }}
    >
      <Form.Item
        name="text"
        label={t("case.note.text")}
        rules={[{ required: true, whitespace: true, message: t("case.note.required") }]}
        extra={t("case.note.hint")}
      >
        <Input.TextArea autoFocus rows={5} maxLength={4000} showCount data-testid="note-text" />
      </Form.Item>
      {flags.length > 0 ? (
        <Space wrap style={{ marginBottom: 12 }} data-testid="note-flags">
          {flags.map((flag, n) => (
            <Tag key={n} color="warning">
              {t("case.note.flag", { category: label.qaCategory(i18n, flag.category), term: flag.term })}
            </Tag>
          ))}
        </Space>
      ) : null}
    </FormDialog>
  );
}

// -------------------------------------------------------------------------------------------
// Reveal.

export function RevealDialog({
  open,
  file,
  onClose,
  onRevealed,
}: Omit<ActionProps, "onDone"> & { onRevealed: (borrower: Borrower, reason: string) => void }) {
  const { t } = useI18n();
  const dialog = useActionForm<{ reason: string }>(open, onClose);
  return (
    <FormDialog<{ reason: string }>
      dialog={dialog}
      title={t("case.reveal.title")}
      testid="reveal"
      submitText={t("case.reveal.submit")}
      onSubmit={async (values) => {
        await dialog.send(async () => {
          const borrower = await workspace.reveal(file.case.borrower_id, values.reason.trim());
          onRevealed(borrower, values.reason.trim());
        });
      }}
    >
      <Alert type="warning" showIcon message={t("case.reveal.warning")} style={{ marginBottom: 16 }} />
      <Form.Item
        name="reason"
        label={t("case.reveal.reason")}
        rules={[
          { required: true, whitespace: true, message: t("case.reveal.reasonRequired") },
          { min: 10, message: t("case.reveal.reasonLength", { min: 10 }) },
        ]}
      >
        <Input autoFocus maxLength={500} data-testid="reveal-reason" placeholder={t("case.reveal.placeholder")} />
      </Form.Item>
    </FormDialog>
  );
}

// -------------------------------------------------------------------------------------------
// SMS from a template, and click-to-call.

/** A 409 names the compliance rule; a 503 says no gateway is set up; the rest as usual. */
function deviceError(i18n: I18n, error: unknown, unavailable: string): string {
  const apiError = asApiError(error);
  if (apiError.status === 503) {
    return unavailable;
  }
  if (apiError.status === 409) {
    return apiError.rule
      ? i18n.t("common.blockedByRule", { rule: ruleName(i18n, apiError.rule) })
      : i18n.t("common.blocked");
  }
  return errorText(i18n, apiError);
}

export function SmsDialog({ open, file, onClose, onDone }: ActionProps) {
  const i18n = useI18n();
  const { t } = i18n;
  const dialog = useActionForm<{ template: string; phone_index: number }>(open, onClose);
  const { form, send, confirmThen } = dialog;
  // Loaded each time the dialog opens; a 404 means no SMS gateway or templates are set up.
  const load = useLoad(open ? (signal) => workspace.smsTemplates(signal) : null, [open]);
  const status: "loading" | "ok" | "missing" | "error" = load.loading
    ? "loading"
    : load.error
      ? load.error.status === 404
        ? "missing"
        : "error"
      : load.data
        ? "ok"
        : "loading";
  const templatesError: ApiError | null = status === "error" ? load.error : null;
  const chosen = Form.useWatch("template", form);
  const list = status === "ok" ? (load.data ?? []) : [];
  const preview = list.find((tpl) => String(tpl.id) === chosen)?.text;
  return (
    <FormDialog<{ template: string; phone_index: number }>
      dialog={dialog}
      title={t("case.sms.title")}
      testid="sms"
      submitDisabled={status !== "ok" || list.length === 0}
      submitText={t("case.sms.submit")}
      onSubmit={(values) => {
        const template = list.find((tpl) => String(tpl.id) === values.template);
        return confirmThen(
          t("case.sms.confirmTitle"),
          t("case.sms.confirmBody", { phone: file.borrower.phones[values.phone_index] ?? "" }),
          () =>
            send(
              async () => {
                await workspace.sendSms(file.case.borrower_id, template?.id ?? values.template, values.phone_index);
                onDone(t("case.sms.done"));
              },
              // A field the server names (`template`, `phone_index`) is marked under it.
              (error) =>
                asApiError(error).status === 422
                  ? showError(i18n, form, error)
                  : deviceError(i18n, error, t("case.sms.unavailable")),
            ),
        );
      }}
    >
      {status === "loading" ? <Spin /> : null}
      {status === "missing" ? (
        <Alert type="info" showIcon message={t("case.sms.notEnabled")} style={{ marginBottom: 16 }} data-testid="sms-missing" />
      ) : null}
      {templatesError ? (
        <Alert type="error" showIcon message={errorText(i18n, templatesError)} style={{ marginBottom: 16 }} />
      ) : null}
      {status === "ok" ? (
        <>
          <Form.Item
            name="template"
            label={t("case.sms.template")}
            rules={[{ required: true, message: t("case.sms.templateRequired") }]}
          >
            <Radio.Group style={{ display: "flex", flexDirection: "column", gap: 8 }} data-testid="sms-templates">
              {list.map((tpl, n) => (
                <Radio key={String(tpl.id)} value={String(tpl.id)} autoFocus={n === 0} style={{ whiteSpace: "normal" }}>
                  <span style={{ overflowWrap: "anywhere" }}>{tpl.text.length > 60 ? `${tpl.text.slice(0, 60)}…` : tpl.text}</span>
                </Radio>
              ))}
            </Radio.Group>
          </Form.Item>
          {list.length === 0 ? <Typography.Paragraph type="secondary">{t("case.sms.noTemplates")}</Typography.Paragraph> : null}
          {preview ? (
            <Form.Item label={t("case.sms.preview")}>
              <div
                data-testid="sms-preview"
                style={{ background: "#f6f6f6", padding: 12, borderRadius: 8, whiteSpace: "pre-wrap", overflowWrap: "anywhere" }}
              >
                {preview}
              </div>
            </Form.Item>
          ) : null}
          <Form.Item name="phone_index" label={t("case.log.phone")} initialValue={0} rules={[{ required: true }]}>
            <Select options={phoneOptions(file.borrower)} />
          </Form.Item>
        </>
      ) : null}
    </FormDialog>
  );
}

export function CallButton({ file, onDone, block }: { file: CaseFile; onDone: (text: string) => void; block: boolean }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { modal } = App.useApp();
  const [phone, setPhone] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const phones = file.borrower.phones;
  if (phones.length === 0) {
    return null;
  }
  const call = () =>
    modal.confirm({
      title: t("case.call.confirmTitle"),
      content: t("case.call.confirmBody", { phone: phones[phone] ?? "" }),
      okText: t("case.call.dial"),
      cancelText: t("common.cancel"),
      onOk: async () => {
        setBusy(true);
        setError(null);
        try {
          await workspace.call(file.case.borrower_id, phone);
          onDone(t("case.call.done"));
        } catch (e) {
          setError(deviceError(i18n, e, t("case.call.unavailable")));
        } finally {
          setBusy(false);
        }
      },
    });
  return (
    <div style={{ width: block ? "100%" : undefined }}>
      <Space.Compact style={{ width: block ? "100%" : undefined }}>
        {phones.length > 1 ? (
          <Select
            aria-label={t("case.log.phone")}
            value={phone}
            onChange={setPhone}
            options={phoneOptions(file.borrower)}
            size="large"
            style={{ minWidth: 140 }}
          />
        ) : null}
        <Button size="large" onClick={call} loading={busy} block={block} data-testid="action-call">
          {t("case.call.button")}
        </Button>
      </Space.Compact>
      {error ? <Alert type="error" showIcon message={error} style={{ marginTop: 8 }} data-testid="call-error" /> : null}
    </div>
  );
}
