#!/usr/bin/env bash
# Builds peft4j and its benchmarks, runs the GEMM benchmarks with JMH (about 4 minutes), and prints
# a Markdown table of GFLOP/s and % of the measured FMA peak per row.
#   benchmarks/run-gemm.sh                 # everything
#   benchmarks/run-gemm.sh -p threads=1    # extra arguments go to JMH
# Raw JMH results: benchmarks/target/gemm-results.json. Run it on an otherwise idle machine.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
. "$root/scripts/jdk.sh"
peft4j_find_jdk

echo "building peft4j and benchmarks ..." >&2
(cd "$root" && mvn -B -q -DskipTests install)
(cd "$here" && mvn -B -q package)

results="$here/target/gemm-results.json"
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
if awk -v cpus="$(nproc)" '{ exit !($1 > cpus / 2) }' /proc/loadavg; then
  echo "WARNING: the machine is busy (1-minute load $(cut -d' ' -f1 /proc/loadavg) on $(nproc) CPUs): expect low, noisy numbers." >&2
fi
"$JAVA_HOME/bin/java" --sun-misc-unsafe-memory-access=allow -jar "$here/target/benchmarks.jar" \
  'org\.peft4j\.bench\.(GemmBenchmark|EjmlGemmBenchmark|NaiveGemmBenchmark|FmaPeakBenchmark)\.' \
  -rf json -rff "$results" "$@" >&2
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg); $(date -u '+%Y-%m-%d %H:%M UTC'); JDK $("$JAVA_HOME/bin/java" -version 2>&1 | head -1)"
"$JAVA_HOME/bin/java" -cp "$here/target/benchmarks.jar" org.peft4j.bench.GemmReport "$results"
