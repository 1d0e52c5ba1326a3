#!/usr/bin/env bash
# Benchmarks unideploy's image writers and readers against the reference tools, side by side in
# one run: qemu-img convert (raw, VMDK stream and sparse, VHD fixed/dynamic, qcow2->raw,
# vmdk->raw), cp --sparse=always (raw->raw) and GNU tar (GCE tarball). Prints wall time, CPU time,
# output size and the ratios; every unideploy run is capped at -Xmx256m, and the peak heap seen by
# the GC is reported.
#
# unideploy runs as users run it, through ./unideploy (its JVM flags and AppCDS archive, on Java
# 25 its AOT cache) with
# default flags (no hash: convert computes one only with --digest or --sha256; a --digest row is
# shown beside); one untimed warm-up convert records the archive first. The copy conversions
# (nothing compressed) run RUNS times at each size in SIZES, interleaved with the reference tools,
# and the minimum wall and CPU time of each tool is reported (single runs on a shared machine swing
# by 2-10x); the compressing conversions (1 GiB) and the 16 GiB rows run once.
#
# Usage: bench/formats.sh            (builds cli/target/unideploy.jar first)
#        SKIP_BUILD=1 bench/formats.sh
# Env:   BENCH_DIR (default /tmp/unideploy-bench; needs ~4 GiB, the inputs are sparse)
#        KEEP=1 keeps the inputs between runs.
#        RUNS (default 5): runs of each copy conversion, per tool.
#        SIZES (default "20M 1 4"): input sizes for the copy conversions, in GiB, or in MiB with an
#        M suffix (20M is about a real unikernel's disk); each input holds 25% random data at its
#        start and 12.5% text at its middle, the rest holes.
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

SIZES=${SIZES:-20M 1 4}
# size_mib SIZE: a SIZES entry ("4" or "4G" GiB, "20M" MiB) in MiB; size_label SIZE: "4G", "20M".
size_mib() { case $1 in *M) echo "${1%M}" ;; *G) echo $((${1%G} * 1024)) ;; *) echo $(($1 * 1024)) ;; esac; }
size_label() { case $1 in *M) echo "$1" ;; *G) echo "$1" ;; *) echo "${1}G" ;; esac; }
# make_input SIZE: in<size>.raw (in1g.raw, in20m.raw: 25% random at 0, 12.5% text at the middle,
# the GiB inputs with the same bytes as before sizes in MiB existed) and its qcow2 and
# monolithicSparse VMDK copies made by qemu-img.
make_input() {
  local m; m=$(size_mib "$1")
  local l; l=$(size_label "$1")
  local f=$W/in${l,,} seed=${l%G}
  rm -f "$f".*
  truncate -s "${m}M" "$f.raw"
  random_bytes "a$seed" $((m * MIB / 4)) | put "$f.raw" 0
  text_bytes "b$seed" $((m * MIB / 8)) | put "$f.raw" $((m / 2))
  qemu-img convert -f raw -O qcow2 "$f.raw" "$f.qcow2"
  qemu-img convert -f raw -O vmdk "$f.raw" "$f.vmdk"
}
if [[ ! -f $W/in1g.raw || -z "${KEEP:-}" ]]; then
  echo "generating inputs in $W ..." >&2
  rm -f "$W"/in16g.raw
  make_input 1
  truncate -s 16G "$W/in16g.raw"
  random_bytes c $((32 * MIB)) | put "$W/in16g.raw" 1024
  text_bytes d $((32 * MIB)) | put "$W/in16g.raw" 9216
  mkdir -p "$W/tar" && ln -f "$W/in1g.raw" "$W/tar/disk.raw"
fi
for s in $SIZES; do
  l=$(size_label "$s")
  [[ -f $W/in${l,,}.vmdk && -n "${KEEP:-}" ]] || { echo "generating in${l,,} ..." >&2; make_input "$s"; }
done

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
# peak heap; the launcher adds its own JVM flags (module flags for SEEK_HOLE, AppCDS or AOT cache,
# JIT).
# UNIDEPLOY_BUILD=0: the jar was built above; the launcher must not rebuild it between runs.
UD=(env UNIDEPLOY_BUILD=0 "UNIDEPLOY_JAVA_OPTS=-Xmx256m -Xlog:gc:file=$W/gc-%p.log" "$ROOT/unideploy")
O=$W/out
mkdir -p "$O"
# Untimed warm-up: the first convert after a build records the launcher's AppCDS archive (AOT
# cache on Java 25).
truncate -s 4M "$W/warm.raw"
random_bytes w $((1 * MIB)) | put "$W/warm.raw" 1
"${UD[@]}" convert "$W/warm.raw" "$O/warm.vhd" --to vhd-fixed --force >/dev/null 2>&1 || {
  echo "FAILED: the warm-up convert: run ./unideploy convert by hand to see why" >&2; exit 1; }
