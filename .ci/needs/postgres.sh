#!/usr/bin/env bash
# A real PostgreSQL for the service tests (crates/kensa-store/tests,
# crates/kensa-cli/tests/end_to_end/server.rs) and the service benchmarks:
# Debian's postgresql package (server binaries under
# /usr/lib/postgresql/<version>/bin, the postgres system user). The tests
# start their own cluster on 127.0.0.1 (kensa-test-support's postgres
# module): nothing here starts a server, and Debian's default cluster is left
# stopped. Idempotent and non-interactive; needs Debian apt.
set -euo pipefail

if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || ! command -v psql >/dev/null 2>&1; then
    apt-get update -qq
    # policy-rc.d: a package install must not start Debian's own cluster.
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
        chmod +x /usr/sbin/policy-rc.d
        trap 'rm -f /usr/sbin/policy-rc.d' EXIT
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql postgresql-client
fi
ls /usr/lib/postgresql/*/bin/initdb >/dev/null
id postgres >/dev/null
