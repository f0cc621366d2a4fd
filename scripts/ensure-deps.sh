#!/usr/bin/env bash
# Runs install-deps.sh only when a package it installs is missing, so the everyday
# commands stay fast and a fresh machine still gets everything.
set -euo pipefail
cd "$(dirname "$0")"
mapfile -t wanted < <(sed -n '/^packages=(/,/^)/p' install-deps.sh | sed '1d;$d' | tr ' ' '\n' | sed '/^$/d')
missing=()
for p in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "tether: installing missing packages: ${missing[*]}"
  ./install-deps.sh
fi
