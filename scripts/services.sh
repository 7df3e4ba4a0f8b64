#!/usr/bin/env bash
# Starts the services the integration tests use when they are not already running. Idempotent.
set -uo pipefail

if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
  for version in $(ls /etc/postgresql); do
    if ! pg_ctlcluster "$version" main status >/dev/null 2>&1; then
      pg_ctlcluster --skip-systemctl-redirect "$version" main start || echo "warning: could not start PostgreSQL $version"
    fi
  done
fi
exit 0
