#!/usr/bin/env bash
# Failure drills (issue 14): two `daojia serve` nodes on a fresh PostgreSQL database, then
# on a fresh MariaDB database (DRILLS_DB), with a PRIVATE Redis and a PRIVATE RabbitMQ node started here on free ports of their own, never
# the machine's shared ones (6379, 5672), so that stopping them hurts nobody else. Then the
# drills in crates/cli/tests/it/drills.rs, one after another:
#
#   1. kill -9 one node mid-load: the other keeps serving, every acknowledged order exists,
#      every event reaches the broker and each consumer applies it once;
#   2. restart Redis under load: the service degrades (answers, no hang) and recovers;
#   3. stop RabbitMQ for DAOJIA_DRILL_BROKER_DOWN_SECS (default 60): the outbox holds the
#      events, the lag grows, and it drains to 0 when the broker is back;
#   4. terminate the nodes' database connections: they reconnect, jobs resume.
#
# Not part of the normal test run (the tests are #[ignore]d). Usage: scripts/drills.sh
# [nextest filter, e.g. kill_9]. DRILLS_DB picks the databases, in order (default
# `postgres,mariadb`; `DRILLS_DB=mariadb scripts/drills.sh` for one). Exits non-zero when a drill fails. Everything it started is
# stopped on exit. docs/operations.md, "Failure drills", says what each drill checks.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

# The drill tests call back into this script to stop and start the private services.
case "${1:-}" in
  _redis-start)
    redis-server --bind 127.0.0.1 --port "$DRILLS_REDIS_PORT" --save "" --appendonly no \
      --dir "$DRILLS_DIR/redis" --daemonize yes --pidfile "$DRILLS_DIR/redis/redis.pid" \
      --logfile "$DRILLS_DIR/redis/redis.log" >/dev/null
    for _ in $(seq 1 100); do
      [ "$(redis-cli -p "$DRILLS_REDIS_PORT" ping 2>/dev/null)" = "PONG" ] && exit 0
      sleep 0.1
    done
    echo "the private Redis did not come up" >&2
    exit 1
    ;;
  _redis-stop)
    redis-cli -p "$DRILLS_REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
    for _ in $(seq 1 100); do
      redis-cli -p "$DRILLS_REDIS_PORT" ping >/dev/null 2>&1 || exit 0
      sleep 0.1
    done
    echo "the private Redis did not stop" >&2
    exit 1
    ;;
  _rabbit-start)
    # Its own node name, ports, data and logs; no plugins (no management listener).
    export RABBITMQ_NODENAME="$DRILLS_RABBIT_NODE" RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 \
      RABBITMQ_NODE_PORT="$DRILLS_RABBIT_PORT" RABBITMQ_DIST_PORT="$DRILLS_RABBIT_DIST_PORT" \
      RABBITMQ_MNESIA_BASE="$DRILLS_DIR/rabbit/mnesia" RABBITMQ_LOG_BASE="$DRILLS_DIR/rabbit/log" \
      RABBITMQ_ENABLED_PLUGINS_FILE="$DRILLS_DIR/rabbit/enabled_plugins" \
      RABBITMQ_FEATURE_FLAGS_FILE="$DRILLS_DIR/rabbit/mnesia/feature_flags" \
      RABBITMQ_PLUGINS_EXPAND_DIR="$DRILLS_DIR/rabbit/mnesia/plugins-expand" \
      RABBITMQ_GENERATED_CONFIG_DIR="$DRILLS_DIR/rabbit/mnesia/config" \
      RABBITMQ_CONFIG_FILE="$DRILLS_DIR/rabbit/rabbitmq" \
      RABBITMQ_ADVANCED_CONFIG_FILE="$DRILLS_DIR/rabbit/advanced.config" \
      RABBITMQ_PID_FILE="$DRILLS_DIR/rabbit/pid"
    setsid rabbitmq-server >>"$DRILLS_DIR/rabbit/server.out" 2>&1 </dev/null &
    for _ in $(seq 1 120); do
      if rabbitmqctl -n "$DRILLS_RABBIT_NODE" -q await_startup --timeout 5 >/dev/null 2>&1; then
        exit 0
      fi
      sleep 0.5
    done
    echo "the private RabbitMQ node did not come up:" >&2
    tail -20 "$DRILLS_DIR/rabbit/server.out" >&2
    exit 1
    ;;
  _rabbit-stop)
    rabbitmqctl -n "$DRILLS_RABBIT_NODE" -q stop >/dev/null 2>&1 || true
    exit 0
    ;;
