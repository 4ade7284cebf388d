#!/usr/bin/env bash
# Simulator speed versus SimPy on the same M/M/c model (100 agents, 90 % load,
# 1,000,000 contacts), measured in one run. Installs SimPy into a virtual environment under
# target/ (PyPI), builds switchboard with the `dist` profile (release + fat LTO, see
# Cargo.toml), runs both, prints contacts per second of each and their ratio.
# Usage: bench/simpy-compare.sh [contacts] [seed] [rounds]
# Each round runs SimPy then switchboard; the ratio is of the two medians over the rounds
# (3 by default), so one disturbed run on a shared machine does not decide it.
set -euo pipefail
cd "$(dirname "$0")/.."
contacts="${1:-1000000}"
seed="${2:-42}"
rounds="${3:-3}"
venv=target/simpy-venv
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet 'simpy==4.1.1'
fi
cargo build --profile dist --quiet -p switchboard
scenario=$(mktemp --suffix=.toml)
results=$(mktemp)
trap 'rm -f "$scenario" "$results"' EXIT
sed "s/^contacts = .*/contacts = $contacts/" examples/mmc-100.toml > "$scenario"

echo "SimPy $("$venv/bin/python" -c 'import simpy; print(simpy.__version__)'), $contacts contacts, $rounds rounds…" >&2
for round in $(seq "$rounds"); do
  echo "round $round: SimPy…" >&2
  echo "simpy $("$venv/bin/python" bench/mmc_simpy.py "$contacts" "$seed" | tr -d '\n')" >> "$results"
  echo "round $round: switchboard sim…" >&2
  echo "switchboard $(./target/dist/switchboard sim "$scenario" --seed "$seed" --json | tr -d '\n')" >> "$results"
done

python3 - "$results" <<'PY'
import json, statistics, sys
runs = {"simpy": [], "switchboard": []}
for line in open(sys.argv[1]):
    name, body = line.split(" ", 1)
    runs[name].append(json.loads(body))
simpy, sb = runs["simpy"][0], runs["switchboard"][0]
print(f"{'':22} {'SimPy':>14} {'switchboard':>14}")
for key in ("contacts", "p_wait", "asa_seconds", "service_level"):
    a, b = simpy[key], sb[key]
    fmt = (lambda v: f"{v:>14,.0f}") if key == "contacts" else (lambda v: f"{v:>14.4f}")
    print(f"{key:22} {fmt(a)} {fmt(b)}")
for i, (a, b) in enumerate(zip(runs["simpy"], runs["switchboard"]), 1):
    print(f"{'round ' + str(i) + ' contacts/s':22} {a['contacts_per_second']:>14,.0f} {b['contacts_per_second']:>14,.0f}")
med = {k: statistics.median(r["contacts_per_second"] for r in v) for k, v in runs.items()}
print(f"{'median contacts/s':22} {med['simpy']:>14,.0f} {med['switchboard']:>14,.0f}")
print(f"ratio switchboard / SimPy: {med['switchboard'] / med['simpy']:.1f}x (target >= 10x)")
PY
