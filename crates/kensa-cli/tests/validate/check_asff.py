#!/usr/bin/env python3
"""Validates an ASFF document ({"Findings": [...]}) against AWS's own model of
Security Hub's BatchImportFindings request (botocore's service model and
parameter validator, offline), plus the documented length limits of Title
(256) and Description (1024) that the model does not carry.

Usage: check_asff.py FILE
"""
import json
import sys

import botocore.session
from botocore.validate import ParamValidator

document = json.load(open(sys.argv[1]))
model = botocore.session.get_session().get_service_model("securityhub")
shape = model.operation_model("BatchImportFindings").input_shape
# A scan without findings writes {"Findings": []}: nothing to import, and
# BatchImportFindings takes 1 to 100 findings per call, so that is not checked.
problems = []
if document.get("Findings"):
    report = ParamValidator().validate(document, shape)
    problems = [report.generate_report()] if report.has_errors() else []
elif document.get("Findings") != []:
    problems = ["no Findings list"]
for index, finding in enumerate(document.get("Findings", [])):
    if len(finding.get("Title", "")) > 256:
        problems.append(f"finding {index}: Title over 256 characters")
    if len(finding.get("Description", "")) > 1024:
        problems.append(f"finding {index}: Description over 1024 characters")
if problems:
    print("\n".join(problems), file=sys.stderr)
    sys.exit(1)
