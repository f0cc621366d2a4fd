#!/usr/bin/env bash
# links_bench: how long the main job's tree (root -> coordinator -> 2 counters, at the
# default timeouts: link 3 s, cancel_grace 2 s, term_grace 2 s) takes to be gone after
# each fault, as a user would inject it. Prints median and max over --trials runs.
#   bench/links_bench.sh [build/release/examples/prime_tree] [--trials N]
# Every process it starts is in its own process group and is SIGKILLed on exit.
set -uo pipefail

bin=${1:-build/release/examples/prime_tree}
trials=5
[ "${2:-}" = "--trials" ] && trials=${3:-5}
export TETHER_REGISTRY=none
out=$(mktemp -d)
roots=()
cleanup() {
  for r in "${roots[@]}"; do kill -KILL -- -"$r" 2>/dev/null; done
  rm -rf "$out"
}
trap cleanup EXIT

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
running() { [ -e "/proc/$1" ] && ! grep -q '^State:.*[ZX]' "/proc/$1/status" 2>/dev/null; }
children() { cat /proc/"$1"/task/*/children 2>/dev/null | xargs; }

# One trial: start the tree, wait until both counters work, inject, time until gone.
trial() {
  local fault=$1
  # Its own process group (a terminal's job), same pid: setpgid, then exec.
  python3 -c 'import os, sys; os.setpgid(0, 0); os.execv(sys.argv[1], sys.argv[1:])' \
    "$bin" --limit 100000000000 > "$out/log" 2>&1 &
  local root=$!
  roots+=("$root")
  local coord="" counters=""
  for _ in $(seq 1 400); do
    coord=$(children "$root")
    [ -n "$coord" ] && counters=$(children "$coord")
    [ "$(echo "$counters" | wc -w)" -ge 2 ] && grep -q "counting primes" "$out/log" && break
    sleep 0.01
  done
  sleep 0.2  # both counters are inside their sieve now
  local t0
  t0=$(now_ms)
  case $fault in
    kill-middle) kill -KILL "$coord" ;;
    stop-middle) kill -STOP "$coord" ;;
    term-root) kill -TERM "$root" ;;
    int-group) kill -INT -- -"$root" ;;
  esac
  local gone=""
  while [ -z "$gone" ]; do
    local alive=0
    for p in $coord $counters; do running "$p" && alive=1; done
    [ $alive = 0 ] && gone=$(( $(now_ms) - t0 ))
    [ $(( $(now_ms) - t0 )) -gt 20000 ] && gone="LEFT-RUNNING"
    sleep 0.002
  done
  wait "$root"
  echo "$gone $?"
}

for fault in ${FAULTS:-kill-middle stop-middle term-root}; do
  samples=()
  codes=""
  for _ in $(seq 1 "$trials"); do
    read -r ms rc < <(trial "$fault")
    samples+=("$ms")
    codes="$codes $rc"
  done
  sorted=$(printf '%s\n' "${samples[@]}" | sort -n)
  median=$(echo "$sorted" | sed -n "$(( (trials + 1) / 2 ))p")
  max=$(echo "$sorted" | tail -1)
  printf '%-12s tree gone: median %5s ms, max %5s ms over %d trials; root exit codes:%s\n' \
    "$fault" "$median" "$max" "$trials" "$codes"
done
