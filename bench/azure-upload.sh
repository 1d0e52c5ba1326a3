#!/usr/bin/env bash
# Benchmarks unideploy's fixed-VHD page upload against azcopy, side by side in one run, on Azurite:
# a 1 GiB raw image with 25% data (random, 1 MiB per 4 MiB, the rest holes) uploaded as a page
# blob. unideploy streams the raw disk (pages + the 512-byte footer); azcopy uploads the same disk
# as a fixed VHD file (`azcopy copy FILE 'URL?SAS' --blob-type PageBlob --from-to LocalBlob`, made
# by qemu-img). Prints wall time, client CPU (user+sys) and peak RSS of both, and, from one extra
# round through bench/azurite-page-proxy.py, the Put Page calls, their largest body and the
# non-zero 4 MiB ranges of the disk. Not a test: numbers on Azurite say little about Azure itself.
#
# Usage: bench/azure-upload.sh              (builds providers/azure first)
#        SKIP_BUILD=1 bench/azure-upload.sh
# Env:   BENCH_DIR (default /tmp/unideploy-bench), RUNS (default 3: rounds of both tools),
#        UD_CONCURRENCY (default 16, unideploy's upload.concurrency default),
#        UD_WRITER (default http: Put Page as the managed-disk route sends it, on the JDK's
#        HttpURLConnection; sdk: through the storage SDK's PageBlobClient)
# Needs: java 17, python3, qemu-img, GNU time, npm (azcopy 10.32 is installed once from the npm
#        package @azure-tools/azcopy-linux into ~/.cache/unideploy-tools/azcopy; it needs Debian's
#        libsecret-1-0), Azurite (installed by scripts/emulators.sh; the bench starts its own).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
W=${BENCH_DIR:-/tmp/unideploy-bench}
RUNS=${RUNS:-3}
CONC=${UD_CONCURRENCY:-16}
WRITER=${UD_WRITER:-http}
TOOLS=${UNIDEPLOY_TOOLS:-$HOME/.cache/unideploy-tools}
AZCOPY_VERSION=10.32.2
AZCOPY=$TOOLS/azcopy-$AZCOPY_VERSION/node_modules/@azure-tools/azcopy-linux/dist/bin/azcopy_linux_amd64
IMAGE=$W/azure-1g-25pct.raw
VHD=$W/azure-1g-25pct.vhd
mkdir -p "$W"

# A fresh Azurite of its own (in memory, stopped at exit): Azurite frees deleted pages lazily and
# refuses writes once its memory store is full (MemoryExtentStoreAtSizeLimit), so gigabytes of
# earlier uploads must not share it; and the tests' emulators keep their state.
scripts/emulators.sh up >&2
AZ_KEY=$(grep '^AZURITE_KEY=' .emulators/env | cut -d= -f2-)
AZURITE_BIN=$(ls -d "$TOOLS"/azurite-*/node_modules/.bin/azurite-blob | tail -n 1)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
AZ_PORT=$(free_port)
mkdir -p "$W/azurite"
(cd "$W/azurite" && exec "$AZURITE_BIN" --blobHost 127.0.0.1 --blobPort "$AZ_PORT" --inMemoryPersistence \
  --disableTelemetry --skipApiVersionCheck --disableProductStyleUrl >"$W/azurite.log" 2>&1) &
AZURITE=$!
PROXY=
trap 'kill $AZURITE ${PROXY:-} 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  curl -s -o /dev/null "http://127.0.0.1:$AZ_PORT/devstoreaccount1?comp=list" && break
  sleep 0.2
done

if [[ ! -x $AZCOPY ]]; then
  command -v npm >/dev/null || { echo "npm not found: azcopy installs from npm" >&2; exit 1; }
  echo "installing azcopy $AZCOPY_VERSION into $TOOLS/azcopy-$AZCOPY_VERSION (once) ..." >&2
  npm install --prefix "$TOOLS/azcopy-$AZCOPY_VERSION" --no-audit --no-fund \
    "@azure-tools/azcopy-linux@$AZCOPY_VERSION" >&2
  chmod +x "$AZCOPY"
fi
if ldd "$AZCOPY" | grep -q 'libsecret.*not found'; then
  echo "installing libsecret-1-0 (azcopy needs it) ..." >&2
  apt-get install -y -qq libsecret-1-0 >&2 || { apt-get update -qq >&2 && apt-get install -y -qq libsecret-1-0 >&2; }
fi

CP_FILE=$W/azure-bench.classpath
if [[ -z "${SKIP_BUILD:-}" ]]; then
  echo "building providers/azure ..." >&2
  flock /tmp/unideploy-mvn.lock mvn -B -ntp -q -pl providers/azure -am test-compile \
    dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$CP_FILE" \
    -Dspotless.check.skip=true >&2
