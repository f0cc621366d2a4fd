#!/usr/bin/env bash
# The main job: a local tree of actor processes doing real work (examples/prime_tree:
# root -> coordinator -> counters counting primes), each actor printing what it does,
# then the tree's clean shutdown. Extra arguments go to the example
# (e.g. --limit 5000000 --workers 4).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/ensure-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" --target prime_tree
build/release/examples/prime_tree "$@"
