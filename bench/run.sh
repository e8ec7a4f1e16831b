#!/usr/bin/env bash
# Runs the gojoser benchmark harness from the repository root; flags go to bench/cmd/bench (see bench/README.md).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
exec go run ./bench/cmd/bench "$@"
