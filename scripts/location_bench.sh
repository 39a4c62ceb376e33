#!/usr/bin/env bash
# Location ingest against redis-benchmark's GEOADD on the same machine (docs/location.md).
#
#   scripts/location_bench.sh            # optimised build (cargo bench)
#   DEBUG=1 scripts/location_bench.sh    # debug build (cargo test ... -- --bench)
#
# LOAD_WORKERS, LOAD_CLIENTS, LOAD_BATCH, LOAD_SECS, LOAD_DB pass through to the load tool;
# REDIS_HOST / REDIS_PORT name the Redis (default 127.0.0.1:6379).
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

say "location ingest over HTTP"
if [ -n "${DEBUG:-}" ]; then
  out="$(cargo test -q -p daojia-server --bench location_ingest -- --bench)"
else
  out="$(cargo bench -q -p daojia-server --bench location_ingest)"
fi
echo "$out"

say "ratio to GEOADD ($geo_rate/s)"
echo "$out" | grep '^location_ingest' | while read -r line; do
  rate="$(echo "$line" | grep -oE '[0-9]+ points/s' | head -1 | grep -oE '^[0-9]+')"
  which="$(echo "$line" | grep -oE 'positions in [a-zA-Z]+')"
  awk -v r="$rate" -v g="$geo_rate" -v w="$which" 'BEGIN { printf "%s: %.0f points/s = %.2f x GEOADD per second (%.0f/s)\n", w, r, r / g, g }'
done
