#!/usr/bin/env bash
# Benchmarks unideploy's EBS direct uploader against coldsnap (awslabs/coldsnap), side by side in
# one run, on moto: a 1 GiB raw image with 25% data (random, 1 MiB per 4 MiB, the rest holes).
# Prints wall time, client CPU (user+sys) and peak RSS of each uploader, blocks sent vs allocated
# and non-zero blocks, and the ratios. Not a test: numbers on moto say little about AWS itself.
#
# Both tools talk to moto through bench/moto-ebs-proxy.py, which rewrites moto's BlockSize (512)
# to real EBS's 524288 (coldsnap sizes its blocks from it) and counts PutSnapshotBlock calls.
#
# Usage: bench/aws-upload.sh               (builds providers/aws first)
#        SKIP_BUILD=1 bench/aws-upload.sh
# Env:   BENCH_DIR (default /tmp/unideploy-bench), RUNS (default 1: rounds of both tools),
#        UD_CONCURRENCY (default: unideploy's default, 32; coldsnap uses its default, 64 workers)
#        MODES (default "direct": production's transport; "apache", "crt": the SDK's own signer on
#        that SDK HTTP client, for comparison; several, space-separated, run side by side each round)
#        UD_JAVA_OPTS (extra JVM flags for unideploy's timed runs, e.g. to compare GCs)
#        UD_LAUNCHER (default 1: start unideploy's JVM the way ./unideploy does: from jars, with an
#        AppCDS archive recorded by one untimed warm-up upload, -XX:CompileThresholdScaling=10;
#        0: a plain `java -cp` over the class directories)
# Needs: java 17, python3, GNU time, cargo (coldsnap is installed once into
#        ~/.cache/unideploy-tools/coldsnap if missing), moto (scripts/emulators.sh up).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
W=${BENCH_DIR:-/tmp/unideploy-bench}
RUNS=${RUNS:-1}
MODES=${MODES:-direct}
TOOLS=${UNIDEPLOY_TOOLS:-$HOME/.cache/unideploy-tools}
COLDSNAP=$TOOLS/coldsnap/bin/coldsnap
IMAGE=$W/aws-1g-25pct.raw
mkdir -p "$W"

scripts/emulators.sh up >&2
MOTO=$(grep '^MOTO_ENDPOINT=' .emulators/env | cut -d= -f2-)

if [[ ! -x $COLDSNAP ]]; then
  command -v cargo >/dev/null || { echo "cargo not found: install Rust (rustup) to build coldsnap" >&2; exit 1; }
  echo "installing coldsnap into $TOOLS/coldsnap (once; compiles for several minutes) ..." >&2
  cargo install --locked coldsnap --root "$TOOLS/coldsnap" >&2
fi

CP_FILE=$W/aws-bench.classpath
if [[ -z "${SKIP_BUILD:-}" ]]; then
  echo "building providers/aws ..." >&2
  # A reactor build (no install): the class path names the modules' target/ folders.
  flock /tmp/unideploy-mvn.lock mvn -B -ntp -q test-compile dependency:build-classpath \
    -pl providers/aws -am -Dspotless.check.skip=true -Dmdep.includeScope=test \
    -Dmdep.outputFile="$CP_FILE" >&2
fi
[[ -f $CP_FILE ]] || { echo "no $CP_FILE: run without SKIP_BUILD once" >&2; exit 1; }
CP=$ROOT/providers/aws/target/test-classes:$ROOT/providers/aws/target/classes:$(cat "$CP_FILE")
# The launcher's flag too: on Java 24+ the raw reader asks the file system for its holes
# (SEEK_DATA, through JNA) only when native access is granted, and scans the whole file otherwise.
NATIVE_ACCESS=(--enable-native-access=ALL-UNNAMED)
UD_JAVA=(java -Xmx512m "${NATIVE_ACCESS[@]}")

if [[ ! -f $IMAGE ]]; then
  echo "writing $IMAGE ..." >&2
  python3 - "$IMAGE" <<'PY'
import random, sys
rnd = random.Random(20261129)
with open(sys.argv[1], "wb") as f:
    f.truncate(1 << 30)
    for chunk in range(256):                       # 256 chunks of 4 MiB
        at = chunk * (4 << 20) + rnd.randrange(4) * (1 << 20)
        f.seek(at)
        f.write(rnd.randbytes(1 << 20))            # 1 MiB of data per 4 MiB: 25%
PY
fi

