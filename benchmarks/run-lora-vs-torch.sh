#!/usr/bin/env bash
# peft4j vs PyTorch on the same encoder training steps (batch 8 x 128, 2 threads), in one run.
# Needs Debian's python3-torch with OpenBLAS: apt-get install python3-torch libopenblas0-pthread
# OMP_WAIT_POLICY=PASSIVE keeps torch's OpenMP threads from spinning against OpenBLAS's on 2 vCPUs.
#
# The two frameworks take turns for ROUNDS rounds (default 3), so a slow spell of a shared machine
# weighs on both; the summary gives each round's ratios and their medians.
# Environment: ROUNDS (default 3), RUNS timed steps per mode and round (default 7), WARMUP untimed
# steps before them (default 20: the JVM's compilers are at work over the first steps, and the
# LoRA step's optimizer calls, 24 small tensors, reach C2 only after 8–20 of them; so that the
# figures are steady-state ones, as a long fine-tune sees them).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
runs="${RUNS:-7}"
rounds="${ROUNDS:-3}"
warmup="${WARMUP:-20}"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT

# median s/step of a mode from a Markdown row: | <name> | <mode> | params | median | min | ...
median_of() { awk -F'|' -v name="$1" -v mode="$2" '$2 ~ name && $3 ~ " " mode " " { gsub(/ /, "", $5); print $5 }'; }

for round in $(seq "$rounds"); do
  echo "== round $round/$rounds: peft4j ($(date -u '+%F %T') UTC, load: $(cut -d' ' -f1-3 /proc/loadavg))"
  peft4j_table="$("$root/scripts/peft4j" bench step --models encoder --runs "$runs" --warmup "$warmup" --threads 2 2>/dev/null)"
  echo "$peft4j_table"
  echo
  echo "== round $round/$rounds: pytorch"
  torch_table="$(OMP_WAIT_POLICY=PASSIVE OMP_NUM_THREADS=2 /usr/bin/python3 "$root/benchmarks/torch/lora_step.py" \
    --runs "$runs" --warmup "$warmup" --threads 2)"
  echo "$torch_table"
  echo
  printf '%s %s %s %s\n' \
    "$(median_of encoder lora <<<"$peft4j_table")" "$(median_of encoder full <<<"$peft4j_table")" \
    "$(median_of pytorch lora <<<"$torch_table")" "$(median_of pytorch full <<<"$torch_table")" >>"$log"
done

echo "== summary (median s/step per round; speed = PyTorch s/step ÷ peft4j s/step)"
echo "| round | peft4j LoRA | PyTorch LoRA | LoRA speed vs PyTorch | peft4j full | peft4j LoRA ÷ full | PyTorch LoRA ÷ full |"
echo "|---|---|---|---|---|---|---|"
awk '{ printf "| %d | %.3f | %.3f | %.2f× | %.3f | %.2f | %.2f |\n", NR, $1, $3, $3 / $1, $2, $1 / $2, $3 / $4 }' "$log"
awk '{ speed[NR] = $3 / $1; ratio[NR] = $1 / $2 }
     function median(a, n,   i, j, t) {
       for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
       return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
     }
     END { printf "| median | | | %.2f× | | %.2f | |\n", median(speed, NR), median(ratio, NR) }' "$log"
