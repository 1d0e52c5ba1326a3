#!/usr/bin/env bash
# Installs (if missing), starts, checks and stops the local emulators the integration tests use:
# moto server (AWS), fake-gcs-server (GCS), Azurite (Azure Blob), the project's fakes of Azure
# Resource Manager (it/fakes/arm) and Compute Engine (it/fakes/gce), and checks QEMU + qemu-img.
#
#   scripts/emulators.sh up       install what is missing, start what is not running, wait, write env
#   scripts/emulators.sh down [name...]  stop only the processes this checkout started (by pid file)
#   scripts/emulators.sh status   say what runs where
#
# State lives in .emulators/ at the repo root: <name>.pid, <name>.log, and env (KEY=VALUE lines the
# it/ tests read). Tools are installed once into $UNIDEPLOY_TOOLS (default ~/.cache/unideploy-tools).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
STATE="$ROOT/.emulators"
TOOLS="${UNIDEPLOY_TOOLS:-$HOME/.cache/unideploy-tools}"
ENV_FILE="$STATE/env"
START_DEADLINE="${EMULATOR_START_DEADLINE:-90}"

# Pinned versions: a new release of an emulator must not change our test results silently.
MOTO_VERSION=5.2.5
FAKE_GCS_VERSION=v1.56.1
AZURITE_VERSION=3.35.0

# Preferred ports. When one is taken (typically by the emulators of another checkout of this repo)
# and was not set explicitly, 'up' picks a free port instead: reusing a server it did not start
# would mix two checkouts' state and let one checkout's 'down' stop the other's emulators.
MOTO_PORT_EXPLICIT=${MOTO_PORT:+yes}
FAKE_GCS_PORT_EXPLICIT=${FAKE_GCS_PORT:+yes}
AZURITE_PORT_EXPLICIT=${AZURITE_PORT:+yes}
MOTO_PORT="${MOTO_PORT:-45100}"
FAKE_GCS_PORT="${FAKE_GCS_PORT:-45101}"
AZURITE_PORT="${AZURITE_PORT:-45102}"

log() { printf 'emulators: %s\n' "$*" >&2; }
die() { printf 'emulators: error: %s\n' "$*" >&2; exit 1; }

mkdir -p "$STATE" "$TOOLS"

marker() { # name -> a string the emulator's command line contains
  case "$1" in
    moto) echo moto_server ;;
    fake-gcs) echo fake-gcs-server ;;
    azurite) echo azurite-blob ;;
    arm) echo "-m arm" ;;
    gce) echo fakes/gce/main.py ;;
    awsfleet) echo "-m awsfleet" ;;
  esac
}

running() { # name -> 0 if our pid file names a live process that is that emulator
  local pidf="$STATE/$1.pid" pid
  [ -f "$pidf" ] || return 1
  pid=$(cat "$pidf")
  kill -0 "$pid" 2>/dev/null || return 1
  # A pid file that survived a reboot may name a pid now reused by an unrelated process.
  local cmd
  cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
  [[ $cmd == *"$(marker "$1")"* ]]
}

port_free() {
  python3 - "$1" <<'PY'
import socket, sys
s = socket.socket()
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
finally:
    s.close()
PY
}

