#!/usr/bin/env bash
# The fault soak (scripts/soak-faults.ts): rounds of randomized fault schedules against real
# clusters of dist/cairn, each round checked for linearizability, lost acknowledged writes and
# convergence. Bounded: it stops after the duration (checked between rounds) or the rounds.
#
#   scripts/soak-faults.sh [duration-s] [rounds]      # defaults: 300 s, unlimited rounds
#   SOAK_SEED=123 scripts/soak-faults.sh 60 1          # replay one round
#   SOAK_STEPS=12 scripts/soak-faults.sh 1800          # more faults per round (default 8)
#   SOAK_SNAPSHOT_COUNTS=10000 scripts/soak-faults.sh   # --snapshot-count values to draw from
#
# Builds dist/cairn when it is missing. Exits 1 on the first failing round, printing
# SOAK_SEED=<n>, the members' log tails, and the kept data dirs.
set -euo pipefail
cd "$(dirname "$0")/.."
bun="$PWD/node_modules/.bin/bun"
duration_s=${1:-300}
rounds=${2:-1000000}
[ -x dist/cairn ] || "$bun" run build
args=(--duration-s "$duration_s" --rounds "$rounds" --steps "${SOAK_STEPS:-8}")
[ -n "${SOAK_SEED:-}" ] && args+=(--seed "$SOAK_SEED")
[ -n "${SOAK_SNAPSHOT_COUNTS:-}" ] && args+=(--snapshot-counts "$SOAK_SNAPSHOT_COUNTS")
exec "$bun" scripts/soak-faults.ts "${args[@]}"
