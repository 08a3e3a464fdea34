#!/usr/bin/env python3
"""Accuracy and speed of `kensa scan fs` against cargo-audit on every Cargo.lock in shared.

Both tools get the same RustSec snapshot (../shared/data/advisories/rustsec);
Kensa's database additionally holds every other ecosystem in shared, as the
issue requires. For each lockfile we compare the set of RUSTSEC vulnerability
ids (cargo-audit's `vulnerabilities.list`, Kensa's findings' ids and aliases)
and the median wall time of each tool over several runs.

Usage: bench/cargo_audit_compare.py KENSA_BINARY KENSA_DB [RUNS]
"""
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.normpath(os.path.join(HERE, "..", "..", "shared", "data"))


def cargo_lock_files():
    found = []
    for root, _dirs, files in os.walk(os.path.join(SHARED, "targets")):
        for name in files:
            path = os.path.join(root, name)
            if name == "Cargo.lock" or (name.endswith(".lock") and "cargo" in root.lower()):
                found.append(path)
    return sorted(found)


def timed(command):
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True)
    return time.perf_counter() - started, result


def main():
    kensa, database = sys.argv[1], sys.argv[2]
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    work = tempfile.mkdtemp(prefix="kensa-bench-")
    rustsec = os.path.join(work, "advisory-db")
    shutil.copytree(os.path.join(SHARED, "advisories", "rustsec"), rustsec)
    # cargo-audit wants its database to be a git repository.
    for command in (["git", "init", "-q"], ["git", "add", "-A"],
                    ["git", "-c", "user.email=bench@kensa", "-c", "user.name=bench", "commit", "-qm", "snapshot"]):
        subprocess.run(command, cwd=rustsec, check=True)

    disagreements = 0
    rows = []
    for index, lockfile in enumerate(cargo_lock_files()):
        # Scanners find lockfiles by name, so give each fixture its real name.
        directory = os.path.join(work, f"case-{index}")
        os.makedirs(directory)
        target = os.path.join(directory, "Cargo.lock")
        shutil.copy(lockfile, target)
        audit_command = ["cargo", "audit", "--db", rustsec, "--no-fetch", "--no-yanked", "-f", target, "--json"]
        kensa_command = [kensa, "scan", "fs", target, "--format", "json", "--db", database]
        audit_times, kensa_times = [], []
        audit_result = kensa_result = None
        for _ in range(runs):
            elapsed, audit_result = timed(audit_command)
            audit_times.append(elapsed)
            elapsed, kensa_result = timed(kensa_command)
            kensa_times.append(elapsed)
        relative = os.path.relpath(lockfile, SHARED)
        try:
            audit = json.loads(audit_result.stdout)
            audit_ids = {item["advisory"]["id"] for item in audit["vulnerabilities"]["list"]}
        except (ValueError, KeyError):
            audit_ids = None
        try:
            report = json.loads(kensa_result.stdout)
            kensa_ids = set()
            for finding in report["findings"]:
                kensa_ids |= {i for i in [finding["id"], *finding["aliases"]] if i.startswith("RUSTSEC-")}
            packages = report["summary"]["packages"]
            diagnostics = len(report["diagnostics"])
        except (ValueError, KeyError):
            kensa_ids, packages, diagnostics = None, 0, 0
        if audit_ids is None and kensa_ids is not None and diagnostics > 0 and packages == 0:
            verdict = "both reject"
        elif audit_ids is None and kensa_ids == set() and "couldn't resolve dependency" in audit_result.stderr + audit_result.stdout:
            # Trimmed test fixtures whose `dependencies` name packages missing
            # from the file: cargo-audit refuses the incomplete graph, Kensa
            # reads the packages that are there. No advisory applies to them.
            verdict = "explained"
        elif audit_ids == kensa_ids:
            verdict = "agree"
        else:
            verdict = "DIFFER"
            disagreements += 1
        rows.append((relative, packages, audit_ids, kensa_ids, verdict,
                     statistics.median(audit_times), statistics.median(kensa_times)))

    print(f"{'lockfile':<66} {'pkgs':>5} {'audit':>5} {'kensa':>5} {'verdict':<11} {'audit ms':>8} {'kensa ms':>8} {'ratio':>6}")
    for relative, packages, audit_ids, kensa_ids, verdict, audit_time, kensa_time in rows:
        count = lambda ids: "err" if ids is None else str(len(ids))
        print(f"{relative:<66} {packages:>5} {count(audit_ids):>5} {count(kensa_ids):>5} {verdict:<11} "
              f"{audit_time * 1000:>8.1f} {kensa_time * 1000:>8.1f} {kensa_time / audit_time:>6.2f}")
        if verdict == "DIFFER":
            print(f"    only cargo-audit: {sorted((audit_ids or set()) - (kensa_ids or set()))}")
            print(f"    only kensa:       {sorted((kensa_ids or set()) - (audit_ids or set()))}")
    print(f"\n{len(rows)} lockfiles, {disagreements} disagreements, median of {runs} runs each")
    print("explained: cargo-audit refuses lockfiles whose dependency graph names missing packages "
          "(trimmed fixtures); Kensa reads the packages present, none of which has an advisory.")
    shutil.rmtree(work)
    return 1 if disagreements else 0


if __name__ == "__main__":
    sys.exit(main())
