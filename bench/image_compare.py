#!/usr/bin/env python3
"""Kensa's image scan against the physical limit and against Trivy and Syft.

- Physical limit: `gzip -dc` of every layer blob to /dev/null, in sequence.
- Kensa: `kensa scan image oci-dir:LAYOUT --format json` (inventory and matching).
- Trivy: `trivy image --input LAYOUT --cache-backend memory --format cyclonedx --scanners ""`
  (inventory only, its database being unreachable here; an in-memory cache,
  so every run analyses the layers rather than reusing the last run's results).
- Syft: `syft scan oci-dir:LAYOUT -o cyclonedx-json`.
Packages are compared as (type, name, version) from purls (deb, pypi, npm, …).

- Registry (when a reference is given): `kensa scan image REFERENCE`, the same
  image pulled from a registry on 127.0.0.1, against Kensa's scan of the layout.
- Cold runs pass `--no-cache`; the cached rescans ("kensa cached", "registry
  cached") pass a `--cache-dir` the warm-up run filled, against Trivy's own
  layer cache on disk ("trivy cached", `--cache-dir`), likewise warmed up.

Usage: image_compare.py KENSA_BINARY KENSA_DB IMAGE_DIR [RUNS] [REGISTRY_REFERENCE]
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse


def measure(command, runs, shell=False):
    walls, peaks = [], []
    subprocess.run(command, capture_output=True, shell=shell)
    for _ in range(runs):
        started = time.perf_counter()
        result = subprocess.run(command, capture_output=True, text=True, shell=shell)
        walls.append(time.perf_counter() - started)
        if result.returncode not in (0, 1):
            sys.exit(f"failed: {command}: {result.stderr[-2000:]}")
        if not shell:
            timed = subprocess.run(["/usr/bin/time", "-f", "%M", *command], capture_output=True, text=True)
            peaks.append(int(timed.stderr.strip().splitlines()[-1]))
    return statistics.median(walls), (max(peaks) if peaks else 0)


def purl_key(purl):
    if not purl or not purl.startswith("pkg:"):
        return None
    body = purl[4:].split("?")[0].split("#")[0]
    kind, _, rest = body.partition("/")
    name_part, _, version = rest.rpartition("@")
    name = urllib.parse.unquote(name_part.split("/")[-1]).lower()
    version = urllib.parse.unquote(version)
    if kind == "deb" or kind == "rpm":
        version = version.split(":", 1)[-1]  # tools differ on where the epoch goes
    return (kind, name, version)


def cyclonedx_packages(path):
    keys = set()
    def walk(components):
        for component in components or []:
            key = purl_key(component.get("purl"))
            if key:
                keys.add(key)
            walk(component.get("components"))
    walk(json.load(open(path)).get("components"))
    return keys


def kensa_packages(path):
    return {key for key in (purl_key(package["purl"]) for package in json.load(open(path))["packages"]) if key}


def main():
    kensa, database, image = sys.argv[1], sys.argv[2], sys.argv[3]
    runs = int(sys.argv[4]) if len(sys.argv) > 4 else 5
    registry_reference = sys.argv[5] if len(sys.argv) > 5 else None
    layout = os.path.join(image, "layout")
    index = json.load(open(os.path.join(layout, "index.json")))
    manifest_digest = index["manifests"][0]["digest"].split(":")[1]
    manifest = json.load(open(os.path.join(layout, "blobs", "sha256", manifest_digest)))
    blobs = [os.path.join(layout, "blobs", "sha256", layer["digest"].split(":")[1]) for layer in manifest["layers"]]
    work = tempfile.mkdtemp(prefix="kensa-image-bench-")
    outputs = {name: os.path.join(work, f"{name}.json".replace(" ", "-"))
               for name in ("kensa", "kensa cached", "trivy", "syft", "registry", "registry cached")}
    gunzip = " && ".join(f"gzip -dc < {blob} > /dev/null" for blob in blobs)
    figures = {
        "gzip -dc": measure(gunzip, runs, shell=True),
        "kensa": measure([kensa, "scan", "image", f"oci-dir:{layout}", "--format", "json", "--db", database,
                          "--no-cache", "-o", outputs["kensa"]], runs),
        "kensa cached": measure([kensa, "scan", "image", f"oci-dir:{layout}", "--format", "json", "--db", database,
                                 "--cache-dir", os.path.join(work, "kensa-cache"), "-o", outputs["kensa cached"]], runs),
        "trivy cached": measure(["trivy", "image", "--input", layout, "--cache-dir", os.path.join(work, "trivy-cache"),
                                 "--format", "cyclonedx", "--offline-scan", "--skip-db-update", "--scanners", "", "-q",
                                 "-o", os.path.join(work, "trivy-cached.json")], runs),
        "trivy": measure(["trivy", "image", "--input", layout, "--cache-backend", "memory", "--format", "cyclonedx",
                          "--offline-scan", "--skip-db-update", "--scanners", "", "-q", "-o", outputs["trivy"]], runs),
        "syft": measure(["syft", "scan", f"oci-dir:{layout}", "-q", "-o", f"cyclonedx-json={outputs['syft']}"], runs),
    }
    if registry_reference:
        figures["registry"] = measure([kensa, "scan", "image", registry_reference, "--format", "json", "--db", database,
                                       "--no-cache", "-o", outputs["registry"]], runs)
        figures["registry cached"] = measure([kensa, "scan", "image", registry_reference, "--format", "json",
                                              "--db", database, "--cache-dir", os.path.join(work, "registry-cache"),
                                              "-o", outputs["registry cached"]], runs)
    sets = {"kensa": kensa_packages(outputs["kensa"]), "kensa cached": kensa_packages(outputs["kensa cached"]),
            "trivy": cyclonedx_packages(outputs["trivy"]), "syft": cyclonedx_packages(outputs["syft"])}
    if registry_reference:
        sets["registry"] = kensa_packages(outputs["registry"])
        sets["registry cached"] = kensa_packages(outputs["registry cached"])
    print(f"{'tool':<15} {'packages':>8} {'wall ms':>9} {'peak MiB':>9}")
    for name, (wall, peak) in figures.items():
        count = len(sets[name]) if name in sets else ""
        print(f"{name:<15} {count:>8} {wall * 1000:>9.1f} {peak / 1024:>9.1f}")
    kensa_wall, kensa_peak = figures["kensa"]
    print(f"\nkensa / gzip -dc: {kensa_wall / figures['gzip -dc'][0]:.2f} (target <= 1.2)")
    print(f"kensa / trivy wall: {kensa_wall / figures['trivy'][0]:.2f} (target <= 0.25)")
    print(f"kensa / trivy peak memory: {kensa_peak / figures['trivy'][1]:.2f} (target <= 0.5); kensa peak {kensa_peak / 1024:.0f} MiB (target <= 150)")
    if registry_reference:
        print(f"kensa registry pull-and-scan / layout scan: {figures['registry'][0] / kensa_wall:.2f} (target <= 1.5); "
              f"same package set: {sets['registry'] == sets['kensa']}")
    print(f"kensa cached rescan / trivy cached rescan: {figures['kensa cached'][0] / figures['trivy cached'][0]:.2f}; "
          f"kensa cached / kensa cold: {figures['kensa cached'][0] / kensa_wall:.2f}; "
          f"same package set: {sets['kensa cached'] == sets['kensa']}")
    if registry_reference:
        print(f"kensa registry cached rescan / registry pull-and-scan: "
              f"{figures['registry cached'][0] / figures['registry'][0]:.2f}; "
              f"same package set: {sets['registry cached'] == sets['kensa']}")
    for other in ("trivy", "syft"):
        by_type = {}
        for key in sets["kensa"] | sets[other]:
            by_type.setdefault(key[0], [0, 0, 0])
            counts = by_type[key[0]]
            if key in sets["kensa"] and key in sets[other]:
                counts[0] += 1
            elif key in sets["kensa"]:
                counts[1] += 1
            else:
                counts[2] += 1
        print(f"\nagainst {other} (type: both / only kensa / only {other}):")
        for kind, (both, only_kensa, only_other) in sorted(by_type.items()):
            print(f"  {kind:<8} {both:>5} / {only_kensa:>4} / {only_other:>4}")
        for key in sorted(sets["kensa"] - sets[other])[:10]:
            print(f"    only kensa: {key}")
        for key in sorted(sets[other] - sets["kensa"])[:10]:
            print(f"    only {other}: {key}")


if __name__ == "__main__":
    main()
