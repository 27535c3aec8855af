// The queue's filters, order and page as read from the query string. Shared by the queue page
// and App.tsx, which starts the queue request while the page's code and the session load.
import { QUEUE_SORTS, type QueueParams, type QueueSort } from "../api";
import { BUCKETS, STAGES } from "./labels";

export const PAGE_SIZES = [20, 50, 100];

/** `allAssignees`: the user sees every case and may filter by assignee. */
export function readQueueParams(
  params: URLSearchParams,
  allAssignees: boolean,
): { request: QueueParams; page: number } {
  const size = Number(params.get("size"));
  const limit = PAGE_SIZES.includes(size) ? size : 20;
  const page = Math.max(1, Math.floor(Number(params.get("page")) || 1));
  const sort = params.get("sort");
  const text = (name: string) => {
    const value = params.get(name)?.trim();
    return value ? value.slice(0, 64) : undefined;
  };
  const stage = text("stage");
  const bucket = text("bucket");
  const request: QueueParams = {
    q: text("q"),
    stage: stage && (STAGES as readonly string[]).includes(stage) ? stage : undefined,
    bucket: bucket && (BUCKETS as readonly string[]).includes(bucket) ? bucket : undefined,
    queue: text("queue"),
    assignee: allAssignees ? text("assignee") : undefined,
    sort: sort && (QUEUE_SORTS as readonly string[]).includes(sort) ? (sort as QueueSort) : undefined,
    include_closed: params.get("closed") === "1",
    limit,
    offset: (page - 1) * limit,
  };
  return { request, page };
}
