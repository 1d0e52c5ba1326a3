#!/usr/bin/env bash
# Lints action.yml and the example workflows in config-samples/workflows/ with actionlint
# (https://github.com/rhysd/actionlint), installing it first with `go install` into the tools cache.
# actionlint checks a local action's metadata (action.yml: inputs, outputs, steps) where a workflow
# uses it as `uses: ./`, so the examples are linted in a scratch repository where their
# `uses: unideploy/unideploy@v1` points at this checkout's action.yml.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TOOLS=${UNIDEPLOY_TOOLS:-$HOME/.cache/unideploy-tools}
VERSION=1.7.12
BIN="$TOOLS/actionlint-$VERSION/actionlint"

if [ ! -x "$BIN" ]; then
  command -v go >/dev/null || { echo "actionlint.sh: Go is needed to install actionlint: install Go 1.22+" >&2; exit 1; }
  echo "actionlint.sh: installing actionlint $VERSION into $TOOLS" >&2
  mkdir -p "$TOOLS/actionlint-$VERSION"
  GOBIN="$TOOLS/actionlint-$VERSION" go install "github.com/rhysd/actionlint/cmd/actionlint@v$VERSION"
fi

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/.github/workflows"
cp "$ROOT/action.yml" "$scratch/action.yml"
for f in "$ROOT"/config-samples/workflows/*.yml; do
  sed 's|uses: unideploy/unideploy@v1|uses: ./|' "$f" >"$scratch/.github/workflows/$(basename "$f")"
done
cd "$scratch"
git init -q . # actionlint finds the project (and so `uses: ./`) by its .git
"$BIN" -no-color "$@" .github/workflows/*.yml
echo "actionlint.sh: action.yml and $(ls .github/workflows | wc -l) example workflows are clean"
