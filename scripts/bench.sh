#!/usr/bin/env bash
# Builds the release preset and runs every benchmark; each measures tether against the
# raw-ZeroMQ (or bare posix_spawn) floor in the same run. --quick for a short run.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/ensure-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)"
for bench in transport_bench call_bench spawn_bench registry_bench stream_bench pool_bench; do
  echo "== $bench"
  build/release/bench/$bench "$@"
done
echo "== links_bench"
bench/links_bench.sh build/release/examples/prime_tree
