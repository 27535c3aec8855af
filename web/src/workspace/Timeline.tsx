// One timeline of the case: contacts, case events (opened, stage changes, assignment, promise
// results), notes and promises from the server's timeline, plus the payments of every loan,
// newest first, filterable by kind.
import { useMemo, useState } from "react";
import { Button, Empty, Segmented, Space, Tag, Timeline as AntTimeline, Typography } from "antd";
import { useI18n, type I18n } from "../i18n/I18nProvider";
import type { CaseFile, QaFlag } from "../api";
import { label } from "./labels";
import { useMinWidth } from "./useMinWidth";

type Kind = "contact" | "payment" | "promise" | "note" | "case_event";
const KINDS: Kind[] = ["contact", "payment", "promise", "note", "case_event"];
const COLOURS: Record<Kind, string> = {
  contact: "blue",
  payment: "green",
  promise: "orange",
  note: "gray",
  case_event: "purple",
};
/** Entries shown at first and added by "show more": fewer on a phone. */
const PAGE = 20;
const PAGE_NARROW = 10;

interface Entry {
  at: string;
  kind: Kind;
  actor: string | null;
  address: string | null;
  detail: Record<string, unknown>;
}

function str(value: unknown): string | null {
  return typeof value === "string" ? value : typeof value === "number" ? String(value) : null;
}

function num(value: unknown): number | null {
  return typeof value === "number" ? value : null;
}

function eventText(i18n: I18n, detail: Record<string, unknown>): string {
  const { t, fmt } = i18n;
  const event = str(detail.event) ?? "";
  const inner = detail.detail;
  const name = label.event(i18n, event);
  if (inner && typeof inner === "object") {
    const d = inner as Record<string, unknown>;
    const from = str(d.from);
    const stageTo = str(d.to);
    if (event === "stage_changed" && from && stageTo) {
      return t("case.timeline.stageChanged", {
        from: label.stage(i18n, from),
        to: label.stage(i18n, stageTo),
      });
    }
    const stage = str(d.stage);
    if ((event === "opened" || event === "reopened") && stage) {
      return t("case.timeline.eventStage", { event: name, stage: label.stage(i18n, stage) });
    }
    if (event.startsWith("promise_")) {
      return t("case.timeline.promiseSettled", {
        status: name,
        amount: fmt.money(num(d.amount_fen) ?? 0),
        paid: fmt.money(num(d.paid_fen) ?? 0),
      });
    }
    const to = str(d.to) ?? str(d.assignee);
    if (event === "assigned" && to) {
      return t("case.timeline.assigned", { to });
    }
    if (event === "assigned") {
      return t("case.timeline.unassigned");
    }
  }
  return name;
}

function QaFlags({ flags }: { flags: QaFlag[] }) {
  const i18n = useI18n();
  if (flags.length === 0) {
    return null;
  }
  return (
    <Space wrap size={4} style={{ marginTop: 4 }}>
      {flags.map((flag, n) => (
        // The term is quoted from the note (data, in the note's language); the category is UI.
        <Tag key={n} color={flag.tier === "block" ? "red" : "warning"} data-user-data>
          {i18n.t("case.note.flag", { category: label.qaCategory(i18n, flag.category), term: flag.term })}
        </Tag>
      ))}
    </Space>
  );
}

