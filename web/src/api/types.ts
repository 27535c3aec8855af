// The wire types the pages use, by the names they know: each an alias of a schema generated
// from the server's OpenAPI document (`schema.d.ts`), so the document is the one source of truth.
import type { components, paths } from "./schema";

type Schemas = components["schemas"];

// --- session and users ---
export type RoleCode = Schemas["RoleCode"];
export type UserView = Schemas["UserView"];
export type SessionView = Schemas["SessionView"];
export type MeView = Schemas["MeView"];
export type NewUserBody = Schemas["CreateUserRequest"];
/** What an administrator changes about a user (`PATCH /users/{username}`); at least one field. */
export type UserChangeBody = Schemas["ChangeUserRequest"];
export type UserChangedView = Schemas["UserChangedView"];
export type RolesView = Schemas["RolesView"];
export type AssignmentView = Schemas["AssignmentView"];

// --- reports and oversight ---
export type ReportDates = Schemas["ReportDates"];
export type BucketView = Schemas["BucketView"];
export type PortfolioView = Schemas["PortfolioView"];
export type RollRow = Schemas["RollRow"];
export type RollRatesView = Schemas["RollRatesView"];
export type ChannelContacts = Schemas["ChannelContacts"];
export type ArmView = Schemas["ArmView"];
export type StrategyView = Schemas["StrategyView"];
export type ComplianceLine = Schemas["ComplianceLine"];
export type ComplianceView = Schemas["ComplianceView"];
export type KpiView = Schemas["KpiView"];
export type LeaderboardEntry = Schemas["LeaderboardEntry"];
export type LeaderboardView = Schemas["LeaderboardView"];
export type QaHit = Schemas["QaHit"];
export type QaFlagsView = Schemas["QaFlagsView"];
export type NamedValue = Schemas["NamedValue"];
export type StrategyOutlineView = Schemas["StrategyOutlineView"];
export type AuditEntryView = Schemas["AuditEntryView"];
export type AuditPage = Schemas["AuditPage"];
export type AuditVerifyView = Schemas["AuditVerifyView"];

// --- case work ---
export type QueueItem = Schemas["QueueItemView"];
export type QueuePage = Schemas["QueuePageView"];
export type ContactPerson = Schemas["ContactPersonView"];
export type Borrower = Schemas["BorrowerView"];
export type CaseSummary = Schemas["CaseView"];
export type Installment = Schemas["InstallmentView"];
export type Payment = Schemas["PaymentView"];
export type BucketChange = Schemas["BucketChangeView"];
export type Vehicle = Schemas["VehicleView"];
export type Loan = Schemas["LoanView"];
export type Segment = Schemas["SegmentView"];
export type PromiseView = Schemas["PromiseView"];
export type QaFlag = Schemas["QaFlag"];
export type TimelineEntry = Schemas["TimelineView"];
export type CaseFile = Schemas["CaseFileView"];
export type LogContactBody = Schemas["LogContactRequest"];
export type LoggedContact = Schemas["LoggedContactView"];
export type Note = Schemas["NoteView"];
/** Amounts are yuan text (`"8000.00"`). */
export type Approval = Schemas["ApprovalView"];
export type PlanBody = Schemas["PlanRequestBody"];
export type WaiverBody = Schemas["WaiverRequestBody"];
export type ReassignResult = Schemas["ReassignView"];
export type SmsTemplate = Schemas["TemplateView"];
/** `GET /sms/templates`: the configured template file's texts. */
export type SmsTemplateList = Schemas["TemplateListView"];
export type SentSms = Schemas["SmsView"];
export type PlacedCall = Schemas["CallView"];
/** `GET /loans/{loan_no}/settlement-quote`: amounts are yuan text with two decimals. */
export type SettlementQuote = Schemas["QuoteView"];

/**
 * The queue's orders. The document types `sort` as a plain string (its description lists
 * these), so the list the sort menu offers stays here.
 */
export const QUEUE_SORTS = [
  "best",
  "dpd_desc",
  "dpd_asc",
  "arrears_desc",
  "arrears_asc",
  "next_action_desc",
] as const;
export type QueueSort = (typeof QUEUE_SORTS)[number];

type QueueQuery = NonNullable<paths["/api/v1/queue"]["get"]["parameters"]["query"]>;
/** `GET /queue`'s parameters, with the page always given and the order one of `QUEUE_SORTS`. */
export type QueueParams = Omit<QueueQuery, "sort" | "limit" | "offset"> & {
  sort?: QueueSort;
  limit: number;
  offset: number;
};
