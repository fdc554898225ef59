#!/usr/bin/env bash
# The small-data study of the README ("DP on small datasets"): the bundled text tasks with few
# training examples (spam subsampled to 3,600 mails, the 2,394 sentiment sentences), each method
# at ε = 8, 3, 1 and without DP, all with dpft train's defaults (the recipe of
# dpft-core's Recipe). Prints one Markdown row per run (test accuracy, majority-class rate,
# seconds) and appends it to $OUT/table.md, so a long study can be stopped and continued.
#
#   tools/small-data-study.sh                          # everything (hours on 2 cores)
#   DATASETS=spam METHODS=bitfit EPSILONS="none 8 3" tools/small-data-study.sh
#
# Runs are seeded (--seed 1: the spam subsample, batches and noise are reproducible); a
# finished run directory is skipped.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${OUT:-$ROOT/runs/small-data}"
DPFT="${DPFT:-$ROOT/dpft}"
DATASETS="${DATASETS:-spam sentiment}"
METHODS="${METHODS:-bitfit last-layer two-phase full}"
EPSILONS="${EPSILONS:-none 8 3 1}"
mkdir -p "$OUT"
[[ -f "$OUT/table.md" ]] || printf '| data | method | ε | test accuracy | majority class | seconds |\n|---|---|---|---|---|---|\n' > "$OUT/table.md"

for dataset in $DATASETS; do
  data=(--dataset "$dataset")
  [[ "$dataset" == spam ]] && data+=(--train-examples 3600)
  for method in $METHODS; do
    how=(--method "$method")
    [[ "$method" == two-phase ]] && how+=(--first-phase last-layer --first-phase-epochs 3)
    for eps in $EPSILONS; do
      privacy=(--no-dp)
      [[ "$eps" != none ]] && privacy=(--target-epsilon "$eps")
      run="$OUT/$dataset-$method-eps-$eps"
      [[ -f "$run/report.html" ]] && continue
      rm -rf "$run"
      started=$(date +%s)
      "$DPFT" train "${data[@]}" "${how[@]}" "${privacy[@]}" --seed 1 --run-dir "$run" \
        > "$run.log" 2>&1 || { echo "failed: $run (see $run.log)" >&2; continue; }
      seconds=$(( $(date +%s) - started ))
      row=$(python3 - "$run" "$dataset" "$method" "$eps" "$seconds" <<'PY'
import json, sys
run, dataset, method, eps, seconds = sys.argv[1:]
test = [json.loads(l) for l in open(run + "/metrics.jsonl")]
test = [l for l in test if l.get("type") == "eval" and l.get("split") == "test"][-1]
sizes = json.load(open(run + "/config.json"))["dataset_sizes"]
print(f"| {dataset} ({sizes['train']} train) | {method} | {eps if eps != 'none' else 'no DP'} "
      f"| {test['accuracy']:.3f} | {'yes' if test['mcc'] == 0 else 'no'} | {seconds} |")
PY
)
      echo "$row" | tee -a "$OUT/table.md"
    done
  done
done
