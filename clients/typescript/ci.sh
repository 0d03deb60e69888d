#!/usr/bin/env bash
# CI for the TypeScript client: clean install from package-lock.json (pinned
# tools), regenerate and check the committed code in src/gen is current, build
# with tsc --strict, then the tests against a real server.
#
#   bash clients/typescript/ci.sh HELPDESK_BIN
#
# HELPDESK_BIN is a built `helpdesk` binary. Needs Node 20+ and npm.
set -euo pipefail

if [ "$#" -ne 1 ]; then
  echo "usage: bash clients/typescript/ci.sh HELPDESK_BIN" >&2
  exit 2
fi
absolute() { case "$1" in /*) printf '%s\n' "$1" ;; *) printf '%s\n' "$PWD/$1" ;; esac; }
BIN="$(absolute "$1")"
cd "$(dirname "$0")"

npm ci
npm run generate
git diff --exit-code -- .
# Files the generator adds (a new .proto) are untracked, which git diff misses.
untracked="$(git ls-files --others --exclude-standard -- src/gen)"
if [ -n "$untracked" ]; then
  printf 'generated files not committed:\n%s\n' "$untracked" >&2
  exit 1
fi
npm run build
HELPDESK_BIN="$BIN" npm test
