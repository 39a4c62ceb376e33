#!/usr/bin/env bash
# Regenerates the OpenAPI document the web apps' typed client is built from, then the client.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
cargo run --quiet -p daojia -- openapi > web/shared/openapi.json
npm_ci "$ROOT/web"
(cd web && npm run --silent gen:api)
echo "regenerated web/shared/openapi.json and the typed client"
