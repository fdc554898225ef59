#!/usr/bin/env bash
# The throughput of `dpft train --spark` against the same run in one process: DP-BiTFiT and DP
# full on MiniLM and the sentiment data, each master in its own run, one Markdown row per run
# (median samples/s of the steps after the first, from metrics.jsonl). A step of B = 256 examples
# at 64 tokens; the run directories stay under $OUT.
#
#   tools/spark-bench.sh
#   MASTERS="none local[2]" METHODS=bitfit tools/spark-bench.sh
#
# Nothing else should run on the machine meanwhile.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${OUT:-$ROOT/runs/spark-bench}"
DPFT="${DPFT:-$ROOT/dpft}"
MASTERS="${MASTERS:-none local[1] local[2] local-cluster[2,1,2048]}"
METHODS="${METHODS:-bitfit full}"
EXAMPLES="${EXAMPLES:-1280}"
mkdir -p "$OUT"
echo "| method | executors | samples/s (median) | steps |"
echo "|---|---|---:|---:|"
for method in $METHODS; do
  for master in $MASTERS; do
    run="$OUT/$method-${master//[^a-z0-9]/_}"
    rm -rf "$run"
    spark=()
    [[ "$master" != none ]] && spark=(--spark "$master")
    "$DPFT" train --dataset sentiment --train-examples "$EXAMPLES" --method "$method" \
      --noise-multiplier 1 --batch-size 256 --epochs 1 --sampling shuffle --seed 1 \
      "${spark[@]}" --run-dir "$run" > "$run.log" 2>&1 || { echo "failed: $run (see $run.log)" >&2; continue; }
    python3 - "$run" "$method" "$master" <<'PY'
import json, statistics, sys
run, method, master = sys.argv[1:]
steps = [json.loads(l) for l in open(run + "/metrics.jsonl")]
rates = [s["samples_per_s"] for s in steps if s.get("type") == "train"][1:]
print(f"| {method} | {'one process' if master == 'none' else master} "
      f"| {statistics.median(rates):.1f} | {len(rates)} |")
PY
  done
done