function EntryBody({ entry }: { entry: Entry }) {
  const i18n = useI18n();
  const { t, fmt } = i18n;
  const d = entry.detail;
  switch (entry.kind) {
    case "contact": {
      const outcome = str(d.outcome);
      const note = str(d.note);
      return (
        <>
          <Typography.Text strong>
            {t("case.timeline.contact", {
              channel: label.channel(i18n, str(d.channel)),
              outcome: outcome ? label.outcome(i18n, outcome) : label.result(i18n, str(d.result)),
            })}
          </Typography.Text>
          <div style={{ color: "rgba(0,0,0,0.55)" }}>
            {[label.party(i18n, str(d.party)), entry.address].filter(Boolean).join(" · ")}
          </div>
          {note ? <div style={{ whiteSpace: "pre-wrap", overflowWrap: "anywhere" }}>{note}</div> : null}
        </>
      );
    }
    case "payment":
      return (
        <Typography.Text strong>
          {t("case.timeline.payment", {
            amount: fmt.money(num(d.amount_fen) ?? 0),
            channel: label.payChannel(i18n, str(d.channel)),
            loan: str(d.loan_no) ?? "",
          })}
        </Typography.Text>
      );
    case "promise": {
      const status = str(d.status) ?? "open";
      return (
        <>
          <Typography.Text strong data-testid="timeline-promise">
            {t("case.timeline.promise", {
              amount: fmt.money(num(d.amount_fen) ?? 0),
              date: fmt.date(str(d.due_on) ?? ""),
            })}
          </Typography.Text>{" "}
          <Tag color={status === "kept" ? "green" : status === "broken" ? "red" : status === "open" ? "blue" : "gold"}>
            {label.promiseStatus(i18n, status)}
          </Tag>
        </>
      );
    }
    case "note":
      return (
        <>
          <div style={{ whiteSpace: "pre-wrap", overflowWrap: "anywhere" }}>{str(d.text)}</div>
          <QaFlags flags={Array.isArray(d.qa_flags) ? (d.qa_flags as QaFlag[]) : []} />
        </>
      );
    case "case_event":
      return <Typography.Text>{eventText(i18n, d)}</Typography.Text>;
  }
}

/** Instants in the browser's time zone; business dates as dates. */
function when(i18n: I18n, at: string): string {
  return /^\d{4}-\d{2}-\d{2}$/.test(at) ? i18n.fmt.date(at) : i18n.fmt.dateTime(at);
}

export function CaseTimeline({ file }: { file: CaseFile }) {
  const i18n = useI18n();
  const { t } = i18n;
  const page = useMinWidth(768) ? PAGE : PAGE_NARROW;
  const [kind, setKind] = useState<Kind | "all">("all");
  const [pages, setPages] = useState(1);
  const shown = page * pages;
  const entries = useMemo(() => {
    // The server's entries (kind `contact`, `case_event`, `note` or `promise`; detail an object).
    const list: Entry[] = file.timeline.map((e) => ({
      at: e.at,
      kind: e.kind as Kind,
      actor: e.actor ?? null,
      address: e.address ?? null,
      detail: (e.detail ?? {}) as Record<string, unknown>,
    }));
    for (const loan of file.loans) {
      for (const p of loan.payments) {
        list.push({
          at: p.value_date,
          kind: "payment",
          actor: null,
          address: null,
          detail: { amount_fen: p.amount_fen, channel: p.channel, loan_no: loan.loan_no },
        });
      }
    }
    // Newest first; a business date sorts before the instants of the same day.
    return list.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
  }, [file]);
  const filtered = kind === "all" ? entries : entries.filter((e) => e.kind === kind);
  return (
    <div data-testid="case-timeline">
      <div style={{ overflowX: "auto", marginBottom: 16 }}>
        <Segmented<Kind | "all">
          value={kind}
          onChange={(value) => {
            setKind(value);
            setPages(1);
          }}
          options={[
            { value: "all", label: t("case.timeline.all") },
            ...KINDS.map((k) => ({ value: k, label: t(`case.timeline.kind.${k}`) })),
          ]}
        />
      </div>
      {filtered.length === 0 ? (
        <Empty description={t("case.timeline.empty")} />
      ) : (
        <AntTimeline
          items={filtered.slice(0, shown).map((entry, n) => ({
            key: `${entry.kind}-${entry.at}-${n}`,
            color: COLOURS[entry.kind],
            children: (
              <div data-testid={`timeline-${entry.kind}`}>
                <div style={{ color: "rgba(0,0,0,0.45)", fontSize: 12 }}>
                  {when(i18n, entry.at)} · {t(`case.timeline.kind.${entry.kind}`)}
                  {entry.actor ? ` · ${entry.actor}` : ""}
                </div>
                <EntryBody entry={entry} />
              </div>
            ),
          }))}
        />
      )}
      {filtered.length > shown ? (
        <Button onClick={() => setPages((n) => n + 1)}>
          {t("case.timeline.more", { count: filtered.length - shown })}
        </Button>
      ) : null}
    </div>
  );
}
