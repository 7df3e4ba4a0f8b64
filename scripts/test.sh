#!/usr/bin/env bash
# The whole test suite: what the README tells a newcomer to run and what CI runs.
# It first installs the independent clients the external tests use (idempotent; npm packages go to
# tests/external/node_modules, Chromium comes from apt-get when run as root).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/external-deps.sh
exec python -m pytest "$@"
