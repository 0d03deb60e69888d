#!/usr/bin/env bash
# Regenerates every client from proto/ with pinned tools: Python (grpcio-tools and mypy-protobuf from
# clients/python/requirements-dev.txt) and TypeScript (protoc-gen-es through buf, from
# clients/typescript/package-lock.json). The output is committed; CI regenerates it and fails on drift.
#
#   bash clients/generate.sh [PYTHON_VENV]     (default: clients/.venv)
set -euo pipefail
cd "$(dirname "$0")"
venv="$(realpath -m "${1:-.venv}")"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r python/requirements-dev.txt
(cd python && PYTHON="$venv/bin/python" bash generate.sh)
(cd typescript && npm ci --silent && npm run --silent generate)
echo "clients regenerated from ../proto"
