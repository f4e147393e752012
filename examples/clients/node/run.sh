#!/usr/bin/env bash
# Installs the pinned npm packages (package-lock.json) when missing, compiles submit.ts and runs it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
if [[ ! -d node_modules/@grpc/grpc-js || package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund --loglevel=error >/dev/null
fi
node_modules/.bin/tsc -p .
exec node dist/submit.js
