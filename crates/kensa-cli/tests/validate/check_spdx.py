#!/usr/bin/env python3
"""Validates an SPDX 2.3 JSON document with spdx-tools (the SPDX project's
own parser and validator). Exit 0 when valid; otherwise the messages on
stderr and exit 1.

Usage: check_spdx.py FILE
"""
import sys

from spdx_tools.spdx.parser.parse_anything import parse_file
from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document

document = parse_file(sys.argv[1])
messages = validate_full_spdx_document(document)
if messages:
    for message in messages:
        print(message.validation_message, file=sys.stderr)
    sys.exit(1)
if len(document.packages) < 2:
    print("no packages parsed", file=sys.stderr)
    sys.exit(1)
