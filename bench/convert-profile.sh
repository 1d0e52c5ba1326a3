#!/usr/bin/env bash
# Where the wall time of one `unideploy convert` goes, as users run it (./unideploy, default
# flags): JVM creation, class loading and the command line (picocli), opening and inspecting the
# input, the copy, closing and reporting, and what is left (the launcher script and the JVM's exit).
# The phases are cut at classes the JVM loads when each step starts (-Xlog:class+load, which costs a
# little itself); the system calls of one more run are counted with strace -c -f, and the class
# path's cost is shown apart with bench/StartupProbe.java. Medians of RUNS runs, page cache warm.
# On Java 25 the runs use the launcher's AppCDS archive (UNIDEPLOY_AOT=0): the AOT cache loads its
# classes while the JVM starts, which leaves no class-load marks to cut the phases at
# (bench/startup.sh measures what the cache saves).
#
# Usage: bench/convert-profile.sh INPUT FORMAT     (SKIP_BUILD=1 reuses cli/target/unideploy.jar)
#        PATH=/usr/lib/jvm/temurin-25-jdk-amd64/bin:$PATH SKIP_BUILD=1 bench/convert-profile.sh ...
# Env:   RUNS (default 5), BENCH_DIR (default /tmp/unideploy-profile).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
IN=$(readlink -f "$1")
TO=$2
W=${BENCH_DIR:-/tmp/unideploy-profile}
RUNS=${RUNS:-5}
mkdir -p "$W"
if [[ -z "${SKIP_BUILD:-}" ]]; then
  flock /tmp/unideploy-mvn.lock mvn -B -ntp -q package -pl cli -am -DskipTests >&2
fi
UD=(env UNIDEPLOY_BUILD=0 UNIDEPLOY_AOT=0 "$ROOT/unideploy")
OUT=$W/out.img
CMD=(convert "$IN" "$OUT" --to "$TO" --force)
cat "$IN" >/dev/null
"${UD[@]}" "${CMD[@]}" >/dev/null 2>&1 # records the launcher's AppCDS archive after a build

rm -f "$W"/cl-*.txt "$W"/st-*.txt "$W"/wall.txt
for ((run = 1; run <= RUNS; run++)); do
  rm -f "$OUT"
  sync
  UNIDEPLOY_JAVA_OPTS="-Xlog:class+load:file=$W/cl-$run.txt:uptime -Xlog:startuptime:file=$W/st-$run.txt:uptime" \
    /usr/bin/time -f "%e %U %S" -a -o "$W/wall.txt" "${UD[@]}" "${CMD[@]}" >/dev/null 2>&1
done

python3 - "$W" "$RUNS" <<'PY'
import re, statistics, sys
w, runs = sys.argv[1], int(sys.argv[2])
# The first class each step loads: where the step starts.
marks = [("JVM created, main class loaded", "dev.unideploy.cli.Main"),
         ("command line built (picocli), convert starts", "dev.unideploy.pipeline.convert.ConvertJob"),
         ("input opened and mapped, output created: copy starts", "dev.unideploy.image.write.KernelCopy"),
         ("copy done", "dev.unideploy.image.write.WriteResult"),
         ("output renamed, result reported", "dev.unideploy.cli.CtrlC")]
walls = [list(map(float, l.split())) for l in open(f"{w}/wall.txt")]
phases = {}
for run in range(1, runs + 1):
    seen = {}
    for line in open(f"{w}/cl-{run}.txt"):
        m = re.match(r"\[(\d+\.\d+)s\] (\S+) ", line)
        if m and m.group(2) not in seen:
            seen[m.group(2)] = float(m.group(1))
    vm = [float(m.group(1)) for m in (re.search(r"Create VM, (\d+\.\d+) secs", l) for l in open(f"{w}/st-{run}.txt")) if m]
    last = 0.0
    row = {"JVM creation (-Xlog:startuptime 'Create VM')": vm[0] if vm else float("nan")}
    for name, cls in marks:
        t = seen.get(cls)
        if t is None:
            row[name] = float("nan")
            continue
        row[name] = t - last
        last = t
    row["launcher script, JVM exit (wall - last mark)"] = walls[run - 1][0] - last
    for k, v in row.items():
        phases.setdefault(k, []).append(v)
print(f"median of {runs} runs; wall {statistics.median(x[0] for x in walls):.3f} s, "
      f"CPU {statistics.median(x[1] + x[2] for x in walls):.3f} s")
print("phase (time since the previous mark; JVM uptime from the class-load log)       seconds")
for k, v in phases.items():
    print(f"  {k:75} {statistics.median(v):7.3f}")
PY

echo "--- system calls of one run (strace -c -f; strace slows the run down)"
rm -f "$OUT"
strace -f -c -o "$W/strace.txt" "${UD[@]}" "${CMD[@]}" >/dev/null 2>&1
head -14 "$W/strace.txt"

echo "--- the class path's cost (bench/StartupProbe.java, 3 runs each)"
T=$(mktemp -d)
javac -d "$T" bench/StartupProbe.java
for cp in "$T:$ROOT/cli/target/unideploy.jar" "$T"; do
  echo "class path: $([[ $cp == "$T" ]] && echo 'the probe alone' || echo "unideploy.jar and its $(find "$ROOT/cli/target/lib" -name '*.jar' | wc -l) jars")"
  for i in 1 2 3; do java -cp "$cp" StartupProbe; done
done
rm -rf "$T"
