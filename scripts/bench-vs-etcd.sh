#!/usr/bin/env bash
# Runs the same `cairn bench` workloads against a single-node etcd 3.4 (--enable-v2) and a
# single-node cairn, one after the other, each on free loopback ports with a fresh data dir on
# the real disk (not tmpfs, so fdatasync costs what it costs), and prints a Markdown table.
#
#   scripts/bench-vs-etcd.sh                 # both targets, 10 s per workload
#   BENCH_TARGETS=etcd BENCH_DURATION_S=5 scripts/bench-vs-etcd.sh
#
# Environment: BENCH_TARGETS ("etcd cairn"), BENCH_WORKLOADS ("put:64 get:64 put:1"; an op, a
# client count and optionally ":quorum"), BENCH_DURATION_S (10), BENCH_WARMUP_S (2),
# BENCH_KEYS (1000), BENCH_VALUE_BYTES (256), CAIRN_BIN (dist/cairn, built if missing),
# ETCD_BIN (etcd on PATH; Debian's etcd-server is installed if missing).
# Only the processes this script starts are stopped, by PID, when it exits.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
bun="$root/node_modules/.bin/bun"
targets=${BENCH_TARGETS:-"etcd cairn"}
workloads=${BENCH_WORKLOADS:-"put:64 get:64 put:1"}
duration_s=${BENCH_DURATION_S:-10}
warmup_s=${BENCH_WARMUP_S:-2}
keys=${BENCH_KEYS:-1000}
value_bytes=${BENCH_VALUE_BYTES:-256}
cairn_bin=${CAIRN_BIN:-$root/dist/cairn}
etcd_bin=${ETCD_BIN:-$(command -v etcd || true)}

mkdir -p "$root/tmp"
work=$(mktemp -d "$root/tmp/bench.XXXXXX")
results="$work/results.jsonl"
: >"$results"
pids=()

cleanup() {
  for pid in "${pids[@]}"; do
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  "$bun" -e 'const l = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
console.log(l.port); l.stop(true);'
}

# Polls GET /version until it answers, the process dies, or 30 s pass.
wait_ready() {
  local endpoint=$1 pid=$2 deadline=$((SECONDS + 30))
  until curl -sf -o /dev/null "$endpoint/version"; do
    kill -0 "$pid" 2>/dev/null || return 1
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.05
  done
}

stop_server() {
  local pid=$1
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# Runs the three workloads against one endpoint, appending JSON lines to $results.
run_workloads() {
  local target=$1 endpoint=$2 workload op clients mode
  for workload in $workloads; do
    IFS=: read -r op clients mode <<<"$workload"
    local -a extra=()
    [ "$mode" = quorum ] && extra=(--quorum)
    echo "  $target: $op, $clients clients${mode:+, $mode}, ${duration_s} s" >&2
    local report
    report=$("$bun" "$root/src/main.ts" bench --endpoints "$endpoint" --op "$op" \
      --clients "$clients" --duration-s "$duration_s" --warmup-s "$warmup_s" --keys "$keys" \
      --value-bytes "$value_bytes" --json "${extra[@]}")
    printf '{"target":"%s","report":%s}\n' "$target" "$report" >>"$results"
  done
}

bench_etcd() {
  if [ -z "$etcd_bin" ]; then
    echo "etcd not found: installing Debian's etcd-server" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq etcd-server >/dev/null
    etcd_bin=$(command -v etcd)
  fi
  local client_port peer_port
  client_port=$(free_port)
  peer_port=$(free_port)
  local client="http://127.0.0.1:$client_port" peer="http://127.0.0.1:$peer_port"
  "$etcd_bin" --enable-v2 --name bench --data-dir "$work/etcd-data" \
    --listen-client-urls "$client" --advertise-client-urls "$client" \
    --listen-peer-urls "$peer" --initial-advertise-peer-urls "$peer" \
    --initial-cluster "bench=$peer" >"$work/etcd.log" 2>&1 &
  local pid=$!
  pids+=("$pid")
  if ! wait_ready "$client" "$pid"; then
    echo "etcd did not start; its log:" >&2
    tail -20 "$work/etcd.log" >&2
    return 1
  fi
  echo "etcd $("$etcd_bin" --version | head -1 | awk '{print $3}') at $client" >&2
  run_workloads etcd "$client"
  stop_server "$pid"
}

bench_cairn() {
  if [ ! -x "$cairn_bin" ] && [ "$cairn_bin" = "$root/dist/cairn" ]; then
    echo "building $cairn_bin" >&2
    "$bun" run build >&2
  fi
  if [ ! -x "$cairn_bin" ]; then
    echo "no cairn executable at $cairn_bin" >&2
    return 1
  fi
  local client_port peer_port
  client_port=$(free_port)
  peer_port=$(free_port)
  local client="http://127.0.0.1:$client_port"
  "$cairn_bin" --name bench --data-dir "$work/cairn-data" --listen-client-urls "$client" \
    --listen-peer-urls "http://127.0.0.1:$peer_port" >"$work/cairn.log" 2>&1 &
  local pid=$!
  pids+=("$pid")
  if ! wait_ready "$client" "$pid"; then
    echo "cairn did not start (is the server assembled?); its output:" >&2
    tail -20 "$work/cairn.log" >&2
    return 1
  fi
  echo "cairn at $client" >&2
  run_workloads cairn "$client"
  stop_server "$pid"
}

load_at_start=$(cut -d' ' -f1-3 /proc/loadavg)
echo "machine: $(nproc) cores; data dirs under $work" >&2
for target in $targets; do
  case $target in
    etcd) bench_etcd || echo "etcd: skipped" >&2 ;;
    cairn) bench_cairn || echo "cairn: skipped" >&2 ;;
    *) echo "unknown target $target (expected etcd or cairn)" >&2; exit 2 ;;
  esac
done
echo "$(nproc) cores; ${duration_s} s per workload after ${warmup_s} s warm-up; $keys keys;" \
  "$value_bytes-byte values; load average at start: $load_at_start"
echo
"$bun" "$root/scripts/bench-table.ts" "$results"
