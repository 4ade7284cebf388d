#!/usr/bin/env bash
# The HTTP API under load on loopback: commands per second and latency (p50, p99) of
# `switchboard serve` (release build, durability Full: every commit is fsynced) driven by
# `crates/server/examples/http_load.rs` with a realistic mix of commands — contacts created by
# the connector, offers accepted (or refused, 5 %) by agents, voice legs linked, conversations
# ended and wrap-ups completed with a disposition — over keep-alive connections, one per client.
#
# For each load level it writes a configuration with N agents (a0…, stations s0…, one voice
# queue `sales` with dispositions, an agent key per agent, a connector key), starts a fresh
# server on a new data directory (on the same disk as the repository, under target/), runs the
# generator (warm-up, then the measurement window), stops the server and prints the
# generator's summary. ROUNDS rounds of every level; the last lines give the median of each
# figure over the rounds.
#
# Usage: bench/http-load.sh [levels]   levels: "agents:connectors ..." (default "10:1 100:4 400:16")
# Environment: ROUNDS (default 3), SECONDS_PER_RUN (measurement window, default 20), WARMUP
# (default 5), THREADS (generator threads, default 1), SWITCHBOARD=path runs another binary.
set -euo pipefail
cd "$(dirname "$0")/.."
levels="${1:-10:1 100:4 400:16}"
rounds="${ROUNDS:-3}"
window="${SECONDS_PER_RUN:-20}"
warmup="${WARMUP:-5}"
threads="${THREADS:-1}"
cargo build --release --quiet -p switchboard
cargo build --release --quiet -p switchboard-server --example http_load
bin="${SWITCHBOARD:-./target/release/switchboard}"
load=./target/release/examples/http_load
work="$(pwd)/target/http-load"
rm -rf "$work"
mkdir -p "$work"
results="$work/results.txt"
: >"$results"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
}
trap cleanup EXIT

server_cpu() { # seconds of CPU (user + system) the process has used
  awk -v tck="$(getconf CLK_TCK)" '{ print ($14 + $15) / tck }' "/proc/$1/stat"
}

write_config() { # agents file
  local n=$1 file=$2
  {
    cat <<'TOML'
[[queues]]
id = "sales"
name = "Sales"
channel = "voice"
dispositions = [
  { code = "sale", label_en = "Sale", label_hu = "Eladás", success = true },
  { code = "no-sale", label_en = "No sale", label_hu = "Nincs eladás" },
]

[[keys]]
role = "admin"
secret = "admin-secret"

[[keys]]
role = "connector"
secret = "connector-secret"
TOML
    for ((i = 0; i < n; i++)); do
      printf '\n[[stations]]\nid = "s%d"\nnumber = "+3611%06d"\n' "$i" "$i"
      printf '\n[[agents]]\nid = "a%d"\nfull_name = "Agent %d"\nteam = "team-%d"\nqueues = [{ queue = "sales" }]\n' "$i" "$i" $((i % 10))
      printf '\n[[keys]]\nrole = "agent"\nagent = "a%d"\nsecret = "a%d-secret"\n' "$i" "$i"
    done
  } >"$file"
}

for ((round = 1; round <= rounds; round++)); do
  for level in $levels; do
    agents="${level%%:*}"
    connectors="${level##*:}"
    run="$work/run-$round-$agents-$connectors"
    mkdir -p "$run"
    write_config "$agents" "$run/server.toml"
    "$bin" serve --config "$run/server.toml" --data "$run/data" --listen 127.0.0.1:0 \
      >"$run/server.out" 2>"$run/server.err" &
    server_pid=$!
    addr=""
    for _ in $(seq 1 200); do
      addr=$(sed -n 's|^switchboard: listening on http://||p' "$run/server.out" | head -n 1)
      [ -n "$addr" ] && break
      sleep 0.1
    done
    if [ -z "$addr" ]; then
      echo "the server did not start:" >&2
      cat "$run/server.err" >&2
      exit 1
    fi
    echo "== round $round: $agents agents, $connectors connector clients ($addr)"
    cpu_before=$(server_cpu "$server_pid")
    started=$(date +%s.%N)
    /usr/bin/time -f "%U %S" -o "$run/load.time" \
      "$load" --addr "$addr" --agents "$agents" --connectors "$connectors" \
      --seconds "$window" --warmup "$warmup" --threads "$threads" | tee "$run/load.out"
    elapsed=$(echo "$(date +%s.%N) - $started" | bc -l)
    cpu_after=$(server_cpu "$server_pid")
    server_cores=$(echo "($cpu_after - $cpu_before) / $elapsed" | bc -l)
    load_cores=$(echo "($(tr ' ' '+' <"$run/load.time")) / $elapsed" | bc -l)
    printf 'CPU: server %.2f cores, load generator %.2f cores (of %s)\n' \
      "$server_cores" "$load_cores" "$(nproc)"
    kill -TERM "$server_pid"
    wait "$server_pid" || true
    server_pid=""
    sed -n "s/^RESULT /agents=$agents connectors=$connectors /p" "$run/load.out" |
      sed "s/\$/ server_cores=$server_cores load_cores=$load_cores/" >>"$results"
    rm -rf "$run/data"
  done
done

echo
echo "medians over $rounds round(s):"
python3 - "$results" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    fields = dict(f.split("=") for f in line.split())
    key = (int(fields.pop("agents")), int(fields.pop("connectors")))
    runs.setdefault(key, []).append({k: float(v) for k, v in fields.items()})
print("| agents | connector clients | commands/s | p50 ms | p99 ms | events/s | commands per commit | server CPU (cores) | generator CPU (cores) |")
print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for (agents, connectors), rs in sorted(runs.items()):
    m = {k: statistics.median(r[k] for r in rs) for k in rs[0]}
    print(f"| {agents} | {connectors} | {m['commands_per_second']:.0f} | {m['p50_ms']:.2f} | "
          f"{m['p99_ms']:.2f} | {m['events_per_second']:.0f} | {m['commands_per_commit']:.1f} | "
          f"{m['server_cores']:.2f} | {m['load_cores']:.2f} |")
PY
