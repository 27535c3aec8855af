// The manager's dashboard for one closed business date (`?date=YYYY-MM-DD&days=7|30|90`, so a
// view can be bookmarked and shared): KPIs and the book by aging bucket, the roll-rate matrix
// into the last month-end on or before the date; over the period ending on the date: cure,
// recovery, promise-kept and right-party-contact rates, the collector leaderboard, contacts and
// blocks by channel and rule, and the champion/challenger arms. Each card loads, fails and comes
// up empty on its own.
import { useMemo } from "react";
import { useSearchParams } from "react-router-dom";
import { Card, Col, DatePicker, Empty, Row, Segmented, Skeleton, Space, Statistic, Table, Typography } from "antd";
import dayjs, { type Dayjs } from "dayjs";
import { api, type ComplianceView, type PortfolioView, type RollRatesView, type StrategyView } from "../api";
import { useLoad } from "../api/useLoad";
import { Chart, type ChartOption } from "../charts/Chart";
import { useI18n, type I18n } from "../i18n/I18nProvider";
import { channelName, ISO, Loaded, loadStatus, ruleName } from "../oversight/load";
import { KpiRates, Leaderboard, PromiseOutcomes, RpcByChannel } from "../oversight/DashboardKpis";

const PERIODS = [7, 30, 90] as const;

function bucketName(i18n: I18n, label: string): string {
  return i18n.tOr(`bucket.${label}`, label);
}

export default function Dashboard() {
  const i18n = useI18n();
  const { t } = i18n;
  const [params, setParams] = useSearchParams();
  const dates = useLoad((signal) => api.reportDates(signal), []);
  const datesStatus = loadStatus(dates);

  const range = datesStatus === "ok" && dates.data?.first && dates.data.last ? dates.data : null;
  const requested = params.get("date");
  const date = useMemo(() => {
    if (!range?.first || !range.last) {
      return null;
    }
    const wanted = requested ? dayjs(requested, ISO, true) : null;
    if (wanted?.isValid() && wanted.format(ISO) >= range.first && wanted.format(ISO) <= range.last) {
      return wanted.format(ISO);
    }
    return range.last;
  }, [range?.first, range?.last, requested]);

  if (datesStatus === "loading") {
    return <Skeleton active paragraph={{ rows: 10 }} />;
  }
  if (datesStatus === "error" || datesStatus === "empty") {
    return (
      <Loaded load={dates} empty={t("dash.noData")}>
        {() => null}
      </Loaded>
    );
  }
  if (!range?.first || !date) {
    return <Empty data-testid="dashboard-empty" description={t("dash.noData")} />;
  }
  const first = range.first;
  const last = range.last ?? date;

  const days = PERIODS.find((n) => String(n) === params.get("days")) ?? 7;
  const onDays = (value: number) => {
    const next = new URLSearchParams(params);
    if (value === 7) {
      next.delete("days");
    } else {
      next.set("days", String(value));
    }
    setParams(next);
  };

  const onDate = (value: Dayjs | null) => {
    const next = new URLSearchParams(params);
    if (value) {
      next.set("date", value.format(ISO));
    } else {
      next.delete("date");
    }
    setParams(next);
  };

  return (
    <div data-testid="dashboard">
      <div style={{ display: "flex", flexWrap: "wrap", gap: 12, alignItems: "center", marginBottom: 16 }}>
        <Typography.Title level={3} style={{ margin: 0, flex: "1 1 auto" }} data-testid="page-title">
          {t("dash.title")}
        </Typography.Title>
        <Space>
          <Typography.Text>{t("dash.date")}</Typography.Text>
          <DatePicker
            data-testid="dashboard-date"
            allowClear={false}
            value={dayjs(date, ISO)}
            format={(value) => i18n.fmt.date(value.format(ISO))}
            disabledDate={(day) => day.format(ISO) < first || day.format(ISO) > last}
            onChange={onDate}
          />
          <Segmented
            data-testid="dashboard-days"
            value={days}
            onChange={(value) => onDays(Number(value))}
            options={PERIODS.map((n) => ({ value: n, label: t("dashboard.days", { days: n }) }))}
          />
        </Space>
      </div>
      <DashboardBody date={date} first={first} days={days} />
    </div>
  );
}

