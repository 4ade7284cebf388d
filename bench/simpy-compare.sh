#!/usr/bin/env bash
# Simulator speed versus SimPy on the same M/M/c model (100 agents, 90 % load,
# 1,000,000 contacts), measured in one run. Installs SimPy into a virtual environment under
# target/ (PyPI), builds switchboard with the `dist` profile (release + fat LTO, see
# Cargo.toml), runs both, prints contacts per second of each and their ratio.
# Usage: bench/simpy-compare.sh [contacts] [seed]
set -euo pipefail
cd "$(dirname "$0")/.."
contacts="${1:-1000000}"
seed="${2:-42}"
venv=target/simpy-venv
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet 'simpy==4.1.1'
fi
cargo build --profile dist --quiet -p switchboard
scenario=$(mktemp --suffix=.toml)
trap 'rm -f "$scenario"' EXIT
sed "s/^contacts = .*/contacts = $contacts/" examples/mmc-100.toml > "$scenario"

echo "SimPy $("$venv/bin/python" -c 'import simpy; print(simpy.__version__)'), $contacts contacts…" >&2
simpy_json=$("$venv/bin/python" bench/mmc_simpy.py "$contacts" "$seed")
echo "switchboard sim, $contacts contacts…" >&2
sb_json=$(./target/dist/switchboard sim "$scenario" --seed "$seed" --json)

python3 - "$simpy_json" "$sb_json" <<'PY'
import json, sys
simpy, sb = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"{'':22} {'SimPy':>14} {'switchboard':>14}")
for key in ("contacts", "p_wait", "asa_seconds", "service_level", "wall_seconds", "contacts_per_second"):
    a, b = simpy[key], sb[key]
    fmt = (lambda v: f"{v:>14,.0f}") if key in ("contacts", "contacts_per_second") else (lambda v: f"{v:>14.4f}")
    print(f"{key:22} {fmt(a)} {fmt(b)}")
ratio = sb["contacts_per_second"] / simpy["contacts_per_second"]
print(f"ratio switchboard / SimPy: {ratio:.1f}x (target >= 10x)")
PY
