// My queue (`/queue`): the server's queue of the cases the user may see, next best case first,
// with filters, sort and page in the query string so a view can be bookmarked and shared.
// Phones are masked as the server sends them. A row opens the case. Managers may select rows
// and reassign them in bulk after a confirmation. On a phone-sized screen, and for field agents
// (whose queue is their visit list), the cases are large cards instead of a table.
import { useMemo, useState, type HTMLAttributes } from "react";
import { Link, useNavigate, useSearchParams } from "react-router-dom";
import {
  App,
  Button,
  Card,
  Empty,
  Form,
  Input,
  List,
  Select,
  Space,
  Switch,
  Table,
  Typography,
} from "antd";
import type { ColumnsType, SorterResult } from "antd/es/table/interface";
import { asApiError } from "../api";
import { useAuth } from "../auth";
import { LoadFailed } from "../components/LoadFailed";
import { useI18n } from "../i18n/I18nProvider";
import { canAssign, seesAllCases } from "../roles";
import { workspace, QUEUE_SORTS, type QueueItem, type QueueSort } from "../api";
import { BUCKETS, QUEUES, STAGES, errorText, label } from "../workspace/labels";
import { useLoad } from "../api/useLoad";
import { StageTag } from "../workspace/StageTag";
import { useMinWidth } from "../workspace/useMinWidth";
import { PAGE_SIZES, readQueueParams } from "../workspace/queueParams";
import { FocusedModal } from "../workspace/focus";

const SORT_OF_COLUMN: Record<string, { ascend: QueueSort; descend: QueueSort }> = {
  dpd: { ascend: "dpd_asc", descend: "dpd_desc" },
  arrears: { ascend: "arrears_asc", descend: "arrears_desc" },
  next_action_on: { ascend: "best", descend: "next_action_desc" },
};

function columnOrder(sort: QueueSort | undefined, column: string): "ascend" | "descend" | null {
  const pair = SORT_OF_COLUMN[column];
  if (!pair) {
    return null;
  }
  if (!sort || sort === "best") {
    // The recommended order starts with the next action date, earliest first.
    return column === "next_action_on" ? "ascend" : null;
  }
  return pair.ascend === sort ? "ascend" : pair.descend === sort ? "descend" : null;
}

