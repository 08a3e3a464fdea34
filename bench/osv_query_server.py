#!/usr/bin/env python3
"""A local stand-in for OSV's /v1/query API over the PyPA advisory snapshot.

pip-audit's OSV service sends `{"package": {"name", "ecosystem"}, "version"}` to
`--osv-url` and expects `{"vulns": [record, ...]}`. This server answers from
../shared/data/advisories/pypa, deciding affectedness independently of Kensa:
Python's `packaging` orders versions and the OSV specification's event
algorithm evaluates ranges. That makes pip-audit an oracle for Kensa on
requirements files.

Usage: osv_query_server.py PORT   (prints "ready" when listening)
"""
import json
import os
import re
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import yaml
from packaging.version import InvalidVersion, Version

HERE = os.path.dirname(os.path.abspath(__file__))
PYPA = os.path.normpath(os.path.join(HERE, "..", "..", "shared", "data", "advisories", "pypa", "vulns"))


def normalize(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def load():
    index = {}
    for root, _dirs, files in os.walk(PYPA):
        for name in files:
            if not name.endswith((".yaml", ".yml", ".json")):
                continue
            with open(os.path.join(root, name), encoding="utf-8") as handle:
                record = yaml.safe_load(handle)
            if not isinstance(record, dict) or "id" not in record:
                continue
            # YAML dates become datetime objects; OSV wants RFC 3339 strings.
            for key in ("modified", "published", "withdrawn"):
                if key in record and not isinstance(record[key], str):
                    record[key] = record[key].isoformat().replace("+00:00", "Z")
                    if not record[key].endswith("Z"):
                        record[key] += "Z"
            for affected in record.get("affected", []):
                package = affected.get("package", {})
                if package.get("ecosystem") == "PyPI":
                    index.setdefault(normalize(package.get("name", "")), []).append(record)
    return index


def parse(version):
    try:
        return Version(version)
    except InvalidVersion:
        return None


def affected_by(record, name, version):
    if record.get("withdrawn"):
        return False
    target = parse(version)
    for affected in record.get("affected", []):
        package = affected.get("package", {})
        if package.get("ecosystem") != "PyPI" or normalize(package.get("name", "")) != name:
            continue
        if version in [str(v) for v in affected.get("versions", [])]:
            return True
        if target is None:
            continue
        for range_ in affected.get("ranges", []):
            if range_.get("type") != "ECOSYSTEM":
                continue
            events = []
            for event in range_.get("events", []):
                for kind, value in event.items():
                    value = str(value)
                    parsed = Version("0") if value == "0" else parse(value)
                    if parsed is not None:
                        events.append((parsed, kind))
            # The OSV specification's evaluation: walk events in version order.
            order = {"introduced": 0, "last_affected": 1, "fixed": 2}
            events.sort(key=lambda item: (item[0], order.get(item[1], 3)))
            vulnerable = False
            for parsed, kind in events:
                if kind == "introduced" and target >= parsed:
                    vulnerable = True
                elif kind == "fixed" and target >= parsed:
                    vulnerable = False
                elif kind == "last_affected" and target > parsed:
                    vulnerable = False
            if vulnerable:
                return True
    return False


INDEX = load()


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        query = json.loads(self.rfile.read(length) or b"{}")
        name = normalize(query.get("package", {}).get("name", ""))
        version = query.get("version", "")
        vulns = [record for record in INDEX.get(name, []) if affected_by(record, name, version)]
        body = json.dumps({"vulns": vulns} if vulns else {}, default=str).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args):
        pass


if __name__ == "__main__":
    server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
    print("ready", flush=True)
    server.serve_forever()
