#!/usr/bin/env bash
# Builds and runs the test suites. Installs the Debian dependencies first if any is
# missing (scripts/install-deps.sh). Usage: scripts/test.sh [preset...]
#   presets: default (the default), asan, ubsan, release
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/ensure-deps.sh

presets=("$@")
[ ${#presets[@]} -gt 0 ] || presets=(default)
for preset in "${presets[@]}"; do
  echo "== tether tests: preset '$preset' =="
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" -j "$(nproc)"
  ctest --preset "$preset" -j "$(nproc)"
done
