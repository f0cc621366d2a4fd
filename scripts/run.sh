#!/usr/bin/env bash
# The main job. Until the actor runtime lands (issues 3-4), this builds the release
# preset and runs the transport benchmark: tether's transport against raw ZeroMQ,
# measured in the same run. Usage: scripts/run.sh [--quick]
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/ensure-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" --target transport_bench
build/release/bench/transport_bench "$@"
