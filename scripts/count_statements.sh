#!/usr/bin/env bash
# SQL statements per placement attempt on PostgreSQL, a figure the machine's load does not
# change (bench/load/README.md, "Statements per placement attempt"). One node (`daojia
# demo`) on a fresh database whose statements PostgreSQL logs (`log_statement = 'all'` for
# that database only); the statements of the database are counted in the server log:
#   1. the node alone for COUNT_IDLE seconds (its background work: relay, timers, the
#      demo city);
#   2. one client placing orders for COUNT_PLACE seconds, then COUNT_SETTLE seconds for
#      the outbox consumers that follow each order: mostly placements, the calendar being
#      empty;
#   3. 16 clients for 20 s, booking the demo city's workers up (not counted);
#   4. 16 clients for COUNT_REFUSE seconds: nearly every attempt refused (409).
# Refused: (4 - idle) / attempts. Placed: (2 - idle - refusals × refused) / placements,
# outbox consumers included.
#
# Needs what scripts/load.sh needs, a role that may `ALTER DATABASE`, and the server log
# readable (PG_LOG, default Debian's /var/log/postgresql/postgresql-*-main.log); the release
# binaries in $CARGO_TARGET_DIR/release (or COUNT_BIN, COUNT_LOAD).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PG="${LOAD_PG:-postgres://postgres@127.0.0.1:5432}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
PG_LOG="${PG_LOG:-$(ls /var/log/postgresql/postgresql-*-main.log 2>/dev/null | head -1)}"
[ -r "$PG_LOG" ] || { echo "PG_LOG: cannot read the PostgreSQL server log" >&2; exit 1; }
BIN="${COUNT_BIN:-$CARGO_TARGET_DIR/release/daojia}"
LOAD="${COUNT_LOAD:-$CARGO_TARGET_DIR/release/daojia-load}"
IDLE="${COUNT_IDLE:-10}"
PLACE="${COUNT_PLACE:-5}"
SETTLE="${COUNT_SETTLE:-5}"
REFUSE="${COUNT_REFUSE:-10}"
DB="daojia_count_$(date +%s)_$$"
WORK="$(mktemp -d -t daojia-count.XXXXXX)"
PIDS=()

cleanup() {
  local rc=$?
  stop_nodes_and_tidy "$WORK"
  psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
  exit "$rc"
}
trap cleanup EXIT INT TERM

psql -q "$PG/postgres" -c "CREATE DATABASE $DB" >/dev/null
psql -q "$PG/postgres" -c "ALTER DATABASE $DB SET log_statement = 'all'" >/dev/null

write_bench_config "$BIN" "$WORK" "$PG/$DB" "$DB:" 1
start_demo_node "$BIN" "$WORK/daojia.toml" "$WORK/node.log"
PIDS+=("$NODE_PID")
"$BIN" --config "$WORK/daojia.toml" admin bench-tokens --customers 200 --staff 1 \
  --out "$WORK/tokens.json" >/dev/null

# statements FROM TO: the database's statements logged between two byte offsets of the log.
offset() { stat -c %s "$PG_LOG"; }
statements() {
  tail -c +"$(($1 + 1))" "$PG_LOG" | head -c "$(($2 - $1))" |
    grep -c -E "postgres@$DB (LOG|ERROR):  (statement|execute)" || true
}
place() {
  "$LOAD" run --scenario place --base "$NODE_URL" --tokens "$WORK/tokens.json" \
    --warmup 0 "$@" 2>/dev/null
}
answers() { jq -r "(.statuses[\"$2\"] // 0)" <<<"$1"; }

sleep 3
a="$(offset)"; sleep "$IDLE"; b="$(offset)"
idle="$(statements "$a" "$b")"

a="$(offset)"
one="$(place --concurrency 1 --duration "$PLACE")"
sleep "$SETTLE"
b="$(offset)"
placing="$(statements "$a" "$b")"

place --concurrency 16 --duration 20 >/dev/null

a="$(offset)"
busy="$(place --concurrency 16 --duration "$REFUSE")"
b="$(offset)"
refusing="$(statements "$a" "$b")"

python3 - "$idle" "$IDLE" "$placing" "$((PLACE + SETTLE))" "$refusing" "$REFUSE" \
  "$(answers "$one" 201)" "$(answers "$one" "409 slot_unavailable")" \
  "$(answers "$busy" 201)" "$(answers "$busy" "409 slot_unavailable")" <<'EOF'
import sys
idle, idle_s, placing, placing_s, refusing, refusing_s = map(float, sys.argv[1:7])
p1, r1, p2, r2 = map(float, sys.argv[7:11])
rate = idle / idle_s
refused = (refusing - rate * refusing_s) / (p2 + r2)
placed = (placing - rate * placing_s - r1 * refused) / p1 if p1 else float("nan")
print(f"background: {idle:.0f} statements in {idle_s:.0f} s ({rate:.1f}/s)")
print(f"one client, {placing_s:.0f} s: {p1:.0f} placed, {r1:.0f} refused, {placing:.0f} statements")
print(f"16 clients, {refusing_s:.0f} s: {p2:.0f} placed, {r2:.0f} refused, {refusing:.0f} statements")
print(f"statements per refused attempt: {refused:.2f} (the window's {p2:.0f} placements counted as refusals)")
print(f"statements per placement, outbox consumers included: {placed:.1f}")
EOF
