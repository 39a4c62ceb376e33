#!/usr/bin/env bash
# Location ingest against redis-benchmark's GEOADD on the same machine (docs/location.md).
#
#   scripts/location_bench.sh             # the release `daojia` as a process of its own,
#                                         # driven by `daojia-load run --scenario locations`
#   IN_PROCESS=1 scripts/location_bench.sh   # the criterion-less bench, node and clients in
#                                            # one optimised process (cargo bench)
#   DEBUG=1 scripts/location_bench.sh        # the same in a debug build
#
# Node process: LOCATION_CLIENTS (16), LOCATION_BATCH (500), LOCATION_SECS (20); the demo
# city's active workers report. In process: LOAD_WORKERS, LOAD_CLIENTS, LOAD_BATCH,
# LOAD_SECS, LOAD_DB pass through to the bench. REDIS_HOST / REDIS_PORT name the Redis
# (default 127.0.0.1:6379).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

host="${REDIS_HOST:-127.0.0.1}"
port="${REDIS_PORT:-6379}"
key="daojia-bench:geo:$$"

say "redis-benchmark GEOADD ($host:$port, 100000 requests, 50 clients, no pipelining)"
geo_line="$(redis-benchmark -h "$host" -p "$port" -q -n 100000 -c 50 GEOADD "$key" 121.4 31.2 member | tr '\r' '\n' | grep -i 'requests per second' | tail -1)"
redis-cli -h "$host" -p "$port" DEL "$key" >/dev/null
echo "$geo_line"
geo_rate="$(echo "$geo_line" | grep -oE '[0-9]+(\.[0-9]+)?( requests per second)' | grep -oE '^[0-9.]+')"

# node_run WHICH REDIS_URL: a fresh node (`daojia demo`, positions in memory or in that
# Redis), bench worker sessions, one closed-loop run; prints a `location_ingest` line.
node_run() {
  local which="$1" redis="$2"
  local work
  work="$(mktemp -d -t daojia-location.XXXXXX)"
  PIDS=()
  # Runs in a command substitution (a subshell of its own): its node stops with it.
  trap "stop_nodes_and_tidy '$work'" EXIT
  {
    echo "secrets_file = \"$work/secrets.toml\""
    echo "[database]"
    echo "url = \"sqlite://$work/daojia.db?mode=rwc\""
    if [ -n "$redis" ]; then
      echo "[redis]"
      echo "url = \"$redis\""
      echo "prefix = \"daojia_location_$$:\""
    fi
    echo "[server]"
    echo "body_limit_bytes = 1048576"
    echo "[auth]"
    echo "access_ttl_secs = 7200"
    echo "[demo]"
    echo "history_days = 3"
    echo "[booking]"
    echo "uploads_dir = \"$work/uploads\""
    echo "[log]"
    echo "level = \"warn\""
  } >"$work/daojia.toml"
  "$BIN" --config "$work/daojia.toml" config gen-secrets >/dev/null
  start_demo_node "$BIN" "$work/daojia.toml" "$work/node.log"
  PIDS+=("$NODE_PID")
  "$BIN" --config "$work/daojia.toml" admin bench-tokens --customers 1 --staff 1 --workers 1000 \
    --out "$work/tokens.json"
  echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  local line
  line="$("$LOAD" run --scenario locations --base "$NODE_URL" --pid "$NODE_PID" \
    --tokens "$work/tokens.json" --concurrency "${LOCATION_CLIENTS:-16}" \
    --batch "${LOCATION_BATCH:-500}" --duration "${LOCATION_SECS:-20}")"
  python3 - "$which" "$line" <<'PY'
import json, sys
which, v = sys.argv[1], json.loads(sys.argv[2])
print(f"location_ingest [node process, positions {which}]: {v['points_per_s']:.0f} points/s "
      f"({v['throughput']:.1f} batches/s of {v['batch']}), batch latency p50 {v['p50_ms']:.1f} ms, "
      f"p99 {v['p99_ms']:.1f} ms, {v['errors']} errors, node CPU {v['cpu_ms_per_request']} ms a batch; "
      f"target 50000 points/s: {'met' if v['points_per_s'] >= 50000 and v['errors'] == 0 else 'NOT met'}")
PY
}

if [ -n "${DEBUG:-}" ]; then
  say "location ingest over HTTP, in one process (debug)"
  out="$(cargo test -q -p daojia-server --bench location_ingest -- --bench)"
elif [ -n "${IN_PROCESS:-}" ]; then
  say "location ingest over HTTP, in one process (cargo bench)"
  out="$(cargo bench -q -p daojia-server --bench location_ingest)"
else
  if [ "${LOAD_NO_BUILD:-0}" != 1 ]; then
    say "building daojia and daojia-load (release)"
    nice cargo build --release --quiet -p daojia -p daojia-load
  fi
  BIN="$CARGO_TARGET_DIR/release/daojia" LOAD="$CARGO_TARGET_DIR/release/daojia-load"
  say "location ingest over HTTP: a node process, positions in memory"
  out="$(node_run "in memory" "")"
  say "location ingest over HTTP: a node process, positions in Redis"
  out="$out
$(node_run "in Redis" "redis://$host:$port")"
fi
echo "$out"

say "ratio to GEOADD ($geo_rate/s)"
echo "$out" | grep '^location_ingest' | while read -r line; do
  rate="$(echo "$line" | grep -oE '[0-9]+ points/s' | head -1 | grep -oE '^[0-9]+')"
  which="$(echo "$line" | grep -oE 'positions in [a-zA-Z]+')"
  awk -v r="$rate" -v g="$geo_rate" -v w="$which" 'BEGIN { printf "%s: %.0f points/s = %.2f x GEOADD per second (%.0f/s)\n", w, r, r / g, g }'
done
