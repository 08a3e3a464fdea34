#!/usr/bin/env bash
# Independent validators for Kensa's output formats and the Python the tests
# run (crates/kensa-cli/tests/end_to_end/{formats,registry,db_update}.rs), in a venv of
# their own so Debian's externally-managed system Python is left alone:
#   $KENSA_FIXTURES_DIR/python-tools/bin/python with cyclonedx-python-lib's
#   JSON schema validation (CycloneDX 1.6, offline), spdx-tools, botocore
#   (Security Hub's model, for ASFF), pydantic-ocsf (the OCSF schema 1.0-1.7
#   as published, for OCSF events), html5lib, jsonschema and cryptography
#   (the tests' token service and HTTPS server);
#   $KENSA_FIXTURES_DIR/sarif-multitool: Microsoft's SARIF Multitool (npm),
#   which ships the official SARIF 2.1.0 schema.
# Idempotent and non-interactive; needs Debian apt, PyPI and npm.
set -euo pipefail
fixtures_dir="${KENSA_FIXTURES_DIR:-/tmp/kensa-fixtures}"
mkdir -p "$fixtures_dir"

missing=()
for pair in "python3 python3" "npm npm" "node nodejs"; do
    read -r command package <<<"$pair"
    command -v "$command" >/dev/null 2>&1 || missing+=("$package")
done
python3 -c 'import venv, ensurepip' 2>/dev/null || missing+=(python3-venv)
if ((${#missing[@]})); then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi

venv="$fixtures_dir/python-tools"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
if ! "$venv/bin/python" -c 'import cyclonedx.validation.json, jsonschema, spdx_tools, botocore, html5lib, cryptography, ocsf.v1_6_0.events' 2>/dev/null; then
    "$venv/bin/pip" install --quiet 'cyclonedx-python-lib[json-validation]>=8' 'spdx-tools>=0.8' 'botocore>=1.34' \
        'pydantic-ocsf>=3,<4' \
        'html5lib>=1.1' 'jsonschema>=4' 'cryptography>=41'
fi

sarif_dir="$fixtures_dir/sarif-multitool"
if [ ! -f "$sarif_dir/node_modules/@microsoft/sarif-multitool-linux/sarif-2.1.0.json" ]; then
    mkdir -p "$sarif_dir"
    (cd "$sarif_dir" && npm install --silent --no-audit --no-fund --prefix . @microsoft/sarif-multitool@5.7.0)
fi
