#!/usr/bin/env bash
# The whole test suite: what the README tells a newcomer to run and what CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."
exec python -m pytest "$@"
