#!/usr/bin/env bash
# Compiles the TypeScript sources into dist/ for `npm start`, unless nothing that affects the build
# changed since the last one: a current build starts at once instead of type-checking the whole tree.
set -euo pipefail
cd "$(dirname "$0")/.."

STAMP=dist/.build-stamp
INPUTS=(src workflows activities tsconfig.json tsconfig.build.json package-lock.json)
if [ -f "$STAMP" ] && [ -z "$(find "${INPUTS[@]}" -newer "$STAMP" -print -quit 2>/dev/null)" ]; then
  exit 0
fi

echo "Compiling TypeScript into dist/..." >&2
mkdir -p dist
# Stamped with the time the build started, so a file saved while it runs makes the next start build again.
touch "$STAMP.next"
node_modules/.bin/tsc -p tsconfig.build.json --incremental --tsBuildInfoFile dist/.tsbuildinfo
node dist/src/worker/bundle-workflows.js
mv "$STAMP.next" "$STAMP"
