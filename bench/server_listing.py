"""ListFindings latency at a million stored findings, for
bench/server-listing.sh. Seeds the store of a stopped server by copying the
real findings one real match wrote (documents and all) under fresh ARNs,
resources and update times until COUNT rows exist, then, with the server
running again, times ListFindings from this second process over 127.0.0.1,
signed by botocore: the first page unfiltered, filtered by severity and
status, by resource, and 20 pages deep through nextToken.

Usage: server_listing.py seed (sqlite PATH | postgres URL) COUNT
       server_listing.py measure URL ADMIN_JSON
"""

import json
import random
import statistics
import subprocess
import sys
import time
import urllib.parse
import http.client

SEED_SQLITE = """
WITH RECURSIVE copies(copy) AS (SELECT 1 UNION ALL SELECT copy + 1 FROM copies WHERE copy < {copies})
INSERT INTO findings (arn, account_id, resource_id, identity, lifetime, status, severity, first_observed_at,
    last_observed_at, updated_at, closed_at, content_digest, document)
SELECT substr(f.arn, 1, length(f.arn) - 32) || lower(hex(randomblob(16))), f.account_id, 'bench-' || copy,
    lower(hex(randomblob(32))), 0, CASE WHEN abs(random()) % 10 = 0 THEN 'CLOSED' ELSE 'ACTIVE' END, f.severity,
    f.first_observed_at, f.last_observed_at, f.updated_at - abs(random()) % 2592000, NULL, f.content_digest, f.document
FROM findings f, copies;
WITH RECURSIVE copies(copy) AS (SELECT 1 UNION ALL SELECT copy + 1 FROM copies WHERE copy < {copies})
INSERT INTO resources (account_id, resource_id, resource_type, tags_json, inventory_sequence, matched_sequence,
    last_inventory_at, last_matched_at, created_at, deleted_at, matched_generation)
SELECT r.account_id, 'bench-' || copy, r.resource_type, r.tags_json, 1, 1, r.last_inventory_at, r.last_matched_at,
    r.created_at, NULL, r.matched_generation FROM resources r, copies;
"""

SEED_POSTGRES = """
INSERT INTO findings (arn, account_id, resource_id, identity, lifetime, status, severity, first_observed_at,
    last_observed_at, updated_at, closed_at, content_digest, document)
SELECT substr(f.arn, 1, length(f.arn) - 32) || md5(random()::text), f.account_id, 'bench-' || copy,
    md5(random()::text) || md5(random()::text), 0, CASE WHEN random() < 0.1 THEN 'CLOSED' ELSE 'ACTIVE' END, f.severity,
    f.first_observed_at, f.last_observed_at, f.updated_at - (random() * 2592000)::bigint, NULL, f.content_digest,
    f.document
FROM findings f, generate_series(1, {copies}) AS copy;
INSERT INTO resources (account_id, resource_id, resource_type, tags_json, inventory_sequence, matched_sequence,
    last_inventory_at, last_matched_at, created_at, deleted_at, matched_generation)
SELECT r.account_id, 'bench-' || copy, r.resource_type, r.tags_json, 1, 1, r.last_inventory_at, r.last_matched_at,
    r.created_at, NULL, r.matched_generation FROM resources r, generate_series(1, {copies}) AS copy;
ANALYZE;
"""


def seed(kind, where, count):
    started = time.monotonic()
    if kind == "sqlite":
        import sqlite3

        connection = sqlite3.connect(where)
        base = connection.execute("SELECT COUNT(*) FROM findings").fetchone()[0]
        copies = max(1, -(-count // base) - 1)
        connection.executescript(SEED_SQLITE.format(copies=copies))
        connection.execute("ANALYZE")
        connection.commit()
        total = connection.execute("SELECT COUNT(*) FROM findings").fetchone()[0]
    else:
        def psql(sql):
            return subprocess.run(["psql", where, "-v", "ON_ERROR_STOP=1", "-qAt", "-c", sql],
                                  check=True, capture_output=True, text=True).stdout.strip()

        base = int(psql("SELECT COUNT(*) FROM findings"))
        copies = max(1, -(-count // base) - 1)
        psql(SEED_POSTGRES.format(copies=copies))
        total = int(psql("SELECT COUNT(*) FROM findings"))
    print(f"seeded {total} findings ({base} real ones x {copies + 1}) in {time.monotonic() - started:.0f} s")


def measure(url, admin_file):
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    admin = json.load(open(admin_file))
    credentials = Credentials(admin["access_key_id"], admin["secret_access_key"])
    parsed = urllib.parse.urlparse(url)
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=60)

    def list_findings(body):
        data = json.dumps(body).encode()
        request = AWSRequest(method="POST", url=url + "/findings/list", data=data,
                             headers={"content-type": "application/json"})
        SigV4Auth(credentials, "inspector2", "us-east-1").add_auth(request)
        started = time.perf_counter()
        connection.request("POST", "/findings/list", body=data, headers=dict(request.headers.items()))
        response = connection.getresponse()
        payload = response.read()
        elapsed = (time.perf_counter() - started) * 1000
        if response.status != 200:
            raise RuntimeError(f"{response.status}: {payload[:300]!r}")
        return elapsed, json.loads(payload)

    def criteria(**fields):
        return {name: [{"comparison": "EQUALS", "value": value}] for name, value in fields.items()}

    random.seed(7)
    kinds = {
        "first page, no filter": lambda: {"maxResults": 100},
        "severity CRITICAL + ACTIVE": lambda: {"maxResults": 100,
                                               "filterCriteria": criteria(severity="CRITICAL", findingStatus="ACTIVE")},
        "one resource": lambda: {"maxResults": 100,
                                 "filterCriteria": criteria(resourceId=f"bench-{random.randint(1, 5000)}")},
    }
    for _ in range(20):  # warm-up
        list_findings(kinds["first page, no filter"]())
    everything = []
    for name, body in kinds.items():
        times = [list_findings(body())[0] for _ in range(200)]
        everything += times
        report(name, times)
    deep = []
    for _ in range(10):
        token = None
        for _ in range(20):
            body = {"maxResults": 100, "filterCriteria": criteria(severity="HIGH", findingStatus="ACTIVE")}
            if token:
                body["nextToken"] = token
            elapsed, page = list_findings(body)
            deep.append(elapsed)
            token = page.get("nextToken")
            if not token:
                break
    everything += deep
    report("HIGH + ACTIVE, pages 1-20 by nextToken", deep)
    report("all requests", everything)


def report(name, times):
    times = sorted(times)
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    print(f"  {name:<42} n={len(times):<4} p50 {statistics.median(times):6.1f} ms  p99 {p99:6.1f} ms  (target p99 <= 50 ms)")


if __name__ == "__main__":
    if sys.argv[1] == "seed":
        seed(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        measure(sys.argv[2], sys.argv[3])
