#!/usr/bin/env bash
# Benchmark of a whole election: simulate N voters, then verify the record
# with psephos-verify, printing simulate time, record size per ballot,
# verification wall time and the verifier's peak memory.
#
#   bash scripts/bench-election.sh [VOTERS] [QUESTIONS] [CANDIDATES]
#
# Defaults: 20000 voters, the 17-question referendum, no delegate question
# (the configuration the performance target names).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

voters="${1:-20000}"
questions="${2:-17}"
candidates="${3:-0}"
out="${BENCH_DIR:-target/bench-election}"
mkdir -p "$out"
record="$out/record-$voters.jsonl"

cargo build --release -q -p psephos -p psephos-verifier
start=$(date +%s.%N)
./target/release/psephos simulate --voters "$voters" --questions "$questions" --candidates "$candidates" \
    --revote-percent 10 --audit-percent 2 --no-verify --quiet --json -o "$record" >"$out/simulate-$voters.json"
simulate_s=$(echo "$(date +%s.%N) - $start" | bc)
./target/release/psephos-verify --json "$record" >"$out/verify-$voters.json" || true

python3 - "$out/simulate-$voters.json" "$out/verify-$voters.json" "$simulate_s" <<'PY'
import json, sys
sim = json.load(open(sys.argv[1]))
ver = json.load(open(sys.argv[2]))
ballots = sim["ballots_cast"]
print(f"voters/ballots cast:     {ballots - sim['revotes']} / {ballots} ({sim['revotes']} revotes, {sim['audits']} audits)")
print(f"simulate:                {float(sys.argv[3]):.1f} s")
print(f"record:                  {sim['record_bytes'] / 1e6:.1f} MB, {sim['record_bytes'] / ballots / 1e3:.1f} KB per ballot")
print(f"verify (wall, all cores): {ver['seconds']:.1f} s, {ver['seconds'] / ballots * 1e3:.2f} ms per ballot")
print(f"verifier peak memory:    {ver['peak_memory_kib'] / 1024:.0f} MiB")
print(f"verified:                {ver['report']['verified']}")
PY
