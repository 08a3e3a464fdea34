#!/usr/bin/env bash
# What an update with 20 changed records costs a service that re-matches by
# change set (target: <= 50 ms to have the change set), on the database of
# every feed in ../shared/data/advisories; and the whole-file diff a rebuild
# or an import computes.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p kensa-cli -p kensa-db --example change_set_bench
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
./target/release/kensa db build --from ../shared/data/advisories --db "$work/kensa.redb" 2> "$work/build.log"; head -1 "$work/build.log"
./target/release/examples/change_set_bench "$work/kensa.redb" ../shared/data/advisories/go-vulndb/osv
