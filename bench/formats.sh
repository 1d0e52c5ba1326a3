#!/usr/bin/env bash
# Benchmarks unideploy's image writers and readers against the reference tools, side by side in
# one run: qemu-img convert (VMDK stream, VHD fixed/dynamic, qcow2->raw, vmdk->raw) and GNU tar
# (GCE tarball). Prints wall time, CPU time, output size and the ratios; every unideploy run is
# capped at -Xmx256m, and the peak heap seen by the GC is reported.
#
# unideploy runs as users run it, through ./unideploy (its JVM flags and AppCDS archive); one
# untimed warm-up convert records the archive first. The four copy conversions (raw -> VHD
# fixed/dynamic, qcow2/VMDK -> raw) take well under a second, so each is run RUNS times, interleaved
# with qemu-img, and the minimum wall and CPU time of each tool is reported (single runs on a shared
# machine swing by 2-10x); the compressing conversions and the 16 GiB rows run once.
#
# Usage: bench/formats.sh            (builds cli/target/unideploy.jar first)
#        SKIP_BUILD=1 bench/formats.sh
# Env:   BENCH_DIR (default /tmp/unideploy-bench; needs ~4 GiB, the inputs are sparse)
#        KEEP=1 keeps the inputs between runs.
#        RUNS (default 5): runs of each copy conversion, per tool.
# Needs: java 17, qemu-img, GNU tar, gzip, openssl, python3, GNU time (/usr/bin/time).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
W=${BENCH_DIR:-/tmp/unideploy-bench}
JAR=$ROOT/cli/target/unideploy.jar
mkdir -p "$W"

if [[ -z "${SKIP_BUILD:-}" ]]; then
  echo "building $JAR ..." >&2
  flock /tmp/unideploy-mvn.lock mvn -B -ntp -q package -pl cli -am -DskipTests >&2
fi
[[ -f $JAR ]] || { echo "no $JAR: build it first (mvn package -pl cli -am -DskipTests)" >&2; exit 1; }

MIB=$((1 << 20))

# Deterministic bytes: AES-CTR keystream is incompressible; the text is compressible ~3.5x.
# (openssl exits non-zero when head closes the pipe; that is expected, not an error under pipefail)
random_bytes() { { openssl enc -aes-128-ctr -nosalt -pass "pass:$1" -in /dev/zero 2>/dev/null || true; } | head -c "$2"; }
text_bytes() { # an 8 MiB word salad (Zipf-weighted vocabulary), repeated: deflate sees 32 KiB
  python3 - "$1" "$2" <<'PY'
import random, sys
random.seed(sys.argv[1]); n = int(sys.argv[2])
words = ["".join(random.choice("etaoinshrdlucmfwypvbgkqjxz") for _ in range(random.randint(2, 9)))
         for _ in range(5000)]
weights = [1.0 / (i + 1) for i in range(len(words))]
lines, size = [], 0
while size < 8 << 20:
    line = " ".join(random.choices(words, weights, k=12)) + "\n"
    lines.append(line); size += len(line)
pool = "".join(lines).encode()[: 8 << 20]
out = sys.stdout.buffer
for i in range(0, n, len(pool)):
    out.write(pool[: min(len(pool), n - i)])
PY
}
put() { dd of="$1" bs=1M seek="$2" conv=notrunc status=none; } # put FILE OFFSET_MIB < data

if [[ ! -f $W/in1g.raw || -z "${KEEP:-}" ]]; then
  echo "generating inputs in $W ..." >&2
  rm -f "$W"/in1g.* "$W"/in16g.raw
  truncate -s 1G "$W/in1g.raw"
  random_bytes a $((256 * MIB)) | put "$W/in1g.raw" 0        # 256 MiB random
  text_bytes b $((128 * MIB)) | put "$W/in1g.raw" 512        # 128 MiB compressible, after a hole
  truncate -s 16G "$W/in16g.raw"
  random_bytes c $((32 * MIB)) | put "$W/in16g.raw" 1024
  text_bytes d $((32 * MIB)) | put "$W/in16g.raw" 9216
  qemu-img convert -f raw -O qcow2 "$W/in1g.raw" "$W/in1g.qcow2"
  qemu-img convert -f raw -O vmdk "$W/in1g.raw" "$W/in1g.vmdk"
  mkdir -p "$W/tar" && ln -f "$W/in1g.raw" "$W/tar/disk.raw"
fi

