#!/usr/bin/env bash
# Load test on PostgreSQL and Redis, one node then two (bench/load/README.md):
#   1. builds `daojia` and `daojia-load` (release);
#   2. makes a fresh PostgreSQL database and measures it with pgbench (TPC-B, -s 10,
#      -c 16 -j 2 -T 20 -M prepared);
#   3. starts one node on that database and the machine's Redis (the demo city), mints
#      bench sessions with `daojia admin bench-tokens`, and runs every scenario (browse,
#      slots, place, staff, login), stepping the rate up for browse and slots to find the
#      highest throughput with p99 < 50 ms and no errors;
#   4. starts a second node on the same database and Redis and runs them all again, the
#      clients taking the nodes in turn;
#   5. prints the markdown table of the README and the placement/pgbench ratio.
# The database is dropped and the nodes stopped on exit (LOAD_KEEP=1 keeps the work
# directory with the logs and results).
#
# Environment: LOAD_PG (server URL without a database, default
# postgres://postgres@127.0.0.1:5432), REDIS_URL (default redis://127.0.0.1:6379),
# LOAD_DURATION (seconds per closed-loop run, default 20), LOAD_CLIENTS (default 16),
# LOAD_CUSTOMERS (bench customers, default 200), LOAD_HISTORY_DAYS (demo history, default 30),
# LOAD_SCENARIOS (which to run, default "browse slots place staff login"),
# LOAD_NO_BUILD=1 (use the release binaries already built).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PG="${LOAD_PG:-postgres://postgres@127.0.0.1:5432}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
DURATION="${LOAD_DURATION:-20}"
CLIENTS="${LOAD_CLIENTS:-16}"
CUSTOMERS="${LOAD_CUSTOMERS:-200}"
HISTORY_DAYS="${LOAD_HISTORY_DAYS:-30}"
SCENARIOS="${LOAD_SCENARIOS:-browse slots place staff login}"
DB="daojia_load_$(date +%s)_$$"
WORK="$(mktemp -d -t daojia-load.XXXXXX)"
PIDS=()

cleanup() {
  local rc=$?
  stop_nodes_and_tidy "$WORK"
  psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
  exit "$rc"
}
trap cleanup EXIT INT TERM

if [ "${LOAD_NO_BUILD:-0}" = 1 ]; then
  say "using the release binaries already in $CARGO_TARGET_DIR (LOAD_NO_BUILD=1)"
else
  say "building daojia and daojia-load (release)"
  (cd "$ROOT" && nice cargo build --release --quiet -p daojia -p daojia-load)
fi
BIN="$CARGO_TARGET_DIR/release/daojia"
LOAD="$CARGO_TARGET_DIR/release/daojia-load"

say "fresh database $DB; pgbench"
psql -q "$PG/postgres" -c "CREATE DATABASE $DB" >/dev/null
pgbench -i -s 10 -q "$PG/$DB" >"$WORK/pgbench-init.log" 2>&1
pgbench -c 16 -j 2 -T 20 -M prepared "$PG/$DB" >"$WORK/pgbench.log" 2>&1
TPS="$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$WORK/pgbench.log" | head -1)"
[ -n "$TPS" ] || { cat "$WORK/pgbench.log"; echo "pgbench printed no tps" >&2; exit 1; }
echo "pgbench: $TPS tps"
# The TPC-B tables are pgbench's; the nodes get the database without them.
psql -q "$PG/$DB" -c "DROP TABLE pgbench_accounts, pgbench_branches, pgbench_history, pgbench_tellers" >/dev/null

write_bench_config "$BIN" "$WORK" "$PG/$DB" "$DB:" "$HISTORY_DAYS"

RESULTS="$WORK/results.jsonl"
: >"$RESULTS"

# run_all BASES PIDS: every scenario against the nodes BASES (comma-separated), measuring
# the CPU time of the processes PIDS.
run_all() {
  local bases="$1" pids="$2"
  local common=(--base "$bases" --pid "$pids" --tokens "$WORK/tokens.json" --out "$RESULTS")
  # Other work on the machine skews every figure: say how busy it was.
  echo "load average before the scenarios: $(cut -d' ' -f1-3 /proc/loadavg)"
  for s in $SCENARIOS; do
    say "$s ($bases)"
    case "$s" in
      browse)
        "$LOAD" run --scenario browse "${common[@]}" --concurrency "$CLIENTS" --duration "$DURATION" >/dev/null
        "$LOAD" run --scenario browse "${common[@]}" --find-rate --start-rate 100 --concurrency 256 >/dev/null
        ;;
      slots)
        "$LOAD" run --scenario slots "${common[@]}" --concurrency "$CLIENTS" --duration "$DURATION" >/dev/null
        "$LOAD" run --scenario slots "${common[@]}" --find-rate --start-rate 20 --concurrency 256 >/dev/null
        ;;
      place | staff)
        "$LOAD" run --scenario "$s" "${common[@]}" --concurrency "$CLIENTS" --duration "$DURATION" >/dev/null
        ;;
      login)
        "$LOAD" run --scenario login "${common[@]}" --concurrency 8 --duration 10 --warmup 0 >/dev/null
        ;;
      *)
        echo "LOAD_SCENARIOS: unknown scenario $s" >&2
        exit 2
        ;;
    esac
  done
}

say "one node"
start_demo_node "$BIN" "$WORK/daojia.toml" "$WORK/node-a.log"
PIDS+=("$NODE_PID")
A_URL="$NODE_URL" A_PID="$NODE_PID"
"$BIN" --config "$WORK/daojia.toml" admin bench-tokens --customers "$CUSTOMERS" --staff 4 \
  --out "$WORK/tokens.json"
run_all "$A_URL" "$A_PID"

say "two nodes"
start_demo_node "$BIN" "$WORK/daojia.toml" "$WORK/node-b.log"
PIDS+=("$NODE_PID")
B_URL="$NODE_URL" B_PID="$NODE_PID"
run_all "$A_URL,$B_URL" "$A_PID,$B_PID"

say "results ($(nproc) cores, $(date -u +%Y-%m-%d), load average now $(cut -d' ' -f1-3 /proc/loadavg))"
"$LOAD" table --results "$RESULTS" --pgbench-tps "$TPS"