free_port() { # -> a port the kernel reports free on 127.0.0.1
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

apt_install() {
  command -v apt-get >/dev/null || die "apt-get not found: install $* with your package manager"
  log "installing $* with apt-get (this happens once)"
  if [ ! -f "$STATE/.apt-updated" ]; then
    apt-get update -qq >"$STATE/apt.log" 2>&1 || die "apt-get update failed: see $STATE/apt.log"
    touch "$STATE/.apt-updated"
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >>"$STATE/apt.log" 2>&1 \
    || die "apt-get install $* failed: see $STATE/apt.log"
}

ensure_qemu() {
  local missing=()
  command -v qemu-img >/dev/null || missing+=(qemu-utils)
  command -v qemu-system-x86_64 >/dev/null || missing+=(qemu-system-x86)
  # OVMF is the UEFI firmware the boot verification uses for images published as UEFI.
  [ -f /usr/share/OVMF/OVMF_CODE.fd ] || [ -f /usr/share/ovmf/OVMF.fd ] || missing+=(ovmf)
  command -v nasm >/dev/null || missing+=(nasm)
  if [ ${#missing[@]} -gt 0 ]; then apt_install "${missing[@]}"; fi
  command -v qemu-img >/dev/null || die "qemu-img still missing after install: see $STATE/apt.log"
  command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 still missing: see $STATE/apt.log"
}

install_lock() { # serialises installs into $TOOLS across checkouts (fd 8, released on exit)
  exec 8>"$TOOLS/.install.lock"
  flock 8
}

ensure_moto() {
  local venv="$TOOLS/moto-$MOTO_VERSION"
  if [ ! -x "$venv/bin/moto_server" ]; then
    log "installing moto[server] $MOTO_VERSION into $venv (this happens once)"
    local t0=$SECONDS
    python3 -m venv "$venv" >"$STATE/moto-install.log" 2>&1 \
      || die "could not create a Python venv for moto: see $STATE/moto-install.log (apt-get install python3-venv?)"
    "$venv/bin/pip" install -q "moto[server]==$MOTO_VERSION" >>"$STATE/moto-install.log" 2>&1 \
      || die "pip install moto[server] failed: see $STATE/moto-install.log"
    log "installed moto in $((SECONDS - t0))s"
  fi
  MOTO_BIN="$venv/bin/moto_server"
}

ensure_fake_gcs() {
  local bin="$TOOLS/fake-gcs-$FAKE_GCS_VERSION/fake-gcs-server"
  if [ ! -x "$bin" ]; then
    command -v go >/dev/null || die "go not found: fake-gcs-server is installed with 'go install'; install Go 1.26+ (the go.mod of fake-gcs-server $FAKE_GCS_VERSION needs go 1.26)"
    log "building fake-gcs-server $FAKE_GCS_VERSION with go install (this happens once; minutes on a cold Go cache)"
    local t0=$SECONDS
    GOBIN="$(dirname "$bin")" go install "github.com/fsouza/fake-gcs-server@$FAKE_GCS_VERSION" \
      >"$STATE/fake-gcs-install.log" 2>&1 \
      || die "go install fake-gcs-server failed: see $STATE/fake-gcs-install.log"
    log "built fake-gcs-server in $((SECONDS - t0))s"
  fi
  FAKE_GCS_BIN="$bin"
}

ensure_azurite() {
  local dir="$TOOLS/azurite-$AZURITE_VERSION"
  if [ ! -x "$dir/node_modules/.bin/azurite-blob" ]; then
    command -v npm >/dev/null || die "npm not found: Azurite is installed with npm; install Node.js 18+"
    log "installing azurite $AZURITE_VERSION with npm (this happens once)"
    local t0=$SECONDS
    mkdir -p "$dir"
    npm install --prefix "$dir" --no-audit --no-fund "azurite@$AZURITE_VERSION" \
      >"$STATE/azurite-install.log" 2>&1 \
      || die "npm install azurite failed: see $STATE/azurite-install.log"
    log "installed azurite in $((SECONDS - t0))s"
  fi
  AZURITE_BIN="$dir/node_modules/.bin/azurite-blob"
}

# --- Azure Resource Manager fake (it/fakes/arm) -----------------------------------------------
# A local HTTPS server that fakes the ARM calls of the Azure provider; its disks live on Azurite.
# HTTPS with a self-signed certificate, so clients keep Azure's bearer-token pipeline unchanged
# (the Azure SDK refuses to send a token over http://); the certificate's PEM is ARM_CA_CERT.
ARM_PORT_EXPLICIT=${ARM_PORT:+yes}
ARM_PORT="${ARM_PORT:-45103}"
ARM_SUBSCRIPTION=00000000-0000-0000-0000-000000000000
ARM_TENANT=00000000-0000-0000-0000-0000000000aa
ARM_RESOURCE_GROUP=unideploy
ARM_LOCATION=westeurope
# The walkthrough's load balancer: its frontend listens on 127.0.0.1:ARM_LB_PORT and forwards to the
# healthy instances in its backend pool; the subnet is only a name in the fake.
ARM_LB_PORT_EXPLICIT=${ARM_LB_PORT:+yes}
ARM_LB_PORT="${ARM_LB_PORT:-45104}"
ARM_LOAD_BALANCER=unideploy-lb

arm_cert() { # a self-signed certificate for 127.0.0.1 and localhost, made once per checkout
  [ -f "$STATE/arm-cert.pem" ] && [ -f "$STATE/arm-key.pem" ] && return
  command -v openssl >/dev/null || die "openssl not found: the ARM fake serves HTTPS; install openssl"
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=unideploy ARM fake" \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" -addext "basicConstraints=critical,CA:TRUE" \
    -keyout "$STATE/arm-key.pem" -out "$STATE/arm-cert.pem" >"$STATE/arm-cert.log" 2>&1 \
    || die "openssl could not make the ARM fake's certificate: see $STATE/arm-cert.log"
}

arm_up() { # azurite-port -> starts the fake (if not running) and sets ARM_PORT_CHOSEN
  arm_cert
  if ensure_running arm "$ARM_PORT" "$ARM_PORT_EXPLICIT"; then
    ARM_PORT_CHOSEN=$PORT
    ARM_LB_PORT_CHOSEN=$ARM_LB_PORT
    if ! port_free "$ARM_LB_PORT_CHOSEN"; then
      [ -z "$ARM_LB_PORT_EXPLICIT" ] || die "arm: port $ARM_LB_PORT on 127.0.0.1 is taken (you set ARM_LB_PORT): choose a free port, or unset ARM_LB_PORT"
      ARM_LB_PORT_CHOSEN=$(free_port)
      while [[ " $CHOSEN_PORTS " == *" $ARM_LB_PORT_CHOSEN "* ]]; do ARM_LB_PORT_CHOSEN=$(free_port); done
    fi
    CHOSEN_PORTS+=" $ARM_LB_PORT_CHOSEN"
    echo "$ARM_LB_PORT_CHOSEN" >"$STATE/arm-lb.port"
    PYTHONPATH="$ROOT/it/fakes" start arm "$ARM_PORT_CHOSEN" python3 -m arm --port "$ARM_PORT_CHOSEN" \
      --cert "$STATE/arm-cert.pem" --key "$STATE/arm-key.pem" --subscription "$ARM_SUBSCRIPTION" \
      --resource-group "$ARM_RESOURCE_GROUP" --location "$ARM_LOCATION" \
      --load-balancer "$ARM_LOAD_BALANCER:$ARM_LB_PORT_CHOSEN" \
      --azurite-endpoint "http://127.0.0.1:$1/devstoreaccount1" \
      --azurite-key "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==" \
      --data "$STATE/arm-data"
  else
    ARM_PORT_CHOSEN=$PORT
    ARM_LB_PORT_CHOSEN=$(cat "$STATE/arm-lb.port" 2>/dev/null || echo "$ARM_LB_PORT")
  fi
  local deadline=$((SECONDS + START_DEADLINE))
  until curl -s -o /dev/null -m 2 --cacert "$STATE/arm-cert.pem" "https://127.0.0.1:$ARM_PORT_CHOSEN/_fake/health"; do
    alive arm || fail_start arm "exited during start-up"
    [ $SECONDS -lt $deadline ] || fail_start arm "did not answer within ${START_DEADLINE}s"
    sleep 0.2
  done
}

arm_env() { # the lines the tests and the README walkthrough read
  echo "ARM_ENDPOINT=https://127.0.0.1:$ARM_PORT_CHOSEN"
  echo "ARM_CA_CERT=$STATE/arm-cert.pem"
  echo "ARM_SUBSCRIPTION=$ARM_SUBSCRIPTION"
  echo "ARM_TENANT=$ARM_TENANT"
  echo "ARM_RESOURCE_GROUP=$ARM_RESOURCE_GROUP"
  echo "ARM_LOCATION=$ARM_LOCATION"
  echo "ARM_LOAD_BALANCER=$ARM_LOAD_BALANCER"
  echo "ARM_LB_PORT=$ARM_LB_PORT_CHOSEN"
  echo "ARM_SUBNET=/subscriptions/$ARM_SUBSCRIPTION/resourceGroups/$ARM_RESOURCE_GROUP/providers/Microsoft.Network/virtualNetworks/unideploy-vnet/subnets/default"
}
# --- end of the ARM fake block ------------------------------------------------------------------

# ---- Compute Engine fake (it/fakes/gce): a local server written to the Compute Engine v1 REST API.
# It imports images from fake-gcs-server and boots managed instances under QEMU, so it starts after
# fake-gcs and needs only Python 3 (stdlib). Its state (imported disks, instance overlays) lives in
# $STATE/gce and is discarded at each start, like the in-memory emulators' state.
GCE_PORT_EXPLICIT=${GCE_PORT:+yes}
GCE_PORT="${GCE_PORT:-45104}"
GCE_MAIN="$ROOT/it/fakes/gce/main.py"

gce_up() { # gcs-port: start the fake unless it runs; sets GCE_RUNNING_PORT
  python3 -c 'import sys; sys.exit(sys.version_info < (3, 9))' \
    || die "the Compute Engine fake needs Python 3.9 or newer (found $(python3 --version 2>&1))"
  if ensure_running gce "$GCE_PORT" "$GCE_PORT_EXPLICIT"; then
    rm -rf "$STATE/gce"
    start gce "$PORT" python3 "$GCE_MAIN" --host 127.0.0.1 --port "$PORT" \
      --gcs-endpoint "http://127.0.0.1:$1" --state-dir "$STATE/gce"
  fi
  GCE_RUNNING_PORT=$PORT
}

gce_wait() { wait_http gce "http://127.0.0.1:$GCE_RUNNING_PORT/_fake/health"; }

gce_env() { echo "GCE_ENDPOINT=http://127.0.0.1:$GCE_RUNNING_PORT"; }
# ---- end of the Compute Engine fake

# ---- AWS fleet fake (it/fakes/awsfleet): moto in-process, changed so that EC2 instances boot their
# AMI under QEMU and target health and console output tell the truth. The tests start their own;
# `scripts/emulators.sh awsfleet` starts one for trying `deploy --provider aws` by hand, creates a
# demo network in it (it/fakes/awsfleet/demo_network.py) and adds its endpoint and ids to the env
# file. Not part of `up`: each of its instances is a QEMU.
AWSFLEET_PORT_EXPLICIT=${AWSFLEET_PORT:+yes}
AWSFLEET_PORT="${AWSFLEET_PORT:-45105}"

awsfleet_env() { # the env file's awsfleet lines, when it runs
  if running awsfleet && [ -f "$STATE/awsfleet.env" ]; then cat "$STATE/awsfleet.env"; fi
}

awsfleet() {
  lock_state
  install_lock
  ensure_qemu
  ensure_moto
  exec 8>&-
  cd "$STATE"
  local py port
  py="$(dirname "$MOTO_BIN")/python3"
  if ensure_running awsfleet "$AWSFLEET_PORT" "$AWSFLEET_PORT_EXPLICIT"; then
    port=$PORT
    rm -rf "$STATE/awsfleet" "$STATE/awsfleet.env"
    mkdir -p "$STATE/awsfleet"
    start awsfleet "$port" env PYTHONPATH="$ROOT/it/fakes" "$py" -m awsfleet \
      --port "$port" --state-dir "$STATE/awsfleet"
    wait_http awsfleet "http://127.0.0.1:$port/moto-api/"
    {
      echo "AWSFLEET_ENDPOINT=http://127.0.0.1:$port"
      "$py" "$ROOT/it/fakes/awsfleet/demo_network.py" --endpoint "http://127.0.0.1:$port" \
        || fail_start awsfleet "started, but its demo network could not be created"
    } >"$STATE/awsfleet.env.tmp"
    mv "$STATE/awsfleet.env.tmp" "$STATE/awsfleet.env"
  fi
  local tmp="$ENV_FILE.tmp"
  { [ -f "$ENV_FILE" ] && grep -v '^AWSFLEET_' "$ENV_FILE"; awsfleet_env; } >"$tmp" || true
  mv "$tmp" "$ENV_FILE"
  log "awsfleet up; AWSFLEET_ENDPOINT, AWSFLEET_SUBNET, AWSFLEET_SECURITY_GROUP and AWSFLEET_TARGET_GROUP in $ENV_FILE"
}
# ---- end of the AWS fleet fake

STARTED=() # emulators this invocation started, so a failed start stops only what it started
CHOSEN_PORTS="" # ports this invocation gave to an emulator

start() { # name port cmd...
  local name=$1 port=$2; shift 2
  log "starting $name on 127.0.0.1:$port (log: $STATE/$name.log)"
  # Every descriptor above 2 closed: an emulator must not inherit a lock, neither this script's
  # state lock nor the one a caller took with `flock FILE scripts/emulators.sh up` (or a benchmark
  # that starts the emulators under the build lock), or it would hold that lock for its lifetime.
  (
    for fd in $(ls /proc/$BASHPID/fd); do
      if [ "$fd" -gt 2 ]; then eval "exec $fd>&-"; fi
    done
    exec nohup "$@" >"$STATE/$name.log" 2>&1 </dev/null
  ) &
  echo $! >"$STATE/$name.pid"
  echo "$port" >"$STATE/$name.port"
  STARTED+=("$name")
}

alive() { # name -> 0 if the pid this invocation started is still alive (whatever it exec'd)
  [ -f "$STATE/$1.pid" ] && kill -0 "$(cat "$STATE/$1.pid")" 2>/dev/null
}

started_here() { # name -> 0 if this invocation started it
  local n
  for n in "${STARTED[@]}"; do [ "$n" = "$1" ] && return 0; done
  return 1
}

stop() { # name: stop the process our pid file names, if it is still that emulator
  local name=$1 pidf="$STATE/$1.pid" pid
  if running "$name" || { started_here "$name" && alive "$name"; }; then
    pid=$(cat "$pidf")
    log "stopping $name (pid $pid)"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$pidf" "$STATE/$name.port"
}

fail_start() { # name message: stop what this invocation started, then fail naming the log
  local name=$1 msg=$2 other
  printf 'emulators: last lines of %s:\n' "$STATE/$name.log" >&2
  tail -n 20 "$STATE/$name.log" | sed 's/^/    /' >&2 || true
  # Stop the failed one too (even if an earlier 'up' started it), so the next 'up' starts afresh.
  for other in "${STARTED[@]}" "$name"; do stop "$other"; done
  die "$name $msg: see $STATE/$name.log"
}

wait_http() { # name url: until the emulator answers HTTP (any status) or the deadline passes
  local name=$1 url=$2 deadline=$((SECONDS + START_DEADLINE))
  while [ $SECONDS -lt $deadline ]; do
    alive "$name" || fail_start "$name" "exited during start-up"
    if curl -s -o /dev/null -m 2 "$url"; then return; fi
    sleep 0.3
  done
  fail_start "$name" "did not answer at $url within ${START_DEADLINE}s"
}

ensure_running() { # name preferred-port explicit(yes|'') -> sets PORT; starts nothing if running
  local name=$1 preferred=$2 explicit=$3
  if running "$name" && [ -f "$STATE/$name.port" ]; then
    PORT=$(cat "$STATE/$name.port")
    log "$name already running (pid $(cat "$STATE/$name.pid"), port $PORT)"
    return 1
  fi
  PORT=$preferred
  if ! port_free "$PORT"; then
    local var; var="$(echo "$name" | tr 'a-z-' 'A-Z_')_PORT"
    [ -z "$explicit" ] || die "$name: port $PORT on 127.0.0.1 is taken by another process (you set $var): choose a free port, or unset $var to let this script pick one"
    # An emulator started a moment ago may not listen yet, so the kernel could offer its port again.
    PORT=$(free_port)
    while [[ " $CHOSEN_PORTS " == *" $PORT "* ]]; do PORT=$(free_port); done
    log "$name: port $preferred is taken (by another checkout's emulators?); using free port $PORT"
  fi
  CHOSEN_PORTS+=" $PORT"
  return 0
}

lock_state() { # one up/down at a time per checkout (fd 9, released on exit)
  exec 9>"$STATE/.lock"
  flock 9
}

up() {
  lock_state
  install_lock
  ensure_qemu
  ensure_moto
  ensure_fake_gcs
  ensure_azurite
  exec 8>&- # installs done: let other checkouts install
  cd "$STATE" # emulators start here, so nothing they write lands in the caller's directory
  local mp gp ap
  if ensure_running moto "$MOTO_PORT" "$MOTO_PORT_EXPLICIT"; then
    mp=$PORT
    start moto "$mp" "$MOTO_BIN" -H 127.0.0.1 -p "$mp"
  else mp=$PORT; fi
  if ensure_running fake-gcs "$FAKE_GCS_PORT" "$FAKE_GCS_PORT_EXPLICIT"; then
    gp=$PORT
    # -external-url: resumable-upload session URLs (Location) must point back at this server.
    start fake-gcs "$gp" "$FAKE_GCS_BIN" -scheme http -host 127.0.0.1 -port "$gp" \
      -public-host "127.0.0.1:$gp" -external-url "http://127.0.0.1:$gp" -backend memory -log-level warn
  else gp=$PORT; fi
  if ensure_running azurite "$AZURITE_PORT" "$AZURITE_PORT_EXPLICIT"; then
    ap=$PORT
    # --inMemoryPersistence refuses --location (Azurite then writes nothing; up runs in $STATE
    # anyway); telemetry off because tests must not reach the internet.
    start azurite "$ap" "$AZURITE_BIN" --blobHost 127.0.0.1 --blobPort "$ap" \
      --inMemoryPersistence --disableTelemetry --skipApiVersionCheck --disableProductStyleUrl
  else ap=$PORT; fi
  wait_http moto "http://127.0.0.1:$mp/moto-api/"
  wait_http fake-gcs "http://127.0.0.1:$gp/storage/v1/b"
  gce_up "$gp"
  wait_http azurite "http://127.0.0.1:$ap/devstoreaccount1?comp=list"
  arm_up "$ap"
  gce_wait
  local kvm=no
  if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then kvm=yes; fi
  local tmp="$ENV_FILE.tmp"
  {
    echo "MOTO_ENDPOINT=http://127.0.0.1:$mp"
    echo "GCS_ENDPOINT=http://127.0.0.1:$gp"
    echo "AZURITE_BLOB_ENDPOINT=http://127.0.0.1:$ap/devstoreaccount1"
    # Azurite's documented well-known development account; not a secret.
    echo "AZURITE_ACCOUNT=devstoreaccount1"
    echo "AZURITE_KEY=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
    echo "QEMU_IMG=$(command -v qemu-img)"
    echo "QEMU_SYSTEM_X86_64=$(command -v qemu-system-x86_64)"
    echo "KVM_USABLE=$kvm"
    arm_env
    gce_env
    awsfleet_env
  } >"$tmp"
  mv "$tmp" "$ENV_FILE"
  log "all up; endpoints in $ENV_FILE"
}

down() { # [name...]: stop the named emulators (default: all) that this checkout started
  lock_state
  local name names=("$@")
  [ ${#names[@]} -gt 0 ] || names=(awsfleet arm gce moto fake-gcs azurite)
  for name in "${names[@]}"; do
    case "$name" in moto|fake-gcs|azurite|arm|gce|awsfleet) ;; *) die "down: unknown emulator '$name' (moto, fake-gcs, azurite, arm, gce, awsfleet)" ;; esac
    stop "$name"
  done
  # The env file describes all three; once any is stopped it would point at a dead endpoint.
  rm -f "$ENV_FILE"
}

status() {
  local name rc=0
  for name in moto fake-gcs azurite arm gce; do
    if running "$name"; then
      echo "$name: running (pid $(cat "$STATE/$name.pid"), port $(cat "$STATE/$name.port" 2>/dev/null || echo '?'), log $STATE/$name.log)"
    else
      echo "$name: not running"; rc=1
    fi
  done
  if command -v qemu-img >/dev/null; then echo "qemu-img: $(qemu-img --version | head -n1)"
  else echo "qemu-img: missing (scripts/emulators.sh up installs it)"; rc=1; fi
  if command -v qemu-system-x86_64 >/dev/null; then echo "qemu-system-x86_64: present"
  else echo "qemu-system-x86_64: missing (scripts/emulators.sh up installs it)"; rc=1; fi
  return $rc
}

case "${1:-}" in
  up) up ;;
  down) shift; down "$@" ;;
  status) status ;;
  awsfleet) awsfleet ;;
  qemu) mkdir -p "$STATE"; ensure_qemu ;; # QEMU, qemu-img and OVMF only: what the local provider and the demo need
  *) echo "usage: $0 up | down [moto|fake-gcs|azurite|arm|gce|awsfleet...] | status | awsfleet | qemu" >&2; exit 2 ;;
esac