RESULTS=$W/results.tsv
: >"$RESULTS"
RUNS=${RUNS:-5}
# measure NAME OUTFILE CMD... : runs CMD once with the page cache warm, records wall/cpu/size
# (a NAME measured several times gets several rows; the summary keeps the minimum).
measure() {
  local name=$1 out=$2; shift 2
  rm -f "$out"
  sync
  /usr/bin/time -f "%e %U %S %M" -o "$W/time.txt" "$@" >/dev/null 2>"$W/err.txt" || {
    echo "FAILED: $name: $*" >&2; cat "$W/err.txt" >&2; exit 1; }
  read -r wall user sys rss <"$W/time.txt"
  local size; size=$(stat -c %s "$out")
  local alloc; alloc=$(( $(stat -c %b "$out") * 512 ))
  local cpu; cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$wall" "$cpu" "$size" "$alloc" "$rss" >>"$RESULTS"
  printf '%-36s wall %6.2f s  cpu %6.2f s  size %12d  rss %7d KiB\n' "$name" "$wall" "$cpu" "$size" "$rss" >&2
}
# unideploy through its launcher, with a 256 MiB heap cap and a GC log (one per process) for the
# peak heap; the launcher adds its own JVM flags (module flags for SEEK_HOLE, AppCDS, JIT).
# UNIDEPLOY_BUILD=0: the jar was built above; the launcher must not rebuild it between runs.
UD=(env UNIDEPLOY_BUILD=0 "UNIDEPLOY_JAVA_OPTS=-Xmx256m -Xlog:gc:file=$W/gc-%p.log" "$ROOT/unideploy")
O=$W/out
mkdir -p "$O"
# Untimed warm-up: the first convert after a build records the launcher's AppCDS archive.
truncate -s 4M "$W/warm.raw"
random_bytes w $((1 * MIB)) | put "$W/warm.raw" 1
"${UD[@]}" convert "$W/warm.raw" "$O/warm.vhd" --to vhd-fixed --no-sha256 --force >/dev/null 2>&1 || {
  echo "FAILED: the warm-up convert: run ./unideploy convert by hand to see why" >&2; exit 1; }
rm -f "$W"/gc-*.log
warm() { cat "$@" >/dev/null; }
warm "$W/in1g.raw" "$W/in1g.qcow2" "$W/in1g.vmdk"

echo "--- 1 GiB raw (256 MiB random + 128 MiB text + holes)" >&2
measure "qemu raw->vmdk-stream" "$O/q.vmdk" qemu-img convert -f raw -O vmdk -o subformat=streamOptimized "$W/in1g.raw" "$O/q.vmdk"
measure "unideploy raw->vmdk-stream" "$O/u.vmdk" "${UD[@]}" convert "$W/in1g.raw" "$O/u.vmdk" --to vmdk-stream --no-sha256 --force
measure "tar raw->gce-tar" "$O/q.tar.gz" tar --format=oldgnu -Sczf "$O/q.tar.gz" -C "$W/tar" disk.raw
measure "unideploy raw->gce-tar" "$O/u.tar.gz" "${UD[@]}" convert "$W/in1g.raw" "$O/u.tar.gz" --to gce-tar --sparse --no-sha256 --force
echo "--- copy conversions: $RUNS runs each, interleaved; the summary keeps the minimum" >&2
for ((run = 1; run <= RUNS; run++)); do
  measure "qemu raw->vhd-fixed" "$O/q-fixed.vhd" qemu-img convert -f raw -O vpc -o subformat=fixed,force_size=on "$W/in1g.raw" "$O/q-fixed.vhd"
  measure "unideploy raw->vhd-fixed" "$O/u-fixed.vhd" "${UD[@]}" convert "$W/in1g.raw" "$O/u-fixed.vhd" --to vhd-fixed --no-sha256 --force
  measure "qemu raw->vhd-dynamic" "$O/q-dyn.vhd" qemu-img convert -f raw -O vpc -o subformat=dynamic,force_size=on "$W/in1g.raw" "$O/q-dyn.vhd"
  measure "unideploy raw->vhd-dynamic" "$O/u-dyn.vhd" "${UD[@]}" convert "$W/in1g.raw" "$O/u-dyn.vhd" --to vhd-dynamic --no-sha256 --force
  measure "qemu qcow2->raw" "$O/q-from-qcow2.raw" qemu-img convert -f qcow2 -O raw "$W/in1g.qcow2" "$O/q-from-qcow2.raw"
  measure "unideploy qcow2->raw" "$O/u-from-qcow2.raw" "${UD[@]}" convert "$W/in1g.qcow2" "$O/u-from-qcow2.raw" --to raw --no-sha256 --force
  measure "qemu vmdk->raw" "$O/q-from-vmdk.raw" qemu-img convert -f vmdk -O raw "$W/in1g.vmdk" "$O/q-from-vmdk.raw"
  measure "unideploy vmdk->raw" "$O/u-from-vmdk.raw" "${UD[@]}" convert "$W/in1g.vmdk" "$O/u-from-vmdk.raw" --to raw --no-sha256 --force
