#!/usr/bin/env bash
# Installs (if missing), starts, checks and stops the local emulators the integration tests use:
# moto server (AWS), fake-gcs-server (GCS), Azurite (Azure Blob), and checks QEMU + qemu-img.
#
#   scripts/emulators.sh up       install what is missing, start what is not running, wait, write env
#   scripts/emulators.sh down     stop only the processes this script started (by pid file)
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

MOTO_PORT="${MOTO_PORT:-45100}"
GCS_PORT="${GCS_PORT:-45101}"
AZURITE_PORT="${AZURITE_PORT:-45102}"

log() { printf 'emulators: %s\n' "$*" >&2; }
die() { printf 'emulators: error: %s\n' "$*" >&2; exit 1; }

mkdir -p "$STATE" "$TOOLS"

running() { # name -> 0 if our pid file names a live process
  local pidf="$STATE/$1.pid"
  [ -f "$pidf" ] && kill -0 "$(cat "$pidf")" 2>/dev/null
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

ensure_moto() {
  local venv="$TOOLS/moto-$MOTO_VERSION"
  if [ ! -x "$venv/bin/moto_server" ]; then
    log "installing moto[server] $MOTO_VERSION into $venv (this happens once)"
    python3 -m venv "$venv" >"$STATE/moto-install.log" 2>&1 \
      || die "could not create a Python venv for moto: see $STATE/moto-install.log (apt-get install python3-venv?)"
    "$venv/bin/pip" install -q "moto[server]==$MOTO_VERSION" >>"$STATE/moto-install.log" 2>&1 \
      || die "pip install moto[server] failed: see $STATE/moto-install.log"
  fi
  MOTO_BIN="$venv/bin/moto_server"
}

ensure_fake_gcs() {
  local bin="$TOOLS/fake-gcs-$FAKE_GCS_VERSION/fake-gcs-server"
  if [ ! -x "$bin" ]; then
    command -v go >/dev/null || die "go not found: fake-gcs-server is installed with 'go install'; install Go 1.22+"
    log "building fake-gcs-server $FAKE_GCS_VERSION with go install (this happens once)"
    GOBIN="$(dirname "$bin")" go install "github.com/fsouza/fake-gcs-server@$FAKE_GCS_VERSION" \
      >"$STATE/fake-gcs-install.log" 2>&1 \
      || die "go install fake-gcs-server failed: see $STATE/fake-gcs-install.log"
  fi
  FAKE_GCS_BIN="$bin"
}

ensure_azurite() {
  local dir="$TOOLS/azurite-$AZURITE_VERSION"
  if [ ! -x "$dir/node_modules/.bin/azurite-blob" ]; then
    command -v npm >/dev/null || die "npm not found: Azurite is installed with npm; install Node.js 18+"
    log "installing azurite $AZURITE_VERSION with npm (this happens once)"
    mkdir -p "$dir"
    npm install --prefix "$dir" --no-audit --no-fund "azurite@$AZURITE_VERSION" \
      >"$STATE/azurite-install.log" 2>&1 \
      || die "npm install azurite failed: see $STATE/azurite-install.log"
  fi
  AZURITE_BIN="$dir/node_modules/.bin/azurite-blob"
}

start() { # name port cmd...
  local name=$1 port=$2; shift 2
  if running "$name"; then
    log "$name already running (pid $(cat "$STATE/$name.pid"))"
    return
  fi
  port_free "$port" || die "$name: port $port on 127.0.0.1 is taken by another process; set ${name^^}_PORT to a free one"
  log "starting $name on 127.0.0.1:$port (log: $STATE/$name.log)"
  nohup "$@" >"$STATE/$name.log" 2>&1 </dev/null &
  echo $! >"$STATE/$name.pid"
}

wait_http() { # name url
  local name=$1 url=$2 deadline=$((SECONDS + START_DEADLINE))
  while [ $SECONDS -lt $deadline ]; do
    if ! running "$name"; then
      tail -n 20 "$STATE/$name.log" >&2 || true
      die "$name exited during start-up: see $STATE/$name.log"
    fi
    if curl -s -o /dev/null -m 2 "$url"; then return; fi
    sleep 0.3
  done
  die "$name did not answer at $url within ${START_DEADLINE}s: see $STATE/$name.log"
}

port_of() { # name default -> port recorded by a previous 'up', else default
  local f="$STATE/$1.port"
  if running "$1" && [ -f "$f" ]; then cat "$f"; else echo "$2"; fi
}

up() {
  ensure_qemu
  ensure_moto
  ensure_fake_gcs
  ensure_azurite
  local mp gp ap
  mp=$(port_of moto "$MOTO_PORT"); gp=$(port_of fake-gcs "$GCS_PORT"); ap=$(port_of azurite "$AZURITE_PORT")
  start moto "$mp" "$MOTO_BIN" -H 127.0.0.1 -p "$mp"
  start fake-gcs "$gp" "$FAKE_GCS_BIN" -scheme http -host 127.0.0.1 -port "$gp" \
    -public-host "127.0.0.1:$gp" -external-url "http://127.0.0.1:$gp" -backend memory -log-level warn
  mkdir -p "$STATE/azurite-data"
  start azurite "$ap" "$AZURITE_BIN" --blobHost 127.0.0.1 --blobPort "$ap" \
    --location "$STATE/azurite-data" --inMemoryPersistence --skipApiVersionCheck --disableProductStyleUrl
  echo "$mp" >"$STATE/moto.port"; echo "$gp" >"$STATE/fake-gcs.port"; echo "$ap" >"$STATE/azurite.port"
  wait_http moto "http://127.0.0.1:$mp/moto-api/"
  wait_http fake-gcs "http://127.0.0.1:$gp/storage/v1/b"
  wait_http azurite "http://127.0.0.1:$ap/devstoreaccount1?comp=list"
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
  } >"$tmp"
  mv "$tmp" "$ENV_FILE"
  log "all up; endpoints in $ENV_FILE"
}

down() {
  local name
  for name in moto fake-gcs azurite; do
    local pidf="$STATE/$name.pid"
    if [ -f "$pidf" ]; then
      local pid; pid=$(cat "$pidf")
      if kill -0 "$pid" 2>/dev/null; then
        log "stopping $name (pid $pid)"
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
      fi
      rm -f "$pidf" "$STATE/$name.port"
    fi
  done
  rm -f "$ENV_FILE"
}

status() {
  local name rc=0
  for name in moto fake-gcs azurite; do
    if running "$name"; then
      echo "$name: running (pid $(cat "$STATE/$name.pid"), port $(cat "$STATE/$name.port" 2>/dev/null || echo '?'), log $STATE/$name.log)"
    else
      echo "$name: not running"; rc=1
    fi
  done
  command -v qemu-img >/dev/null && echo "qemu-img: $(qemu-img --version | head -n1)" || { echo "qemu-img: missing"; rc=1; }
  command -v qemu-system-x86_64 >/dev/null && echo "qemu-system-x86_64: present" || { echo "qemu-system-x86_64: missing"; rc=1; }
  return $rc
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
