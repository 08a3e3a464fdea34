#!/usr/bin/env python3
"""Writes the hostile inputs the issue-11 campaign found, one directory or
file per case, under the directory given; bench/hostile.sh runs kensa on each.
Every case is small to write and was slow, huge or wrong before the fix."""
import gzip, io, json, os, sys, tarfile

out = sys.argv[1]
def write(path, data, mode="w"):
    path = os.path.join(out, path)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, mode) as handle:
        handle.write(data)

# YAML nesting: libyaml's time grows with its square (100 KB took 14 s).
write("pnpm/pnpm-lock.yaml", "lockfileVersion: '9.0'\npackages: " + "[" * 100_000 + "\n")
write("pubspec/pubspec.lock", "packages: " + "{a: " * 50_000 + "\n")
write("ignore.yaml", "ignore: " + "[" * 100_000 + "\n")
write("feeds-yaml/vulns/x/PYSEC-2024-1.yaml", "id: PYSEC-2024-1\nmodified: 2024-01-01T00:00:00Z\ndatabase_specific: " + "[" * 100_000 + "\n")
# TOML dotted keys: one table per segment (60 MB aborted the process).
dotted = "a." * 5_000_000 + "b = 1\n"
write("cargo/Cargo.lock", "version = 3\n" + dotted)
write("poetry/poetry.lock", dotted)
write("pyproject/pyproject.toml", "[project]\nname = 'x'\n" + dotted)
write("feeds-toml/crates/demo/RUSTSEC-2024-0001.md", "```toml\n[advisory]\nid = \"RUSTSEC-2024-0001\"\npackage = \"demo\"\ndate = \"2024-01-01\"\n" + "a." * 1_000_000 + "b = 1\n[versions]\npatched = []\n```\n\n# t\n")
# A record naming 50,000 aliases, each of which a bundle turns into a finding.
aliases = [f"CVE-2024-{index + 10000:05d}" for index in range(50_000)]
write("aliases/GHSA-aaaa-bbbb-cccc.json", json.dumps({"id": "GHSA-aaaa-bbbb-cccc", "modified": "2024-01-01T00:00:00Z", "aliases": aliases,
    "affected": [{"package": {"ecosystem": "npm", "name": "lodash"}, "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "4.17.21"}]}]}]}))
write("aliases-project/package-lock.json", json.dumps({"name": "p", "lockfileVersion": 3, "packages": {"": {"name": "p"}, "node_modules/lodash": {"version": "4.17.20"}}}))
# Output escaping: a package name with terminal controls and a formula; a javascript: reference.
write("escapes/bom.cdx.json", json.dumps({"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [
    {"type": "library", "name": "lodash\u001b[2J\u001b]8;;http://evil\u0007\u202e", "version": "4.17.20", "purl": "pkg:npm/lodash@4.17.20"}]}))
write("escapes-feed/GHSA-xxxx-yyyy-zzzz.json", json.dumps({"id": "GHSA-xxxx-yyyy-zzzz", "modified": "2024-01-01T00:00:00Z",
    "summary": "=HYPERLINK(\"http://evil\")\u001b[31m red \r overwritten", "references": [{"type": "WEB", "url": "javascript:alert(1)"}],
    "affected": [{"package": {"ecosystem": "npm", "name": "lodash"}, "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "4.17.21"}]}]}]}))
# A docker save archive that lists one layer twice (Docker does, for identical layers).
layer = io.BytesIO()
with tarfile.open(fileobj=layer, mode="w") as tar:
    data = b"3.10.4\n"
    info = tarfile.TarInfo("etc/alpine-release"); info.size = len(data); tar.addfile(info, io.BytesIO(data))
layer = layer.getvalue()
import hashlib
diff_id = "sha256:" + hashlib.sha256(layer).hexdigest()
config = json.dumps({"rootfs": {"type": "layers", "diff_ids": [diff_id, diff_id]}, "os": "linux", "architecture": "amd64"}).encode()
manifest = json.dumps([{"Config": "config.json", "RepoTags": ["twice:1"], "Layers": ["l/layer.tar", "l/layer.tar"]}]).encode()
with tarfile.open(os.path.join(out, "twice.tar"), "w") as tar:
    for name, data in [("l/layer.tar", layer), ("config.json", config), ("manifest.json", manifest)]:
        info = tarfile.TarInfo(name); info.size = len(data); tar.addfile(info, io.BytesIO(data))
# A tree deeper than PATH_MAX allows in one path.
deep = os.path.join(out, "deep")
os.makedirs(deep, exist_ok=True)
fd = os.open(deep, os.O_RDONLY)
for _ in range(600):
    os.mkdir("d" * 20, dir_fd=fd)
    next_fd = os.open("d" * 20, os.O_RDONLY, dir_fd=fd)
    os.close(fd)
    fd = next_fd
with open(os.open("package-lock.json", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd), "w") as handle:
    handle.write("{}")
os.close(fd)
