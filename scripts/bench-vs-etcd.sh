#!/usr/bin/env bash
# Runs the same `cairn bench` workloads against etcd 3.4 (--enable-v2) and cairn, one after the
# other, each on free loopback ports with fresh data dirs on the real disk (not tmpfs, so
# fdatasync costs what it costs), and prints a Markdown table.
#
#   scripts/bench-vs-etcd.sh                 # one member each, 10 s per workload
#   BENCH_TARGETS=etcd BENCH_DURATION_S=5 scripts/bench-vs-etcd.sh
#   BENCH_MEMBERS=3 BENCH_WORKLOADS="put:64 get:64:quorum put:1 get:64" scripts/bench-vs-etcd.sh
#   BENCH_MEMBERS=3 BENCH_ENDPOINTS=leader scripts/bench-vs-etcd.sh
#   BENCH_ROUNDS=3 scripts/bench-vs-etcd.sh   # etcd, cairn; cairn, etcd; etcd, cairn
#
# With BENCH_MEMBERS=N (default 1) each server runs as an N-member cluster on loopback (members
# n1..nN, each with its own client and peer port and data dir, bootstrapped with
# --initial-cluster). Before the workloads the script polls, for at most 30 s, until the cluster
# is fully up: one member says StateLeader in /v2/stats/self and every member follows it, every
# member lists N members with client URLs, and a quorum GET succeeds through every member
# (scripts/bench-cluster-state.ts). BENCH_ENDPOINTS chooses where the bench clients go: "all"
# (default) spreads them round-robin over the members' client URLs, n1 first (so a 1-client
# workload talks to n1 only, leader or not); "leader" sends every client to the member that leads
# when each workload starts.
#
# A machine whose speed drifts (a shared virtual machine) can favour whichever target runs in
# the faster minutes. BENCH_ROUNDS=N runs the whole comparison N times, swapping the order of the
# targets every round, and the table gives each round's ratio and their median.
#
# The load generator is the cairn executable's own `bench` command, for both targets: compiled,
# it costs about 30% less CPU per request than run from source, CPU the servers share on a
# small machine. Each workload's first BENCH_WARMUP_S (15 s) are not measured: a server runs for
# days, and cairn's JIT needs about 10 s of load to compile its hot paths (BENCH_WARMUP_S=2
# measures a cold start).
#
# Environment: BENCH_TARGETS ("etcd cairn"), BENCH_MEMBERS (1), BENCH_ENDPOINTS (all or leader),
# BENCH_ROUNDS (1),
# BENCH_WORKLOADS ("put:64 get:64 put:1"; an op, a client count and optionally ":quorum"),
# BENCH_DURATION_S (10), BENCH_WARMUP_S (15), BENCH_KEYS (1000), BENCH_VALUE_BYTES (256),
# CAIRN_BIN (dist/cairn, built if missing), ETCD_BIN (etcd on PATH; Debian's etcd-server is
# installed if missing).
# Only the processes this script starts are stopped, by PID: each cluster after its workloads,
# and anything left when the script exits.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
bun="$root/node_modules/.bin/bun"
targets=${BENCH_TARGETS:-"etcd cairn"}
members=${BENCH_MEMBERS:-1}
placement=${BENCH_ENDPOINTS:-all}
rounds=${BENCH_ROUNDS:-1}
workloads=${BENCH_WORKLOADS:-"put:64 get:64 put:1"}
duration_s=${BENCH_DURATION_S:-10}
warmup_s=${BENCH_WARMUP_S:-15}
keys=${BENCH_KEYS:-1000}
value_bytes=${BENCH_VALUE_BYTES:-256}
cairn_bin=${CAIRN_BIN:-$root/dist/cairn}
# cairn reads CAIRN_* variables as flags and warns about unknown ones: keep this one to the script.
unset CAIRN_BIN
etcd_bin=${ETCD_BIN:-$(command -v etcd || true)}
ready_timeout_s=30
stop_timeout_s=10

if ! [[ $members =~ ^[1-9]$ ]]; then
  echo "BENCH_MEMBERS must be 1 to 9, not \"$members\"" >&2
  exit 2
fi
if ! [[ $rounds =~ ^[1-9]$ ]]; then
  echo "BENCH_ROUNDS must be 1 to 9, not \"$rounds\"" >&2
  exit 2
fi
if [ "$placement" != all ] && [ "$placement" != leader ]; then
  echo "BENCH_ENDPOINTS must be all or leader, not \"$placement\"" >&2
  exit 2
fi

mkdir -p "$root/tmp"
work=$(mktemp -d "$root/tmp/bench.XXXXXX")
results="$work/results.jsonl"
: >"$results"
# Servers started and not yet stopped; the current cluster's are also in cluster_pids.
pids=()
cluster_pids=()
client_urls=()

