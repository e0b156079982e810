#!/usr/bin/env bash
# peft4j vs PyTorch on the same encoder training steps (batch 8 x 128, 2 threads), in one run.
# Needs Debian's python3-torch with OpenBLAS: apt-get install python3-torch libopenblas0-pthread
# OMP_WAIT_POLICY=PASSIVE keeps torch's OpenMP threads from spinning against OpenBLAS's on 2 vCPUs.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
runs="${RUNS:-7}"
echo "== peft4j ($(date -u '+%F %T') UTC, load: $(cut -d' ' -f1-3 /proc/loadavg))"
"$root/scripts/peft4j" bench step --runs "$runs" --warmup 3 --threads 2 2>/dev/null
echo
echo "== pytorch"
OMP_WAIT_POLICY=PASSIVE OMP_NUM_THREADS=2 /usr/bin/python3 "$root/benchmarks/torch/lora_step.py" --runs "$runs" --warmup 3 --threads 2
