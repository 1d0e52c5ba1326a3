#!/usr/bin/env bash
# Fuzzes the Jazzer targets of image-formats' ReaderFuzzTest for real (coverage-guided, not the
# seed-only regression run of `mvn verify`), one after the other, SECONDS each. Each target starts
# from its committed seeds (src/test/resources/.../ReaderFuzzTestInputs/TARGET) plus what earlier
# runs found interesting (image-formats/target/fuzz/TARGET/corpus). A finding (an exception other
# than ImageFormatException, an OOM, a hang) stops the run with Jazzer's report and a reproducer
# under image-formats/target/fuzz/TARGET/; the script exits non-zero.
#
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]
#   scripts/fuzz.sh 15                   every target, 15 s each (what CI runs)
#   scripts/fuzz.sh 3600 fuzzGceTarball  one target for an hour (see docs/fuzzing.md)
# Env: FUZZ_JAVA_OPTS (default -Xmx1g) for the fuzzing JVM. Run it under the machine's build lock
# where builds share the machine: flock /tmp/unideploy-mvn.lock scripts/fuzz.sh 15
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-15}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(fuzzQcow2 fuzzVmdk fuzzVmdkDescriptor fuzzVhd fuzzDetectedAndRaw fuzzGceTarball)
fi
case $seconds in '' | *[!0-9]*) echo "fuzz.sh: SECONDS must be a whole number, got '$seconds'" >&2; exit 2 ;; esac

cd "$root"
mvn -B -ntp -q -pl image-formats -am test-compile -Dspotless.check.skip=true
mvn -B -ntp -q -pl image-formats dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile=target/fuzz-classpath.txt
cd image-formats
cp="target/test-classes:target/classes:$(cat target/fuzz-classpath.txt)"
seeds=src/test/resources/dev/unideploy/image/ReaderFuzzTestInputs

started=$SECONDS
for t in "${targets[@]}"; do
  [ -d "$seeds/$t" ] || { echo "fuzz.sh: no target $t (no seeds in $seeds/$t)" >&2; exit 2; }
  work=target/fuzz/$t
  mkdir -p "$work/corpus"
  echo "fuzz.sh: $t for ${seconds}s (corpus $work/corpus)"
  # The standalone driver runs a @FuzzTest method by name; -max_total_time bounds the run, -timeout
  # turns one slow input into a finding (a hang), and only our code and the parsers we call are
  # instrumented for coverage.
  if ! java ${FUZZ_JAVA_OPTS:--Xmx1g} --enable-native-access=ALL-UNNAMED -cp "$cp" \
    com.code_intelligence.jazzer.Jazzer \
    --target_class=dev.unideploy.image.ReaderFuzzTest --target_method="$t" \
    --instrumentation_includes='dev.unideploy.image.**:org.apache.commons.compress.**:io.airlift.compress.**' \
    --reproducer_path="$work" -artifact_prefix="$work/" \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    "$work/corpus" "$seeds/$t" >"$work/log.txt" 2>&1; then
    tail -60 "$work/log.txt" >&2
    echo "fuzz.sh: $t: a finding; Jazzer's full log is $work/log.txt, reproducer in $work/" >&2
    exit 1
  fi
  grep -E '^#[0-9]+.*DONE' "$work/log.txt" | tail -1 || tail -3 "$work/log.txt"
done
echo "fuzz.sh: ${#targets[@]} targets fuzzed for ${seconds}s each without a finding ($((SECONDS - started))s)"
