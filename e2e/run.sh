#!/usr/bin/env bash
# The end-to-end browser suite in one command: installs Debian's chromium when it is missing, then
# `npm ci` and `npm test` here. The tests build gojoser and examples/web themselves. Needs Go and Node 20+.
set -euo pipefail
cd "$(dirname "$0")"
export CI="${CI:-true}"

bash install-chromium.sh

command -v npm >/dev/null || { echo "Node.js 20+ and npm are needed for e2e/" >&2; exit 1; }
command -v go >/dev/null || { echo "Go is needed to build gojoser for e2e/" >&2; exit 1; }
npm ci --no-audit --no-fund
npm test
