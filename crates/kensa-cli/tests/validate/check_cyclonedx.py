#!/usr/bin/env python3
"""Validates a CycloneDX 1.6 JSON document against the official schema, with
cyclonedx-python-lib's strict validator (schemas bundled in the package).
Exit 0 when valid; otherwise the validation error on stderr and exit 1.

Usage: check_cyclonedx.py FILE
"""
import sys

from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(open(sys.argv[1]).read())
if error is not None:
    print(error, file=sys.stderr)
    sys.exit(1)
