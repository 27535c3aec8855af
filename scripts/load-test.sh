#!/usr/bin/env bash
# Load test of the collector's two hottest requests (issue 4): the queue and the case view, 50
# concurrent clients on loopback with wrk (a bounded, open-source HTTP benchmarking tool from
# Debian), against a 1,000,000-loan book.
#
#   scripts/load-test.sh [DATABASE_URL]
#
# Without an argument it uses (and, the first time, builds with `recoup bench eod`, ~10 minutes)
# a SQLite book at load/recoup-1m.db. Pass a postgres:// URL to measure PostgreSQL (the book
# must have been built there the same way). Prints wrk's latency distribution and requests per
# second for each endpoint; docs/benchmarks.md keeps the figures.
set -euo pipefail
cd "$(dirname "$0")/.."

url=${1:-sqlite://load/recoup-1m.db}
# RECOUP_BIN: an already built binary to measure (default: build this checkout).
bin=${RECOUP_BIN:-target/release/recoup}
duration=${LOAD_SECONDS:-30}
port=${LOAD_PORT:-18080}
password='Kq7-bench-wrk-6tZ'

command -v wrk >/dev/null || { apt-get install -y -qq wrk >/dev/null; }
[[ -n ${RECOUP_BIN:-} ]] || cargo build --release --quiet

if [[ $url == sqlite://* && ! -f ${url#sqlite://} ]]; then
    mkdir -p "$(dirname "${url#sqlite://}")"
    "$bin" --database-url "$url" bench eod --loans 1000000
fi

# Ten collectors and a manager (end-of-day assigns them cases: see below).
for user in manager1 collector01 collector02 collector03 collector04 collector05 collector06 \
            collector07 collector08 collector09 collector10; do
    role=collector; [[ $user == manager1 ]] && role=manager
    printf '%s\n' "$password" | "$bin" --database-url "$url" user add "$user" --role "$role" \
        --password-stdin >/dev/null 2>&1 || true
done
server=
start_server() {
    "$bin" --database-url "$url" serve --listen "127.0.0.1:$port" >/tmp/recoup-load-serve.log 2>&1 &
    server=$!
    for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
}
stop_server() {
    [[ -n $server ]] && { kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true; }
    server=
}
trap stop_server EXIT
login() {
    curl -fs -X POST "http://127.0.0.1:$port/api/v1/session" -H 'content-type: application/json' \
        -d "{\"username\":\"$1\",\"password\":\"$password\"}" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'
}
queue_total() {
    curl -fs "http://127.0.0.1:$port/api/v1/queue?limit=1" -H "authorization: Bearer $1" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])'
}

start_server
collector_token=$(login collector01)
if [[ $(queue_total "$collector_token") == 0 ]]; then
    # The collectors are new: the next business date's end-of-day assigns them cases.
    stop_server
    last=$("$bin" --database-url "$url" report portfolio --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["date"])')
    next=$(date -d "$last + 1 day" +%F)
    "$bin" --database-url "$url" eod --date "$next"
    start_server
    collector_token=$(login collector01)
fi
manager_token=$(login manager1)
echo "collector01 holds $(queue_total "$collector_token") open cases"

# Case ids for the case view: the first page of every collector's queue, as the manager sees it.
ids=$(curl -fs "http://127.0.0.1:$port/api/v1/queue?limit=200" -H "authorization: Bearer $manager_token" |
    python3 -c 'import json,sys; d=json.load(sys.stdin); items=d["items"] if isinstance(d,dict) else d; print(",".join(str(i["borrower_id"]) for i in items))')
[[ -n $ids ]] || { echo "no cases in the queue"; exit 1; }

script=$(mktemp --suffix .lua)
cat >"$script" <<LUA
local ids = { $ids }
local n = 0
wrk.headers["authorization"] = "Bearer " .. os.getenv("TOKEN")
request = function()
  local path = os.getenv("PATH_KIND") == "case"
    and ("/api/v1/cases/" .. ids[(n % #ids) + 1])
    or "/api/v1/queue?limit=50"
  n = n + 1
  return wrk.format("GET", path)
end
LUA

echo "== queue: GET /api/v1/queue?limit=50 as collector01, 50 connections, ${duration}s"
TOKEN=$collector_token PATH_KIND=queue wrk -t2 -c50 -d"${duration}s" --latency -s "$script" "http://127.0.0.1:$port"
echo "== case view: GET /api/v1/cases/{id} over ${ids//[^,]/}+1 cases as manager1, 50 connections, ${duration}s"
TOKEN=$manager_token PATH_KIND=case wrk -t2 -c50 -d"${duration}s" --latency -s "$script" "http://127.0.0.1:$port"
