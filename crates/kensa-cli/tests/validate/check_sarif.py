#!/usr/bin/env python3
"""Validates a SARIF 2.1.0 log twice: against the official schema shipped in
Microsoft's SARIF Multitool npm package (with jsonschema), and with the
Multitool's own `validate` rules, failing on any error-level result.

Usage: check_sarif.py FILE   (the Multitool under $KENSA_FIXTURES_DIR/sarif-multitool)
"""
import json
import os
import subprocess
import sys
import tempfile

import jsonschema

root = os.path.join(os.environ.get("KENSA_FIXTURES_DIR", "/tmp/kensa-fixtures"), "sarif-multitool")
package = os.path.join(root, "node_modules", "@microsoft", "sarif-multitool-linux")
schema_path = os.path.join(package, "sarif-2.1.0.json")
if not os.path.exists(schema_path):
    raise ModuleNotFoundError("SARIF Multitool missing: run .ci/needs/report-validators.sh")
schema = json.load(open(schema_path))
validator = jsonschema.validators.validator_for(schema)(schema)
errors = sorted(validator.iter_errors(json.load(open(sys.argv[1]))), key=lambda error: list(error.path))
for error in errors[:20]:
    print(f"schema: {list(error.path)}: {error.message}", file=sys.stderr)
if errors:
    sys.exit(1)

with tempfile.TemporaryDirectory() as work:
    report = os.path.join(work, "validation.sarif")
    tool = os.path.join(root, "node_modules", ".bin", "sarif-multitool")
    run = subprocess.run([tool, "validate", sys.argv[1], "--output", report, "--log", "ForceOverwrite"],
                         capture_output=True, text=True)
    if run.returncode != 0:
        print(run.stdout + run.stderr, file=sys.stderr)
        sys.exit(1)
    findings = json.load(open(report))["runs"][0].get("results", [])
    failures = [result for result in findings if result.get("level") == "error"]
    for failure in failures:
        print(f"{failure['ruleId']}: {failure['message'].get('text', '')}", file=sys.stderr)
    if failures:
        sys.exit(1)
