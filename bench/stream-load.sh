#!/usr/bin/env bash
# Event streams at scale, on loopback (issue 12; docs/benchmarks.md "Event streams"):
#
# 1. For each N in LEVELS (default "1000 5000 19500": 20,000 streams need 20,000 sockets
#    in the generator and in the server, one more than a hard open-file limit of 20,000
#    allows): a fresh `switchboard serve` (release
#    build, durability Full) with 20,000 agents, N of them logged in, each holding its own
#    event stream with its own key, while `crates/server/examples/stream_load.rs` sends
#    RATE (default 1000) state changes a second; it reports the delivery latency p50/p99
#    (engine time of the command → arrival on the agent's stream), the server's CPU per
#    committed event and its resident memory. The last lines give the CPU per event of each
#    level as a ratio to the first level, measured in the same run.
# 2. Three bursts of BURST (default 10000) concurrent connections, each a `GET /healthz`, on a
#    fresh server: resident memory before, at each burst's peak, after each, and after
#    settling.
#
# The open-file limit must allow N streams in the generator and in the server (both raise
# their soft limit to the hard limit; 20,000 streams need a hard limit of about 20,600).
# Usage: bench/stream-load.sh   Environment: LEVELS, RATE, SECONDS_PER_RUN (default 20),
# WARMUP (default 5), BURST, SWITCHBOARD=path runs another binary.
set -euo pipefail
cd "$(dirname "$0")/.."
levels="${LEVELS:-1000 5000 19500}"
rate="${RATE:-1000}"
window="${SECONDS_PER_RUN:-20}"
warmup="${WARMUP:-5}"
burst="${BURST:-10000}"
cargo build --release --quiet -p switchboard
cargo build --release --quiet -p switchboard-server --example stream_load
bin="${SWITCHBOARD:-./target/release/switchboard}"
load=./target/release/examples/stream_load
work="$(pwd)/target/stream-load"
rm -rf "$work"
mkdir -p "$work"
ulimit -n "$(ulimit -Hn)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
}
trap cleanup EXIT

config="$work/switchboard.toml"
{
  cat <<'TOML'
[[queues]]
id = "sales"
channel = "voice"

[[keys]]
role = "admin"
secret = "admin-secret"
TOML
  for i in $(seq 0 19999); do
    id=$(printf 's%05d' "$i")
    printf '\n[[stations]]\nid = "st-%s"\nnumber = "+36-%s"\n\n[[agents]]\nid = "%s"\nfull_name = "Agent %s"\nqueues = [{ queue = "sales" }]\n\n[[keys]]\nrole = "agent"\nagent = "%s"\nsecret = "%s-secret"\n' \
      "$id" "$id" "$id" "$id" "$id" "$id"
  done
} >"$config"

start_server() { # data directory [config]; sets server_pid and addr
  "$bin" serve --config "${2:-$config}" --data "$1" --listen 127.0.0.1:0 >"$1.out" 2>"$1.err" &
  server_pid=$!
  addr=""
  for _ in $(seq 1 600); do
    addr=$(sed -n 's|^switchboard: listening on http://||p' "$1.out" 2>/dev/null | head -1)
    if [ -n "$addr" ]; then break; fi
    sleep 0.1
  done
  if [ -z "$addr" ]; then
    echo "the server did not start:" >&2
    cat "$1.err" >&2
    exit 1
  fi
}

stop_server() {
  kill "$server_pid"
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}

results="$work/results.txt"
: >"$results"
for n in $levels; do
  start_server "$work/data-$n"
  "$load" streams --addr "$addr" --pid "$server_pid" --streams "$n" --rate "$rate" \
    --seconds "$window" --warmup "$warmup" | tee -a "$results"
  stop_server
done
base=$(awk '/^streams/ { for (i = 1; i < NF; i++) if ($i == "cpu_us_per_event") { print $(i + 1); exit } }' "$results")
awk -v base="$base" '/^streams/ {
  for (i = 1; i < NF; i++) { if ($i == "streams") n = $(i + 1); if ($i == "cpu_us_per_event") c = $(i + 1) }
  printf "cpu per event at %s streams: %.2fx the first level\n", n, c / base }' "$results"

# The bursts on a server with the smallest configuration, so that its memory at rest is the
# baseline (20,000 agents' configuration is most of the resident memory above).
small="$work/small.toml"
printf '[[keys]]\nrole = "admin"\nsecret = "admin-secret"\n' >"$small"
start_server "$work/data-burst" "$small"
"$load" burst --addr "$addr" --pid "$server_pid" --connections "$burst" --rounds 3 --settle 5
stop_server
