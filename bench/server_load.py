"""Load for bench/server.sh, from a second process over 127.0.0.1: pushes
COUNT real inventories of 300 packages each (windows over the packages of two
real projects in ../shared/data, so the fleet differs from resource to
resource), signed with SigV4 by botocore as any AWS SDK signs, from
CONNECTIONS (default 32) keep-alive connections; AFFECTED of them (default
200, spread over the fleet) hold the 50 packages of the change and no other
inventory does. Then waits for matching, then replaces the server's advisory
database (the build without 50 packages' Go advisories by the full one) and
waits until the findings are current again.

Prints the figures: ingest rate (acknowledged pushes/s), time to match the
whole fleet (what a full re-match costs), and the time from the database
replacement to the re-match of the affected inventories being done.
"""

import calendar
import concurrent.futures
import http.client
import json
import os
import shutil
import sys
import threading
import time
import urllib.parse

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

# Connections pushing at once: a fleet's agents push concurrently, and the
# server's group commit is what turns concurrency into throughput.
THREADS = int(os.environ.get("CONNECTIONS", "32"))
PACKAGES = 300
# Inventories that hold a package of the change, whatever the fleet's size:
# the change's cost must follow them, not the fleet.
AFFECTED = int(os.environ.get("AFFECTED", "200"))


def main():
    url, admin_file, inventory_a, inventory_b, count, data_dir, new_database = sys.argv[1:8]
    epss_database = sys.argv[8] if len(sys.argv) > 8 else None
    count = int(count)
    admin = json.load(open(admin_file))
    credentials = Credentials(admin["access_key_id"], admin["secret_access_key"])
    parsed = urllib.parse.urlparse(url)
    base_a, base_b = json.load(open(inventory_a)), json.load(open(inventory_b))
    touched = set(json.load(open(os.path.join(os.path.dirname(data_dir), "touched.json"))))

    def is_touched(package):
        return package["ecosystem"] == "Go" and package["name"] in touched

    everything = base_a["packages"] + base_b["packages"]
    pool = [p for p in everything if not is_touched(p)]
    touching = [p for p in everything if is_touched(p)]
    spacing = max(1, count // max(1, AFFECTED))
    local = threading.local()

    def connection():
        if not hasattr(local, "connection"):
            local.connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=120)
        return local.connection

    def send(method, path, query="", body=b""):
        target = url + path + ("?" + query if query else "")
        request = AWSRequest(method=method, url=target, data=body, headers={"content-type": "application/json"})
        SigV4Auth(credentials, "kensa", "us-east-1").add_auth(request)
        headers = dict(request.headers.items())
        conn = connection()
        conn.request(method, path + ("?" + query if query else ""), body=body, headers=headers)
        response = conn.getresponse()
        payload = response.read()
        if response.status != 200:
            raise RuntimeError(f"{method} {path}: {response.status} {payload[:300]!r}")
        return json.loads(payload)

    def inventory(index):
        start = (index * 37) % len(pool)
        window = (pool + pool)[start : start + PACKAGES]
        if index % spacing == 0 and index // spacing < AFFECTED:
            window = touching + window[len(touching) :]
        document = dict(base_a)
        document["packages"] = window
        return json.dumps(document).encode()

    bodies = [inventory(index) for index in range(count)]
    affected = sum(1 for body in bodies if any(is_touched(p) for p in json.loads(body)["packages"]))

    def push(index):
        send("POST", "/kensa/v1/inventories", f"resourceId=bench-{index}", bodies[index])

    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(THREADS) as executor:
        list(executor.map(push, range(count)))
    ingest = time.monotonic() - started

    def status():
        return send("GET", "/kensa/v1/status")

    while status()["queueDepth"] > 0:
        time.sleep(0.05)
    matched = time.monotonic() - started

    copies = int(os.environ.get("COPIES", "0"))
    if copies:
        stored = seed_copies(
            os.environ["DATABASE_URL"],
            copies,
            [f"bench-{index}" for index in range(count) if not any(is_touched(p) for p in json.loads(bodies[index])["packages"])],
        )
        print(f"fleet grown to {stored} stored inventories by copying the unaffected ones' index rows {copies} times")

    def replace_database(database):
        """Renames `database` into place and waits until the server took it
        up and its queue is empty: (generation before, wall-clock time of
        the rename, seconds until current)."""
        before = status()["currentGeneration"]
        staged = os.path.join(data_dir, "advisories.redb.staged")
        shutil.copyfile(database, staged)
        replaced = time.monotonic()
        replaced_wall = time.time()
        os.rename(staged, os.path.join(data_dir, "advisories.redb"))
        while True:
            now = status()
            if now["currentGeneration"] > before and now["queueDepth"] == 0:
                return before, replaced_wall, time.monotonic() - replaced
            time.sleep(0.02)

    before, replaced_wall, rematch = replace_database(new_database)

    print(f"inventories: {count} x {PACKAGES} packages, {THREADS} connections")
    print(f"ingest: {count / ingest:.0f} inventories/s ({ingest:.2f} s; target >= 200/s)")
    print(f"first match of the whole fleet: {matched:.2f} s from the first push ({count / matched:.0f} inventories/s)")
    print(
        f"database replaced (a change touching {len(touched)} packages, held by {affected} of {count} inventories): "
        f"findings current {rematch:.2f} s after the rename (target <= 1 s at 10,000 inventories)"
    )
    print_split(before, replaced_wall, rematch)
    if epss_database:
        # A new EPSS day: every stored inventory is re-matched.
        before, replaced_wall, full = replace_database(epss_database)
        print(f"database replaced (a new EPSS day: everything re-matched): findings current {full:.2f} s "
              f"after the rename (target <= 20 s at 10,000 inventories)")
        print_split(before, replaced_wall, full)


