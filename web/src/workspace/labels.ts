// Names for the codes the case API sends (stages, queues, outcomes, …) in the current language,
// the lists the forms offer, and server errors as text for the screen. A code with no
// translation is shown as the code itself (data, not interface text).
import type { ApiError } from "../api";
import type { I18n } from "../i18n/I18nProvider";

export const STAGES = [
  "pre_due",
  "early",
  "middle",
  "late",
  "legal",
  "asset_preservation",
  "agency",
  "written_off",
] as const;

export const BUCKETS = ["M0", "M1", "M2", "M3", "M4", "M5", "M6+"] as const;

export const QUEUES = [
  "pre_due_call",
  "auto_sms",
  "early_call",
  "reason_call",
  "special_attention",
  "middle_call",
  "late_call",
  "skip_trace",
  "field_visit",
  "vehicle_trace",
  "legal_letters",
  "legal",
  "asset_preservation",
  "agency",
] as const;

/** The 12 contact outcomes of `POST /cases/{id}/contacts`. */
export const OUTCOMES = [
  "right_party_contact",
  "promise_to_pay",
  "no_answer",
  "busy",
  "switched_off",
  "invalid_number",
  "third_party",
  "refuses",
  "disputes",
  "claims_hardship",
  "claims_paid",
  "other",
] as const;

export const DELAY_REASONS = [
  "economic_hardship",
  "deliberate_default",
  "legal_case",
  "bankruptcy",
  "vehicle_accident",
  "other",
  "unknown",
] as const;

export const TEMPERAMENTS = ["worried", "evasive", "angry", "cooperative", "unknown"] as const;

export const PLAN_KINDS = ["arrears_installments", "term_extension", "deferral", "settlement"] as const;

function named(i18n: I18n, prefix: string, code: string | null | undefined): string {
  if (code === null || code === undefined || code === "") {
    return i18n.t("common.none");
  }
  return i18n.tOr(`${prefix}.${code}`, code);
}

export const label = {
  stage: (i18n: I18n, code: string | null | undefined) => named(i18n, "case.stage", code),
  queue: (i18n: I18n, code: string | null | undefined) => named(i18n, "case.queue", code),
  bucket: (i18n: I18n, code: string | null | undefined) => named(i18n, "bucket", code),
  outcome: (i18n: I18n, code: string | null | undefined) => named(i18n, "case.outcome", code),
  delay: (i18n: I18n, code: string | null | undefined) => named(i18n, "case.delay", code),
  temperament: (i18n: I18n, code: string | null | undefined) => named(i18n, "case.temperament", code),
  quadrant: (i18n: I18n, code: string | null | undefined) => named(i18n, "case.quadrant", code),
  contactability: (i18n: I18n, code: string | null | undefined) => named(i18n, "case.contactability", code),
  segment: (i18n: I18n, code: string | null | undefined) => named(i18n, "case.segment", code),
  arm: (i18n: I18n, code: string | null | undefined) => named(i18n, "arm", code),
  product: (i18n: I18n, code: string | null | undefined) => named(i18n, "case.product", code),
  method: (i18n: I18n, code: string | null | undefined) => named(i18n, "case.method", code),
  loanStatus: (i18n: I18n, code: string | null | undefined) => named(i18n, "case.loanStatus", code),
  caseStatus: (i18n: I18n, code: string | null | undefined) => named(i18n, "case.status", code),
  lien: (i18n: I18n, code: string | null | undefined) => named(i18n, "case.lien", code),
  payChannel: (i18n: I18n, code: string | null | undefined) => named(i18n, "case.payChannel", code),
  relation: (i18n: I18n, code: string | null | undefined) => named(i18n, "case.relation", code),
  promiseStatus: (i18n: I18n, code: string | null | undefined) => named(i18n, "case.promiseStatus", code),
  event: (i18n: I18n, code: string | null | undefined) => named(i18n, "case.event", code),
  result: (i18n: I18n, code: string | null | undefined) => named(i18n, "case.result", code),
  party: (i18n: I18n, code: string | null | undefined) => named(i18n, "case.party", code),
  channel: (i18n: I18n, code: string | null | undefined) => named(i18n, "channel", code),
  qaCategory: (i18n: I18n, code: string | null | undefined) => named(i18n, "case.qa", code),
  planKind: (i18n: I18n, code: string | null | undefined) => named(i18n, "approvals.kind", code),
  approvalStatus: (i18n: I18n, code: string | null | undefined) => named(i18n, "approvals.status", code),
  role: (i18n: I18n, code: string) => i18n.tOr(`role.${code}`, code),
};

/** A compliance rule as stored (`cn.quiet_hours`) or bare (`quiet_hours`), by name. */
export function ruleName(i18n: I18n, rule: string): string {
  const dot = rule.indexOf(".");
  const code = dot >= 0 ? rule.slice(dot + 1) : rule;
  return i18n.tOr(`rule.${code}`, i18n.tOr(`rule.${rule}`, i18n.t("rule.unknown", { code: rule })));
}

/**
 * A server error as text for the screen. The server's messages are English; the ones a person
 * meets in normal work (a QA block, a date out of range, a conflict) get a translated sentence,
 * others keep the server's words after a translated lead.
 */
export function errorText(i18n: I18n, error: ApiError): string {
  const { t } = i18n;
  if (error.status === 0) {
    return t("app.networkError");
  }
  if (error.status >= 500 && error.status !== 503) {
    return t("app.serverError", { status: error.status });
  }
  if (error.status === 409 && error.rule) {
    return t("common.blockedByRule", { rule: ruleName(i18n, error.rule) });
  }
  if (error.status === 403 && /own request/.test(error.message)) {
    return t("approvals.ownRequest");
  }
  if (error.status === 403 && /beyond what your role/.test(error.message)) {
    return t("approvals.overLimit");
  }
  if (error.status === 403) {
    return t("common.forbidden");
  }
  if (error.status === 409 && /not pending/.test(error.message)) {
    return t("approvals.notPending");
  }
  if (error.status === 404) {
    return t("common.notFound");
  }
  const qa = /language QA blocks this text: (\w+) term `([^`]*)`/.exec(error.message);
  if (qa) {
    return t("common.qaBlocked", { category: label.qaCategory(i18n, qa[1]), term: qa[2] ?? "" });
  }
  if (/is in the past/.test(error.message)) {
    return t("common.dateInPast");
  }
  if (/days ahead/.test(error.message)) {
    return t("common.dateTooFar");
  }
  if (/reason of \d+ to 500/.test(error.message)) {
    const min = /reason of (\d+)/.exec(error.message)?.[1] ?? "10";
    return t("case.reveal.reasonLength", { min });
  }
  if (error.status === 409) {
    return t("common.conflict", { message: error.message });
  }
  return t("common.rejected", { message: error.message });
}
