#!/usr/bin/env bash
# Benchmarks a local blue-green rollout: `unideploy deploy --provider local` of N instances of the
# HTTP guest (scripts/build-http-guest.sh) replacing N serving ones, against plain QEMU booting the
# same image N times in parallel in the same round (the reference: the slowest of those boots).
# Measures the time from `deploy` to the new group in service (the journal's attach step done;
# also the client's first answer from the new release) and the requests a client sending one every
# 20 ms to the stable endpoint saw fail. One JSON line per round (bench/local-rollout.py), then
# minima and medians. Under TCG (accelerator: tcg), as CI runs.
#
# The timed deploy runs through the ./unideploy launcher (its class-data archive and JIT flags), as
# a user runs it; the untimed set-up calls the jar directly.
#
# Usage: bench/local-rollout.sh              (packages the CLI first)
#        SKIP_BUILD=1 bench/local-rollout.sh
# Env:   RUNS (default 3), INSTANCES (default 4), KEEP=1 keeps the work folder,
#        HEALTH_CONSECUTIVE (default 2) and HEALTH_INTERVAL (default unset): the health gate's
#        health.consecutive and health.interval (unset: unideploy's defaults, 2 and the local
#        provider's 500ms)
# Needs: java 17, python3, qemu-system-x86_64; the guest build needs Debian/Ubuntu tools.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
INSTANCES=${INSTANCES:-4}
W=$(mktemp -d /tmp/unideploy-local-rollout.XXXXXX)
cleanup() {
  for d in "$W"/run-*/home; do
    [ -d "$d" ] && java -jar cli/target/unideploy.jar instances stop --all --home "$d" >/dev/null 2>&1 || true
  done
  # Removing a round's folder also ends its load balancer (it exits when its config is gone).
  [ "${KEEP:-0}" = 1 ] && echo "kept $W" >&2 || rm -rf "$W"
}
trap cleanup EXIT

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  mvn -o -B -ntp -q -pl cli -am package -DskipTests -Dspotless.check.skip=true >&2
fi
export UNIDEPLOY_BUILD=0 UNIDEPLOY_CLI="$PWD/unideploy"
V1=$(scripts/build-http-guest.sh --tag v1 | tail -n1)
V2=$(scripts/build-http-guest.sh --tag v2 | tail -n1)
# Copies, so that every QEMU of this run names a file of the work folder.
cp "$V1" "$W/v1.img"
cp "$V2" "$W/v2.img"

for r in $(seq 1 "$RUNS"); do
  mkdir -p "$W/run-$r"
  python3 bench/local-rollout.py cli/target/unideploy.jar "$W/v1.img" "$W/v2.img" "$W/run-$r" \
    "$INSTANCES" | tee -a "$W/results.jsonl"
  java -jar cli/target/unideploy.jar instances stop --all --home "$W/run-$r/home" >/dev/null 2>&1
  rm -rf "$W/run-$r/home/balancers"
done

python3 - "$W/results.jsonl" <<'EOF'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
def col(k):
    return [r[k] for r in rows if r[k] is not None]
print("rounds: %d, %d instances, under TCG, health.consecutive %s, health.interval %s" % (
    len(rows), rows[0]["instances"], rows[0]["consecutive"], rows[0]["interval"]))
for k in ("reference_slowest_s", "in_service_s", "first_v2_answer_s", "deploy_exit_s"):
    v = col(k)
    print("%-22s min %6.2f  median %6.2f  max %6.2f" % (k, min(v), statistics.median(v), max(v)))
for k in ("create_started_s", "all_answer_s", "gate_done_s"):
    v = col(k)
    print("%-22s min %6.2f  median %6.2f  max %6.2f" % (k, min(v), statistics.median(v), max(v)))
own = [max(r["own_boots_s"]) for r in rows]
print("%-22s min %6.2f  median %6.2f  max %6.2f" % (
    "own slowest boot", min(own), statistics.median(own), max(own)))
lag = [r["gate_done_s"] - r["all_answer_s"] for r in rows]
print("%-22s min %6.2f  median %6.2f  max %6.2f" % ("gate after all answer", min(lag), statistics.median(lag), max(lag)))
over = [r["in_service_s"] - r["reference_slowest_s"] for r in rows]
print("%-22s min %6.2f  median %6.2f  max %6.2f  (goal <= 2 s)" % (
    "in service - slowest", min(over), statistics.median(over), max(over)))
print("requests failed: %d of %d (goal 0)" % (
    sum(r["failed"] for r in rows), sum(r["requests"] for r in rows)))
EOF
