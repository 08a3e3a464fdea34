#!/bin/bash
# Orders Debian version pairs with `dpkg --compare-versions`.
# A pair where dpkg errors, or only warns that a version breaks policy (the
# Rust side refuses those), is reported `invalid`.
# Usage: dpkg_oracle.sh PAIRS_FILE > results.txt (same format as osv_oracle.py).
set -uo pipefail
while IFS=$'\t' read -r left right; do
  warnings=$(dpkg --compare-versions "$left" lt "$right" 2>&1 >/dev/null); status=$?
  if [ -n "$warnings" ] || [ "$status" -gt 1 ]; then echo invalid; continue; fi
  if [ "$status" -eq 0 ]; then echo lt; continue; fi
  if dpkg --compare-versions "$left" eq "$right" 2>/dev/null; then echo eq; else echo gt; fi
done < "$1"
