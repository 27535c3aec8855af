// The dashboard's collection KPIs over its period: cure, recovery, promise-kept and
// right-party-contact rates as figures, right-party contacts by channel and promise outcomes as
// charts, and the collector leaderboard (every case holder for managers; the server sends a
// collector only their own row).
import { useMemo } from "react";
import { Card, Col, Empty, Row, Statistic, Table, Tag, Typography } from "antd";
import type { KpiView, LeaderboardEntry, LeaderboardView } from "../api";
import { Chart, type ChartOption } from "../charts/Chart";
import { useI18n } from "../i18n/I18nProvider";
import { channelName } from "./load";

export function KpiRates({ data }: { data: KpiView }) {
  const { t, fmt } = useI18n();
  const items = [
    {
      key: "cure",
      title: t("dashboard.kpi.cure"),
      value: fmt.percentPpm(data.cure.rate_ppm),
      detail: t("dashboard.kpi.cureDetail", { cured: fmt.integer(data.cure.cured), cases: fmt.integer(data.cure.cases) }),
    },
    {
      key: "recovery",
      title: t("dashboard.kpi.recovery"),
      value: fmt.percentPpm(data.recovery.rate_ppm),
      detail: t("dashboard.kpi.recoveryDetail", {
        collected: fmt.money(data.recovery.collected_overdue_fen),
        arrears: fmt.money(data.recovery.arrears_at_start_fen),
      }),
    },
    {
      key: "ptp",
      title: t("dashboard.kpi.ptp"),
      value: data.promises.settled > 0 ? fmt.percentPpm(data.promises.kept_rate_ppm) : "—",
      detail: t("dashboard.kpi.ptpDetail", {
        kept: fmt.integer(data.promises.kept),
        settled: fmt.integer(data.promises.settled),
        pending: fmt.integer(data.promises.pending),
      }),
    },
    {
      key: "rpc",
      title: t("dashboard.kpi.rpc"),
      value: data.contacts.attempts > 0 ? fmt.percentPpm(data.contacts.rate_ppm) : "—",
      detail: t("dashboard.kpi.rpcDetail", {
        rpc: fmt.integer(data.contacts.right_party),
        attempts: fmt.integer(data.contacts.attempts),
      }),
    },
  ];
  return (
    <Row gutter={[16, 16]} data-testid="kpi-rates">
      {items.map((item) => (
        <Col xs={24} sm={12} xl={6} key={item.key}>
          <Card>
            <Statistic title={item.title} value={item.value} data-testid={`kpi-${item.key}`} />
            <Typography.Text type="secondary" data-testid={`kpi-${item.key}-detail`}>
              {item.detail}
            </Typography.Text>
          </Card>
        </Col>
      ))}
    </Row>
  );
}

export function RpcByChannel({ data }: { data: KpiView }) {
  const i18n = useI18n();
  const { t, fmt } = i18n;
  const rows = data.contacts.by_channel;
  const option: ChartOption = useMemo(
    () => ({
      tooltip: {
        trigger: "axis",
        formatter: (items: { dataIndex: number }[]) => {
          const row = rows[items[0]?.dataIndex ?? 0];
          if (!row) {
            return "";
          }
          return [
            `<b>${channelName(i18n, row.channel)}</b>`,
            `${t("dashboard.rpc.attempts")}: ${fmt.integer(row.attempts)}`,
            `${t("dashboard.rpc.rightParty")}: ${fmt.integer(row.right_party)}`,
            `${t("dashboard.rpc.rate")}: ${fmt.percentPpm(row.rate_ppm)}`,
          ].join("<br/>");
        },
      },
      legend: { data: [t("dashboard.rpc.attempts"), t("dashboard.rpc.rightParty")] },
      grid: { left: 8, right: 16, bottom: 8, top: 40, containLabel: true },
      xAxis: { type: "value", axisLabel: { formatter: (v: number) => fmt.integer(v) } },
      yAxis: { type: "category", data: rows.map((row) => channelName(i18n, row.channel)), axisLabel: { interval: 0 } },
      series: [
        {
          name: t("dashboard.rpc.attempts"),
          type: "bar",
          itemStyle: { color: "#91caff" },
          data: rows.map((row) => row.attempts),
        },
        {
          name: t("dashboard.rpc.rightParty"),
          type: "bar",
          itemStyle: { color: "#1677ff" },
          label: {
            show: true,
            position: "right",
            formatter: (item: { dataIndex: number }) => fmt.percentPpm(rows[item.dataIndex]?.rate_ppm ?? 0),
          },
          data: rows.map((row) => row.right_party),
        },
      ],
    }),
    [rows, i18n, t, fmt],
  );
  if (rows.length === 0) {
    return <Empty description={t("dashboard.rpc.empty")} />;
  }
  return <Chart option={option} height={Math.max(200, 80 + rows.length * 48)} testId="chart-rpc" />;
}

