#!/usr/bin/env bash
# kensa server figures (issue 12), load from a second process on 127.0.0.1
# (bench/server_load.py, signed by botocore): ingestion rate of real
# 300-package inventories, time to match the whole fleet, and how soon
# findings are current after the advisory database is replaced: by one
# whose change touches 50 packages, then by one with a new EPSS day (a full
# re-match).
# Usage: RESOURCES=2000 bench/server.sh            (SQLite, the embedded default)
#        AFFECTED=200 CONNECTIONS=32                 (inventories the change touches; pushers)
#        COPIES=9 (PostgreSQL only): grow the fleet before the change by copying the unaffected
#        inventories' index rows 9 times (10,000 pushed: 98,200 stored)
#        DATABASE_URL=postgres://… bench/server.sh (PostgreSQL; an empty database)
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/needs/aws-clients.sh >/dev/null
python="${KENSA_FIXTURES_DIR:-/tmp/kensa-fixtures}/aws-clients/bin/python"
cargo build --release -q -p kensa-cli
kensa=./target/release/kensa
work="$(mktemp -d)"
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT

"$kensa" inventory ../shared/data/targets/lockfiles/trivy-integration-repos -o "$work/a.json" 2>/dev/null
"$kensa" inventory ../shared/data/targets/lockfiles/real-projects -o "$work/b.json" 2>/dev/null
"$kensa" db build --from ../shared/data/advisories --db "$work/new.redb" 2>/dev/null
# The "old" database: every feed, but without the Go advisories of 50
# packages (the fleet's own first): replacing it by the full one is a change
# touching those 50 packages. Hard links, no copy of the data.
mkdir "$work/feeds"
for feed in ../shared/data/advisories/*; do
    cp -rl "$feed" "$work/feeds/" 2>/dev/null || cp -r "$feed" "$work/feeds/"
done
"$python" - "$work" <<'PY'
import json, os, sys
work = sys.argv[1]
fleet = {p["name"] for f in ("a.json", "b.json") for p in json.load(open(f"{work}/{f}"))["packages"] if p["ecosystem"] == "Go"}
directory = f"{work}/feeds/go-vulndb/osv"
records = []
for name in sorted(os.listdir(directory)):
    if name.endswith(".json"):
        record = json.load(open(f"{directory}/{name}"))
        packages = {a["package"]["name"] for a in record.get("affected", [])}
        records.append((not (packages & fleet), name, packages))
touched = set()
for _, name, packages in sorted(records):
    if len(touched) >= 50:
        break
    touched |= packages
    os.remove(f"{directory}/{name}")
json.dump(sorted(touched), open(f"{work}/touched.json", "w"))
print(f"the change: Go advisories of {len(touched)} packages ({len(touched & fleet)} of them in the fleet)")
PY
"$kensa" db build --from "$work/feeds" --db "$work/old.redb" 2>/dev/null
# A third database: every feed, one EPSS score moved — a new EPSS day, which
# re-matches every inventory (the full re-match figure).
mkdir "$work/feeds-epss"
for feed in ../shared/data/advisories/*; do
    [ "$(basename "$feed")" = epss ] && continue
    cp -rl "$feed" "$work/feeds-epss/" 2>/dev/null || cp -r "$feed" "$work/feeds-epss/"
done
mkdir "$work/feeds-epss/epss"
for file in ../shared/data/advisories/epss/*.csv; do
    sed 's/^CVE-1999-0005,0.91963,/CVE-1999-0005,0.91964,/' "$file" >"$work/feeds-epss/epss/$(basename "$file")"
done
"$kensa" db build --from "$work/feeds-epss" --db "$work/epss.redb" 2>/dev/null
store=(--data-dir "$work/data")
[ -n "${DATABASE_URL:-}" ] && store+=(--database "$DATABASE_URL")
"$kensa" server init "${store[@]}" >"$work/admin.json"
cp "$work/old.redb" "$work/data/advisories.redb"
"$kensa" server run "${store[@]}" --listen 127.0.0.1:0 --no-db-update --log-json 2>"$work/server.log" &
server=$!
for _ in $(seq 100); do grep -q "listening on" "$work/server.log" && break; sleep 0.1; done
url="$(sed -n 's/^kensa server listening on //p' "$work/server.log" | head -1)"
# Ready once the database is taken up.
for _ in $(seq 100); do curl -sf "$url/readyz" >/dev/null && break; sleep 0.1; done
backend=SQLite; [ -n "${DATABASE_URL:-}" ] && backend=PostgreSQL
echo "backend: $backend; $(nproc) cores"
SERVER_LOG="$work/server.log" "$python" bench/server_load.py "$url" "$work/admin.json" "$work/a.json" "$work/b.json" "${RESOURCES:-2000}" \
    "$work/data" "$work/new.redb" "$work/epss.redb"
