#!/usr/bin/env python3
"""Kensa's OS package inventory of a root filesystem against Trivy's and Syft's,
with wall time and peak memory of each, measured in one run.

Trivy (`trivy rootfs --format cyclonedx --scanners ""`: package inventory only) and Syft (`syft scan dir:`) run in
inventory mode (their vulnerability databases are unreachable here); Kensa runs
a full `kensa scan fs` (inventory and matching against a database of every feed
in shared), so the time comparison is conservative for Kensa.
Packages are compared as (name, version, source name, source version).

Usage: os_inventory_compare.py KENSA_BINARY KENSA_DB ROOTFS [RUNS]
"""
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time


def measure(command, runs):
    """Median wall seconds (perf_counter around the process: GNU time's %e has
    only 10 ms resolution) and max peak RSS (KiB, from GNU time's %M) over
    `runs`, after one warm-up run so every tool reads from the page cache."""
    walls, peaks = [], []
    subprocess.run(command, capture_output=True)
    for _ in range(runs):
        started = time.perf_counter()
        result = subprocess.run(command, capture_output=True, text=True)
        walls.append(time.perf_counter() - started)
        if result.returncode not in (0, 1):
            sys.exit(f"{command[0]} failed: {result.stderr[-2000:]}")
        timed = subprocess.run(["/usr/bin/time", "-f", "%M", *command], capture_output=True, text=True)
        peaks.append(int(timed.stderr.strip().splitlines()[-1]))
    return statistics.median(walls), max(peaks)


def properties(component):
    return {item["name"]: item["value"] for item in component.get("properties", [])}


def trivy_packages(path):
    packages = set()
    for component in json.load(open(path)).get("components", []):
        if not component.get("purl", "").startswith("pkg:deb"):
            continue
        props = properties(component)
        source_version = props.get("aquasecurity:trivy:SrcVersion", "")
        if props.get("aquasecurity:trivy:SrcRelease"):
            source_version += "-" + props["aquasecurity:trivy:SrcRelease"]
        if props.get("aquasecurity:trivy:SrcEpoch"):
            source_version = props["aquasecurity:trivy:SrcEpoch"] + ":" + source_version
        packages.add((component["name"], component["version"], props.get("aquasecurity:trivy:SrcName", ""), source_version))
    return packages


def syft_packages(path):
    packages = set()
    for component in json.load(open(path)).get("components", []):
        if not component.get("purl", "").startswith("pkg:deb"):
            continue
        props = properties(component)
        source = props.get("syft:metadata:source") or component["name"]
        source_version = props.get("syft:metadata:sourceVersion") or component["version"]
        packages.add((component["name"], component["version"], source, source_version))
    return packages


def kensa_packages(path):
    packages = set()
    for package in json.load(open(path))["packages"]:
        if package["ecosystem"] not in ("Debian", "Ubuntu"):
            continue
        source = package.get("source") or {"name": package["name"], "version": package["version"]}
        packages.add((package["name"], package["version"], source["name"], source["version"]))
    return packages


def main():
    kensa, database, rootfs = sys.argv[1], sys.argv[2], sys.argv[3]
    runs = int(sys.argv[4]) if len(sys.argv) > 4 else 5
    work = tempfile.mkdtemp(prefix="kensa-os-bench-")
    trivy_out, syft_out, kensa_out = (os.path.join(work, name) for name in ("trivy.json", "syft.json", "kensa.json"))
    tools = {
        "trivy": ["trivy", "rootfs", "--format", "cyclonedx", "--offline-scan", "--skip-db-update",
                  "--scanners", "", "-q", "-o", trivy_out, rootfs],
        "syft": ["syft", "scan", f"dir:{rootfs}", "-q", "-o", f"cyclonedx-json={syft_out}"],
        "kensa": [kensa, "scan", "fs", rootfs, "--format", "json", "--db", database, "-o", kensa_out],
    }
    figures = {name: measure(command, runs) for name, command in tools.items()}
    sets = {"trivy": trivy_packages(trivy_out), "syft": syft_packages(syft_out), "kensa": kensa_packages(kensa_out)}

    print(f"rootfs: {rootfs}; median wall time and peak RSS of {runs} runs")
    print(f"{'tool':<6} {'OS packages':>11} {'wall ms':>8} {'peak MiB':>9}")
    for name in ("kensa", "trivy", "syft"):
        wall, peak = figures[name]
        print(f"{name:<6} {len(sets[name]):>11} {wall * 1000:>8.1f} {peak / 1024:>9.1f}")
    kensa_wall, kensa_peak = figures["kensa"]
    trivy_wall, trivy_peak = figures["trivy"]
    print(f"\nkensa/trivy wall time: {kensa_wall / trivy_wall:.2f} (target <= 0.25)")
    print(f"kensa/trivy peak memory: {kensa_peak / trivy_peak:.2f} (target <= 0.5)")
    differences = 0
    for other in ("trivy", "syft"):
        only_kensa = sorted(sets["kensa"] - sets[other])
        only_other = sorted(sets[other] - sets["kensa"])
        differences += len(only_kensa) + len(only_other)
        print(f"\nagainst {other}: {len(sets['kensa'] & sets[other])} identical (name, version, source, source version)")
        for item in only_kensa[:20]:
            print(f"  only kensa: {item}")
        for item in only_other[:20]:
            print(f"  only {other}: {item}")
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
