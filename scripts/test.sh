#!/usr/bin/env bash
# The whole test suite, as CI runs it: start the emulators, run every unit and integration test
# (mvn verify, which also checks formatting), print a summary, stop the emulators this script
# started. Extra arguments go to Maven, e.g.:
#   scripts/test.sh -pl image-formats -am      one module and what it needs
#   scripts/test.sh -DskipITs                  unit tests only: no emulators, no it/ tests
# The JDK is Maven's: JAVA_HOME picks it, e.g. on the newest supported one (the formatting check
# then is left to Java 17, see the root pom's jdk25-plus profile):
#   JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64 scripts/test.sh
# --also-jdk DIR (repeatable) runs, after the whole suite on Maven's JDK, the unit tests of every
# module again on the JDK in DIR (mvn verify -DskipITs: what differs between JDKs is the code, not
# the emulators), so that CI covers the oldest and the newest JDK within its time budget:
#   scripts/test.sh --also-jdk /usr/lib/jvm/temurin-25-jdk-amd64
# Without --also-jdk, the newest JDK under /usr/lib/jvm that is newer than Maven's is used (Java 17
# is the floor, the newest the target); --no-also-jdk runs on Maven's JDK only.
set -euo pipefail
also_jdks=()
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --also-jdk)
      [ $# -ge 2 ] && [ -x "$2/bin/java" ] || { echo "test.sh: --also-jdk needs a JDK folder (with bin/java), got '${2:-}'" >&2; exit 2; }
      also_jdks+=("$2"); shift 2 ;;
    --no-also-jdk) also_jdks=(none); shift ;;
    *) args+=("$1"); shift ;;
  esac
done
java_major() { "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p'; }
if [ ${#also_jdks[@]} -eq 0 ]; then
  base=$(java_major "${JAVA_HOME:+$JAVA_HOME/bin/}java")
  newest="" newest_major=${base:-0}
  for d in /usr/lib/jvm/*/; do
    [ -x "$d/bin/java" ] && [ -x "$d/bin/javac" ] || continue
    m=$(java_major "$d/bin/java")
    if [ -n "$m" ] && [ "$m" -gt "$newest_major" ]; then newest=${d%/} newest_major=$m; fi
  done
  [ -n "$newest" ] && also_jdks=("$newest")
elif [ "${also_jdks[0]}" = none ]; then
  also_jdks=()
fi
set -- ${args[@]+"${args[@]}"}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
started_at=$SECONDS

skip_its=no
for arg in "$@"; do
  case "$arg" in -DskipITs | -DskipITs=true) skip_its=yes ;; esac
done

# Stop at the end exactly the emulators that were not running before: another run (or a
# developer) may be using the ones that were.
to_stop=()
if [ "$skip_its" = no ]; then
  while IFS= read -r line; do
    case "$line" in *": not running") to_stop+=("${line%%:*}") ;; esac
  done < <(scripts/emulators.sh status 2>/dev/null || true)
fi
since=$(mktemp)
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
  rm -f "$since"
  if [ ${#to_stop[@]} -gt 0 ]; then scripts/emulators.sh down "${to_stop[@]}" || true; fi
}
trap cleanup EXIT

if [ "$skip_its" = no ]; then
  scripts/emulators.sh up
else
  echo "test.sh: -DskipITs given: not starting the emulators; the it/ module's tests are skipped"
fi

java_bin=${JAVA_HOME:+$JAVA_HOME/bin/}java
echo "test.sh: testing on $("$java_bin" -version 2>&1 | head -1) (${JAVA_HOME:-java on PATH})"
rc=0
mvn -B -ntp verify "$@" || rc=$?

for jdk in ${also_jdks[@]+"${also_jdks[@]}"}; do
  echo "test.sh: unit tests again on $("$jdk/bin/java" -version 2>&1 | head -1) ($jdk)"
  JAVA_HOME="$jdk" mvn -B -ntp verify -DskipITs "$@" || rc=$((rc == 0 ? 1 : rc))
done

# action.yml and the example workflows, linted against each other (installs actionlint once).
if [ "$skip_its" = no ]; then
  scripts/actionlint.sh || rc=$((rc == 0 ? 1 : rc))
fi

# Each fuzz target for a short time (UNIDEPLOY_FUZZ_SECONDS each, 0 to skip; docs/fuzzing.md has
# the longer run): a regression in a reader's bounds shows up here, not in a user's image.
if [ "${UNIDEPLOY_FUZZ_SECONDS:-15}" != 0 ]; then
  scripts/fuzz.sh "${UNIDEPLOY_FUZZ_SECONDS:-15}" || rc=$((rc == 0 ? 1 : rc))
fi

# The Python fakes of the clouds without an emulator (it/fakes) have tests of their own; their
# JUnit-style report lands where the summary below looks for reports.
if [ "$skip_its" = no ]; then
  fakes_reports="$ROOT/it/fakes/target/surefire-reports"
  mkdir -p "$fakes_reports"
  (cd "$ROOT/it/fakes" && python3 -m pytest -q -p no:cacheprovider \
    --junitxml="$fakes_reports/TEST-fakes.xml" .) || rc=$((rc == 0 ? 1 : rc))
fi

# Summary from the Surefire reports this run wrote (older reports in target/ are ignored).
python3 - "$ROOT" "$since" "$rc" "$((SECONDS - started_at))" <<'PY'
import os, sys, xml.etree.ElementTree as ET
root, since, rc, elapsed = sys.argv[1], os.path.getmtime(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
modules, failed_cases = {}, []
for dirpath, dirnames, filenames in os.walk(root):
    dirnames[:] = [d for d in dirnames if not d.startswith(".") and d != "node_modules"]
    if not dirpath.endswith(os.path.join("target", "surefire-reports")):
        continue
    module = os.path.relpath(os.path.dirname(os.path.dirname(dirpath)), root)
    for name in filenames:
        path = os.path.join(dirpath, name)
        if not (name.startswith("TEST-") and name.endswith(".xml")) or os.path.getmtime(path) < since:
            continue
        # Count <testcase> elements, not the suite's attributes: when two engines (JUnit Jupiter
        # and jqwik) run one class, its report lists every case but its tests="" counts one run.
        m = modules.setdefault(module, [0, 0, 0])
        for case in ET.parse(path).getroot().iter("testcase"):
            if case.find("failure") is not None or case.find("error") is not None:
                m[1] += 1
                failed_cases.append(f"{case.get('classname')}.{case.get('name')} ({module})")
            elif case.find("skipped") is not None:
                m[2] += 1
            else:
                m[0] += 1
print()
print("=" * 72)
print("unideploy test summary")
print(f"  {'module':<28}{'passed':>8}{'failed':>8}{'skipped':>9}")
for module in sorted(modules):
    p, f, s = modules[module]
    print(f"  {module:<28}{p:>8}{f:>8}{s:>9}")
if not modules:
    print("  (no test reports were written by this run)")
for case in failed_cases:
    print(f"  FAILED {case}")
total = [sum(m[i] for m in modules.values()) for i in range(3)]
if rc != 0:
    print(f"  maven exited with {rc}" + ("" if failed_cases else
          ": a build step failed (compile, formatting, or a test JVM crash); see the output above"))
print(f"  time: {elapsed // 60}m{elapsed % 60:02d}s")
print("=" * 72)
print(f"tests: {total[0]} passed, {total[1]} failed, {total[2]} skipped")
PY
exit "$rc"
