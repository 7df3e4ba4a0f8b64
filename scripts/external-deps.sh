#!/usr/bin/env bash
# Installs the independent clients and suites the external tests run against: npm packages into
# tests/external/node_modules (Node.js 22 comes from the `node` npm package, leaving the system
# Node alone), and Debian's Chromium when it is absent. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x tests/external/node_modules/.bin/node ] || [ tests/external/package-lock.json -nt tests/external/node_modules/.package-lock.json ]; then
  npm ci --prefix tests/external --no-audit --no-fund --loglevel=error
fi

if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "warning: chromium is not installed and cannot be installed here; browser tests will fail" >&2
  fi
fi