fi
[[ -f $CP_FILE ]] || { echo "no $CP_FILE: run without SKIP_BUILD once" >&2; exit 1; }
CP=$ROOT/providers/azure/target/test-classes:$ROOT/providers/azure/target/classes:$ROOT/pipeline/target/classes:$ROOT/image-formats/target/classes:$(cat "$CP_FILE")
UD_JAVA=(java -Xmx512m --add-modules jdk.incubator.foreign --enable-native-access=ALL-UNNAMED
  -XX:CompileThresholdScaling=10)

if [[ ! -f $IMAGE ]]; then
  echo "writing $IMAGE ..." >&2
  python3 - "$IMAGE" <<'PY'
import random, sys
rnd = random.Random(20261206)
with open(sys.argv[1], "wb") as f:
    f.truncate(1 << 30)
    for chunk in range(256):                       # 256 chunks of 4 MiB
        at = chunk * (4 << 20) + rnd.randrange(4) * (1 << 20)
        f.seek(at)
        f.write(rnd.randbytes(1 << 20))            # 1 MiB of data per 4 MiB: 25%
PY
fi
if [[ ! -f $VHD ]]; then
  qemu-img convert -f raw -O vpc -o subformat=fixed,force_size "$IMAGE" "$VHD"
fi
NONZERO=$(python3 - "$IMAGE" <<'PY'
import sys
W = 4 << 20
n = 0
with open(sys.argv[1], "rb") as f:
    while True:
        b = f.read(W)
        if not b:
            break
        n += any(b)
print(n)
PY
)

drop() { # blob: deletes devstoreaccount1/bench/<blob>, so Azurite (in memory) can free its pages
  PYTHONPATH="$ROOT/it/fakes" python3 - "$AZ_PORT" "$1" "$AZ_KEY" <<'PY'
import sys
from arm.azurite import Azurite
a = Azurite(f"http://127.0.0.1:{sys.argv[1]}/devstoreaccount1", "devstoreaccount1", sys.argv[3])
a.delete_blob("bench", sys.argv[2])
PY
}

sas() { # port blob -> a SAS URL (create, write, read) for devstoreaccount1/bench/<blob>
  PYTHONPATH="$ROOT/it/fakes" python3 - "$1" "$2" "$AZ_KEY" <<'PY'
import sys
from arm.azurite import Azurite
a = Azurite(f"http://127.0.0.1:{sys.argv[1]}/devstoreaccount1", "devstoreaccount1", sys.argv[3])
a.ensure_container("bench")
print(a.sas_url("bench", sys.argv[2], "racwd", 3600))
PY
}

measure() { # cmd... -> "wall cpu rss_mib"
  local out=$W/time.out
  if ! /usr/bin/time -f '%e %U %S %M' -o "$out" "$@" >"$W/last.log" 2>&1; then
    cat "$W/last.log" >&2
    echo "failed"
    return
  fi
  awk '{printf "%.2f %.2f %d\n", $1, $2 + $3, $4 / 1024}' "$out"
}

ud_cmd() { UD=("${UD_JAVA[@]}" -cp "$CP" dev.unideploy.provider.azure.upload.AzureUploadBench "$IMAGE" "$(sas "$1" ud.vhd)" "$CONC" "$W/ud-journal.jsonl" "$WRITER"); }
azcopy_cmd() { AZ=(env AZCOPY_LOG_LOCATION="$W/azcopy-logs" AZCOPY_JOB_PLAN_LOCATION="$W/azcopy-plans"
  "$AZCOPY" copy "$VHD" "$(sas "$1" azcopy.vhd)" --blob-type PageBlob --from-to LocalBlob
  --overwrite true --log-level ERROR --output-level quiet); }

ud_cmd "$AZ_PORT"; azcopy_cmd "$AZ_PORT"
echo "warm-up (untimed) ..." >&2
"${UD[@]}" >/dev/null
drop ud.vhd
"${AZ[@]}" >/dev/null
drop azcopy.vhd

echo "round  tool       wall_s  cpu_s  rss_mib"
for i in $(seq 1 "$RUNS"); do
  echo "$i      unideploy  $(measure "${UD[@]}")"
  drop ud.vhd
  echo "$i      azcopy     $(measure "${AZ[@]}")"
  drop azcopy.vhd
done

# One more round of each through the counting proxy.
PROXY_PORT=$(free_port)
python3 bench/azurite-page-proxy.py "$PROXY_PORT" "$AZ_PORT" & PROXY=$!
sleep 0.5
count() { curl -s -X "$1" "http://127.0.0.1:$PROXY_PORT/_count"; }
ud_cmd "$PROXY_PORT"; azcopy_cmd "$PROXY_PORT"
count POST >/dev/null; "${UD[@]}" >/dev/null; UD_COUNT=$(count GET); drop ud.vhd
count POST >/dev/null; "${AZ[@]}" >/dev/null; AZ_COUNT=$(count GET); drop azcopy.vhd
echo "non-zero 4 MiB ranges of the disk: $NONZERO (+1 call for the footer)"
echo "unideploy Put Page: $UD_COUNT"
echo "azcopy    Put Page: $AZ_COUNT"
