#!/usr/bin/env bash
# Report export speed versus `sqlite3 -csv` over the same rows, measured in one run
# (the bar of docs/benchmarks.md, "Reports": a 1,000,000-row agent-refusal CSV export within
# 1.5x of sqlite3 -csv).
#
# Fills a store with N refusals over 2026-11-20 (UTC) through Store::append (the real
# projection; cached under target/report-bench), builds switchboard in release mode, then
# exports the day three times each with
#   - sqlite3 -csv: the same columns, rows, order and Refuse_Time text (strftime) from the
#     same projection table, and
#   - switchboard report agent-refusal --format csv (and, once, --format xlsx),
# and prints the best wall time and peak memory (max RSS) of each, the ratio, and whether the
# two CSV files hold the same records (parsed with Python's csv module: sqlite3 quotes more
# fields than RFC 4180 needs and ends lines with LF, switchboard with CRLF).
#
# Usage: bench/report-vs-sqlite.sh [rows]    (installs sqlite3 with apt-get if missing;
# SWITCHBOARD=path runs another build of the binary)
set -euo pipefail
cd "$(dirname "$0")/.."
rows="${1:-1000000}"
if ! command -v sqlite3 >/dev/null; then
  apt-get install -y sqlite3 >/dev/null
fi
cargo build --release --quiet -p switchboard
cargo build --release --quiet -p switchboard-reports --example fill_refusals
data=target/report-bench/data-$rows
if [ ! -f "$data/switchboard.db" ]; then
  rm -rf "$data"
  echo "filling $data with $rows refusals…" >&2
  ./target/release/examples/fill_refusals "$data" "$rows"
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

python3 - "$data" "$out" "$rows" <<'PY'
import csv, os, subprocess, sys, time
data, out, rows = sys.argv[1], sys.argv[2], int(sys.argv[3])
db = f"{data}/switchboard.db"
day = (1_795_132_800_000, 1_795_219_200_000)  # 2026-11-20 UTC
# The refusals table has no time index (its times never decrease with seq, so switchboard finds
# a window as a seq range by binary search on the primary key). sqlite3 gets the same seq range,
# computed here before timing, so both read the same rows the same way.
import sqlite3
with sqlite3.connect(db) as probe:
    lo, hi = probe.execute(
        f"SELECT coalesce(min(seq), 0), coalesce(max(seq) + 1, 0) FROM refusals "
        f"WHERE at >= {day[0]} AND at < {day[1]}").fetchone()
query = ("SELECT contact, agent, full_name, station, reason, "
         "strftime('%m/%d/%Y %H:%M', at / 1000, 'unixepoch') FROM refusals "
         f"WHERE seq >= {lo} AND seq < {hi} ORDER BY seq")
sb = [os.environ.get("SWITCHBOARD", "./target/release/switchboard"), "report", "agent-refusal", "--data", data,
      "--from", "2026-11-20", "--no-header"]

def run(argv, stdout_path=None):
    with open(stdout_path or "/dev/null", "wb") as stdout:
        start = time.perf_counter()
        done = subprocess.run(["/usr/bin/time", "-f", "%M"] + argv, stdout=stdout,
                              stderr=subprocess.PIPE, check=True)
        wall = time.perf_counter() - start
    return wall, int(done.stderr.decode().strip().splitlines()[-1])

def best(argv, stdout_path=None, n=3):
    runs = [run(argv, stdout_path) for _ in range(n)]
    return min(w for w, _ in runs), max(m for _, m in runs)

sq_csv, sb_csv, sb_xlsx = f"{out}/sqlite.csv", f"{out}/switchboard.csv", f"{out}/switchboard.xlsx"
results = {}
# Interleaved, so both see the same page cache and machine load.
for _ in range(3):
    for name, argv, path in (
        ("sqlite3 -csv", ["sqlite3", "-csv", db, query], sq_csv),
        ("switchboard csv", sb, None),
    ):
        if path is None:
            argv = argv + ["--out", sb_csv]
        wall, rss = run(argv, path)
        w, r = results.get(name, (float("inf"), 0))
        results[name] = (min(w, wall), max(r, rss))
results["switchboard xlsx"] = best(sb + ["--format", "xlsx", "--out", sb_xlsx], n=1)

with open(sq_csv, newline="") as a, open(sb_csv, newline="") as b:
    same = all(x == y for x, y in zip(csv.reader(a), csv.reader(b), strict=True))
count = sum(1 for _ in open(sb_csv, newline=""))

print(f"{rows:,} refusals; {count:,} CSV lines; same records: {same}")
print(f"{'':18} {'wall s':>8} {'max RSS MB':>11}")
for name, (wall, rss) in results.items():
    print(f"{name:18} {wall:8.3f} {rss / 1024:11.1f}")
ratio = results["switchboard csv"][0] / results["sqlite3 -csv"][0]
print(f"ratio switchboard csv / sqlite3 -csv: {ratio:.2f}x (target <= 1.5x)")
xlsx = results["switchboard xlsx"][0] / results["sqlite3 -csv"][0]
print(f"ratio switchboard xlsx / sqlite3 -csv: {xlsx:.2f}x")
if not same:
    sys.exit("the two exports differ")
PY