def print_split(before, replaced_wall, elapsed):
    """The split of a change's time, from the server's JSON log."""
    taken_up = taken_up_at(os.environ.get("SERVER_LOG"), before)
    if taken_up is not None:
        taken_up, fields = taken_up
        print(
            f"  of which: {taken_up - replaced_wall:.2f} s until the server took the new database up "
            f"(noticing the rename, fingerprint, change set, queueing {fields.get('queued')} re-matches "
            f"in {fields.get('milliseconds')} ms), {elapsed - (taken_up - replaced_wall):.2f} s re-matching"
        )


SEED_COPIES = """
CREATE TEMPORARY TABLE unaffected (resource_id TEXT PRIMARY KEY);
\\copy unaffected FROM '{ids}'
INSERT INTO resources (account_id, resource_id, resource_type, tags_json, inventory_sequence, matched_sequence,
    last_inventory_at, last_matched_at, created_at, deleted_at, matched_generation)
SELECT r.account_id, r.resource_id || '-copy-' || c, r.resource_type, r.tags_json, r.inventory_sequence,
    r.matched_sequence, r.last_inventory_at, r.last_matched_at, r.created_at, NULL, r.matched_generation
FROM resources r JOIN unaffected u ON u.resource_id = r.resource_id CROSS JOIN generate_series(1, {copies}) c;
INSERT INTO resource_refs (account_id, resource_id)
SELECT account_id, resource_id FROM resources WHERE resource_id LIKE '%-copy-%' ORDER BY account_id, resource_id;
{index_copies}
VACUUM ANALYZE;
SELECT COUNT(*) FROM resources;
"""


def seed_copies(database_url, copies, unaffected):
    """Grows a PostgreSQL store's fleet: each unaffected resource is copied
    `copies` times with its package and vulnerability index rows (what a
    change's re-match looks up), not its inventory documents or findings
    (which a change that does not touch it never reads)."""
    import subprocess
    import tempfile

    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as ids:
        ids.write("\n".join(unaffected) + "\n")
    # The same copy for each index table.
    index_copies = "\n".join(
        f"INSERT INTO {table} (key_id, resource_ref) SELECT i.key_id, copy.resource_ref FROM {table} i "
        "JOIN resource_refs original ON original.resource_ref = i.resource_ref "
        "JOIN unaffected u ON u.resource_id = original.resource_id "
        f"CROSS JOIN generate_series(1, {copies}) c JOIN resource_refs copy ON copy.account_id = original.account_id "
        "AND copy.resource_id = original.resource_id || '-copy-' || c;"
        for table in ("resource_package_refs", "resource_vulnerability_refs")
    )
    script = SEED_COPIES.format(ids=ids.name, copies=copies, index_copies=index_copies)
    output = subprocess.run(["psql", database_url, "-v", "ON_ERROR_STOP=1", "-qtA"], input=script,
                            capture_output=True, text=True, check=True).stdout
    return int(output.strip().splitlines()[-1])


def taken_up_at(log_path, before):
    """Wall-clock time at which the server (logging JSON lines) took up a
    generation newer than `before`, with the log line's fields; or None."""
    if not log_path or not os.path.exists(log_path):
        return None
    for line in open(log_path):
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        fields = entry.get("fields", {})
        if fields.get("message") == "advisory database taken up" and fields.get("generation", 0) > before:
            stamp = entry["timestamp"].rstrip("Z")
            whole, _, fraction = stamp.partition(".")
            seconds = calendar.timegm(time.strptime(whole, "%Y-%m-%dT%H:%M:%S"))
            return seconds + float("0." + (fraction or "0")), fields
    return None


if __name__ == "__main__":
    main()
