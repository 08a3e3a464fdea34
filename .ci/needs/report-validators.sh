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
