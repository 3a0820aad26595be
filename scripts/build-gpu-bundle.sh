#!/usr/bin/env bash
# Builds gpu-bundle/ (git-ignored) for a GPU host that has a driver but no Java and no network:
#   gpu-bundle/jre/             a jlink runtime (java.base, java.logging, jdk.unsupported, java.management,
#                               jdk.incubator.vector; ~40 MB)
#   gpu-bundle/seedflow-gpu.jar gpu-ops + core + JCuda (main class io.seedflow.gpu.check.GpuMain)
#   gpu-bundle/gaussian-v1.csv  the golden Gaussian vectors
#   gpu-bundle/mezo_torch.py    the PyTorch MeZO reference trainer (bench/gpu)
#   gpu-bundle/run.sh           ./run.sh check | ./run.sh bench [models] [batches] [steps] | ./run.sh torch ...
# Use: scripts/build-gpu-bundle.sh, then carry gpu-bundle to the GPU host and run gpu-bundle/run.sh check.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
out="$repo/gpu-bundle"
cd "$repo"
mvn -B -q ${MVN_FLAGS:-} -Dseedflow.skipFetch=true -DskipTests package -pl gpu-ops -am
rm -rf "$out"
mkdir -p "$out"
cp gpu-ops/target/seedflow-gpu.jar "$out/"
cp core/src/test/resources/golden/gaussian-v1.csv bench/gpu/mezo_torch.py "$out/"
jlink --add-modules java.base,java.logging,jdk.unsupported,java.management,jdk.incubator.vector \
      --strip-debug --no-header-files --no-man-pages --compress=2 --output "$out/jre"
cat > "$out/run.sh" <<'RUN'
#!/usr/bin/env bash
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
what="${1:-check}"
shift || true
case "$what" in
  check) exec ./jre/bin/java --add-modules jdk.incubator.vector -jar seedflow-gpu.jar check gaussian-v1.csv ;;
  bench) exec ./jre/bin/java --add-modules jdk.incubator.vector -jar seedflow-gpu.jar bench "$@" ;;
  torch) exec python3 mezo_torch.py "$@" ;;
  *) echo "usage: run.sh check | bench [models] [batches] [steps] | torch [args]" >&2; exit 2 ;;
esac
RUN
chmod +x "$out/run.sh"
du -sh "$out" "$out/jre" "$out/seedflow-gpu.jar"