cleanup() {
  for pid in "${pids[@]}"; do
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Prints $1 distinct free loopback ports, one a line: all are held open until all are chosen.
free_ports() {
  "$bun" -e 'const listeners = Array.from({ length: Number(process.argv[1]) }, () =>
  Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } }));
for (const listener of listeners) console.log(listener.port);
for (const listener of listeners) listener.stop(true);' "$1"
}

# Starts one member of $target, appending its PID to pids and cluster_pids.
# Arguments: target, member name, client URL, peer URL, initial cluster.
start_member() {
  local target=$1 name=$2 client=$3 peer=$4 initial_cluster=$5
  local -a command=("$cairn_bin")
  [ "$target" = etcd ] && command=("$etcd_bin" --enable-v2)
  "${command[@]}" --name "$name" --data-dir "$round_dir/$target-$name" \
    --listen-client-urls "$client" --advertise-client-urls "$client" \
    --listen-peer-urls "$peer" --initial-advertise-peer-urls "$peer" \
    --initial-cluster "$initial_cluster" --initial-cluster-state new \
    >"$round_dir/$target-$name.log" 2>&1 &
  pids+=("$!")
  cluster_pids+=("$!")
}

# Starts $members members of $target and sets client_urls to their client URLs, n1 first.
start_cluster() {
  local target=$1 index
  local -a ports peer_urls=()
  mapfile -t ports < <(free_ports $((members * 2)))
  [ "${#ports[@]}" -eq $((members * 2)) ] || return 1
  client_urls=()
  cluster_pids=()
  for ((index = 0; index < members; index++)); do
    client_urls+=("http://127.0.0.1:${ports[index * 2]}")
    peer_urls+=("http://127.0.0.1:${ports[index * 2 + 1]}")
  done
  local initial_cluster="n1=${peer_urls[0]}"
  for ((index = 1; index < members; index++)); do
    initial_cluster+=",n$((index + 1))=${peer_urls[index]}"
  done
  for ((index = 0; index < members; index++)); do
    start_member "$target" "n$((index + 1))" "${client_urls[index]}" "${peer_urls[index]}" \
      "$initial_cluster"
  done
}

# Polls until the cluster is fully up (see the header), a member dies, or the timeout passes.
wait_cluster() {
  local target=$1 deadline=$((SECONDS + ready_timeout_s)) pid reason
  until reason=$("$bun" "$root/scripts/bench-cluster-state.ts" "$members" "${client_urls[@]}" \
    2>&1 >/dev/null); do
    for pid in "${cluster_pids[@]}"; do
      if ! kill -0 "$pid" 2>/dev/null; then
        echo "$target: a member (PID $pid) exited during startup" >&2
        return 1
      fi
    done
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "$target: not up after ${ready_timeout_s} s: $reason" >&2
      return 1
    fi
    sleep 0.2
  done
}

# Sends TERM to every member of the current cluster, waits up to $stop_timeout_s for all of
# them, then KILLs any left, and forgets their PIDs.
stop_cluster() {
  local pid deadline=$((SECONDS + stop_timeout_s)) kept=() alive
  for pid in "${cluster_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${cluster_pids[@]}"; do
    alive=true
    while [ "$SECONDS" -lt "$deadline" ]; do
      kill -0 "$pid" 2>/dev/null || { alive=false; break; }
      sleep 0.1
    done
    if [ "$alive" = true ]; then
      echo "PID $pid did not stop within ${stop_timeout_s} s: killing it" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    [[ " ${cluster_pids[*]} " == *" $pid "* ]] || kept+=("$pid")
  done
  pids=("${kept[@]}")
  cluster_pids=()
}

# Prints the warnings and errors in each member's log to stderr, the last $2 of them (cairn logs
# only those by default; etcd's capnslog marks them W, E or C).
show_logs() {
  local target=$1 lines=$2 file pattern='.' count
  [ "$target" = etcd ] && pattern=' [WEC] \| '
  # etcd warns at every start that its default auth token is unsigned: not worth showing.
  local benign='auth: simple token is not cryptographically signed'
  for file in "$round_dir/$target"-n*.log; do
    count=$(grep -E "$pattern" "$file" | grep -c -v -F "$benign" || true)
    [ "$count" -gt 0 ] || continue
    echo "$target $(basename "$file" .log): $count warning or error lines; the last $lines:" >&2
    grep -E "$pattern" "$file" | grep -v -F "$benign" | tail -"$lines" | cut -c1-300 >&2
  done
}

