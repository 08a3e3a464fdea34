#!/usr/bin/env bash
# A real Debian 12 (bookworm) root filesystem for the kensa-catalog OS tests:
# `debootstrap --variant=minbase bookworm` from the machine's own Debian mirror.
# Idempotent and non-interactive; needs root and Debian apt. About a minute.
#
# Produces ${KENSA_FIXTURES_DIR:-/tmp/kensa-fixtures}/rootfs-bookworm.
set -euo pipefail

fixtures_dir="${KENSA_FIXTURES_DIR:-/tmp/kensa-fixtures}"
rootfs="$fixtures_dir/rootfs-bookworm"
mkdir -p "$fixtures_dir"

if [[ -f "$rootfs/var/lib/dpkg/status" && -e "$rootfs/etc/os-release" ]]; then
    echo "os-rootfs: $rootfs already exists"
    exit 0
fi

if ! command -v debootstrap >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends debootstrap
fi

# The main archive's URI from the deb822 sources (the first that is not the
# security archive), else from a one-line sources.list, else the public mirror.
mirror=""
if [[ -f /etc/apt/sources.list.d/debian.sources ]]; then
    mirror="$(awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }' \
        /etc/apt/sources.list.d/debian.sources)"
fi
if [[ -z "$mirror" && -f /etc/apt/sources.list ]]; then
    mirror="$(awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) { print $i; exit } }' \
        /etc/apt/sources.list)"
fi
mirror="${mirror:-http://deb.debian.org/debian}"

# Build beside the target and rename, so an interrupted run leaves no
# half-made tree that the check above would take for a finished one.
work="$rootfs.partial"
rm -rf "$work"
debootstrap --variant=minbase bookworm "$work" "$mirror"
mv "$work" "$rootfs"
echo "os-rootfs: built $rootfs from $mirror"
