#!/usr/bin/env bash
# Database open + matching 1,000 real packages (target: <= 10 ms), with the
# database holding every ecosystem in shared.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p kensa-cli -p kensa-db --example lookup_bench
work="$(mktemp -d)"
./target/release/kensa db build --from ../shared/data/advisories --db "$work/kensa.redb" 2> "$work/build.log"; head -1 "$work/build.log"
# Real packages from real projects: uv's, ripgrep's and rustsec's Cargo.lock,
# uv.lock, poetry.lock, npm lockfiles, go.mod files.
./target/release/kensa inventory ../shared/data/targets/lockfiles/real-projects -o "$work/inventory.json"
python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))['packages']), 'packages in the inventory')" "$work/inventory.json"
./target/release/examples/lookup_bench "$work/kensa.redb" "$work/inventory.json" 1000
rm -rf "$work"
