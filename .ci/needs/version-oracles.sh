#!/bin/bash
# Oracles for crates/kensa-version/tests/differential.rs: each ecosystem's own
# version implementation. Idempotent; CI runs it before the tests.
set -euo pipefail
ORACLES="$(cd "$(dirname "$0")/../.." && pwd)/crates/kensa-version/tests/oracles/.installed"
mkdir -p "$ORACLES"

# dpkg is on every Debian machine; rpm brings rpm's Lua rpm.vercmp.
if ! command -v rpm >/dev/null || ! command -v node >/dev/null || ! command -v npm >/dev/null || ! python3 -m venv --help >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends dpkg rpm nodejs npm python3 python3-venv
fi

# PEP 440: packaging (its own venv: osv pins packaging<22).
if [ ! -x "$ORACLES/venv-packaging/bin/python" ]; then python3 -m venv "$ORACLES/venv-packaging"; fi
"$ORACLES/venv-packaging/bin/pip" install -q packaging==26.3

# osv's ecosystem sort keys (Debian, Alpine, Maven, NuGet, RubyGems, Packagist, Pub, Hex, crates.io, Go).
if [ ! -x "$ORACLES/venv-osv/bin/python" ]; then python3 -m venv "$ORACLES/venv-osv"; fi
"$ORACLES/venv-osv/bin/pip" install -q osv==0.0.22

# node's semver, for npm ordering and ranges.
npm install --silent --no-audit --no-fund --prefix "$ORACLES" semver@7.7.3