esac

cd "$ROOT"
export CARGO_TARGET_DIR
ensure_services

# A port nobody listens on, from $1 upwards.
free_port() {
  local p="$1"
  while ss -Htln "sport = :$p" | grep -q .; do p=$((p + 1)); done
  echo "$p"
}

DRILLS_DIR="$(mktemp -d "${TMPDIR:-/tmp}/daojia-drills.XXXXXX")"
export DRILLS_DIR
export DRILLS_REDIS_PORT="$(free_port 16379)"
export DRILLS_RABBIT_PORT="$(free_port 15680)"
export DRILLS_RABBIT_DIST_PORT="$(free_port 35680)"
export DRILLS_RABBIT_NODE="drills-$$@localhost"
SELF="$ROOT/scripts/drills.sh"

cleanup() {
  set +e
  "$SELF" _rabbit-stop
  "$SELF" _redis-stop
  rm -rf "$DRILLS_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$DRILLS_DIR/redis" "$DRILLS_DIR/rabbit/mnesia" "$DRILLS_DIR/rabbit/log"
: >"$DRILLS_DIR/rabbit/enabled_plugins"
# Run as root, rabbitmq-server drops to the rabbitmq user: its directories must be its own.
if [ "$(id -u)" -eq 0 ] && id rabbitmq >/dev/null 2>&1; then
  chmod 755 "$DRILLS_DIR"
  chown -R rabbitmq:rabbitmq "$DRILLS_DIR/rabbit"
fi

say "private Redis on 127.0.0.1:$DRILLS_REDIS_PORT"
"$SELF" _redis-start
say "private RabbitMQ node $DRILLS_RABBIT_NODE on 127.0.0.1:$DRILLS_RABBIT_PORT"
"$SELF" _rabbit-start

# The tests reach only the private services; they refuse the shared ports.
export DAOJIA_TEST_REDIS_URL="redis://127.0.0.1:$DRILLS_REDIS_PORT"
export DAOJIA_TEST_AMQP_URL="amqp://guest:guest@127.0.0.1:$DRILLS_RABBIT_PORT/%2f"
export DAOJIA_DRILL_REDIS_STOP="$SELF _redis-stop"
export DAOJIA_DRILL_REDIS_START="$SELF _redis-start"
export DAOJIA_DRILL_AMQP_STOP="$SELF _rabbit-stop"
export DAOJIA_DRILL_AMQP_START="$SELF _rabbit-start"
export DAOJIA_DRILL_BROKER_DOWN_SECS="${DAOJIA_DRILL_BROKER_DOWN_SECS:-60}"

status=0
failed=""
IFS=',' read -ra databases <<<"${DRILLS_DB:-postgres,mariadb}"
for db in "${databases[@]}"; do
  case "$db" in
    postgres | postgresql) db=postgres ;;
    mariadb | mysql) db=mariadb ;;
    *) echo "DRILLS_DB: unknown database '$db' (postgres, mariadb)" >&2; exit 2 ;;
  esac
  say "failure drills on $db"
  # The CLI's integration tests are one binary (`it`); the drills are its `drills` module.
  # Built with the whole workspace, as scripts/test.sh builds it: `-p daojia` alone would
  # unify other features and rebuild everything into the same target directory.
  DAOJIA_DRILL_DB="$db" nice cargo nextest run --workspace --profile drills \
    --run-ignored only -E 'binary_id(daojia::it) & test(/^drills::/)' --no-capture "$@" || {
    status=$?
    failed="$failed $db"
  }
done
if [ "$status" -eq 0 ]; then
  say "failure drills: all passed (${DRILLS_DB:-postgres,mariadb})"
else
  say "failure drills: FAILED on$failed (exit $status)"
fi
exit "$status"
