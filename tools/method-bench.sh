#!/usr/bin/env bash
# The speed and memory table of the README's "Choosing a method": `dpft bench` for each model,
# sequence length, method and DP setting, each configuration in its own process (so that one
# configuration's peak RSS is not another's leftover), then one Markdown table with each
# method's DP / non-DP throughput and its DP peak RSS against DP full's at the same model and
# length. Results go to $OUT/bench.jsonl (one line per configuration; a configuration already
# there is not run again, so a long study can be stopped and continued) and $OUT/table.md.
#
#   tools/method-bench.sh                                       # everything (hours on 2 cores)
#   MODELS=all-minilm-l6-v2 SEQS=512 METHODS="full side" DP=on tools/method-bench.sh
#
# Nothing else should run on the machine meanwhile.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${OUT:-$ROOT/runs/method-bench}"
DPFT="${DPFT:-$ROOT/dpft}"
MODELS="${MODELS:-all-minilm-l6-v2 bge-small-en-v1.5}"
SEQS="${SEQS:-128 512}"
METHODS="${METHODS:-full bitfit lora adapter side reversible}"
DP="${DP:-on off}"
BATCH="${BATCH:-32}"
STEPS="${STEPS:-3}"
WARMUP="${WARMUP:-1}"
mkdir -p "$OUT"
touch "$OUT/bench.jsonl"

for model in $MODELS; do
  for seq in $SEQS; do
    for method in $METHODS; do
      for dp in $DP; do
        key="\"model\":\"$model\",\"method\":\"$method\",\"dp\":$([[ $dp == on ]] && echo true || echo false),\"batch_size\":$BATCH,\"seq_len\":$seq,"
        grep -qF "$key" "$OUT/bench.jsonl" && continue
        log="$OUT/$model-$seq-$method-dp-$dp.log"
        if "$DPFT" bench --json --model "$model" --methods "$method" --dp "$dp" \
            --batch-size "$BATCH" --seq-len "$seq" --steps "$STEPS" --warmup "$WARMUP" \
            > "$log.json" 2> "$log"; then
          cat "$log.json" >> "$OUT/bench.jsonl"
          tail -1 "$log.json"
        else
          echo "failed: $model seq $seq $method dp $dp (see $log)" >&2
        fi
      done
    done
  done
done

python3 - "$OUT" <<'PY'
import json, sys
out = sys.argv[1]
rows = [json.loads(l) for l in open(out + "/bench.jsonl") if l.strip()]
by = {(r["model"], r["seq_len"], r["method"], r["dp"]): r for r in rows}
lines = ["| model | seq | method | DP samples/s | non-DP samples/s | DP / non-DP | DP peak RSS MiB"
         " | DP peak / DP full's |", "|---|---:|---|---:|---:|---:|---:|---:|"]
seen = []
for r in rows:
    k = (r["model"], r["seq_len"], r["method"])
    if k not in seen:
        seen.append(k)
for model, seq, method in seen:
    on, off = by.get((model, seq, method, True)), by.get((model, seq, method, False))
    full = by.get((model, seq, "full", True))
    cell = lambda r, f, fmt: fmt.format(r[f]) if r else "–"
    ratio = "{:.2f}×".format(on["samples_per_s"] / off["samples_per_s"]) if on and off else "–"
    mem = ("{:.2f}×".format(on["peak_rss_mb"] / full["peak_rss_mb"])
           if on and full else "–")
    lines.append(f"| {model} | {seq} | {method} | {cell(on, 'samples_per_s', '{:.2f}')} "
                 f"| {cell(off, 'samples_per_s', '{:.2f}')} | {ratio} "
                 f"| {cell(on, 'peak_rss_mb', '{:.0f}')} | {mem} |")
open(out + "/table.md", "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
