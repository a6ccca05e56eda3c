#!/usr/bin/env bash
# `make label`: review documents in a local Label Studio.
# Label Studio is an optional tool (~1 GB, ~45 s to install) in its own virtualenv, .venv-label, pinned below;
# the server listens on 127.0.0.1 only and keeps its SQLite database and login in .label-studio/.
# Usage: scripts/label_studio.sh [--install-only] [DOC_ID...] [--all] [--port N]
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
VENV=.venv-label
VERSION=1.23.2

installed() {
  [ -x "$VENV/bin/label-studio" ] &&
    [ "$("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("label-studio"))' 2>/dev/null)" = "$VERSION" ]
}
if ! installed; then
  echo "installing label-studio==$VERSION into $VENV (about 1 GB, under a minute)"
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --upgrade pip
  "$VENV/bin/python" -m pip install --quiet "label-studio==$VERSION"
fi
if [ "${1:-}" = "--install-only" ]; then
  exit 0
fi
[ -x .venv/bin/python ] || { echo "run 'make env' first (the pipeline's own .venv)" >&2; exit 1; }
exec .venv/bin/python -m detente.growth.cli labelstudio serve "$@"