function DashboardBody({ date, first, days }: { date: string; first: string; days: number }) {
  const i18n = useI18n();
  const { t } = i18n;
  const day = dayjs(date, ISO);
  // The matrix into the last month-end on or before the date.
  const monthEnd = day.endOf("month").format(ISO) === date ? day : day.startOf("month").subtract(1, "day");
  const month = monthEnd.format("YYYY-MM");
  const from = [day.subtract(days - 1, "day").format(ISO), first].sort().reverse()[0] ?? date;

  const portfolio = useLoad((s) => api.portfolio(date, s), [date]);
  const roll = useLoad((s) => api.rollRates(month, s), [month]);
  const compliance = useLoad((s) => api.compliance(from, date, s), [from, date]);
  const strategy = useLoad((s) => api.strategy(from, date, s), [from, date]);
  const kpis = useLoad((s) => api.kpis(from, date, s), [from, date]);
  const board = useLoad((s) => api.leaderboard(from, date, s), [from, date]);
  const period = t("dash.period", { from: i18n.fmt.date(from), to: i18n.fmt.date(date) });

  return (
    <Space direction="vertical" size={16} style={{ width: "100%" }}>
      <Loaded load={portfolio} empty={t("dash.noData")} rows={2}>
        {(data) => <Kpis data={data} />}
      </Loaded>
      <Loaded load={kpis} empty={t("dash.noData")} rows={2}>
        {(data) => <KpiRates data={data} />}
      </Loaded>
      <Row gutter={[16, 16]}>
        <Col xs={24} xl={12}>
          <Card title={t("dashboard.rpc.title")} extra={period} data-testid="card-rpc">
            <Loaded load={kpis} empty={t("dashboard.rpc.empty")}>
              {(data) => <RpcByChannel data={data} />}
            </Loaded>
          </Card>
        </Col>
        <Col xs={24} xl={12}>
          <Card title={t("dashboard.promises.title")} extra={period} data-testid="card-promises">
            <Loaded load={kpis} empty={t("dashboard.promises.empty")}>
              {(data) => <PromiseOutcomes data={data} />}
            </Loaded>
          </Card>
        </Col>
      </Row>
      <Card title={t("dashboard.leaderboard.title")} extra={period} data-testid="card-leaderboard">
        <Loaded load={board} empty={t("dashboard.leaderboard.empty")}>
          {(data) => <Leaderboard data={data} />}
        </Loaded>
      </Card>
      <Row gutter={[16, 16]}>
        <Col xs={24} xl={12}>
          <Card title={t("dash.portfolio.title")} data-testid="card-portfolio">
            <Loaded load={portfolio} empty={t("dash.noData")}>
              {(data) => <PortfolioChart data={data} />}
            </Loaded>
          </Card>
        </Col>
        <Col xs={24} xl={12}>
          <Card
            title={
              roll.data && loadStatus(roll) === "ok"
                ? t("dash.roll.title", {
                    from: i18n.fmt.month(roll.data.from_month),
                    to: i18n.fmt.month(roll.data.to_month),
                  })
                : t("dash.roll.titleEmpty")
            }
            data-testid="card-roll-rates"
          >
            <Loaded load={roll} empty={t("dash.roll.empty")}>
              {(data) => <RollRateHeatmap data={data} />}
            </Loaded>
          </Card>
        </Col>
      </Row>
      <Row gutter={[16, 16]}>
        <Col xs={24} xl={12}>
          <Card title={t("dash.contacts.title")} extra={period} data-testid="card-contacts">
            <Loaded load={compliance} empty={t("dash.contacts.empty")}>
              {(data) =>
                data.lines.length === 0 ? <Empty description={t("dash.contacts.empty")} /> : <ContactsChart data={data} />
              }
            </Loaded>
          </Card>
        </Col>
        <Col xs={24} xl={12}>
          <Card title={t("dash.rules.title")} extra={period} data-testid="card-rules">
            <Loaded load={compliance} empty={t("dash.rules.empty")}>
              {(data) => <BlocksByRule data={data} />}
            </Loaded>
          </Card>
        </Col>
      </Row>
      <Card title={t("dash.strategy.title")} extra={period} data-testid="card-strategy">
        <Loaded load={strategy} empty={t("dash.strategy.empty")}>
          {(data) =>
            data.arms.length === 0 ? <Empty description={t("dash.strategy.empty")} /> : <StrategyArms data={data} />
          }
        </Loaded>
      </Card>
    </Space>
  );
}