done
measure "unideploy raw->vmdk-stream +sha256" "$O/u2.vmdk" "${UD[@]}" convert "$W/in1g.raw" "$O/u2.vmdk" --to vmdk-stream --force

echo "--- 16 GiB sparse raw (64 MiB data), target < 2 s each" >&2
for to in raw vmdk-stream vmdk-sparse vhd-fixed vhd-dynamic gce-tar; do
  measure "unideploy 16G->$to" "$O/big.$to" "${UD[@]}" convert "$W/in16g.raw" "$O/big.$to" --to "$to" --no-sha256 --force
done
measure "unideploy 16G->gce-tar --sparse" "$O/big-sparse.tar.gz" "${UD[@]}" convert "$W/in16g.raw" "$O/big-sparse.tar.gz" --to gce-tar --sparse --no-sha256 --force
measure "unideploy 16G->vmdk-stream +sha256" "$O/big-sha.vmdk" "${UD[@]}" convert "$W/in16g.raw" "$O/big-sha.vmdk" --to vmdk-stream --force

echo "--- checks" >&2
qemu-img compare -q -f raw -F vmdk "$W/in1g.raw" "$O/u.vmdk" && echo "u.vmdk identical to the input" >&2
qemu-img compare -q -f raw -F vpc "$W/in1g.raw" "$O/u-fixed.vhd" && echo "u-fixed.vhd identical" >&2
qemu-img compare -q -f raw -F vpc "$W/in1g.raw" "$O/u-dyn.vhd" && echo "u-dyn.vhd identical" >&2
qemu-img compare -q -f raw -F raw "$W/in1g.raw" "$O/u-from-qcow2.raw" && echo "u-from-qcow2.raw identical" >&2
qemu-img compare -q -f raw -F raw "$W/in1g.raw" "$O/u-from-vmdk.raw" && echo "u-from-vmdk.raw identical" >&2

# Peak heap: the largest "before" figure of any GC pause, over all runs.
peak=$(grep -ho '[0-9]*M->[0-9]*M' "$W"/gc-*.log 2>/dev/null | sed 's/M->.*//' | sort -n | tail -1)

python3 - "$RESULTS" "${peak:-0}" <<'PY'
import sys
rows = {}
for r in (l.rstrip("\n").split("\t") for l in open(sys.argv[1])):
    rows.setdefault(r[0], []).append(r)
def get(n):  # the minimum wall and the minimum CPU time over the runs of n
    rs = rows[n]; return min(float(r[1]) for r in rs), min(float(r[2]) for r in rs), int(rs[-1][3])
def runs(n): return len(rows[n])
print(f"{'comparison':32} {'ref wall':>9} {'ours wall':>9} {'speedup':>8} {'ref cpu':>8} {'our cpu':>8} {'size ours/ref':>14} {'runs':>5}")
for what, ref, ours in [
    ("raw->vmdk-stream", "qemu raw->vmdk-stream", "unideploy raw->vmdk-stream"),
    ("raw->vhd-fixed", "qemu raw->vhd-fixed", "unideploy raw->vhd-fixed"),
    ("raw->vhd-dynamic", "qemu raw->vhd-dynamic", "unideploy raw->vhd-dynamic"),
    ("raw->gce-tar (sparse)", "tar raw->gce-tar", "unideploy raw->gce-tar"),
    ("qcow2->raw", "qemu qcow2->raw", "unideploy qcow2->raw"),
    ("vmdk->raw", "qemu vmdk->raw", "unideploy vmdk->raw"),
]:
    rw, rc, rs = get(ref); ow, oc, os_ = get(ours)
    print(f"{what:32} {rw:9.2f} {ow:9.2f} {rw/ow:7.2f}x {rc:8.2f} {oc:8.2f} {os_/rs:13.3f}x {runs(ours):5}")
print()
for n in rows:
    if n.startswith("unideploy 16G") or "+sha256" in n:
        w, c, s = get(n); print(f"{n:40} wall {w:6.2f} s  cpu {c:6.2f} s  size {s}")
print("(rows run more than once: minimum wall and minimum CPU time over the runs, per tool)")
print(f"\nall unideploy runs used -Xmx256m; peak heap before any GC pause: {sys.argv[2]} MiB")
PY
