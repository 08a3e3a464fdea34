#!/usr/bin/env bash
# Independent validators for Kensa's output formats, used by
# crates/kensa-cli/tests/formats.rs: cyclonedx-python-lib's JSON schema
# validation (CycloneDX 1.6, schemas bundled, works offline) and spdx-tools.
# Idempotent and non-interactive; needs PyPI.
set -euo pipefail
if ! python3 -c 'import cyclonedx.validation.json, jsonschema, referencing' 2>/dev/null; then
    python3 -m pip install --quiet 'cyclonedx-python-lib[json-validation]>=8'
fi
if ! python3 -c 'import spdx_tools' 2>/dev/null; then
    python3 -m pip install --quiet 'spdx-tools>=0.8'
fi

# SARIF: Microsoft's SARIF Multitool (npm; a self-contained build of the
# SARIF SDK's validator) and the official SARIF 2.1.0 schema it ships.
fixtures_dir="${KENSA_FIXTURES_DIR:-/tmp/kensa-fixtures}"
sarif_dir="$fixtures_dir/sarif-multitool"
if [ ! -f "$sarif_dir/node_modules/@microsoft/sarif-multitool-linux/sarif-2.1.0.json" ]; then
    mkdir -p "$sarif_dir"
    (cd "$sarif_dir" && npm install --silent --no-audit --no-fund --prefix . @microsoft/sarif-multitool@5.7.0)
fi

# ASFF: botocore's model of Security Hub's BatchImportFindings request.
if ! python3 -c 'import botocore' 2>/dev/null; then
    python3 -m pip install --quiet 'botocore>=1.34'
fi

# HTML: html5lib, the WHATWG HTML parser in Python, in strict mode.
if ! python3 -c 'import html5lib' 2>/dev/null; then
    python3 -m pip install --quiet 'html5lib>=1.1'
fi
