#!/usr/bin/env bash
# Installs exactly the Debian 12 packages tether builds, tests and benchmarks with.
# Idempotent. Boost comes from libboost1.81-dev: never libboost-dev (1.74), which
# conflicts with it and lacks per-operation cancellation.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libzmq3-dev cppzmq-dev
  libflatbuffers-dev flatbuffers-compiler
  libboost1.81-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libfmt-dev libcli11-dev
  python3
)

if [ "$(id -u)" -ne 0 ]; then sudo=sudo; else sudo=; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${packages[@]}"