# The --endpoints of the next workload: every member, or the leader of the moment.
bench_endpoints() {
  if [ "$placement" = all ]; then
    local IFS=,
    echo "${client_urls[*]}"
  else
    "$bun" "$root/scripts/bench-cluster-state.ts" "$members" "${client_urls[@]}"
  fi
}

# Runs the workloads against the current cluster, appending JSON lines to $results.
run_workloads() {
  local target=$1 round=$2 workload op clients mode endpoints report
  for workload in $workloads; do
    IFS=: read -r op clients mode <<<"$workload"
    local -a extra=()
    [ "$mode" = quorum ] && extra=(--quorum)
    endpoints=$(bench_endpoints) || return 1
    echo "  $target: $op, $clients clients${mode:+, $mode}, ${duration_s} s, at $endpoints" >&2
    if ! report=$("$cairn_bin" bench --endpoints "$endpoints" --op "$op" \
      --clients "$clients" --duration-s "$duration_s" --warmup-s "$warmup_s" --keys "$keys" \
      --value-bytes "$value_bytes" --json "${extra[@]}"); then
      echo "$target: the $workload workload failed" >&2
      return 1
    fi
    printf '{"target":"%s","round":%d,"members":%d,"placement":"%s","report":%s}\n' \
      "$target" "$round" "$members" "$placement" "$report" >>"$results"
  done
}

# Checks that the executable for $1 is there, installing or building it when it is missing.
prepare_target() {
  if [ "$1" = etcd ] && [ -z "$etcd_bin" ]; then
    echo "etcd not found: installing Debian's etcd-server" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq etcd-server >/dev/null
    etcd_bin=$(command -v etcd)
  fi
  # The cairn executable is also the load generator, whatever the targets.
  if [ ! -x "$cairn_bin" ] && [ "$cairn_bin" = "$root/dist/cairn" ]; then
    echo "building $cairn_bin" >&2
    "$bun" run build >&2
  fi
  if [ ! -x "$cairn_bin" ]; then
    echo "no cairn executable (the load generator) at \"$cairn_bin\"" >&2
    return 1
  fi
  if [ "$1" = etcd ] && [ ! -x "$etcd_bin" ]; then
    echo "no etcd executable at \"$etcd_bin\"" >&2
    return 1
  fi
}

# Starts a cluster of $1, runs the workloads (round $2), stops it; returns 1 if any step failed.
bench_target() {
  local target=$1 round=$2 status=0
  prepare_target "$target" || return 1
  if ! start_cluster "$target" || ! wait_cluster "$target"; then
    stop_cluster
    show_logs "$target" 20
    return 1
  fi
  local version=""
  [ "$target" = etcd ] && version=" $("$etcd_bin" --version | head -1 | awk '{print $3}')"
  local size=""
  [ "$members" -gt 1 ] && size=": $members members"
  echo "$target$version$size at ${client_urls[*]}" >&2
  run_workloads "$target" "$round" || status=1
  # Before the stop, so that shutdown chatter (etcd's leader transfer, lost peers) is left out.
  show_logs "$target" 5
  stop_cluster
  return "$status"
}

load_at_start=$(cut -d' ' -f1-3 /proc/loadavg)
echo "machine: $(nproc) cores; data dirs under $work" >&2
for target in $targets; do
  case $target in
    etcd | cairn) ;;
    *) echo "unknown target $target (expected etcd or cairn)" >&2; exit 2 ;;
  esac
done
for ((round = 1; round <= rounds; round++)); do
  # Each round starts from fresh data dirs (a member restarted on an old one would look for the
  # peers of the round before).
  round_dir="$work/round-$round"
  mkdir -p "$round_dir"
  order=$targets
  # Every second round runs the targets in reverse order.
  [ $((round % 2)) -eq 0 ] && order=$(echo "$targets" | tr ' ' '\n' | tac | tr '\n' ' ')
  [ "$rounds" -gt 1 ] && echo "round $round of $rounds: $order" >&2
  for target in $order; do
    bench_target "$target" "$round" || echo "$target: skipped in round $round" >&2
  done
done
if [ "$members" -gt 1 ]; then
  where="spread round-robin over all members"
  [ "$placement" = leader ] && where="on the leader (looked up at each workload's start)"
  echo "$members-member clusters on loopback; bench clients $where."
fi
[ "$rounds" -gt 1 ] && echo "$rounds rounds, the order of the targets swapped every round."
echo "$(nproc) cores; ${duration_s} s per workload after ${warmup_s} s warm-up; $keys keys;" \
  "$value_bytes-byte values; load average at start: $load_at_start;" \
  "load generator: $(basename "$cairn_bin") bench"
echo
"$bun" "$root/scripts/bench-table.ts" "$results"
