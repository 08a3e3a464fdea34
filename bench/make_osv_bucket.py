#!/usr/bin/env python3
"""Writes OSV's public bucket layout from the OSV-format advisories in
../shared/data, for `kensa db update` benchmarks: per ecosystem `all.zip`,
`modified_id.csv` (`<modified>,<id>`, newest first) and `<id>.json`, plus
`ecosystems.txt` and the CISA KEV catalog as `kev.json`.

Sources: go-vulndb (Go), pypa (PyPI, YAML turned into the JSON the bucket
holds), almalinux-osv (AlmaLinux), ghsa and osv-samples (whatever ecosystems
their records name). A record naming several ecosystems is filed under each,
as the bucket does.

Usage: make_osv_bucket.py SHARED_DATA OUTPUT_DIR
"""
import json
import os
import shutil
import sys
import zipfile

import yaml


def records(shared):
    advisories = os.path.join(shared, "advisories")
    for source in ("go-vulndb/osv", "pypa/vulns", "almalinux-osv", "ghsa", "osv-samples"):
        for root, _, files in os.walk(os.path.join(advisories, source)):
            for name in sorted(files):
                path = os.path.join(root, name)
                try:
                    if name.endswith(".json"):
                        record = json.load(open(path))
                    elif name.endswith((".yaml", ".yml")):
                        record = yaml.safe_load(open(path))
                    else:
                        continue
                except (ValueError, yaml.YAMLError):
                    continue
                if isinstance(record, dict) and "id" in record and "modified" in record and record.get("affected"):
                    yield record


def main():
    shared, output = sys.argv[1], sys.argv[2]
    shutil.rmtree(output, ignore_errors=True)
    by_ecosystem = {}
    for record in records(shared):
        ecosystems = {affected.get("package", {}).get("ecosystem", "").split(":")[0] for affected in record["affected"]}
        for ecosystem in sorted(ecosystem for ecosystem in ecosystems if ecosystem):
            by_ecosystem.setdefault(ecosystem, {})[record["id"]] = record
    total = 0
    for ecosystem, entries in sorted(by_ecosystem.items()):
        directory = os.path.join(output, ecosystem)
        os.makedirs(directory, exist_ok=True)
        with zipfile.ZipFile(os.path.join(directory, "all.zip"), "w", zipfile.ZIP_DEFLATED) as archive:
            for identifier, record in sorted(entries.items()):
                text = json.dumps(record, default=str)
                archive.writestr(f"{identifier}.json", text)
                with open(os.path.join(directory, f"{identifier}.json"), "w") as handle:
                    handle.write(text)
        modified = sorted(((str(record["modified"]), identifier) for identifier, record in entries.items()), reverse=True)
        with open(os.path.join(directory, "modified_id.csv"), "w") as handle:
            handle.writelines(f"{when},{identifier}\n" for when, identifier in modified)
        total += len(entries)
    with open(os.path.join(output, "ecosystems.txt"), "w") as handle:
        handle.writelines(f"{ecosystem}\n" for ecosystem in sorted(by_ecosystem))
    shutil.copy(os.path.join(shared, "advisories/cisa-kev/known_exploited_vulnerabilities.json"),
                os.path.join(output, "kev.json"))
    print(f"{total} records in {len(by_ecosystem)} ecosystems")


if __name__ == "__main__":
    main()
