#!/usr/bin/env bash
# The real AWS clients the service tests talk to the server with
# (crates/kensa-cli/tests/end_to_end/aws_clients.rs): the AWS CLI (v1, from
# PyPI) and boto3, in a venv of their own under $KENSA_FIXTURES_DIR/aws-clients
# so their pinned botocore never meets the validators' venv. Unchanged
# clients: only the endpoint URL points at Kensa.
# Idempotent and non-interactive; needs Debian apt and PyPI.
set -euo pipefail
fixtures_dir="${KENSA_FIXTURES_DIR:-/tmp/kensa-fixtures}"
mkdir -p "$fixtures_dir"

if ! command -v python3 >/dev/null 2>&1 || ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 python3-venv
fi

venv="$fixtures_dir/aws-clients"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
if ! "$venv/bin/python" -c 'import boto3, awscli' 2>/dev/null || [ ! -x "$venv/bin/aws" ]; then
    "$venv/bin/pip" install --quiet 'awscli>=1.36' 'boto3>=1.35'
fi
"$venv/bin/aws" --version
