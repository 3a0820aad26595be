#!/usr/bin/env bash
# Builds the bench module (with schemas and core) and runs the four core JMH benchmarks with modest iteration
# counts (about 4 minutes on 2 cores), writing bench/results/core-<date>.csv (+ .log with JMH's output and
# .md with the summary) and printing the summary table.
#
# Environment (all optional):
#   SKIP_BUILD=1        use the existing bench/target/benchmarks.jar
#   MVN_FLAGS="-o"      extra Maven flags (e.g. offline)
#   WI=2 W=1s I=4 R=1s  warmup iterations/time, measurement iterations/time per benchmark
#   FORKS=1             forks per benchmark
#   BENCH_REGEX=...     which benchmarks (default: the four core classes)
#   JMH_ARGS="..."      extra JMH arguments, e.g. "-jvmArgs -Dseedflow.cpu.vector=false"
set -euo pipefail
bench="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$bench/.." && pwd)"
jar="$bench/target/benchmarks.jar"

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  echo "== build: mvn -B -q -DskipTests -Dseedflow.skipFetch=true ${MVN_FLAGS:-} package -pl bench -am"
  (cd "$repo" && mvn -B -q -DskipTests -Dseedflow.skipFetch=true ${MVN_FLAGS:-} package -pl bench -am)
fi
[[ -f "$jar" ]] || { echo "missing $jar (build failed?)" >&2; exit 1; }

mkdir -p "$bench/results"
stamp="$(date +%Y%m%d-%H%M%S)"
csv="$bench/results/core-$stamp.csv"
log="$bench/results/core-$stamp.log"
md="$bench/results/core-$stamp.md"
regex="${BENCH_REGEX:-io\.seedflow\.bench\.(GaussianBench|UpdateBench|MlpForwardBench|ZoStepBench)\.}"

cpu="$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //' || echo unknown)"
echo "== host: $cpu, $(nproc) cores; $(java -version 2>&1 | head -1)"
cmd=(java -jar "$jar" "$regex" -wi "${WI:-2}" -w "${W:-1s}" -i "${I:-4}" -r "${R:-1s}" -f "${FORKS:-1}" -foe true
     -rf csv -rff "$csv" ${JMH_ARGS:-})
echo "== run: ${cmd[*]}"
start=$SECONDS
"${cmd[@]}" > "$log" 2>&1 || { tail -40 "$log" >&2; echo "JMH failed; full output in $log" >&2; exit 1; }
echo "== JMH done in $((SECONDS - start)) s; raw output $log, results $csv"

{
  echo "# SeedFlow core benchmarks, $stamp"
  echo
  echo "Host: $cpu, $(nproc) cores; $(java -version 2>&1 | head -1)"
  echo "Command: ${cmd[*]}"
  echo
  java --add-modules jdk.incubator.vector -cp "$jar" io.seedflow.bench.Summary "$csv" \
    2> >(grep -v "^WARNING: Using incubator modules" >&2)
} > "$md"
cat "$md"
echo
echo "== summary written to $md"
