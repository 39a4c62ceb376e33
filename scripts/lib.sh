# Shared helpers for the scripts in this folder. Source it; do not run it.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/daojia-target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

say() { printf '\n==> [%s] %s\n' "$(date -u +%T)" "$*"; }

# A local TCP port nobody listens on now.
unused_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# write_bench_config BIN WORK DATABASE_URL REDIS_PREFIX HISTORY_DAYS: the configuration of a
# bench node (scripts/load.sh, scripts/count_statements.sh) in WORK/daojia.toml, on that
# database and $REDIS_URL under the prefix, with sessions that outlive the run (the bench
# tokens) and WORK/secrets.toml generated; the nodes log JSON lines.
write_bench_config() {
  local bin="$1" work="$2" url="$3" prefix="$4" history="$5"
  cat >"$work/daojia.toml" <<EOF
secrets_file = "$work/secrets.toml"

[database]
url = "$url"

[redis]
url = "$REDIS_URL"
prefix = "$prefix"

[auth]
# The bench sessions must outlive the whole run.
access_ttl_secs = 7200

[demo]
history_days = $history

[booking]
uploads_dir = "$work/uploads"

[log]
level = "warn"
EOF
  "$bin" --config "$work/daojia.toml" config gen-secrets >/dev/null
  export DAOJIA_LOG_FORMAT=json
}

# stop_nodes_and_tidy WORK: stops the processes of the array PIDS (TERM, then waits for each)
# and removes the folder WORK, or keeps it when LOAD_KEEP=1.
stop_nodes_and_tidy() {
  local work="$1"
  for pid in "${PIDS[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  if [ "${LOAD_KEEP:-0}" = 1 ]; then
    echo "kept $work"
  else
    rm -rf "$work"
  fi
}

# start_demo_node BIN CONFIG LOG: starts `BIN --config CONFIG demo` on an unused local port
# (the first node loads the demo city, later ones find it there), logging to LOG, and waits
# until it is ready; sets NODE_PID and NODE_URL. Stopping it is the caller's.
start_demo_node() {
  local bin="$1" config="$2" log="$3" port
  port="$(unused_port)"
  "$bin" --config "$config" demo --addr "127.0.0.1:$port" >"$log" 2>&1 &
  NODE_PID=$!
  NODE_URL="http://127.0.0.1:$port"
  for _ in $(seq 1 900); do
    if curl -fsS "$NODE_URL/readyz" >/dev/null 2>&1; then
      echo "node $NODE_URL (pid $NODE_PID, log $log)"
      return 0
    fi
    if ! kill -0 "$NODE_PID" 2>/dev/null; then
      cat "$log" >&2
      echo "the node exited" >&2
      exit 1
    fi
    sleep 1
  done
  echo "the node did not become ready" >&2
  exit 1
}

# Installs Debian packages that are missing (root, or sudo when available).
apt_install() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# npm ci when node_modules is missing or older than the lock file.
npm_ci() {
  local dir="$1"
  if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    say "npm ci in ${dir#$ROOT/}"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

# Builds the three web apps into web/dist (embedded by the daojia binary).
build_web() {
  npm_ci "$ROOT/web"
  say "building the web apps"
  (cd "$ROOT/web" && npm run --silent build)
}

# Starts PostgreSQL, MariaDB, Redis and RabbitMQ when they are installed but not answering,
# with the machine's own start commands (installing Redis and RabbitMQ when missing), and
# waits until they answer.
ensure_services() {
  if command -v pg_isready >/dev/null && ! pg_isready -q -h 127.0.0.1 -p 5432; then
    say "starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
  fi
  if command -v mariadb-admin >/dev/null && ! mariadb-admin -h 127.0.0.1 -uroot ping >/dev/null 2>&1; then
    say "starting MariaDB"
    start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd || true
  fi
  # The shared-state tests need a real Redis; install it when the machine lacks one.
  command -v redis-server >/dev/null || apt_install redis-server
  if command -v redis-server >/dev/null && ! redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then
    say "starting Redis"
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
  fi
  # The outbox's broker tests need RabbitMQ (guest/guest on 5672); install it when missing.
  command -v rabbitmq-server >/dev/null || apt_install rabbitmq-server
  if command -v rabbitmq-server >/dev/null && ! rabbit_answers; then
    say "starting RabbitMQ"
    rabbitmq-server -detached >/dev/null 2>&1 || true
  fi
  for _ in $(seq 1 60); do
    local ok=1
    command -v pg_isready >/dev/null && ! pg_isready -q -h 127.0.0.1 -p 5432 && ok=0
    command -v mariadb-admin >/dev/null && ! mariadb-admin -h 127.0.0.1 -uroot ping >/dev/null 2>&1 && ok=0
    command -v redis-cli >/dev/null && [ "$(redis-cli -h 127.0.0.1 ping 2>/dev/null)" != "PONG" ] && ok=0
    command -v rabbitmq-server >/dev/null && ! rabbit_answers && ok=0
    [ $ok -eq 1 ] && return 0
    sleep 1
  done
  echo "PostgreSQL, MariaDB, Redis or RabbitMQ did not come up; the tests need all four" >&2
  return 1
}

# Whether RabbitMQ accepts AMQP connections on 127.0.0.1:5672 (the protocol header gets
# the broker's own answer; a closed port or a booting node does not).
rabbit_answers() {
  timeout 3 bash -c 'exec 3<>/dev/tcp/127.0.0.1/5672 && printf "AMQP\x00\x00\x09\x01" >&3 && head -c 4 <&3' 2>/dev/null | grep -q .
}
