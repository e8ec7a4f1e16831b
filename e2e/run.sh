#!/usr/bin/env bash
# The end-to-end browser suite in one command: installs Debian's chromium when it is missing, then
# `npm ci` and `npm test` here. The tests build gojoser and examples/web themselves. Needs Go and Node 20+.
set -euo pipefail
cd "$(dirname "$0")"
export CI="${CI:-true}"

chromium="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ ! -x "$chromium" ]; then
  if [ -n "${CHROMIUM_PATH:-}" ]; then
    echo "CHROMIUM_PATH=$CHROMIUM_PATH is not an executable" >&2
    exit 1
  fi
  echo "==> installing Debian's chromium"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq chromium >/dev/null
fi

command -v npm >/dev/null || { echo "Node.js 20+ and npm are needed for e2e/" >&2; exit 1; }
command -v go >/dev/null || { echo "Go is needed to build gojoser for e2e/" >&2; exit 1; }
npm ci --no-audit --no-fund
npm test
