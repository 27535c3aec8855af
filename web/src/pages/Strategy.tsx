// The strategy page (`/strategy?from=&to=&stage=&arm=`): the active strategy file — its arms,
// segments, stage rules, treatments and parameters as written — and the champion/challenger
// results of the period. Conditions are shown as written (CEL); names the UI knows are
// translated, others are shown as the file spells them.
import { useMemo } from "react";
import { useSearchParams } from "react-router-dom";
import { Card, Col, Collapse, Descriptions, Empty, Row, Select, Space, Table, Tag, Typography } from "antd";
import { api, type StrategyOutlineView, type StrategyView } from "../api";
import { Chart, type ChartOption } from "../charts/Chart";
import { useI18n, type I18n } from "../i18n/I18nProvider";
import { useLoad } from "../api/useLoad";
import { channelName, Loaded } from "../oversight/load";
import { WithPeriod } from "../oversight/Period";

type Treatment = StrategyOutlineView["treatments"][number];

function stageName(i18n: I18n, stage: string): string {
  return i18n.tOr(`strategy.stage.${stage}`, stage);
}

function armName(i18n: I18n, arm: string): string {
  return i18n.tOr(`arm.${arm}`, arm);
}

function queueName(i18n: I18n, queue: string): string {
  return i18n.tOr(`strategy.queue.${queue}`, queue);
}

/** A condition, id or name as written in the file; ids and names never wrap. */
function Code({ children, nowrap = false }: { children: string | null; nowrap?: boolean }) {
  if (!children) {
    return <Typography.Text type="secondary">—</Typography.Text>;
  }
  return (
    <Typography.Text code style={nowrap ? { whiteSpace: "nowrap" } : { whiteSpace: "pre-wrap", wordBreak: "break-word" }}>
      {children}
    </Typography.Text>
  );
}

export default function Strategy() {
  const { t } = useI18n();
  return (
    <div data-testid="strategy-page">
      <WithPeriod title={t("strategy.title")}>{(period) => <StrategyBody from={period.from} to={period.to} />}</WithPeriod>
    </div>
  );
}

function StrategyBody({ from, to }: { from: string; to: string }) {
  const i18n = useI18n();
  const { t } = i18n;
  const outline = useLoad((s) => api.activeStrategy(s), []);
  const results = useLoad((s) => api.strategy(from, to, s), [from, to]);
  const period = t("dash.period", { from: i18n.fmt.date(from), to: i18n.fmt.date(to) });
  return (
    <Space direction="vertical" size={16} style={{ width: "100%" }}>
      <Card title={t("strategy.results.title")} extra={period} data-testid="card-results">
        <Loaded load={results} empty={t("dash.strategy.empty")}>
          {(data) =>
            data.arms.length === 0 ? <Empty description={t("dash.strategy.empty")} /> : <Results data={data} />
          }
        </Loaded>
      </Card>
      <Loaded load={outline} empty={t("strategy.none")}>
        {(data) => <Outline data={data} />}
      </Loaded>
    </Space>
  );
}

function Results({ data }: { data: StrategyView }) {
  const i18n = useI18n();
  const { t, fmt } = i18n;
  const rows = data.arms.map((arm) => {
    const cost = arm.contacts.reduce((sum, c) => sum + c.cost_fen, 0);
    return {
      ...arm,
      cost,
      curePpm: arm.cases > 0 ? Math.round((arm.cures / arm.cases) * 1_000_000) : 0,
      recoveredPerCase: arm.cases > 0 ? Math.round(arm.recovered_fen / arm.cases) : 0,
      costPerCase: arm.cases > 0 ? Math.round(cost / arm.cases) : 0,
    };
  });
  const option: ChartOption = useMemo(
    () => ({
      tooltip: { trigger: "axis", valueFormatter: (v: number) => fmt.money(v) },
      legend: { data: [t("strategy.results.recoveredPerCase"), t("strategy.results.costPerCase")] },
      grid: { left: 8, right: 16, bottom: 8, top: 40, containLabel: true },
      xAxis: { type: "category", data: rows.map((r) => armName(i18n, r.arm)) },
      yAxis: { type: "value", axisLabel: { formatter: (v: number) => fmt.moneyShort(v) } },
      series: [
        { name: t("strategy.results.recoveredPerCase"), type: "bar", itemStyle: { color: "#52c41a" }, data: rows.map((r) => r.recoveredPerCase) },
        { name: t("strategy.results.costPerCase"), type: "bar", itemStyle: { color: "#faad14" }, data: rows.map((r) => r.costPerCase) },
      ],
    }),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [data, i18n],
  );
  return (
    <Row gutter={[16, 16]}>
      <Col xs={24} xl={9}>
        <Chart option={option} height={260} testId="chart-arms" />
      </Col>
      <Col xs={24} xl={15}>
        <Table
          size="small"
          rowKey="arm"
          pagination={false}
          scroll={{ x: true }}
          dataSource={rows}
          data-testid="arm-results"
          columns={[
            { title: t("dash.strategy.arm"), dataIndex: "arm", render: (arm: string) => armName(i18n, arm) },
            { title: t("dash.strategy.cases"), dataIndex: "cases", align: "right", render: (n: number) => fmt.integer(n) },
            { title: t("dash.strategy.contacts"), dataIndex: "contacts_total", align: "right", render: (n: number) => fmt.integer(n) },
            { title: t("dash.strategy.blocked"), dataIndex: "blocked", align: "right", render: (n: number) => fmt.integer(n) },
            { title: t("dash.strategy.cures"), dataIndex: "cures", align: "right", render: (n: number) => fmt.integer(n) },
            { title: t("strategy.results.cureRate"), dataIndex: "curePpm", align: "right", render: (n: number) => fmt.percentPpm(n) },
            { title: t("dash.strategy.cost"), dataIndex: "cost", align: "right", render: (fen: number) => fmt.money(fen) },
            { title: t("dash.strategy.recovered"), dataIndex: "recovered_fen", align: "right", render: (fen: number) => fmt.money(fen) },
          ]}
        />
      </Col>
    </Row>
  );
}