# Allocated 512 KiB blocks (by SEEK_DATA/SEEK_HOLE) and non-zero ones (by content).
read -r ALLOCATED NONZERO < <(python3 - "$IMAGE" <<'PY'
import os, sys
B = 512 * 1024
fd = os.open(sys.argv[1], os.O_RDONLY); size = os.fstat(fd).st_size
alloc, pos = set(), 0
while pos < size:
    try: start = os.lseek(fd, pos, os.SEEK_DATA)
    except OSError: break
    end = os.lseek(fd, start, os.SEEK_HOLE)
    alloc.update(range(start // B, (end - 1) // B + 1)); pos = end
zero = bytes(B); nonzero = sum(1 for i in alloc if os.pread(fd, B, i * B).ljust(B, b"\0") != zero)
print(len(alloc), nonzero)
PY
)

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 bench/moto-ebs-proxy.py "$PORT" "$MOTO" &
PROXY_PID=$!
trap 'kill $PROXY_PID 2>/dev/null || true' EXIT
EP=http://127.0.0.1:$PORT
for _ in $(seq 50); do curl -sf "$EP/__stats" >/dev/null && break; sleep 0.1; done
stat_blocks() { curl -sf "$EP/__stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["putBlocks"])'; }

export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/EXAMPLEKEY
export AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true

if [[ ${UD_LAUNCHER:-1} != 0 ]]; then
  # AppCDS maps only jars, and checks them by size and time: snapshot the class path into $W so a
  # concurrent `mvn install` elsewhere cannot silently invalidate the archive mid-benchmark.
  rm -rf "$W/ud-cp" && mkdir -p "$W/ud-cp"
  jar cf "$W/ud-cp/0-unideploy-aws-bench.jar" -C providers/aws/target/test-classes . \
    -C providers/aws/target/classes .
  IFS=: read -r -a deps <"$CP_FILE" || true   # the file has no final newline
  for d in "${deps[@]}"; do
    if [[ -d $d ]]; then   # a reactor module's classes: AppCDS needs a jar
      jar cf "$W/ud-cp/$(echo "${d#"$ROOT"/}" | tr / -).jar" -C "$d" .
    else
      cp -p "$d" "$W/ud-cp/"
    fi
  done
  CP=$(find "$W/ud-cp" -name '*.jar' | sort | paste -sd:)
  WARMUP=$W/aws-cds-warmup.raw
  [[ -f $WARMUP ]] || python3 -c 'import os,sys; f=open(sys.argv[1],"wb"); f.truncate(8<<20); f.write(os.urandom(1<<20))' "$WARMUP"
  # A static archive, as ./unideploy records it: the class list of one untimed upload plus the
  # JDK's own list, dumped with -Xshare:dump (see the launcher for why static, not dynamic).
  echo "recording the AppCDS archive (one untimed upload of $WARMUP) ..." >&2
  rm -f "$W/ud.jsa" "$W/ud.classlist"
  for mode in $MODES; do
    java -Xmx512m "${NATIVE_ACCESS[@]}" -XX:DumpLoadedClassList="$W/ud.$mode.classlist" -cp "$CP" \
      dev.unideploy.provider.aws.upload.EbsUploadBench "$EP" "$WARMUP" "${UD_CONCURRENCY:-32}" \
      "$mode" >/dev/null
    cat "$W/ud.$mode.classlist" >>"$W/ud.classlist"
  done
  JDK_LIST="$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")/lib/classlist"
  [[ -f $JDK_LIST ]] && cat "$JDK_LIST" >>"$W/ud.classlist"
  java -Xmx512m "${NATIVE_ACCESS[@]}" -Xshare:dump -XX:SharedClassListFile="$W/ud.classlist" \
    -XX:SharedArchiveFile="$W/ud.jsa" -Xlog:cds=off -cp "$CP" >/dev/null 2>&1
  UD_JAVA=(java -Xmx512m "${NATIVE_ACCESS[@]}" -Xshare:on -XX:SharedArchiveFile="$W/ud.jsa"
    -XX:CompileThresholdScaling=10)
fi

results=()
for run in $(seq "$RUNS"); do
  line="$run"
  for mode in $MODES; do
    curl -sf -X POST "$EP/__reset" >/dev/null
    /usr/bin/time -f '%e %U %S %M' -o "$W/ud.time" \
      "${UD_JAVA[@]}" ${UD_JAVA_OPTS:-} -cp "$CP" dev.unideploy.provider.aws.upload.EbsUploadBench \
      "$EP" "$IMAGE" "${UD_CONCURRENCY:-32}" "$mode" >"$W/ud.json"
    line+=" $mode $(cat "$W/ud.time") $(stat_blocks)"
    echo "run $run: unideploy ($mode) $(cat "$W/ud.json")" >&2
  done
  curl -sf -X POST "$EP/__reset" >/dev/null
  /usr/bin/time -f '%e %U %S %M' -o "$W/cs.time" \
    "$COLDSNAP" --region us-east-1 --endpoint "$EP" upload --no-progress --omit-zero-blocks --wait \
    "$IMAGE" >"$W/cs.out" 2>"$W/cs.err"
  line+=" coldsnap $(cat "$W/cs.time") $(stat_blocks)"
  results+=("$line")
  echo "run $run: coldsnap $(head -c 200 "$W/cs.out") $(tail -n 1 "$W/cs.err")" >&2
done

echo
echo "image: 1 GiB raw, 25% random data; allocated 512 KiB blocks: $ALLOCATED; non-zero: $NONZERO"
echo "unideploy concurrency: ${UD_CONCURRENCY:-32 (default)}; transports: $MODES; JVM as ./unideploy starts it (AppCDS, JIT thresholds): $([[ ${UD_LAUNCHER:-1} != 0 ]] && echo yes || echo no); coldsnap workers: 64 (default), --omit-zero-blocks"
printf '%-4s %-18s %8s %8s %8s %10s %7s %10s\n' run tool wall_s user_s sys_s maxrss_MiB blocks cpu_ratio
for r in "${results[@]}"; do
  python3 - $r <<'PY'
import sys
run, rest = sys.argv[1], sys.argv[2:]
rows = [rest[i:i + 6] for i in range(0, len(rest), 6)]
cs = next(r for r in rows if r[0] == "coldsnap")
cs_cpu = float(cs[2]) + float(cs[3])
for tool, wall, user, sys_, rss, blocks in rows:
    cpu = float(user) + float(sys_)
    name = tool if tool == "coldsnap" else "unideploy/" + tool
    ratio = "" if tool == "coldsnap" else f"{cpu / cs_cpu:.2f}x"
    print(f"{run:<4} {name:<18} {wall:>8} {user:>8} {sys_:>8} {int(rss) // 1024:>10} {blocks:>7} {ratio:>10}")
PY
done
