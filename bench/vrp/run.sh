#!/usr/bin/env bash
# Benchmark daojia's VRPTW solver against PyVRP, VROOM and OR-Tools on the Solomon instances.
#
#   bench/vrp/run.sh [--no-daojia] [compare.py options...]
#   e.g. bench/vrp/run.sh --seconds 1 --instances 'R1*' --out /tmp/r1.json
#
# Creates (once) a venv with the pinned peers, builds the daojia binary in release mode and
# runs compare.py. Not part of scripts/test.sh: a full run takes about an hour.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
venv="${DAOJIA_BENCH_VENV:-$HOME/.cache/daojia-bench-venv}"
python="${PYTHON:-python3}"

with_daojia=1
args=()
for a in "$@"; do
  case "$a" in
    --no-daojia) with_daojia=0 ;;
    *) args+=("$a") ;;
  esac
done

# 1. Peers, pinned, in their own venv (reinstalled when requirements.txt changes).
stamp="$venv/.requirements.sha256"
want="$(sha256sum "$here/requirements.txt" | cut -d' ' -f1)"
if [[ ! -x "$venv/bin/python" || ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
  echo "run.sh: installing peers into $venv" >&2
  "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --upgrade pip
  "$venv/bin/python" -m pip install --quiet -r "$here/requirements.txt"
  echo "$want" > "$stamp"
fi

# 2. Our binary.
daojia_args=()
if [[ $with_daojia == 1 ]]; then
  export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/daojia-target}"
  echo "run.sh: cargo build --release -p daojia (target dir $CARGO_TARGET_DIR)" >&2
  if (cd "$repo" && cargo build --release -p daojia) >&2; then
    bin="$CARGO_TARGET_DIR/release/daojia"
    if "$bin" vrp solve --help >/dev/null 2>&1; then
      daojia_args=(--daojia "$bin")
    else
      echo "run.sh: this daojia binary has no 'vrp solve' command yet: running the peers only" >&2
      with_daojia=0
    fi
  else
    echo "run.sh: daojia build failed: running the peers only" >&2
    with_daojia=0
  fi
fi

solvers=(--solvers daojia,pyvrp,vroom,ortools)
if [[ $with_daojia == 0 ]]; then
  solvers=(--solvers pyvrp,vroom,ortools)
fi
# A --solvers given on the command line wins (argparse keeps the last one).
exec "$venv/bin/python" "$here/compare.py" "${solvers[@]}" "${daojia_args[@]}" "${args[@]}"
