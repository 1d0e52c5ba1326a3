#!/usr/bin/env bash
# Start-up of `unideploy convert` with the JVM's class-data caches, side by side in one run: no
# archive (the JDK's own CDS only), the launcher's static AppCDS archive, on Java 25 what the
# launcher does by default (its own AOT cache), and on a JDK that has it (24+) the ahead-of-time
# cache (https://openjdk.org/jeps/483, https://openjdk.org/jeps/514, https://openjdk.org/jeps/515)
# in the forms that can be assembled: two-step (-XX:AOTMode=record, then -XX:AOTMode=create) and
# one-step (-XX:AOTCacheOutput), each as it is by default and with -XX:-AOTClassLinking or
# -XX:-AOTInvokeDynamicLinking. A form whose assembly fails is reported as such (the JVM's crash
# report goes to the bench directory) and not timed.
#
# Every variant runs through ./unideploy with the same flags (UNIDEPLOY_AOT=0 for the AppCDS
# archive; UNIDEPLOY_CDS=0 and the cache in UNIDEPLOY_JAVA_OPTS for the AOT forms measured here),
# trained on one untimed convert of the same input, then RUNS rounds interleaved; the minimum and
# the median of wall and CPU time are printed.
#
# Usage: bench/startup.sh                        (java on PATH; SKIP_BUILD=1 reuses cli/target)
#        PATH=/usr/lib/jvm/temurin-25-jdk-amd64/bin:$PATH SKIP_BUILD=1 bench/startup.sh
# Env:   BENCH_DIR (default /tmp/unideploy-startup), RUNS (default 9), SIZE_MIB (default 20: the
#        input is a sparse raw file of that size, a quarter of it random data), TO (default
#        vhd-fixed: the output format).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
W=${BENCH_DIR:-/tmp/unideploy-startup}
RUNS=${RUNS:-9}
SIZE_MIB=${SIZE_MIB:-20}
TO=${TO:-vhd-fixed}
mkdir -p "$W"
if [[ -z "${SKIP_BUILD:-}" ]]; then
  flock /tmp/unideploy-mvn.lock mvn -B -ntp -q package -pl cli -am -DskipTests >&2
fi
JAVA_BIN=$(readlink -f "$(command -v java)")
MAJOR=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*$/\1/p' "$(dirname "$(dirname "$JAVA_BIN")")/release")
echo "java: $JAVA_BIN (major $MAJOR)" >&2

IN=$W/in.raw
rm -f "$IN"
truncate -s "${SIZE_MIB}M" "$IN"
{ openssl enc -aes-128-ctr -nosalt -pass pass:startup -in /dev/zero 2>/dev/null || true; } |
  head -c $((SIZE_MIB * 1024 * 1024 / 4)) | dd of="$IN" conv=notrunc status=none
OUT=$W/out.img
UD=(env UNIDEPLOY_BUILD=0 "$ROOT/unideploy")
CMD=(convert "$IN" "$OUT" --to "$TO" --force)

# Each variant: UNIDEPLOY_CDS and UNIDEPLOY_AOT for the launcher, and the JVM options it adds.
declare -A CDS_OF AOT_OF OPTS_OF
CDS_OF[plain]=0 AOT_OF[plain]=0 OPTS_OF[plain]=""
CDS_OF[appcds]=1 AOT_OF[appcds]=0 OPTS_OF[appcds]=""
ORDER=(plain appcds)
# The launcher's AppCDS archive is recorded by the first run after a build.
UNIDEPLOY_AOT=0 "${UD[@]}" "${CMD[@]}" >/dev/null 2>&1
if [[ ${MAJOR:-0} -ge 25 ]]; then
  # What the launcher does by default on Java 25: its own AOT cache, recorded by the first run.
  CDS_OF[launcher]=1 AOT_OF[launcher]=1 OPTS_OF[launcher]=""
  ORDER+=(launcher)
  "${UD[@]}" "${CMD[@]}" >/dev/null 2>&1
  ls "$ROOT"/cli/target/unideploy-convert-*.aot >/dev/null 2>&1 ||
    echo "launcher: no AOT cache was assembled (see cli/target/*.aot.failed, *.hs_err.log)" >&2
fi