function Outline({ data }: { data: StrategyOutlineView }) {
  const i18n = useI18n();
  const { t, fmt } = i18n;
  const [params, setParams] = useSearchParams();
  const stage = params.get("stage");
  const arm = params.get("arm");
  const setFilter = (key: string, value: string | undefined) => {
    const next = new URLSearchParams(params);
    if (value) {
      next.set(key, value);
    } else {
      next.delete(key);
    }
    setParams(next);
  };
  const stages = [...new Set(data.treatments.flatMap((tr) => tr.stages))];
  const treatments = data.treatments.filter(
    (tr) => (!stage || tr.stages.includes(stage)) && (!arm || tr.arms.length === 0 || tr.arms.includes(arm)),
  );
  const all = <Typography.Text type="secondary">{t("strategy.all")}</Typography.Text>;
  return (
    <Space direction="vertical" size={16} style={{ width: "100%" }}>
      <Card title={t("strategy.active.title")} data-testid="card-active-strategy">
        <Descriptions size="small" column={{ xs: 1, md: 2 }}>
          <Descriptions.Item label={t("strategy.active.name")}>
            <Typography.Text strong data-testid="strategy-name">
              {data.name}
            </Typography.Text>
          </Descriptions.Item>
          <Descriptions.Item label={t("strategy.active.file")}>
            <Code>{data.file}</Code>
          </Descriptions.Item>
          <Descriptions.Item label={t("strategy.active.about")} span={2}>
            {i18n.tOr(`strategy.about.${data.name}`, data.description ?? "—")}
          </Descriptions.Item>
        </Descriptions>
        <Table
          size="small"
          rowKey="name"
          pagination={false}
          style={{ marginTop: 12 }}
          dataSource={data.arms}
          data-testid="strategy-arms"
          columns={[
            { title: t("dash.strategy.arm"), dataIndex: "name", render: (name: string) => armName(i18n, name) },
            { title: t("strategy.arms.share"), dataIndex: "share", align: "right", render: (n: number) => `${fmt.integer(n)}%` },
            {
              title: t("strategy.arms.about"),
              dataIndex: "name",
              key: "about",
              render: (name: string, row) => i18n.tOr(`strategy.armInfo.${name}`, row.description ?? "—"),
            },
            {
              title: t("strategy.arms.overrides"),
              dataIndex: "parameters",
              render: (values: { name: string; value: string }[]) =>
                values.length === 0 ? "—" : values.map((v) => <Tag key={v.name}>{`${v.name} = ${v.value}`}</Tag>),
            },
          ]}
        />
      </Card>
      <Row gutter={[16, 16]}>
        <Col xs={24} xl={14}>
          <Card title={t("strategy.segments.title")} data-testid="card-segments">
            <Table
              size="small"
              rowKey="name"
              pagination={false}
              dataSource={data.segments}
              columns={[
                { title: "#", key: "order", width: 40, render: (_: unknown, __: unknown, idx: number) => idx + 1 },
                {
                  title: t("strategy.segments.name"),
                  dataIndex: "name",
                  render: (name: string) => (
                    <span data-testid={`segment-${name}`}>
                      {i18n.tOr(`strategy.segment.${name}`, name)} <Typography.Text type="secondary">({name})</Typography.Text>
                    </span>
                  ),
                },
                { title: t("strategy.segments.when"), dataIndex: "when", render: (when: string) => <Code>{when}</Code> },
                {
                  title: t("strategy.segments.about"),
                  dataIndex: "name",
                  key: "about",
                  render: (name: string, row) => i18n.tOr(`strategy.segmentInfo.${name}`, row.description ?? "—"),
                },
              ]}
            />
          </Card>
        </Col>
        <Col xs={24} xl={10}>
          <Card title={t("strategy.stages.title")} data-testid="card-stage-rules">
            <Table
              size="small"
              rowKey={(_, idx) => String(idx)}
              pagination={false}
              dataSource={data.stage_rules}
              columns={[
                { title: "#", key: "order", width: 40, render: (_: unknown, __: unknown, idx: number) => idx + 1 },
                {
                  title: t("strategy.stages.stage"),
                  dataIndex: "stage",
                  render: (s: string) => (s === "keep" ? t("strategy.stages.keep") : stageName(i18n, s)),
                },
                {
                  title: t("strategy.segments.when"),
                  dataIndex: "when",
                  render: (when: string | null) => (when ? <Code>{when}</Code> : t("strategy.stages.always")),
                },
              ]}
            />
          </Card>
        </Col>
      </Row>
      <Card
        title={t("strategy.treatments.title", { shown: fmt.integer(treatments.length), total: fmt.integer(data.treatments.length) })}
        data-testid="card-treatments"
        extra={
          <Space wrap>
            <Select
              allowClear
              style={{ minWidth: 160 }}
              placeholder={t("strategy.treatments.stageFilter")}
              value={stage ?? undefined}
              onChange={(value: string | undefined) => setFilter("stage", value)}
              options={stages.map((s) => ({ value: s, label: stageName(i18n, s) }))}
              data-testid="treatment-stage-filter"
            />
            <Select
              allowClear
              style={{ minWidth: 160 }}
              placeholder={t("strategy.treatments.armFilter")}
              value={arm ?? undefined}
              onChange={(value: string | undefined) => setFilter("arm", value)}
              options={data.arms.map((a) => ({ value: a.name, label: armName(i18n, a.name) }))}
            />
          </Space>
        }
      >
        <Table<Treatment>
          size="small"
          rowKey="id"
          pagination={false}
          scroll={{ x: true }}
          dataSource={treatments}
          data-testid="treatments"
          columns={[
            { title: t("strategy.treatments.id"), dataIndex: "id", render: (id: string) => <Code nowrap>{id}</Code> },
            {
              title: t("strategy.treatments.stages"),
              dataIndex: "stages",
              render: (list: string[]) => list.map((s) => <Tag key={s}>{stageName(i18n, s)}</Tag>),
            },
            {
              title: t("strategy.treatments.segments"),
              dataIndex: "segments",
              render: (list: string[]) =>
                list.length === 0 ? all : list.map((s) => <Tag key={s}>{i18n.tOr(`strategy.segment.${s}`, s)}</Tag>),
            },
            {
              title: t("dash.strategy.arm"),
              dataIndex: "arms",
              render: (list: string[]) => (list.length === 0 ? all : list.map((a) => <Tag key={a}>{armName(i18n, a)}</Tag>)),
            },
            {
              title: t("strategy.treatments.when"),
              dataIndex: "when",
              width: 320,
              render: (when: string | null) => <Code>{when}</Code>,
            },
            { title: t("strategy.treatments.channel"), dataIndex: "channel", render: (c: string) => channelName(i18n, c) },
            { title: t("strategy.treatments.template"), dataIndex: "template", render: (id: string) => <Code nowrap>{id}</Code> },
            { title: t("strategy.treatments.queue"), dataIndex: "queue", render: (q: string) => queueName(i18n, q) },
            { title: t("strategy.treatments.offset"), dataIndex: "offset_days", align: "right", render: (n: number) => fmt.integer(n) },
            { title: t("strategy.treatments.priority"), dataIndex: "priority", align: "right", render: (n: number) => fmt.integer(n) },
            { title: t("strategy.treatments.cost"), dataIndex: "cost_fen", align: "right", render: (fen: number) => fmt.money(fen) },
          ]}
        />
      </Card>
      <Collapse
        items={[
          {
            key: "parameters",
            label: t("strategy.parameters.title", { count: fmt.integer(data.parameters.length) }),
            children: (
              <Table
                size="small"
                rowKey="name"
                pagination={false}
                dataSource={data.parameters}
                columns={[
                  { title: t("strategy.parameters.name"), dataIndex: "name", render: (n: string) => <Code nowrap>{n}</Code> },
                  { title: t("strategy.parameters.value"), dataIndex: "value", align: "right" },
                ]}
              />
            ),
          },
        ]}
      />
    </Space>
  );
}