rm -f "$W"/gc-*.log
# The floor every unideploy row stands on: start-up and a convert of a 4 MiB image (1 MiB data).
measure "unideploy 4M->raw (start-up floor)" "$O/warm.raw" "${UD[@]}" convert "$W/warm.raw" "$O/warm.raw" --to raw --force
warm() { cat "$@" >/dev/null; }

echo "--- 1 GiB raw (256 MiB random + 128 MiB text + holes), compressed outputs" >&2
warm "$W/in1g.raw"
measure "1G qemu raw->vmdk-stream" "$O/q.vmdk" qemu-img convert -f raw -O vmdk -o subformat=streamOptimized "$W/in1g.raw" "$O/q.vmdk"
measure "1G unideploy raw->vmdk-stream" "$O/u.vmdk" "${UD[@]}" convert "$W/in1g.raw" "$O/u.vmdk" --to vmdk-stream --force
measure "1G tar raw->gce-tar" "$O/q.tar.gz" tar --format=oldgnu -Sczf "$O/q.tar.gz" -C "$W/tar" disk.raw
measure "1G unideploy raw->gce-tar" "$O/u.tar.gz" "${UD[@]}" convert "$W/in1g.raw" "$O/u.tar.gz" --to gce-tar --sparse --force
for s in $SIZES; do
  g=$(size_label "$s")
  I=$W/in${g,,}
  warm "$I.raw" "$I.qcow2" "$I.vmdk"
  echo "--- ${g} copy conversions: $RUNS runs each, interleaved; the summary keeps the minimum" >&2
  for ((run = 1; run <= RUNS; run++)); do
    measure "${g} cp raw->raw" "$O/c.raw" cp --sparse=always "$I.raw" "$O/c.raw"
    measure "${g} qemu raw->raw" "$O/q.raw" qemu-img convert -f raw -O raw "$I.raw" "$O/q.raw"
    measure "${g} unideploy raw->raw" "$O/u.raw" "${UD[@]}" convert "$I.raw" "$O/u.raw" --to raw --force
    measure "${g} qemu raw->vmdk-sparse" "$O/q-sparse.vmdk" qemu-img convert -f raw -O vmdk "$I.raw" "$O/q-sparse.vmdk"
    measure "${g} unideploy raw->vmdk-sparse" "$O/u-sparse.vmdk" "${UD[@]}" convert "$I.raw" "$O/u-sparse.vmdk" --to vmdk-sparse --force
    measure "${g} qemu raw->vhd-fixed" "$O/q-fixed.vhd" qemu-img convert -f raw -O vpc -o subformat=fixed,force_size=on "$I.raw" "$O/q-fixed.vhd"
    measure "${g} unideploy raw->vhd-fixed" "$O/u-fixed.vhd" "${UD[@]}" convert "$I.raw" "$O/u-fixed.vhd" --to vhd-fixed --force
    measure "${g} qemu raw->vhd-dynamic" "$O/q-dyn.vhd" qemu-img convert -f raw -O vpc -o subformat=dynamic,force_size=on "$I.raw" "$O/q-dyn.vhd"
    measure "${g} unideploy raw->vhd-dynamic" "$O/u-dyn.vhd" "${UD[@]}" convert "$I.raw" "$O/u-dyn.vhd" --to vhd-dynamic --force
    measure "${g} qemu qcow2->raw" "$O/q-from-qcow2.raw" qemu-img convert -f qcow2 -O raw "$I.qcow2" "$O/q-from-qcow2.raw"
    measure "${g} unideploy qcow2->raw" "$O/u-from-qcow2.raw" "${UD[@]}" convert "$I.qcow2" "$O/u-from-qcow2.raw" --to raw --force
    measure "${g} qemu vmdk->raw" "$O/q-from-vmdk.raw" qemu-img convert -f vmdk -O raw "$I.vmdk" "$O/q-from-vmdk.raw"
    measure "${g} unideploy vmdk->raw" "$O/u-from-vmdk.raw" "${UD[@]}" convert "$I.vmdk" "$O/u-from-vmdk.raw" --to raw --force
  done
  measure "${g} unideploy raw->raw --digest" "$O/u-digest.raw" "${UD[@]}" convert "$I.raw" "$O/u-digest.raw" --to raw --digest --force
  echo "--- ${g} checks (qemu-img compare against the input)" >&2
  qemu-img compare -q -f raw -F raw "$I.raw" "$O/u.raw"
  qemu-img compare -q -f raw -F vmdk "$I.raw" "$O/u-sparse.vmdk"
  qemu-img compare -q -f raw -F vpc "$I.raw" "$O/u-fixed.vhd"
  qemu-img compare -q -f raw -F vpc "$I.raw" "$O/u-dyn.vhd"
  qemu-img compare -q -f raw -F raw "$I.raw" "$O/u-from-qcow2.raw"
  qemu-img compare -q -f raw -F raw "$I.raw" "$O/u-from-vmdk.raw"
  echo "${g}: every copy output identical to the input" >&2
  rm -f "$O"/c.raw "$O"/q*.raw "$O"/u*.raw "$O"/*-sparse.vmdk "$O"/*.vhd
done

echo "--- 16 GiB sparse raw (64 MiB data), target < 2 s each, default flags" >&2
for to in raw vmdk-stream vmdk-sparse vhd-fixed vhd-dynamic gce-tar; do
  measure "unideploy 16G->$to" "$O/big.$to" "${UD[@]}" convert "$W/in16g.raw" "$O/big.$to" --to "$to" --force
done
measure "unideploy 16G->gce-tar --sparse" "$O/big-sparse.tar.gz" "${UD[@]}" convert "$W/in16g.raw" "$O/big-sparse.tar.gz" --to gce-tar --sparse --force
measure "unideploy 16G->vmdk-stream --digest" "$O/big-digest.vmdk" "${UD[@]}" convert "$W/in16g.raw" "$O/big-digest.vmdk" --to vmdk-stream --digest --force
measure "unideploy 16G->vmdk-stream --sha256" "$O/big-sha.vmdk" "${UD[@]}" convert "$W/in16g.raw" "$O/big-sha.vmdk" --to vmdk-stream --sha256 --force

echo "--- checks" >&2
qemu-img compare -q -f raw -F vmdk "$W/in1g.raw" "$O/u.vmdk" && echo "u.vmdk identical to the input" >&2
qemu-img compare -q -f raw -F vmdk "$W/in16g.raw" "$O/big.vmdk-sparse" && echo "16G vmdk-sparse identical" >&2
qemu-img compare -q -f raw -F vpc "$W/in16g.raw" "$O/big.vhd-dynamic" && echo "16G vhd-dynamic identical" >&2

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
print(f"{'comparison':34} {'ref wall':>9} {'ours wall':>9} {'speedup':>8} {'ref cpu':>8} {'our cpu':>8} {'cpu ratio':>9} {'size ours/ref':>14} {'runs':>5}")
pairs = [("1G raw->vmdk-stream", "1G qemu raw->vmdk-stream", "1G unideploy raw->vmdk-stream"),
         ("1G raw->gce-tar (sparse)", "1G tar raw->gce-tar", "1G unideploy raw->gce-tar")]
def mib(label): return int(label[:-1]) * (1024 if label.endswith("G") else 1)
for g in sorted({n.split()[0] for n in rows if n[0].isdigit() and " cp " in n}, key=mib):
    pairs.append((f"{g} raw->raw (cp --sparse=always)", f"{g} cp raw->raw", f"{g} unideploy raw->raw"))
    for c in ["raw->raw", "raw->vmdk-sparse", "raw->vhd-fixed", "raw->vhd-dynamic", "qcow2->raw", "vmdk->raw"]:
        pairs.append((f"{g} {c}", f"{g} qemu {c}", f"{g} unideploy {c}"))
for what, ref, ours in pairs:
    rw, rc, rs = get(ref); ow, oc, os_ = get(ours)
    cr = f"{oc/rc:8.2f}x" if rc > 0 else "      inf"
    print(f"{what:34} {rw:9.2f} {ow:9.2f} {rw/ow:7.2f}x {rc:8.2f} {oc:8.2f} {cr} {os_/rs:13.3f}x {runs(ours):5}")
print("(speedup = reference wall / our wall, > 1 is faster; cpu ratio = our CPU / reference CPU)")
print()
for n in rows:
    if n.startswith("unideploy 16G") or "--digest" in n or "floor" in n:
        w, c, s = get(n); print(f"{n:44} wall {w:6.2f} s  cpu {c:6.2f} s  size {s}")
print("(rows run more than once: minimum wall and minimum CPU time over the runs, per tool)")
print(f"\nall unideploy runs used -Xmx256m; peak heap before any GC pause: {sys.argv[2]} MiB")
PY
