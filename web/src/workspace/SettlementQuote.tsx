// The early-settlement quote (提前结清试算) of one loan on the case page: pick the date the
// borrower would pay and see what closing the loan costs, component by component, as the server
// computes it (`GET /loans/{loan_no}/settlement-quote`). Read-only: posting the money is a
// back-office step (API or `recoup loan settle`).
import { useState } from "react";
import { Alert, DatePicker, Descriptions, Skeleton, Space, Typography } from "antd";
import dayjs, { type Dayjs } from "dayjs";
import { useI18n } from "../i18n/I18nProvider";
import type { MessageKey } from "../i18n/messages";
import { workspace, yuanTextToFen, type SettlementQuote } from "../api";
import { useLoad } from "../api/useLoad";
import { dateFormats } from "./CaseActions";
import { errorText } from "./labels";

const ISO = "YYYY-MM-DD";

export function SettlementQuotePanel({ loanNo }: { loanNo: string }) {
  const i18n = useI18n();
  const { t, fmt } = i18n;
  const [date, setDate] = useState<Dayjs>(dayjs());
  const day = date.format(ISO);
  const load = useLoad((signal) => workspace.settlementQuote(loanNo, day, signal), [loanNo, day]);
  const quote = load.data;
  const money = (text: string) => fmt.money(yuanTextToFen(text) ?? 0);
  const rows: [MessageKey, keyof SettlementQuote][] = [
    ["case.settlement.principal", "principal"],
    ["case.settlement.overdueInterest", "overdue_interest"],
    ["case.settlement.accruedInterest", "accrued_interest"],
    ["case.settlement.penalty", "penalty"],
    ["case.settlement.fees", "fees"],
    ["case.settlement.fee", "settlement_fee"],
  ];
  return (
    <Space direction="vertical" style={{ width: "100%" }} data-testid={`settlement-quote-${loanNo}`}>
      <Space wrap>
        <Typography.Text>{t("case.settlement.date")}</Typography.Text>
        <DatePicker
          value={date}
          allowClear={false}
          format={dateFormats(i18n)}
          onChange={(value) => value && setDate(value)}
          data-testid="settlement-date"
        />
      </Space>
      {load.error ? (
        <Alert type="warning" showIcon message={errorText(i18n, load.error)} />
      ) : quote === null ? (
        <Skeleton active paragraph={{ rows: 3 }} />
      ) : (
        <Descriptions size="small" bordered column={1}>
          {rows.map(([key, field]) => (
            <Descriptions.Item key={field} label={t(key)}>
              {money(quote[field])}
            </Descriptions.Item>
          ))}
          <Descriptions.Item label={t("case.settlement.credit")}>{money(`-${quote.credit}`)}</Descriptions.Item>
          <Descriptions.Item label={<strong>{t("case.settlement.total")}</strong>}>
            <strong data-testid="settlement-total">{money(quote.total)}</strong>
          </Descriptions.Item>
        </Descriptions>
      )}
      <Typography.Text type="secondary">{t("case.settlement.hint")}</Typography.Text>
    </Space>
  );
}
