#!/usr/bin/env bash
# Benchmarks what remote state costs per run, side by side with plain HTTP on the same emulators:
# one round = take the app's lock (create-only write), append one journal entry (create-only write
# of the next numbered batch), release the lock (delete on its version). unideploy's round runs in
# bench/StateRoundTrip.java through StateStores (the stores publish and deploy use); the reference
# sends the same three requests with curl, all rounds in one curl process over one kept-alive
# connection (the floor: no client, no retry policy, no JSON), and on S3 also with the AWS CLI
# (`aws s3api put-object --if-none-match '*'` ... `delete-object --if-match`), one process per call
# as a shell script would. Prints median ms per round and the ratios. Numbers on emulators say
# little about the clouds' own latency; the ratio says what unideploy adds on top of the wire.
#
# Usage: bench/state-lock.sh              (packages the CLI first)
#        SKIP_BUILD=1 bench/state-lock.sh
# Env:   ROUNDS (default 100), WARMUP (default 20), CLI_ROUNDS (default 5: AWS CLI rounds)
# Needs: java 17, curl, python3, the emulators of scripts/emulators.sh; the AWS CLI is optional.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-100}
WARMUP=${WARMUP:-20}
CLI_ROUNDS=${CLI_ROUNDS:-5}
W=$(mktemp -d /tmp/unideploy-state-bench.XXXXXX)
trap 'rm -rf "$W"' EXIT

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  mvn -o -B -ntp -q -pl cli -am package -DskipTests -Dspotless.check.skip=true >&2
fi
scripts/emulators.sh up >&2
set -a
. .emulators/env
set +a
CP="cli/target/unideploy.jar:cli/target/lib/*"
RUN=$(date +%s)-$$
BUCKET=bench-state-$RUN
export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/EXAMPLEKEY
export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1

# An account SAS for Azurite's well-known key, so that curl can reach the container.
AZ_SAS=$(python3 bench/azurite-sas.py "$AZURITE_ACCOUNT" "$AZURITE_KEY")
AZ_CONN="DefaultEndpointsProtocol=http;AccountName=$AZURITE_ACCOUNT;AccountKey=$AZURITE_KEY;BlobEndpoint=$AZURITE_BLOB_ENDPOINT;"

curl -sf -X PUT "$MOTO_ENDPOINT/$BUCKET" -o /dev/null
curl -sf -X POST "$GCS_ENDPOINT/storage/v1/b?project=bench" -H 'Content-Type: application/json' \
  -d "{\"name\":\"$BUCKET\"}" -o /dev/null
curl -sf -X PUT "$AZURITE_BLOB_ENDPOINT/$BUCKET?restype=container&$AZ_SAS" -o /dev/null

config() { # scheme authority providers-yaml
  cat >"$W/$1.yaml" <<EOF
app: bench
version: "1"
state: "$1://$2/unideploy"
providers:
$3
EOF
  echo "$W/$1.yaml"
}

unideploy_ms() { # config [env...]
  local cfg=$1
  shift
  env "$@" java -cp "$CP" bench/StateRoundTrip.java "$cfg" "$ROUNDS" "$WARMUP" |
    sed -n 's/.*median_ms=\([0-9.]*\).*/\1/p'
}

