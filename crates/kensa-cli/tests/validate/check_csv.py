#!/usr/bin/env python3
"""Reads a CSV report with Python's own csv parser in strict mode (RFC 4180
quoting) and checks every row has the header's number of columns. Prints
the number of data rows.

Usage: check_csv.py FILE
"""
import csv
import sys

with open(sys.argv[1], newline="", encoding="utf-8") as handle:
    rows = list(csv.reader(handle, strict=True))
header, body = rows[0], rows[1:]
bad = [index + 2 for index, row in enumerate(body) if len(row) != len(header)]
if bad:
    print(f"rows {bad[:10]} do not have {len(header)} columns", file=sys.stderr)
    sys.exit(1)
print(len(body))
