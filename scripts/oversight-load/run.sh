#!/usr/bin/env bash
# Builds the synthetic 1M-loan SQLite book (about 10 minutes, 1.5 GB) and times the oversight
# queries on it: scripts/oversight-load/run.sh [DIR]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dir="${1:-/tmp/recoup-oversight-load}"
mkdir -p "$dir"
db="$dir/load.db"
if [ ! -f "$db" ]; then
    for migration in "$here"/../../crates/store/migrations/sqlite/*.sql; do
        sqlite3 "$db" < "$migration"
    done
    sqlite3 "$db" < "$here/generate.sql"
fi
sqlite3 -readonly "$db" < "$here/queries-30-days.sql"