# The same three requests per round, every round in one curl process (one connection).
LOCK_BODY='{"format":"unideploy-lock/1","app":"bench"}'
BATCH_BODY='{"format":"unideploy-journal-batch/1"}'
LOCK_MD5=$(printf '%s' "$LOCK_BODY" | md5sum | cut -d' ' -f1)
# S3 requests are signed (SigV4, curl's own signer) as any real client's are: moto refuses an
# anonymous delete.
SIGN="aws-sigv4 = \"aws:amz:us-east-1:s3\"
user = \"$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY\""
curl_ms() { # store
  local store=$1 cfg="$W/curl-$1.cfg" i
  : >"$cfg"
  for i in $(seq 1 "$ROUNDS"); do
    case $store in
      s3)
        printf '%s\nurl = "%s/%s/ref/locks/bench.json"\nrequest = PUT\nheader = "If-None-Match: *"\nheader = "Content-Type: application/json"\ndata-binary = %s\noutput = /dev/null\nnext\n' "$SIGN" "$MOTO_ENDPOINT" "$BUCKET" "$LOCK_BODY"
        printf '%s\nurl = "%s/%s/ref/journal/e-%012d.json"\nrequest = PUT\nheader = "If-None-Match: *"\nheader = "Content-Type: application/json"\ndata-binary = %s\noutput = /dev/null\nnext\n' "$SIGN" "$MOTO_ENDPOINT" "$BUCKET" "$i" "$BATCH_BODY"
        printf '%s\nurl = "%s/%s/ref/locks/bench.json"\nrequest = DELETE\nheader = "If-Match: \\"%s\\""\noutput = /dev/null\nnext\n' "$SIGN" "$MOTO_ENDPOINT" "$BUCKET" "$LOCK_MD5"
        ;;
      gs)
        printf 'url = "%s/upload/storage/v1/b/%s/o?uploadType=media&name=ref/locks/bench.json&ifGenerationMatch=0"\nrequest = POST\nheader = "Content-Type: application/json"\ndata-binary = %s\noutput = /dev/null\nnext\n' "$GCS_ENDPOINT" "$BUCKET" "$LOCK_BODY"
        printf 'url = "%s/upload/storage/v1/b/%s/o?uploadType=media&name=ref/journal/e-%012d.json&ifGenerationMatch=0"\nrequest = POST\nheader = "Content-Type: application/json"\ndata-binary = %s\noutput = /dev/null\nnext\n' "$GCS_ENDPOINT" "$BUCKET" "$i" "$BATCH_BODY"
        printf 'url = "%s/storage/v1/b/%s/o/ref%%2Flocks%%2Fbench.json"\nrequest = DELETE\noutput = /dev/null\nnext\n' "$GCS_ENDPOINT" "$BUCKET"
        ;;
      azblob)
        printf 'url = "%s/%s/ref/locks/bench.json?%s"\nrequest = PUT\nheader = "If-None-Match: *"\nheader = "x-ms-blob-type: BlockBlob"\nheader = "Content-Type: application/json"\ndata-binary = %s\noutput = /dev/null\nnext\n' "$AZURITE_BLOB_ENDPOINT" "$BUCKET" "$AZ_SAS" "$LOCK_BODY"
        printf 'url = "%s/%s/ref/journal/e-%012d.json?%s"\nrequest = PUT\nheader = "If-None-Match: *"\nheader = "x-ms-blob-type: BlockBlob"\nheader = "Content-Type: application/json"\ndata-binary = %s\noutput = /dev/null\nnext\n' "$AZURITE_BLOB_ENDPOINT" "$BUCKET" "$i" "$AZ_SAS" "$BATCH_BODY"
        printf 'url = "%s/%s/ref/locks/bench.json?%s"\nrequest = DELETE\noutput = /dev/null\nnext\n' "$AZURITE_BLOB_ENDPOINT" "$BUCKET" "$AZ_SAS"
        ;;
    esac >>"$cfg"
  done
  sed -i '$ d' "$cfg" # the last "next" would start an empty transfer
  local start end
  start=$(date +%s%N)
  if ! curl -s --config "$cfg" -w '%{http_code}\n' >"$W/curl-$store.codes"; then
    echo "curl reference on $store failed" >&2
    exit 1
  fi
  end=$(date +%s%N)
  if grep -qv '^20[0124]$' "$W/curl-$store.codes"; then
    echo "curl reference on $store: a request failed: $(sort "$W/curl-$store.codes" | uniq -c | tr '\n' ' ')" >&2
    exit 1
  fi
  python3 -c "print(f'{($end - $start) / 1e6 / $ROUNDS:.2f}')"
}

awscli_ms() {
  local start end i etag
  start=$(date +%s%N)
  for i in $(seq 1 "$CLI_ROUNDS"); do
    printf '%s' "$LOCK_BODY" >"$W/lock.json"
    printf '%s' "$BATCH_BODY" >"$W/batch.json"
    etag=$(aws --endpoint-url "$MOTO_ENDPOINT" s3api put-object --bucket "$BUCKET" --key cli/locks/bench.json \
      --body "$W/lock.json" --if-none-match '*' --query ETag --output text)
    aws --endpoint-url "$MOTO_ENDPOINT" s3api put-object --bucket "$BUCKET" \
      --key "cli/journal/e-$(printf %012d "$i").json" --body "$W/batch.json" --if-none-match '*' >/dev/null
    aws --endpoint-url "$MOTO_ENDPOINT" s3api delete-object --bucket "$BUCKET" --key cli/locks/bench.json \
      --if-match "$etag" >/dev/null
  done
  end=$(date +%s%N)
  python3 -c "print(f'{($end - $start) / 1e6 / $CLI_ROUNDS:.2f}')"
}

ratio() { python3 -c "print(f'{$1 / $2:.2f}')"; }

S3_UD=$(unideploy_ms "$(config s3 "$BUCKET" "  aws: {region: us-east-1, endpoint: \"$MOTO_ENDPOINT\"}")")
GS_UD=$(unideploy_ms "$(config gs "$BUCKET" "  gcp: {credentials: none, endpoints: {storage: \"$GCS_ENDPOINT\"}}")")
AZ_UD=$(unideploy_ms "$(config azblob "$AZURITE_ACCOUNT/$BUCKET" "  azure: {}")" \
  AZURE_STORAGE_CONNECTION_STRING="$AZ_CONN")
S3_CURL=$(curl_ms s3)
GS_CURL=$(curl_ms gs)
AZ_CURL=$(curl_ms azblob)
if command -v aws >/dev/null && aws s3api put-object help 2>/dev/null | grep -q -- '--if-none-match'; then
  S3_CLI=$(awscli_ms)
else
  S3_CLI=
fi

printf '%-8s %14s %12s %10s %16s %14s\n' store unideploy_ms curl_ms ratio aws_cli_ms ratio_cli
printf '%-8s %14s %12s %10s %16s %14s\n' s3 "$S3_UD" "$S3_CURL" "$(ratio "$S3_UD" "$S3_CURL")" \
  "${S3_CLI:--}" "$([ -n "$S3_CLI" ] && ratio "$S3_UD" "$S3_CLI" || echo -)"
printf '%-8s %14s %12s %10s %16s %14s\n' gs "$GS_UD" "$GS_CURL" "$(ratio "$GS_UD" "$GS_CURL")" - -
printf '%-8s %14s %12s %10s %16s %14s\n' azblob "$AZ_UD" "$AZ_CURL" "$(ratio "$AZ_UD" "$AZ_CURL")" - -
echo "(median ms per round for unideploy after $WARMUP warm-up rounds of $ROUNDS; curl: mean of $ROUNDS rounds in one process; AWS CLI: mean of $CLI_ROUNDS rounds, one process per call)"