function Kpis({ data }: { data: PortfolioView }) {
  const { t, fmt } = useI18n();
  const overdue = data.buckets.slice(1).reduce((sum, bucket) => sum + bucket.principal_fen, 0);
  const items = [
    { key: "loans", title: t("dash.kpi.loans"), value: fmt.integer(data.loans) },
    { key: "principal", title: t("dash.kpi.principal"), value: fmt.money(data.principal_fen) },
    { key: "overdue", title: t("dash.kpi.overdue"), value: fmt.money(overdue) },
    { key: "npl", title: t("dash.kpi.npl", { from: data.npl_from }), value: fmt.percentPpm(data.npl_ratio_ppm) },
  ];
  return (
    <Row gutter={[16, 16]} data-testid="kpis">
      {items.map((item) => (
        <Col xs={24} sm={12} xl={6} key={item.key}>
          <Card>
            <Statistic title={item.title} value={item.value} data-testid={`kpi-${item.key}`} />
          </Card>
        </Col>
      ))}
    </Row>
  );
}

function PortfolioChart({ data }: { data: PortfolioView }) {
  const i18n = useI18n();
  const { t, fmt } = i18n;
  const labels = data.buckets.map((bucket) => bucketName(i18n, bucket.label));
  const option: ChartOption = useMemo(
    () => ({
      tooltip: {
        trigger: "axis",
        valueFormatter: undefined,
        formatter: (items: { dataIndex: number }[]) => {
          const bucket = data.buckets[items[0]?.dataIndex ?? 0];
          if (!bucket) {
            return "";
          }
          return [
            `<b>${bucketName(i18n, bucket.label)}</b>`,
            `${t("dash.portfolio.loans")}: ${fmt.integer(bucket.loans)}`,
            `${t("dash.portfolio.principal")}: ${fmt.money(bucket.principal_fen)}`,
            `${t("dash.portfolio.arrears")}: ${fmt.money(bucket.arrears_fen)}`,
          ].join("<br/>");
        },
      },
      legend: { data: [t("dash.portfolio.principal"), t("dash.portfolio.loans")] },
      grid: { left: 8, right: 8, bottom: 8, top: 40, containLabel: true },
      xAxis: { type: "category", data: labels, axisLabel: { interval: 0 } },
      yAxis: [
        { type: "log", logBase: 10, axisLabel: { formatter: (v: number) => fmt.moneyShort(v) } },
        { type: "log", logBase: 10, axisLabel: { formatter: (v: number) => fmt.integer(v) }, splitLine: { show: false } },
      ],
      series: [
        {
          name: t("dash.portfolio.principal"),
          type: "bar",
          data: data.buckets.map((bucket) => ({
            value: Math.max(bucket.principal_fen, 1),
            itemStyle: { color: bucket.npl ? "#cf1322" : "#1677ff" },
          })),
        },
        {
          name: t("dash.portfolio.loans"),
          type: "bar",
          yAxisIndex: 1,
          itemStyle: { color: "#95de64" },
          data: data.buckets.map((bucket) => Math.max(bucket.loans, 1)),
        },
      ],
    }),
    [data, i18n, t, fmt, labels],
  );
  const total = data.principal_fen;
  return (
    <>
      <Chart option={option} height={280} testId="chart-portfolio" />
      <Table
        size="small"
        rowKey="label"
        pagination={false}
        style={{ marginTop: 12 }}
        dataSource={data.buckets}
        columns={[
          { title: t("dash.portfolio.bucket"), dataIndex: "label", render: (label: string) => bucketName(i18n, label) },
          { title: t("dash.portfolio.loans"), dataIndex: "loans", align: "right", render: (n: number) => fmt.integer(n) },
          {
            title: t("dash.portfolio.principal"),
            dataIndex: "principal_fen",
            align: "right",
            render: (fen: number) => fmt.money(fen),
          },
          {
            title: t("dash.portfolio.share"),
            dataIndex: "principal_fen",
            key: "share",
            align: "right",
            render: (fen: number) => fmt.percentPpm(total > 0 ? Math.round((fen / total) * 1_000_000) : 0),
          },
          {
            title: t("dash.portfolio.arrears"),
            dataIndex: "arrears_fen",
            align: "right",
            render: (fen: number) => fmt.money(fen),
          },
        ]}
      />
    </>
  );
}