export default function Queue() {
  const i18n = useI18n();
  const { t, fmt } = i18n;
  const { state } = useAuth();
  const role = state.status === "signed-in" ? state.user.role : "collector";
  const { message, modal } = App.useApp();
  const navigate = useNavigate();
  const wide = useMinWidth(768);
  const [params, setParams] = useSearchParams();
  const all = seesAllCases(role);
  const { request: query, page } = useMemo(() => readQueueParams(params, all), [params, all]);
  const key = JSON.stringify(query);
  const load = useLoad((signal) => workspace.queue(query, signal), [key]);
  const { data, reload } = load;
  const [selected, setSelected] = useState<number[]>([]);
  const [reassignOpen, setReassignOpen] = useState(false);
  const fieldAgent = role === "field_agent";
  const cards = fieldAgent || !wide;
  const mayAssign = canAssign(role);

  const update = (changes: Record<string, string | undefined>, keepPage = false) => {
    const next = new URLSearchParams(params);
    for (const [name, value] of Object.entries(changes)) {
      if (value === undefined || value === "") {
        next.delete(name);
      } else {
        next.set(name, value);
      }
    }
    if (!keepPage) {
      next.delete("page");
    }
    setParams(next);
    setSelected([]);
  };

  const open = (id: number) => navigate(`/cases/${id}`);

  const title = fieldAgent ? t("field.title") : all ? t("queue.titleAll") : t("queue.title");

  const columns: ColumnsType<QueueItem> = [
    {
      title: t("queue.col.name"),
      dataIndex: "name",
      render: (name: string, item) => (
        <Link to={`/cases/${item.borrower_id}`} onClick={(e) => e.stopPropagation()} data-testid="queue-case-link">
          {name}
        </Link>
      ),
    },
    {
      title: t("queue.col.phone"),
      dataIndex: "phones",
      render: (phones: string[]) => <span className="masked">{phones[0] ?? t("common.none")}</span>,
    },
    { title: t("queue.col.stage"), dataIndex: "stage", render: (stage: string) => <StageTag stage={stage} /> },
    { title: t("queue.col.bucket"), dataIndex: "bucket", render: (b: string) => label.bucket(i18n, b) },
    {
      title: t("queue.col.dpd"),
      dataIndex: "dpd",
      key: "dpd",
      align: "right",
      sorter: true,
      sortOrder: columnOrder(query.sort, "dpd"),
      render: (dpd: number) => fmt.integer(dpd),
    },
    {
      title: t("queue.col.arrears"),
      dataIndex: "arrears_fen",
      key: "arrears",
      align: "right",
      sorter: true,
      sortOrder: columnOrder(query.sort, "arrears"),
      render: (fen: number) => fmt.money(fen),
    },
    {
      title: t("queue.col.nextAction"),
      dataIndex: "next_action_on",
      key: "next_action_on",
      sorter: true,
      sortOrder: columnOrder(query.sort, "next_action_on"),
      render: (date: string | null) => (date ? fmt.date(date) : t("common.none")),
    },
    { title: t("queue.col.queue"), dataIndex: "queue", render: (q: string | null) => label.queue(i18n, q) },
    ...(all || role === "agency"
      ? [
          {
            title: all ? t("queue.col.assignee") : t("queue.col.agency"),
            dataIndex: all ? "assignee" : "agency",
            render: (who: string | null) => who ?? t("queue.unassigned"),
          },
        ]
      : []),
  ];

  const filters = (
    <div
      style={
        cards
          ? { display: "grid", gridTemplateColumns: "1fr 1fr", gap: 8, marginBottom: 16 }
          : { display: "flex", flexWrap: "wrap", gap: 8, marginBottom: 16, alignItems: "center" }
      }
      data-testid="queue-filters"
    >
      <Input.Search
        key={`q-${query.q ?? ""}`}
        aria-label={t("queue.filter.search")}
        placeholder={t("queue.filter.search")}
        defaultValue={query.q}
        allowClear
        onSearch={(value) => update({ q: value.trim() || undefined })}
        style={cards ? { gridColumn: "1 / -1" } : { width: 280 }}
        size={cards ? "large" : "middle"}
        data-testid="queue-search"
      />
      <Select
        aria-label={t("queue.filter.stage")}
        placeholder={t("queue.filter.stage")}
        allowClear
        value={query.stage}
        onChange={(value?: string) => update({ stage: value })}
        options={STAGES.map((s) => ({ value: s, label: label.stage(i18n, s) }))}
        style={{ width: cards ? "100%" : 150 }}
        size={cards ? "large" : "middle"}
        data-testid="queue-stage"
      />
      <Select
        aria-label={t("queue.filter.bucket")}
        placeholder={t("queue.filter.bucket")}
        allowClear
        value={query.bucket}
        onChange={(value?: string) => update({ bucket: value })}
        options={BUCKETS.map((b) => ({ value: b, label: label.bucket(i18n, b) }))}
        style={{ width: cards ? "100%" : 120 }}
        size={cards ? "large" : "middle"}
      />
      <Select
        aria-label={t("queue.filter.queue")}
        placeholder={t("queue.filter.queue")}
        allowClear
        value={query.queue}
        onChange={(value?: string) => update({ queue: value })}
        options={QUEUES.map((q) => ({ value: q, label: label.queue(i18n, q) }))}
        style={{ width: cards ? "100%" : 170, gridColumn: cards ? "1 / -1" : undefined }}
        size={cards ? "large" : "middle"}
      />
      {all ? (
        <Input.Search
          key={`a-${query.assignee ?? ""}`}
          aria-label={t("queue.filter.assignee")}
          placeholder={t("queue.filter.assignee")}
          defaultValue={query.assignee}
          allowClear
          onSearch={(value) => update({ assignee: value.trim() || undefined })}
          style={{ width: 180 }}
        />
      ) : null}
      {cards ? (
        <Select
          aria-label={t("queue.filter.sort")}
          value={query.sort ?? "best"}
          onChange={(value: QueueSort) => update({ sort: value === "best" ? undefined : value })}
          options={QUEUE_SORTS.map((s) => ({ value: s, label: t(`queue.sort.${s}`) }))}
          style={{ gridColumn: "1 / -1" }}
          size="large"
        />
      ) : null}
      <Space>
        <Switch
          checked={query.include_closed}
          onChange={(checked) => update({ closed: checked ? "1" : undefined })}
          aria-label={t("queue.filter.closed")}
        />
        <span>{t("queue.filter.closed")}</span>
      </Space>
    </div>
  );

  const pagination = {
    current: page,
    pageSize: query.limit,
    total: data?.total ?? 0,
    showSizeChanger: !cards,
    pageSizeOptions: PAGE_SIZES,
    simple: cards,
    showTotal: (total: number) => t("queue.total", { total: fmt.integer(total) }),
    onChange: (nextPage: number, size: number) =>
      update({ page: nextPage > 1 ? String(nextPage) : undefined, size: size !== 20 ? String(size) : undefined }, true),
  };

  const empty = <Empty data-testid="queue-empty" description={fieldAgent ? t("field.empty") : t("queue.empty")} />;

  let body;
  if (load.error) {
    body = <LoadFailed message={errorText(i18n, load.error)} onRetry={reload} />;
  } else if (cards) {
    body = (
      <List
        data-testid="queue-list"
        loading={load.loading}
        dataSource={data?.items ?? []}
        locale={{ emptyText: load.loading ? " " : empty }}
        pagination={data && data.total > query.limit ? { ...pagination, align: "center" } : false}
        renderItem={(item) => (
          <List.Item style={{ padding: "6px 0", borderBlockEnd: "none" }}>
            <Card
              hoverable
              role="link"
              tabIndex={0}
              data-testid="queue-card"
              onClick={() => open(item.borrower_id)}
              onKeyDown={(e) => {
                if (e.key === "Enter") {
                  open(item.borrower_id);
                }
              }}
              style={{ width: "100%" }}
              styles={{ body: { padding: 16 } }}
            >
              <div style={{ display: "flex", justifyContent: "space-between", gap: 8, flexWrap: "wrap" }}>
                <Typography.Text strong style={{ fontSize: 17 }}>
                  {item.name}
                </Typography.Text>
                <StageTag stage={item.stage} />
              </div>
              <div style={{ marginTop: 6, color: "rgba(0,0,0,0.65)", overflowWrap: "anywhere" }}>
                {item.home_address}
              </div>
              <div style={{ marginTop: 6, display: "flex", gap: 16, flexWrap: "wrap" }}>
                <span>{t("queue.card.dpd", { dpd: fmt.integer(item.dpd) })}</span>
                <span>{t("queue.card.arrears", { amount: fmt.money(item.arrears_fen) })}</span>
                <span>
                  {t("queue.card.next", {
                    date: item.next_action_on ? fmt.date(item.next_action_on) : t("common.none"),
                  })}
                </span>
                <span className="masked">{item.phones[0] ?? ""}</span>
              </div>
            </Card>
          </List.Item>
        )}
      />
    );
  } else {
    body = (
      <Table<QueueItem>
        data-testid="queue-table"
        rowKey="borrower_id"
        size="middle"
        columns={columns}
        dataSource={data?.items ?? []}
        loading={load.loading}
        locale={{ emptyText: load.loading ? " " : empty }}
        pagination={pagination}
        onRow={(item) =>
          ({
            onClick: () => open(item.borrower_id),
            style: { cursor: "pointer" },
            "data-testid": "queue-row",
          }) as HTMLAttributes<HTMLElement>
        }
        rowSelection={
          mayAssign
            ? {
                selectedRowKeys: selected,
                onChange: (keys) => setSelected(keys.map(Number)),
                columnWidth: 48,
              }
            : undefined
        }
        onChange={(_pagination, _filters, sorter) => {
          const s = (Array.isArray(sorter) ? sorter[0] : sorter) as SorterResult<QueueItem> | undefined;
          const pair = s?.columnKey ? SORT_OF_COLUMN[String(s.columnKey)] : undefined;
          const sort = pair && s?.order ? pair[s.order] : undefined;
          if ((sort ?? "best") !== (query.sort ?? "best")) {
            update({ sort: sort && sort !== "best" ? sort : undefined });
          }
        }}
      />
    );
  }

  return (
    <div>
      <div style={{ display: "flex", justifyContent: "space-between", alignItems: "center", flexWrap: "wrap", gap: 8 }}>
        <Typography.Title level={3} data-testid="page-title" style={{ marginTop: 0 }}>
          {title}
        </Typography.Title>
        {mayAssign && !cards ? (
          <Button
            type="primary"
            disabled={selected.length === 0}
            onClick={() => setReassignOpen(true)}
            data-testid="queue-reassign"
          >
            {t("queue.reassign.button", { count: selected.length })}
          </Button>
        ) : null}
      </div>
      {!cards ? (
        <Typography.Paragraph type="secondary" style={{ marginTop: -8 }}>
          {t(query.sort && query.sort !== "best" ? `queue.sortedBy.${query.sort}` : "queue.sortedBy.best")}
        </Typography.Paragraph>
      ) : null}
      {filters}
      {body}
      <ReassignDialog
        open={reassignOpen}
        ids={selected}
        onClose={() => setReassignOpen(false)}
        onDone={(moved, to) => {
          setReassignOpen(false);
          setSelected([]);
          void message.success(t("queue.reassign.done", { count: moved, to }));
          reload();
        }}
        confirm={(to, go) =>
          modal.confirm({
            title: t("queue.reassign.confirmTitle"),
            content: t("queue.reassign.confirmBody", { count: selected.length, to }),
            okText: t("common.confirm"),
            cancelText: t("common.cancel"),
            onOk: go,
          })
        }
      />
    </div>
  );
}

