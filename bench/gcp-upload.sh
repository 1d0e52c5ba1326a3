#!/usr/bin/env bash
# Benchmarks unideploy's streamed Compute Engine tarball upload against the way other tools do it,
# side by side in one run, on fake-gcs-server: a 1 GiB raw image with 25% data (random, 1 MiB per
# 4 MiB, the rest holes).
#
#   unideploy      the disk is tarred, gzip'd (in parallel) and uploaded in one stream, as part
#                  objects composed into the tarball, as `publish --provider gcp` does
#                  (GcsUploadBench, in providers/gcp's test classes)
#   tar+python     tar --format=oldgnu -Sczf to a file (gzip -6), then a resumable upload of the
#                  file with Google's Python client (google-cloud-storage), same chunk size
#   tar|pigz+python  the same with pigz compressing (all cores) instead of gzip
#
# Prints wall time, client CPU (user+sys) and peak RSS of each, the objects' sizes, and the ratios
# (the goal: unideploy at most 0.5x the wall time of tar+python). Not a test: numbers on
# fake-gcs-server say little about Cloud Storage itself.
#
# Usage: bench/gcp-upload.sh                 (builds providers/gcp first)
#        SKIP_BUILD=1 RUNS=5 bench/gcp-upload.sh
# Env:   BENCH_DIR (default /tmp/unideploy-bench), RUNS (default 3, rounds of every tool,
#        interleaved), CHUNK_MIB (default 32, unideploy's default), PART_MIB (unideploy's part
#        objects, composed at the end; default 64, unideploy's), REF_CHUNK_MIB (the Python
#        client's chunk; default CHUNK_MIB, 100 is its own default), UD_THREADS (default:
#        unideploy's). Run it alone: flock /tmp/unideploy-mvn.lock env SKIP_BUILD=1 bench/...
# Needs: java 17, python3 (the venv with google-cloud-storage is made once in
#        ~/.cache/unideploy-tools), GNU tar, GNU time, pigz (apt-get install pigz), fake-gcs-server
#        (scripts/emulators.sh up).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
W=${BENCH_DIR:-/tmp/unideploy-bench}
RUNS=${RUNS:-3}
CHUNK_MIB=${CHUNK_MIB:-32}
REF_CHUNK_MIB=${REF_CHUNK_MIB:-$CHUNK_MIB}
TOOLS=${UNIDEPLOY_TOOLS:-$HOME/.cache/unideploy-tools}
GCS_PY_VERSION=3.17.1
VENV=$TOOLS/gcs-python-$GCS_PY_VERSION
IMAGE=$W/gcp-1g-25pct.raw
mkdir -p "$W"

command -v pigz >/dev/null || { echo "pigz not found: apt-get install pigz" >&2; exit 1; }
scripts/emulators.sh up >&2
GCS=$(grep '^GCS_ENDPOINT=' .emulators/env | cut -d= -f2-)

if [[ ! -x $VENV/bin/python ]]; then
  echo "installing google-cloud-storage $GCS_PY_VERSION into $VENV (once) ..." >&2
  python3 -m venv "$VENV" >&2
  "$VENV/bin/pip" install -q "google-cloud-storage==$GCS_PY_VERSION" >&2
fi

CP_FILE=$W/gcp-bench.classpath
if [[ -z "${SKIP_BUILD:-}" ]]; then
  echo "building providers/gcp ..." >&2
  # A reactor build (no install): the class path names the modules' target/ folders.
  flock /tmp/unideploy-mvn.lock mvn -B -ntp -q test-compile dependency:build-classpath \
    -pl providers/gcp -am -Dspotless.check.skip=true -Dmdep.includeScope=test \
    -Dmdep.outputFile="$CP_FILE" >&2
fi
[[ -f $CP_FILE ]] || { echo "no $CP_FILE: run without SKIP_BUILD once" >&2; exit 1; }
CP=$ROOT/providers/gcp/target/test-classes:$ROOT/providers/gcp/target/classes:$(cat "$CP_FILE")
# The launcher's module flags: without them the raw reader cannot ask the file system for holes.
UD_JAVA=(java -Xmx512m --add-modules jdk.incubator.foreign --enable-native-access=ALL-UNNAMED)

if [[ ! -f $IMAGE ]]; then
  echo "writing $IMAGE ..." >&2
  python3 - "$IMAGE" <<'PY'