function RollRateHeatmap({ data }: { data: RollRatesView }) {
  const i18n = useI18n();
  const { t, fmt } = i18n;
  const columns = data.columns.map((label) => (label === "paid_off" ? t("dash.roll.paidOff") : bucketName(i18n, label)));
  const rows = data.rows.map((row) => bucketName(i18n, row.from));
  const option: ChartOption = useMemo(() => {
    const cells: [number, number, number, number][] = [];
    data.rows.forEach((row, y) => {
      row.rates_ppm.forEach((ppm, x) => {
        cells.push([x, y, ppm / 10_000, row.counts[x] ?? 0]);
      });
    });
    return {
      tooltip: {
        formatter: (item: { value: [number, number, number, number] }) => {
          const [x, y, percent, count] = item.value;
          return t("dash.roll.tooltip", {
            from: rows[y] ?? "",
            to: columns[x] ?? "",
            rate: fmt.percentPpm(percent * 10_000),
            count: fmt.integer(count),
          });
        },
      },
      grid: { left: 8, right: 8, top: 28, bottom: 56, containLabel: true },
      xAxis: {
        type: "category",
        data: columns,
        name: t("dash.roll.to"),
        nameLocation: "middle",
        nameGap: 28,
        axisLabel: { interval: 0 },
        splitArea: { show: true },
      },
      yAxis: {
        type: "category",
        data: rows,
        name: t("dash.roll.from"),
        nameLocation: "start",
        inverse: true,
        axisLabel: { interval: 0 },
        splitArea: { show: true },
      },
      visualMap: {
        min: 0,
        max: 100,
        calculable: false,
        orient: "horizontal",
        left: "center",
        bottom: 0,
        itemHeight: 120,
        inRange: { color: ["#f0f5ff", "#69b1ff", "#0958d9"] },
        formatter: (value: number) => `${fmt.decimal(value, 0)}%`,
      },
      series: [
        {
          type: "heatmap",
          data: cells,
          label: {
            show: true,
            fontSize: 10,
            formatter: (item: { value: [number, number, number, number] }) =>
              item.value[3] === 0 ? "" : fmt.decimal(item.value[2], 1),
          },
        },
      ],
    };
  }, [data, t, fmt, columns, rows]);
  return <Chart option={option} height={420} testId="chart-roll-rates" />;
}

function ContactsChart({ data }: { data: ComplianceView }) {
  const i18n = useI18n();
  const { t, fmt } = i18n;
  const channels = [...new Set(data.lines.map((line) => line.channel))];
  const sum = (decision: string, channel: string) =>
    data.lines
      .filter((line) => line.decision === decision && line.channel === channel)
      .reduce((total, line) => total + line.count, 0);
  const option: ChartOption = useMemo(
    () => ({
      tooltip: { trigger: "axis", valueFormatter: (v: number) => fmt.integer(v) },
      legend: { data: [t("dash.contacts.permitted"), t("dash.contacts.blocked")] },
      grid: { left: 8, right: 16, bottom: 8, top: 40, containLabel: true },
      xAxis: { type: "value", axisLabel: { formatter: (v: number) => fmt.integer(v) } },
      yAxis: {
        type: "category",
        data: channels.map((channel) => channelName(i18n, channel)),
        axisLabel: { interval: 0 },
      },
      series: [
        {
          name: t("dash.contacts.permitted"),
          type: "bar",
          stack: "all",
          itemStyle: { color: "#52c41a" },
          data: channels.map((channel) => sum("permitted", channel)),
        },
        {
          name: t("dash.contacts.blocked"),
          type: "bar",
          stack: "all",
          itemStyle: { color: "#ff4d4f" },
          data: channels.map((channel) => sum("blocked", channel)),
        },
      ],
    }),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [data, i18n],
  );
  return (
    <>
      <Typography.Text type="secondary" data-testid="contacts-total">
        {t("dash.contacts.total", { permitted: fmt.integer(data.permitted), blocked: fmt.integer(data.blocked) })}
      </Typography.Text>
      <Chart option={option} height={300} testId="chart-contacts" />
    </>
  );
}

