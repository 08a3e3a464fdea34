#!/usr/bin/env python3
"""Accuracy of `kensa scan fs` against pip-audit on the requirements fixtures in shared.

pip-audit queries a local OSV stand-in (osv_query_server.py) over the PyPA
snapshot; Kensa's database is built from all of ../shared/data/advisories. We
compare the PYSEC ids each tool reports per requirements file. pip-audit refuses
files with unpinned requirements when it may not resolve them (no network use
here), so those files are compared on their pinned lines only: Kensa reports
the unpinned ones as unresolved.

Usage: bench/pip_audit_compare.py KENSA_BINARY KENSA_DB
"""
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile

from packaging.version import InvalidVersion, Version

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.normpath(os.path.join(HERE, "..", "..", "shared", "data"))


def requirements_files():
    found = []
    for root, _dirs, files in os.walk(os.path.join(SHARED, "targets")):
        for name in files:
            if "requirements" in name and name.endswith(".txt"):
                found.append(os.path.join(root, name))
    return sorted(found)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


PINNED = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?\s*===?\s*([^\s;#\\]+)")


def pinned_only(source, target):
    """Keep the `name==version` lines pip-audit can check without resolving."""
    kept = []
    try:
        with open(source, encoding="utf-8") as handle:
            lines = handle.read().splitlines()
    except UnicodeDecodeError:
        with open(source, encoding="utf-16") as handle:
            lines = handle.read().splitlines()
    for line in lines:
        match = PINNED.match(line)
        if not match:
            continue
        try:
            Version(match.group(3))
        except InvalidVersion:
            # `==2.0.*` and template junk are not pins; Kensa reports them as
            # unresolved or as diagnostics, pip-audit refuses the whole file.
            continue
        kept.append(f"{match.group(1)}=={match.group(3)}")
    with open(target, "w", encoding="utf-8") as handle:
        handle.write("\n".join(kept) + "\n")
    return len(kept)


def main():
    kensa, database = sys.argv[1], sys.argv[2]
    port = free_port()
    server = subprocess.Popen([sys.executable, os.path.join(HERE, "osv_query_server.py"), str(port)],
                              stdout=subprocess.PIPE, text=True)
    assert server.stdout.readline().strip() == "ready"
    work = tempfile.mkdtemp(prefix="kensa-pip-bench-")
    disagreements = 0
    try:
        print(f"{'requirements file':<72} {'pinned':>6} {'pip-audit':>9} {'kensa':>5} verdict")
        for index, path in enumerate(requirements_files()):
            relative = os.path.relpath(path, SHARED)
            directory = os.path.join(work, f"case-{index}")
            os.makedirs(directory)
            pinned_path = os.path.join(directory, "pinned.txt")
            pinned = pinned_only(path, pinned_path)
            audit = subprocess.run(
                ["pip-audit", "-r", pinned_path, "--no-deps", "--disable-pip", "-s", "osv",
                 "--osv-url", f"http://127.0.0.1:{port}/v1/query", "-f", "json", "--progress-spinner", "off"],
                capture_output=True, text=True)
            try:
                audit_ids = set()
                for dependency in json.loads(audit.stdout)["dependencies"]:
                    for vuln in dependency.get("vulns", []):
                        audit_ids |= {i for i in [vuln["id"], *vuln.get("aliases", [])] if i.startswith("PYSEC-")}
            except (ValueError, KeyError):
                audit_ids = None
            # Kensa scans the original file (it must find it by name), then the
            # PYSEC ids of its findings are compared.
            scan_directory = os.path.join(directory, "scan")
            os.makedirs(scan_directory)
            shutil.copy(path, os.path.join(scan_directory, "requirements.txt"))
            result = subprocess.run([kensa, "scan", "fs", scan_directory, "--format", "json", "--db", database],
                                    capture_output=True, text=True)
            try:
                report = json.loads(result.stdout)
                kensa_ids = set()
                for finding in report["findings"]:
                    kensa_ids |= {i for i in [finding["id"], *finding["aliases"]] if i.startswith("PYSEC-")}
            except (ValueError, KeyError):
                kensa_ids = None
            verdict = "agree" if audit_ids == kensa_ids else "DIFFER"
            if verdict == "DIFFER":
                disagreements += 1
            count = lambda ids: "err" if ids is None else str(len(ids))
            print(f"{relative:<72} {pinned:>6} {count(audit_ids):>9} {count(kensa_ids):>5} {verdict}")
            if verdict == "DIFFER":
                print(f"    only pip-audit: {sorted((audit_ids or set()) - (kensa_ids or set()))}")
                print(f"    only kensa:     {sorted((kensa_ids or set()) - (audit_ids or set()))}")
                if audit_ids is None:
                    print(f"    pip-audit said: {audit.stderr.strip()[:300]}")
    finally:
        server.terminate()
        shutil.rmtree(work)
    print(f"\n{disagreements} disagreements")
    return 1 if disagreements else 0


if __name__ == "__main__":
    sys.exit(main())