function ReassignDialog({
  open,
  ids,
  onClose,
  onDone,
  confirm,
}: {
  open: boolean;
  ids: number[];
  onClose: () => void;
  onDone: (moved: number, to: string) => void;
  confirm: (to: string, go: () => Promise<void>) => void;
}) {
  const i18n = useI18n();
  const { t } = i18n;
  const [form] = Form.useForm<{ to: string }>();
  const [error, setError] = useState<string | null>(null);
  return (
    <FocusedModal
      open={open}
      title={t("queue.reassign.title", { count: ids.length })}
      onCancel={onClose}
      onClosed={() => {
        form.resetFields();
        setError(null);
      }}
    >
      <Form
        form={form}
        layout="vertical"
        onFinish={({ to }) =>
          confirm(to.trim(), async () => {
            try {
              const result = await workspace.reassign(ids, to.trim());
              onDone(result.moved, to.trim());
            } catch (e) {
              setError(errorText(i18n, asApiError(e)));
            }
          })
        }
      >
        <Form.Item
          name="to"
          label={t("queue.reassign.to")}
          rules={[{ required: true, whitespace: true, message: t("queue.reassign.toRequired") }]}
          validateStatus={error ? "error" : undefined}
          help={error ?? undefined}
        >
          <Input autoFocus placeholder="collector2" data-testid="reassign-to" onChange={() => setError(null)} />
        </Form.Item>
        <Space>
          <Button type="primary" htmlType="submit" data-testid="reassign-submit">
            {t("queue.reassign.submit")}
          </Button>
          <Button onClick={onClose}>{t("common.cancel")}</Button>
        </Space>
      </Form>
    </FocusedModal>
  );
}