if [[ ${MAJOR:-0} -ge 24 ]]; then
  # aot NAME MODE FLAGS: assembles a cache for variant NAME, two-step or one-step.
  aot() {
    local name=$1 mode=$2 flags=$3 cache=$W/$1.aot
    rm -f "$cache" "$cache.conf" "$W/$1".hs_err
    local err=(-XX:ErrorFile="$W/$name.hs_err" -Xlog:aot=off -Xlog:cds=off)
    if [[ $mode == two-step ]]; then
      UNIDEPLOY_CDS=0 UNIDEPLOY_JAVA_OPTS="$flags -XX:AOTMode=record -XX:AOTConfiguration=$cache.conf ${err[*]}" \
        "${UD[@]}" "${CMD[@]}" >/dev/null 2>&1 || true
      UNIDEPLOY_CDS=0 UNIDEPLOY_JAVA_OPTS="$flags -XX:AOTMode=create -XX:AOTConfiguration=$cache.conf -XX:AOTCache=$cache ${err[*]}" \
        "${UD[@]}" >/dev/null 2>&1 || true
    else
      UNIDEPLOY_CDS=0 UNIDEPLOY_JAVA_OPTS="$flags -XX:AOTCacheOutput=$cache ${err[*]}" \
        "${UD[@]}" "${CMD[@]}" >/dev/null 2>&1 || true
    fi
    if [[ -s $cache ]]; then
      CDS_OF[$name]=0 AOT_OF[$name]=0 OPTS_OF[$name]="$flags -XX:AOTCache=$cache"
      ORDER+=("$name")
      echo "$name: assembled ($(stat -c %s "$cache") bytes)" >&2
    else
      echo "$name: assembly FAILED ($(ls "$W/$name".hs_err* 2>/dev/null | head -1 || echo 'no crash report'): $(grep -m1 -o 'Internal Error.*' "$W/$name".hs_err* 2>/dev/null || true))" >&2
    fi
  }
  NOINDY="-XX:+UnlockDiagnosticVMOptions -XX:-AOTInvokeDynamicLinking"
  aot aot-2step "two-step" ""
  aot aot-2step-nolink "two-step" "-XX:-AOTClassLinking"
  aot aot-2step-noindy "two-step" "$NOINDY"
  aot aot-1step "one-step" ""
  aot aot-1step-nolink "one-step" "-XX:-AOTClassLinking"
  aot aot-1step-noindy "one-step" "$NOINDY"
fi

RESULTS=$W/results.tsv
: >"$RESULTS"
for ((run = 1; run <= RUNS; run++)); do
  for name in "${ORDER[@]}"; do
    rm -f "$OUT"
    sync
    UNIDEPLOY_CDS=${CDS_OF[$name]} UNIDEPLOY_AOT=${AOT_OF[$name]} UNIDEPLOY_JAVA_OPTS=${OPTS_OF[$name]} /usr/bin/time -f "%e %U %S" -o "$W/time.txt" \
      "${UD[@]}" "${CMD[@]}" >/dev/null 2>"$W/err.txt" || { echo "FAILED: $name" >&2; cat "$W/err.txt" >&2; exit 1; }
    if grep -qi 'error' "$W/err.txt"; then echo "$name printed an error:" >&2; cat "$W/err.txt" >&2; exit 1; fi
    read -r wall user sys <"$W/time.txt"
    printf '%s\t%s\t%s\n' "$name" "$wall" "$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')" >>"$RESULTS"
  done
done

python3 - "$RESULTS" "$MAJOR" "$TO" "$SIZE_MIB" <<'PY'
import sys, statistics
rows = {}
for name, wall, cpu in (l.split() for l in open(sys.argv[1])):
    rows.setdefault(name, []).append((float(wall), float(cpu)))
base = min(w for w, _ in rows["appcds"])
print(f"Java {sys.argv[2]}: convert --to {sys.argv[3]} of a {sys.argv[4]} MiB sparse raw image,"
      f" {len(rows['plain'])} interleaved runs per variant")
print(f"{'variant':22} {'wall min':>9} {'wall med':>9} {'cpu min':>8} {'cpu med':>8} {'wall min vs appcds':>19}")
for name, v in rows.items():
    w = [x for x, _ in v]; c = [y for _, y in v]
    print(f"{name:22} {min(w):9.2f} {statistics.median(w):9.2f} {min(c):8.2f} {statistics.median(c):8.2f} {min(w) / base:18.2f}x")
PY
