#!/usr/bin/env bash
# Runs the product: builds the web apps and the daojia binary, then serves everything with
# the demo city on the embedded database (./daojia.db). Extra arguments go to `daojia demo`,
# e.g. `scripts/demo.sh --addr 0.0.0.0:8080`.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
build_web
say "building daojia (release)"
cargo build --release -p daojia --quiet
exec "$CARGO_TARGET_DIR/release/daojia" demo "$@"
