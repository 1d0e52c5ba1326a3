#!/usr/bin/env bash
# Benchmarks what remote state adds to a whole publish: `unideploy publish` of the sample image
# (`unideploy sample`, the 64 MiB sparse raw disk the tests use) with the default local state
# against the same publish with `state: s3://…` on moto (AWS), `state: gs://…` on fake-gcs-server
# plus the Compute Engine fake (GCP), and `state: azblob://…` on Azurite plus the ARM fake (Azure).
# Each run is a fresh CLI process (`java -jar cli/target/unideploy.jar`) with its own empty home
# folder and a new app name, so that every run uploads and registers the image (none is reused)
# and takes a free lock, as a CI runner would. Local and remote runs alternate (ABBA order round
# by round), so that drift in the emulators (their stores grow) falls on both alike. Prints median
# and min wall ms of each, the ratio of the medians and the overhead in percent (goal: < 5%), the
# CPU time (user + sys) the CLI's JVM used and what remote state adds to it (steadier than wall
# time on a loaded machine), and the state requests one remote run made, counted by
# bench/state-count-proxy.py, by kind.
#
# Usage: bench/state-overhead.sh              (packages the CLI first)
#        SKIP_BUILD=1 bench/state-overhead.sh
# Env:   RUNS (default 5: runs of each mode per provider), PROVIDERS (default "aws gcp azure"),
#        UNIDEPLOY_JAR (default cli/target/unideploy.jar: the CLI to time)
# Needs: java 17, curl, python3, GNU time, the emulators and fakes of scripts/emulators.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
RUNS=${RUNS:-5}
PROVIDERS=${PROVIDERS:-aws gcp azure}
W=$(mktemp -d /tmp/unideploy-state-overhead.XXXXXX)
PROXY_PID=
cleanup() {
  [ -n "$PROXY_PID" ] && kill "$PROXY_PID" 2>/dev/null
  rm -rf "$W"
}
trap cleanup EXIT

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  mvn -o -B -ntp -q -pl cli -am package -DskipTests -Dspotless.check.skip=true >&2
fi
scripts/emulators.sh up >&2
set -a
. .emulators/env
set +a
JAR=${UNIDEPLOY_JAR:-$ROOT/cli/target/unideploy.jar}
RUN=$(date +%s)-$$
BUCKET=bench-ovh-$RUN
export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/EXAMPLEKEY
export AWS_REGION=us-east-1
# DefaultAzureCredential's environment credential, answered by the ARM fake's token endpoint.
export AZURE_TENANT_ID=$ARM_TENANT AZURE_CLIENT_ID=bench AZURE_CLIENT_SECRET=not-a-secret
export AZURE_STORAGE_CONNECTION_STRING="DefaultEndpointsProtocol=http;AccountName=$AZURITE_ACCOUNT;AccountKey=$AZURITE_KEY;BlobEndpoint=$AZURITE_BLOB_ENDPOINT;"

java -jar "$JAR" sample "$W/sample.raw" >/dev/null

# Counts the state requests of one remote run per store (python3 stdlib only).
python3 bench/state-count-proxy.py >"$W/proxy.port" 2>"$W/proxy.log" &
PROXY_PID=$!
for _ in $(seq 1 50); do [ -s "$W/proxy.port" ] && break; sleep 0.1; done
PROXY=http://127.0.0.1:$(cat "$W/proxy.port")

# Azurite's container for the state; S3 and GCS buckets (GCS also the publish staging bucket).
AZ_SAS=$(python3 bench/azurite-sas.py "$AZURITE_ACCOUNT" "$AZURITE_KEY")
curl -sf -X PUT "$MOTO_ENDPOINT/$BUCKET" -o /dev/null
for b in "$BUCKET" "$BUCKET-staging"; do
  curl -sf -X POST "$GCS_ENDPOINT/storage/v1/b?project=bench" -H 'Content-Type: application/json' \
    -d "{\"name\":\"$b\"}" -o /dev/null
done
curl -sf -X PUT "$AZURITE_BLOB_ENDPOINT/$BUCKET?restype=container&$AZ_SAS" -o /dev/null

providers_yaml() { # provider state-endpoint
  case $1 in
    aws) cat <<EOF
  aws:
    region: us-east-1
    endpoint: "$2"
    waits: {available: 60s, copy: 120s, pollInterval: 50ms}
EOF
      ;;
    gcp) cat <<EOF
  gcp:
    project: bench-$RUN
    bucket: $BUCKET-staging
    credentials: none
    endpoints: {compute: "$GCE_ENDPOINT", storage: "$2"}
    timeouts: {pollInterval: 50ms}
EOF
      ;;
    azure) cat <<EOF
  azure:
    subscription: $ARM_SUBSCRIPTION
    tenant: $ARM_TENANT
    resourceGroup: $ARM_RESOURCE_GROUP
    location: $ARM_LOCATION
    endpoints: {resourceManager: "$ARM_ENDPOINT", authorityHost: "$ARM_ENDPOINT", caCertificate: "$ARM_CA_CERT"}
    waits: {pollInterval: 100ms, operation: 2m, replication: 2m}
EOF
      ;;
  esac
}

state_url() { # provider
  case $1 in
    aws) echo "s3://$BUCKET/unideploy" ;;
    gcp) echo "gs://$BUCKET/unideploy" ;;
    azure) echo "azblob://$AZURITE_ACCOUNT/$BUCKET/unideploy" ;;
  esac
}

