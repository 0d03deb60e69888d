#!/usr/bin/env bash
# CI for the Python client: fresh venv, pinned tools, install, regenerate and
# check the committed stubs are current, then the tests against a real server.
#
#   bash clients/python/ci.sh VENV_DIR HELPDESK_BIN
#
# VENV_DIR is created (or reused); HELPDESK_BIN is a built `helpdesk` binary.
# Set PYTHON to choose the interpreter that creates the venv (default python3).
set -euo pipefail

if [ "$#" -ne 2 ]; then
  echo "usage: bash clients/python/ci.sh VENV_DIR HELPDESK_BIN" >&2
  exit 2
fi
absolute() { case "$1" in /*) printf '%s\n' "$1" ;; *) printf '%s\n' "$PWD/$1" ;; esac; }
VENV="$(absolute "$1")"
BIN="$(absolute "$2")"
cd "$(dirname "$0")"

"${PYTHON:-python3}" -m venv "$VENV"
"$VENV/bin/python" -m pip install -r requirements-dev.txt
"$VENV/bin/python" -m pip install .
PYTHON="$VENV/bin/python" bash generate.sh
git diff --exit-code -- .
# Files the generator adds (a new .proto) are untracked, which git diff misses.
untracked="$(git ls-files --others --exclude-standard -- src/helpdesk_client/_generated)"
if [ -n "$untracked" ]; then
  printf 'generated files not committed:\n%s\n' "$untracked" >&2
  exit 1
fi
HELPDESK_BIN="$BIN" "$VENV/bin/python" -m pytest -q
