#!/usr/bin/env bash
# A real container registry and the tools to fill it, for the registry tests
# of kensa-cli (crates/kensa-cli/tests/end_to_end/registry.rs): Debian's docker-registry
# (distribution 2.8) and skopeo, htpasswd (apache2-utils) for Basic auth, and
# (through report-validators.sh) Python's cryptography for the test token
# service that signs ES256 tokens.
# Idempotent and non-interactive; needs Debian apt and PyPI.
set -euo pipefail

debian_packages=(docker-registry skopeo apache2-utils)
missing=()
for package in "${debian_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi

# The token service's Python (cryptography) lives in the tools venv that
# report-validators.sh builds: run it now too, so this script stands alone.
bash "$(dirname "${BASH_SOURCE[0]}")/report-validators.sh"