native_endpoint() { # provider: where publish itself (and the state, unless counted) goes
  case $1 in
    aws) echo "$MOTO_ENDPOINT" ;;
    gcp) echo "$GCS_ENDPOINT" ;;
    azure) echo "" ;;
  esac
}

# One publish; sets WALL_MS and CPU_MS (user + sys of the CLI's JVM). Runs in this shell, not in
# a $(...) subshell, so that a failed publish stops the script.
# mode: local | remote | counted (remote, through the proxy).
publish() { # provider mode n
  local p=$1 mode=$2 n=$3 app="ovh-$1-$2-$3-$RUN" cfg="$W/$1-$2-$3.yaml" endpoint env=()
  endpoint=$(native_endpoint "$p")
  if [ "$mode" = counted ]; then
    # Only the state's requests pass the proxy: on AWS and GCP the provider's endpoint is the
    # state's too, so the proxy forwards everything there and counts the state keys alone.
    curl -sf -X POST "$PROXY/_target" -d "${endpoint:-$AZURITE_BLOB_ENDPOINT} $BUCKET" -o /dev/null
    [ -n "$endpoint" ] && endpoint=$PROXY
    [ "$p" = azure ] && env=(AZURE_STORAGE_CONNECTION_STRING="DefaultEndpointsProtocol=http;AccountName=$AZURITE_ACCOUNT;AccountKey=$AZURITE_KEY;BlobEndpoint=$PROXY/$AZURITE_ACCOUNT;")
  fi
  {
    echo "app: $app"
    echo 'version: "1.0.0"'
    echo 'publish: {keep: 0}'
    [ "$mode" != local ] && echo "state: \"$(state_url "$p")\""
    echo 'providers:'
    providers_yaml "$p" "$endpoint"
  } >"$cfg"
  local start end
  start=$(date +%s%N)
  if ! /usr/bin/time -f '%U %S' -o "$W/$p-$mode-$n.cpu" env "${env[@]}" java -Duser.home="$W/home-$p-$mode-$n" --enable-native-access=ALL-UNNAMED \
    -jar "$JAR" publish --output json --provider "$p" --image "$W/sample.raw" --config "$cfg" \
    --no-verify >"$W/$p-$mode-$n.json" 2>"$W/$p-$mode-$n.log"; then
    echo "publish $p ($mode, run $n) failed:" >&2
    cat "$W/$p-$mode-$n.log" "$W/$p-$mode-$n.json" >&2
    exit 1
  fi
  end=$(date +%s%N)
  if ! grep -q '"reused" *: *false' "$W/$p-$mode-$n.json"; then
    echo "publish $p ($mode, run $n) reused an image instead of publishing one" >&2
    exit 1
  fi
  WALL_MS=$(((end - start) / 1000000))
  CPU_MS=$(python3 -c 'import sys; u, s = sys.argv[1:]; print(round((float(u) + float(s)) * 1000))' \
    $(tail -n 1 "$W/$p-$mode-$n.cpu"))
}

stats() { # ms... → "median min"
  python3 -c 'import statistics, sys; v = [int(x) for x in sys.argv[1:]]; print(int(statistics.median(v)), min(v))' "$@"
}

run() { # provider mode n: one publish, its wall and CPU ms appended to the mode's lists
  publish "$@"
  if [ "$2" = local ]; then
    local_ms+=("$WALL_MS")
    local_cpu+=("$CPU_MS")
  else
    remote_ms+=("$WALL_MS")
    remote_cpu+=("$CPU_MS")
  fi
}

percent() { python3 -c "print(f'{($2 - $1) * 100 / $1:+.1f}%')"; }

printf '%-6s %9s %9s %9s %9s %7s %9s %9s %8s  %s\n' provider local_md local_min remote_md \
  remote_min ratio overhead cpu_local cpu_over "state requests of one remote run"
for p in $PROVIDERS; do
  publish "$p" local 0 # warm-up: the emulators' first image of a kind is slow
  local_ms=()
  remote_ms=()
  local_cpu=()
  remote_cpu=()
  for n in $(seq 1 "$RUNS"); do
    if [ $((n % 2)) = 1 ]; then
      run "$p" local "$n"
      run "$p" remote "$n"
    else
      run "$p" remote "$n"
      run "$p" local "$n"
    fi
  done
  curl -sf -X POST "$PROXY/_reset" -o /dev/null
  publish "$p" counted 0
  counted=$(curl -sf "$PROXY/_counts")
  read -r lmd lmin <<<"$(stats "${local_ms[@]}")"
  read -r rmd rmin <<<"$(stats "${remote_ms[@]}")"
  read -r lcpu _ <<<"$(stats "${local_cpu[@]}")"
  read -r rcpu _ <<<"$(stats "${remote_cpu[@]}")"
  printf '%-6s %9s %9s %9s %9s %7s %9s %9s %8s  %s\n' "$p" "$lmd" "$lmin" "$rmd" "$rmin" \
    "$(python3 -c "print(f'{$rmd / $lmd:.3f}')")" "$(percent "$lmd" "$rmd")" "$lcpu" \
    "$(percent "$lcpu" "$rcpu")" "$counted"
  echo "  $p local ms: ${local_ms[*]}; remote ms: ${remote_ms[*]}"
  echo "  $p local cpu ms: ${local_cpu[*]}; remote cpu ms: ${remote_cpu[*]}"
done
echo "(wall ms of one 'unideploy publish' process each, $RUNS runs of each mode, interleaved;"
echo " median and min; cpu: median user+sys ms of the CLI's JVM, and what remote state adds to it)"
