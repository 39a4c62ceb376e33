#!/usr/bin/env bash
# Realtime fan-out (issue 11, docs/operations.md "Realtime fan-out benchmark"):
#   1. raises the open-file limit (each subscriber is a socket on both sides);
#   2. builds `daojia` and `daojia-load` (release; DEBUG=1: the debug build);
#   3. starts a node (`daojia demo` on an embedded database and the machine's Redis), mints
#      bench staff sessions with `daojia admin bench-tokens`;
#   4. opens FANOUT_SUBSCRIBERS WebSockets subscribed to the service areas' boards, publishes
#      through Redis for FANOUT_SECS and prints the delivery latency (p50/p90/p99/max against
#      the target p99 < 100 ms), lost deliveries and the node's memory per connection;
#   5. with FANOUT_NODES=2, a second node on the same database and Redis takes half the
#      subscribers, and the run is made again over both.
#
# Environment: FANOUT_SUBSCRIBERS (10000), FANOUT_TOPICS (10), FANOUT_RATE (messages/s over
# all topics, 20), FANOUT_SECS (20), FANOUT_NODES (1), REDIS_URL (redis://127.0.0.1:6379),
# LOAD_KEEP=1 keeps the work directory with the logs and results.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SUBSCRIBERS="${FANOUT_SUBSCRIBERS:-10000}"
TOPICS="${FANOUT_TOPICS:-10}"
RATE="${FANOUT_RATE:-20}"
SECS="${FANOUT_SECS:-20}"
NODES="${FANOUT_NODES:-1}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
PREFIX="daojia_fanout_$(date +%s)_$$:"
WORK="$(mktemp -d -t daojia-fanout.XXXXXX)"
PIDS=()

cleanup() {
  local rc=$?
  stop_nodes_and_tidy "$WORK"
  exit "$rc"
}
trap cleanup EXIT INT TERM

# Every subscriber holds a socket in the node and one in the generator, plus the node's own.
need=$((SUBSCRIBERS + 1024))
hard="$(ulimit -Hn)"
if [ "$hard" != unlimited ] && [ "$hard" -lt "$need" ]; then
  echo "the open-file hard limit is $hard; $need are needed (raise it, or lower FANOUT_SUBSCRIBERS)" >&2
  exit 1
fi
ulimit -n "$need"
echo "open files allowed: $(ulimit -n)"

if [ -n "${DEBUG:-}" ]; then
  say "building daojia and daojia-load (debug)"
  (cd "$ROOT" && nice cargo build --quiet --workspace --all-targets)
  BIN="$CARGO_TARGET_DIR/debug/daojia" LOAD="$CARGO_TARGET_DIR/debug/daojia-load"
else
  say "building daojia and daojia-load (release)"
  (cd "$ROOT" && nice cargo build --release --quiet -p daojia -p daojia-load)
  BIN="$CARGO_TARGET_DIR/release/daojia" LOAD="$CARGO_TARGET_DIR/release/daojia-load"
fi

cat >"$WORK/daojia.toml" <<TOML
secrets_file = "$WORK/secrets.toml"

[database]
url = "sqlite://$WORK/daojia.db?mode=rwc"

[redis]
url = "$REDIS_URL"
prefix = "$PREFIX"

[auth]
access_ttl_secs = 7200

[demo]
history_days = 3

[booking]
uploads_dir = "$WORK/uploads"

[log]
level = "warn"
TOML
"$BIN" --config "$WORK/daojia.toml" config gen-secrets >/dev/null

say "one node"
start_demo_node "$BIN" "$WORK/daojia.toml" "$WORK/node-a.log"
PIDS+=("$NODE_PID")
A_URL="$NODE_URL" A_PID="$NODE_PID"
"$BIN" --config "$WORK/daojia.toml" admin bench-tokens --customers 1 --staff 50 --out "$WORK/tokens.json"
common=(--tokens "$WORK/tokens.json" --subscribers "$SUBSCRIBERS" --topics "$TOPICS"
  --rate "$RATE" --duration "$SECS" --redis "$REDIS_URL" --prefix "$PREFIX" --out "$WORK/results.jsonl")
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
"$LOAD" fanout --base "$A_URL" --pid "$A_PID" "${common[@]}" >/dev/null

if [ "$NODES" = 2 ]; then
  say "two nodes"
  start_demo_node "$BIN" "$WORK/daojia.toml" "$WORK/node-b.log"
  PIDS+=("$NODE_PID")
  echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  "$LOAD" fanout --base "$A_URL,$NODE_URL" --pid "$A_PID,$NODE_PID" "${common[@]}" >/dev/null
fi
say "results ($(nproc) cores, $(date -u +%Y-%m-%d), load average now $(cut -d' ' -f1-3 /proc/loadavg))"
cat "$WORK/results.jsonl"
