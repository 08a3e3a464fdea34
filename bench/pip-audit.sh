#!/usr/bin/env bash
# Kensa vs pip-audit (OSV service pointed at a local stand-in over the PyPA snapshot).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v pip-audit >/dev/null || pip install -q pip-audit
python3 -c 'import yaml, packaging' 2>/dev/null || pip install -q pyyaml packaging
cargo build --release -q -p kensa-cli
database="$(mktemp -d)/kensa.redb"
./target/release/kensa db build --from ../shared/data/advisories --db "$database" 2> "$database.log"; head -1 "$database.log"
python3 bench/pip_audit_compare.py ./target/release/kensa "$database"