export function PromiseOutcomes({ data }: { data: KpiView }) {
  const { t, fmt } = useI18n();
  const p = data.promises;
  const outcomes = [
    { key: "kept", label: t("dashboard.promises.kept"), value: p.kept, color: "#52c41a" },
    { key: "partly_kept", label: t("dashboard.promises.partlyKept"), value: p.partly_kept, color: "#faad14" },
    { key: "broken", label: t("dashboard.promises.broken"), value: p.broken, color: "#ff4d4f" },
    { key: "pending", label: t("dashboard.promises.pending"), value: p.pending, color: "#bfbfbf" },
  ];
  const option: ChartOption = useMemo(
    () => ({
      tooltip: { trigger: "item", valueFormatter: (v: number) => fmt.integer(v) },
      grid: { left: 8, right: 24, bottom: 8, top: 16, containLabel: true },
      xAxis: { type: "category", data: outcomes.map((o) => o.label), axisLabel: { interval: 0 } },
      yAxis: { type: "value", minInterval: 1, axisLabel: { formatter: (v: number) => fmt.integer(v) } },
      series: [
        {
          type: "bar",
          label: { show: true, position: "top", formatter: (item: { value: number }) => fmt.integer(item.value) },
          data: outcomes.map((o) => ({ value: o.value, itemStyle: { color: o.color } })),
        },
      ],
    }),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [data, t, fmt],
  );
  if (p.settled + p.pending === 0) {
    return <Empty description={t("dashboard.promises.empty")} />;
  }
  return (
    <>
      <Typography.Text type="secondary" data-testid="promises-total">
        {t("dashboard.promises.summary", {
          promised: fmt.money(p.promised_fen),
          paid: fmt.money(p.paid_fen),
          rate: fmt.percentPpm(p.kept_or_partly_rate_ppm),
        })}
      </Typography.Text>
      <Chart option={option} height={260} testId="chart-promises" />
    </>
  );
}

export function Leaderboard({ data }: { data: LeaderboardView }) {
  const i18n = useI18n();
  const { t, fmt } = i18n;
  if (data.rows.length === 0) {
    return <Empty description={t("dashboard.leaderboard.empty")} />;
  }
  const number = (key: keyof LeaderboardEntry) => (a: LeaderboardEntry, b: LeaderboardEntry) =>
    Number(a[key]) - Number(b[key]);
  /** A column of plain counts, sorted by the count. */
  const count = (title: string, key: "cases_held" | "contacts" | "promises_made" | "cures") => ({
    title,
    dataIndex: key,
    align: "right" as const,
    sorter: number(key),
    render: (n: number) => fmt.integer(n),
  });
  return (
    <>
      {data.scope === "own" && (
        <Typography.Paragraph type="secondary">{t("dashboard.leaderboard.own")}</Typography.Paragraph>
      )}
      <Table<LeaderboardEntry>
        size="small"
        rowKey="username"
        data-testid="leaderboard"
        pagination={data.rows.length > 20 ? { pageSize: 20 } : false}
        scroll={{ x: true }}
        dataSource={data.rows}
        columns={[
          { title: t("dashboard.leaderboard.rank"), dataIndex: "rank", align: "right", sorter: number("rank") },
          {
            title: t("dashboard.leaderboard.user"),
            dataIndex: "display_name",
            render: (name: string, row) => (
              <span data-testid={`leader-${row.username}`} data-user-data>
                {name} <Typography.Text type="secondary">({row.username})</Typography.Text>{" "}
                {!row.active && <Tag>{t("admin.users.inactive")}</Tag>}
              </span>
            ),
          },
          { title: t("dashboard.leaderboard.role"), dataIndex: "role", render: (role: string) => i18n.tOr(`role.${role}`, role) },
          count(t("dashboard.leaderboard.casesHeld"), "cases_held"),
          count(t("dashboard.leaderboard.contacts"), "contacts"),
          {
            title: t("dashboard.leaderboard.rpc"),
            dataIndex: "right_party",
            align: "right",
            sorter: number("right_party"),
            render: (n: number, row) => `${fmt.integer(n)} (${fmt.percentPpm(row.rpc_rate_ppm)})`,
          },
          count(t("dashboard.leaderboard.promisesMade"), "promises_made"),
          {
            title: t("dashboard.leaderboard.promisesKept"),
            dataIndex: "promises_kept",
            align: "right",
            sorter: number("promise_kept_rate_ppm"),
            render: (n: number, row) =>
              row.promises_settled > 0
                ? `${fmt.integer(n)} / ${fmt.integer(row.promises_settled)} (${fmt.percentPpm(row.promise_kept_rate_ppm)})`
                : fmt.integer(n),
          },
          {
            title: t("dashboard.leaderboard.collected"),
            dataIndex: "collected_fen",
            align: "right",
            sorter: number("collected_fen"),
            defaultSortOrder: undefined,
            render: (fen: number) => fmt.money(fen),
          },
          count(t("dashboard.leaderboard.cures"), "cures"),
        ]}
      />
    </>
  );
}
