#!/usr/bin/env bash
# Oracles for the rpm database tests (crates/kensa-catalog/tests/catalog/os_rpm*.rs):
# Debian's rpm (rpm, rpmdb, rpmbuild; reads SQLite and, read-only, Berkeley DB)
# and db5.3_load to write Berkeley DB hash files the way rpm < 4.16 did.
set -euo pipefail
if command -v rpm >/dev/null && command -v rpmbuild >/dev/null && command -v rpmdb >/dev/null \
    && command -v db5.3_load >/dev/null; then
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y --no-install-recommends rpm db5.3-util
