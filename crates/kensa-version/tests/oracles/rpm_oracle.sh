#!/bin/bash
# Orders RPM EVR pairs with rpm's own Lua `rpm.vercmp` (rpmverParse + rpmverCmp),
# one rpm process for the whole file.
# Usage: rpm_oracle.sh PAIRS_FILE > results.txt (same format as osv_oracle.py).
set -euo pipefail
export KENSA_RPM_PAIRS="$1"
rpm --eval '%{lua:
for line in io.lines(os.getenv("KENSA_RPM_PAIRS")) do
  local tab = string.find(line, "\t", 1, true)
  local left = string.sub(line, 1, tab - 1)
  local right = string.sub(line, tab + 1)
  local ok, result = pcall(rpm.vercmp, left, right)
  if not ok then print("invalid\n")
  elseif result < 0 then print("lt\n")
  elseif result > 0 then print("gt\n")
  else print("eq\n") end
end
}'