function BlocksByRule({ data }: { data: ComplianceView }) {
  const i18n = useI18n();
  const { t, fmt } = i18n;
  const blocked = data.lines.filter((line) => line.decision === "blocked");
  if (blocked.length === 0) {
    return <Empty description={t("dash.rules.empty")} />;
  }
  return (
    <Table
      size="small"
      pagination={false}
      rowKey={(line) => `${line.rule ?? ""}|${line.channel}`}
      dataSource={blocked}
      columns={[
        { title: t("dash.rules.rule"), dataIndex: "rule", render: (rule: string | null) => ruleName(i18n, rule ?? "") },
        { title: t("dash.rules.channel"), dataIndex: "channel", render: (channel: string) => channelName(i18n, channel) },
        { title: t("dash.rules.count"), dataIndex: "count", align: "right", render: (n: number) => fmt.integer(n) },
      ]}
    />
  );
}

function StrategyArms({ data }: { data: StrategyView }) {
  const i18n = useI18n();
  const { t, fmt } = i18n;
  const channels = [...new Set(data.arms.flatMap((arm) => arm.contacts.map((c) => c.channel)))];
  const option: ChartOption = useMemo(
    () => ({
      tooltip: { trigger: "axis", valueFormatter: (v: number) => fmt.decimal(v, 2) },
      legend: { data: data.arms.map((arm) => i18n.tOr(`arm.${arm.arm}`, arm.arm)) },
      grid: { left: 8, right: 16, bottom: 8, top: 40, containLabel: true },
      xAxis: {
        type: "category",
        data: channels.map((channel) => channelName(i18n, channel)),
        axisLabel: { interval: 0 },
      },
      yAxis: { type: "value", name: t("dash.strategy.contactsPerCase"), nameTextStyle: { align: "left" } },
      series: data.arms.map((arm) => ({
        name: i18n.tOr(`arm.${arm.arm}`, arm.arm),
        type: "bar",
        data: channels.map((channel) => {
          const contacts = arm.contacts.find((c) => c.channel === channel)?.contacts ?? 0;
          return arm.cases > 0 ? Number((contacts / arm.cases).toFixed(3)) : 0;
        }),
      })),
    }),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [data, i18n],
  );
  return (
    <Row gutter={[16, 16]}>
      <Col xs={24} xl={10}>
        <Chart option={option} height={280} testId="chart-strategy" />
      </Col>
      <Col xs={24} xl={14}>
        <Table
          size="small"
          pagination={false}
          rowKey="arm"
          scroll={{ x: true }}
          dataSource={data.arms}
          columns={[
            { title: t("dash.strategy.arm"), dataIndex: "arm", render: (arm: string) => i18n.tOr(`arm.${arm}`, arm) },
            { title: t("dash.strategy.cases"), dataIndex: "cases", align: "right", render: (n: number) => fmt.integer(n) },
            {
              title: t("dash.strategy.contacts"),
              dataIndex: "contacts_total",
              align: "right",
              render: (n: number) => fmt.integer(n),
            },
            { title: t("dash.strategy.blocked"), dataIndex: "blocked", align: "right", render: (n: number) => fmt.integer(n) },
            { title: t("dash.strategy.cures"), dataIndex: "cures", align: "right", render: (n: number) => fmt.integer(n) },
            {
              title: t("dash.strategy.cost"),
              key: "cost",
              align: "right",
              render: (_: unknown, arm) => fmt.money(arm.contacts.reduce((sum, c) => sum + c.cost_fen, 0)),
            },
            {
              title: t("dash.strategy.recovered"),
              dataIndex: "recovered_fen",
              align: "right",
              render: (fen: number) => fmt.money(fen),
            },
          ]}
        />
      </Col>
    </Row>
  );
}
