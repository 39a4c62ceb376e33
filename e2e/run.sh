#!/usr/bin/env bash
# Browser tests. Installs what they need (Debian's chromium and a CJK font, playwright-core),
# builds the daojia binary, and runs the tests against a real `daojia demo` process.
set -euo pipefail
source "$(dirname "$0")/../scripts/lib.sh"
apt_install chromium fonts-noto-cjk
npm_ci "$ROOT/e2e"
[ -f "$ROOT/web/dist/customer/index.html" ] || build_web
# The whole workspace, as the test script builds it: `-p daojia` alone unifies other
# features, rebuilds dependencies and replaces the binary the other suites used.
cargo build --workspace --quiet
say "browser tests"
cd "$ROOT/e2e" && npm test
