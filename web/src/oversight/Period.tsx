// A period of closed business dates kept in the URL (`?from=YYYY-MM-DD&to=YYYY-MM-DD`) for the
// strategy and compliance pages: the last week closed by default, clamped to the closed range.
import { useMemo, type ReactNode } from "react";
import { useSearchParams } from "react-router-dom";
import { DatePicker, Empty, Skeleton, Space, Typography } from "antd";
import dayjs, { type Dayjs } from "dayjs";
import { api } from "../api";
import { useLoad } from "../api/useLoad";
import { useI18n } from "../i18n/I18nProvider";
import { ISO, Loaded, loadStatus } from "./load";

export interface Period {
  from: string;
  to: string;
}

function clampDate(text: string | null, first: string, last: string): string | null {
  if (!text) {
    return null;
  }
  const value = dayjs(text, ISO, true);
  if (!value.isValid()) {
    return null;
  }
  const iso = value.format(ISO);
  return iso < first ? first : iso > last ? last : iso;
}

/**
 * Once the closed range is known, the page's title with the period picker beside it, then
 * `children` for the period from the URL.
 */
export function WithPeriod({ title, children }: { title: string; children: (period: Period) => ReactNode }) {
  const i18n = useI18n();
  const { t } = i18n;
  const [params, setParams] = useSearchParams();
  const dates = useLoad((signal) => api.reportDates(signal), []);
  const datesStatus = loadStatus(dates);
  const range = datesStatus === "ok" && dates.data?.first && dates.data.last ? dates.data : null;
  const wantedFrom = params.get("from");
  const wantedTo = params.get("to");
  const period = useMemo(() => {
    if (!range?.first || !range.last) {
      return null;
    }
    const to = clampDate(wantedTo, range.first, range.last) ?? range.last;
    const weekBack = dayjs(to, ISO).subtract(6, "day").format(ISO);
    let from = clampDate(wantedFrom, range.first, range.last) ?? (weekBack < range.first ? range.first : weekBack);
    if (from > to) {
      from = to;
    }
    return { from, to };
  }, [range?.first, range?.last, wantedFrom, wantedTo]);

  if (datesStatus === "loading") {
    return <Skeleton active paragraph={{ rows: 8 }} />;
  }
  if (datesStatus !== "ok") {
    return (
      <Loaded load={dates} empty={t("dash.noData")}>
        {() => null}
      </Loaded>
    );
  }
  if (!range?.first || !range.last || !period) {
    return <Empty data-testid="period-empty" description={t("dash.noData")} />;
  }
  const first = range.first;
  const last = range.last;
  const onChange = (values: [Dayjs | null, Dayjs | null] | null) => {
    const next = new URLSearchParams(params);
    const [from, to] = values ?? [null, null];
    if (from && to) {
      next.set("from", from.format(ISO));
      next.set("to", to.format(ISO));
    } else {
      next.delete("from");
      next.delete("to");
    }
    setParams(next);
  };
  return (
    <>
      <div style={{ display: "flex", flexWrap: "wrap", gap: 12, alignItems: "center", marginBottom: 16 }}>
        <Typography.Title level={3} style={{ margin: 0, flex: "1 1 auto" }} data-testid="page-title">
          {title}
        </Typography.Title>
        <Space wrap>
          <Typography.Text>{t("strategy.period")}</Typography.Text>
          <DatePicker.RangePicker
            data-testid="period-picker"
            allowClear={false}
            value={[dayjs(period.from, ISO), dayjs(period.to, ISO)]}
            format={(value) => i18n.fmt.date(value.format(ISO))}
            disabledDate={(day) => day.format(ISO) < first || day.format(ISO) > last}
            onChange={(values) => onChange(values as [Dayjs | null, Dayjs | null] | null)}
          />
        </Space>
      </div>
      {children(period)}
    </>
  );
}