import random, sys
rnd = random.Random(20261206)
with open(sys.argv[1], "wb") as f:
    f.truncate(1 << 30)
    for chunk in range(256):                       # 256 chunks of 4 MiB
        f.seek(chunk * (4 << 20) + rnd.randrange(4) * (1 << 20))
        f.write(rnd.randbytes(1 << 20))            # 1 MiB of data per 4 MiB: 25%
PY
fi
# tar stores the file under its own name: GCE wants disk.raw.
REF=$W/gcp-ref
mkdir -p "$REF"
ln -f "$IMAGE" "$REF/disk.raw"
cat "$IMAGE" >/dev/null   # warm the page cache for everyone

BUCKET=bench-$RANDOM$RANDOM
curl -sf -X POST "$GCS/storage/v1/b?project=bench" -H 'Content-Type: application/json' \
  -d "{\"name\":\"$BUCKET\"}" >/dev/null
drop() { curl -s -X DELETE "$GCS/storage/v1/b/$BUCKET/o/$(python3 -c 'import sys,urllib.parse;print(urllib.parse.quote(sys.argv[1],safe=""))' "$1")" >/dev/null; }

T=$W/gcp-time.txt
timed() { /usr/bin/time -f '%e %U %S %M' -o "$T" "$@"; }
RESULTS=$W/gcp-results.txt
: >"$RESULTS"
for round in $(seq 1 "$RUNS"); do
  echo "round $round of $RUNS ..." >&2
  # unideploy: the streamed tarball upload
  out=$(PART_MIB=${PART_MIB:-} timed "${UD_JAVA[@]}" -cp "$CP" dev.unideploy.provider.gcp.upload.GcsUploadBench \
    "$GCS" "$BUCKET" "$IMAGE" "$CHUNK_MIB" ${UD_THREADS:-})
  read -r wall user sys rss <"$T"
  obj=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["object"])' "$out")
  size=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["objectBytes"])' "$out")
  hash=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["hashSeconds"])' "$out")
  drop "$obj"
  echo "unideploy $wall $(awk "BEGIN{print $user + $sys}") $rss $size hash=$hash" >>"$RESULTS"

  for ref in gzip pigz; do
    rm -f "$REF/disk.tar.gz"
    if [[ $ref == gzip ]]; then
      timed tar --format=oldgnu -Sczf "$REF/disk.tar.gz" -C "$REF" disk.raw
    else
      timed bash -c "tar --format=oldgnu -Sc -C '$REF' disk.raw | pigz -6 > '$REF/disk.tar.gz'"
    fi
    read -r w1 u1 s1 r1 <"$T"
    timed "$VENV/bin/python" bench/gcs-python-upload.py "$GCS" "$BUCKET" "ref-$round.tar.gz" \
      "$REF/disk.tar.gz" "$REF_CHUNK_MIB" >/dev/null
    read -r w2 u2 s2 r2 <"$T"
    drop "ref-$round.tar.gz"
    size=$(stat -c %s "$REF/disk.tar.gz")
    echo "tar|$ref+python $(awk "BEGIN{print $w1 + $w2}") $(awk "BEGIN{print $u1 + $s1 + $u2 + $s2}") $((r1 > r2 ? r1 : r2)) $size tar=$w1 upload=$w2" >>"$RESULTS"
  done
done
rm -f "$REF/disk.tar.gz"
curl -s -X DELETE "$GCS/storage/v1/b/$BUCKET" >/dev/null

python3 - "$RESULTS" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    f = line.split()
    rows.setdefault(f[0], []).append((float(f[1]), float(f[2]), int(f[3]), int(f[4]), " ".join(f[5:])))
def med(xs): return statistics.median(xs)
print(f"{'tool':<16} {'wall min / median':>18} {'CPU min / median':>18} {'peak RSS':>9} {'object':>12}  notes")
for tool, r in rows.items():
    walls = [x[0] for x in r]; cpus = [x[1] for x in r]
    print(f"{tool:<16} {min(walls):7.2f} / {med(walls):6.2f} s {min(cpus):7.2f} / {med(cpus):6.2f} s "
          f"{max(x[2] for x in r) // 1024:6d} MiB {r[0][3] / 2**20:9.1f} MiB  {r[-1][4]}")
ud = rows["unideploy"]
for ref in ("tar|gzip+python", "tar|pigz+python"):
    if ref in rows:
        print(f"unideploy / {ref}: wall {med([x[0] for x in ud]) / med([x[0] for x in rows[ref]]):.2f}x"
              f" (median), CPU {med([x[1] for x in ud]) / med([x[1] for x in rows[ref]]):.2f}x")
PY
