#!/usr/bin/env bash
# The whole test suite, exactly as CI runs it (.ci/run calls this). Installs what the tests
# need, starts PostgreSQL and MariaDB if they are down, then: web lint, types, unit tests
# and stale-client check; Rust format and clippy; every Rust test on SQLite, PostgreSQL and
# MariaDB; OpenAPI validation; schemathesis against the demo; browser tests in Chromium.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

ensure_services
# The deploy files' checks (crates/cli/tests/it/deploy_files.rs, deploy_layout.rs) run
# promtool on the alert rules and HAProxy as the balancer.
apt_install prometheus haproxy

build_web
say "web: lint, types, unit tests, generated client up to date"
(cd web && npm run --silent lint && npm run --silent typecheck && npm run --silent test && npm run --silent check:api)

say "rust: format"
cargo fmt --all --check

say "rust: clippy"
cargo clippy --workspace --all-targets --quiet -- -D warnings

say "rust: build"
cargo build --workspace --quiet

say "sms: signature vectors recomputed with the vendors' own SDKs"
# Independent of our code: the pinned Aliyun and Tencent Cloud Python SDKs sign the fixed
# inputs again, and the result must be the committed vectors our Rust test checks against.
VENV="$HOME/.cache/daojia-venv"
VECTORS="crates/notify/tests/vectors"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$VECTORS/requirements.txt"
"$VENV/bin/python" "$VECTORS/sign.py" "$CARGO_TARGET_DIR/sms-vectors.json"
if ! diff -u "$VECTORS/vectors.json" "$CARGO_TARGET_DIR/sms-vectors.json"; then
  echo "the SMS signature vectors differ from what the vendors' SDKs compute (see above)" >&2
  exit 1
fi

say "pay: WeChat Pay and Alipay vectors recomputed with Python's cryptography"
# gen.py shares no code with daojia-pay: it signs and encrypts the fixed inputs with the test
# keys itself, and the result must be the committed vectors the golden tests check against.
VENV="$HOME/.cache/daojia-venv"
VECTORS="crates/pay/tests/vectors"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$VECTORS/requirements.txt"
"$VENV/bin/python" "$VECTORS/gen.py" > "$CARGO_TARGET_DIR/pay-vectors.json"
if ! diff -u "$VECTORS/vectors.json" "$CARGO_TARGET_DIR/pay-vectors.json"; then
  echo "the payment vectors differ from what gen.py computes (see above)" >&2
  exit 1
fi

say "push: Web Push, JPush and Getui vectors checked with the reference libraries and JPush's SDK"
# gen.py shares no code with daojia-notify: http-ece recomputes the encryption vectors byte
# for byte, py-vapid verifies the VAPID tokens, JPush's SDK sends the JPush requests again.
VENV="$HOME/.cache/daojia-venv"
VECTORS="crates/notify/tests/push_vectors"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$VECTORS/requirements.txt"
"$VENV/bin/python" "$VECTORS/gen.py" --check

say "bench: the VRP benchmark's checker and instance generator (standard library only)"
python3 bench/vrp/test_check.py
python3 bench/vrp/test_generate.py

say "openapi: validate the document"
VENV="$HOME/.cache/daojia-venv"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -c "import openapi_spec_validator" 2>/dev/null || "$VENV/bin/pip" install --quiet --disable-pip-version-check "openapi-spec-validator==0.9.0"
"$CARGO_TARGET_DIR/debug/daojia" openapi > "$CARGO_TARGET_DIR/openapi.json"
"$VENV/bin/openapi-spec-validator" "$CARGO_TARGET_DIR/openapi.json"

say "rust: tests on SQLite, PostgreSQL and MariaDB"
cargo nextest run --workspace --no-fail-fast

say "openapi: schemathesis against a throwaway demo, every audience and role"
"$ROOT/scripts/schemathesis.sh"

"$ROOT/e2e/run.sh"
