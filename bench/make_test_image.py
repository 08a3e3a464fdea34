#!/usr/bin/env python3
"""Builds a test container image for the image benchmarks: the debootstrap
bookworm root filesystem as the base layer, plus a layer of real Python and
Node applications installed from PyPI and npm, written as an OCI image layout
(gzip layers, as registries serve them) and as an OCI archive (a tar of it).

Usage: make_test_image.py ROOTFS APPS_DIR OUT_DIR
  APPS_DIR holds the application tree to add under /app (already installed).
"""
import gzip
import hashlib
import io
import json
import os
import sys
import tarfile


def layer_from_directory(directory, prefix=""):
    """An uncompressed tar of a directory, numeric owners, sorted entries."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for root, dirs, files in os.walk(directory):
            dirs.sort()
            for name in sorted(dirs) + sorted(files):
                path = os.path.join(root, name)
                arcname = os.path.join(prefix, os.path.relpath(path, directory))
                archive.add(path, arcname=arcname, recursive=False)
    return buffer.getvalue()


def write_blob(blobs, data):
    digest = hashlib.sha256(data).hexdigest()
    with open(os.path.join(blobs, digest), "wb") as handle:
        handle.write(data)
    return "sha256:" + digest


def main():
    rootfs, apps, out = sys.argv[1], sys.argv[2], sys.argv[3]
    layout = os.path.join(out, "layout")
    blobs = os.path.join(layout, "blobs", "sha256")
    os.makedirs(blobs, exist_ok=True)
    layers, diff_ids, uncompressed_total = [], [], 0
    for directory, prefix in ((rootfs, ""), (apps, "app")):
        raw = layer_from_directory(directory, prefix)
        uncompressed_total += len(raw)
        diff_ids.append("sha256:" + hashlib.sha256(raw).hexdigest())
        compressed = gzip.compress(raw, compresslevel=6, mtime=0)
        layers.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                       "digest": write_blob(blobs, compressed), "size": len(compressed)})
    config = json.dumps({
        "architecture": "amd64", "os": "linux", "created": "2026-11-22T00:00:00Z",
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": [{"created_by": "debootstrap --variant=minbase bookworm"},
                    {"created_by": "COPY apps /app"}],
    }).encode()
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": write_blob(blobs, config), "size": len(config)},
        "layers": layers,
    }).encode()
    index = {"schemaVersion": 2, "manifests": [{
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "digest": write_blob(blobs, manifest), "size": len(manifest),
        "annotations": {"org.opencontainers.image.ref.name": "kensa-bench:latest"},
        "platform": {"architecture": "amd64", "os": "linux"}}]}
    with open(os.path.join(layout, "index.json"), "w") as handle:
        json.dump(index, handle)
    with open(os.path.join(layout, "oci-layout"), "w") as handle:
        json.dump({"imageLayoutVersion": "1.0.0"}, handle)
    with tarfile.open(os.path.join(out, "image.oci.tar"), "w") as archive:
        for name in sorted(os.listdir(layout)):
            archive.add(os.path.join(layout, name), arcname=name)
    print(f"layers: {len(layers)}, uncompressed {uncompressed_total / 1e6:.0f} MB, "
          f"compressed {sum(layer['size'] for layer in layers) / 1e6:.0f} MB")


if __name__ == "__main__":
    main()
