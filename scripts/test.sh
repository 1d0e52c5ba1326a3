#!/usr/bin/env bash
# The whole test suite, as CI runs it: start the emulators, run every unit and integration test,
# stop what this script started. Extra arguments go to Maven (e.g. -pl image-formats -am).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

started_here=no
if ! scripts/emulators.sh status >/dev/null 2>&1; then started_here=yes; fi
cleanup() { if [ "$started_here" = yes ]; then scripts/emulators.sh down || true; fi; }
trap cleanup EXIT

scripts/emulators.sh up
mvn -B -ntp verify "$@"
