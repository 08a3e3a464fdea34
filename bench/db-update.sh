#!/usr/bin/env bash
# Issue 5 figures: `kensa db update` from all OSV-format advisories in
# ../shared/data served over loopback in OSV's bucket layout (a real HTTP
# server: Python's http.server), plus the CISA KEV catalog.
# - full update into an empty database (target <= 15 s)
# - incremental update after 20 records changed upstream (target <= 1 s; only
#   the changed records transferred)
# - database size per 10,000 advisories, next to Grype's and Trivy's published sizes
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p kensa-cli
work="$(mktemp -d)"
server_pid=""
trap '[ -n "$server_pid" ] && kill $server_pid 2>/dev/null; rm -rf "$work"' EXIT
bucket="$work/bucket"
python3 bench/make_osv_bucket.py ../shared/data "$bucket"
gzip -c ../shared/data/advisories/epss/epss-sample-2024-10-25.csv > "$bucket/epss.csv.gz"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
python3 -m http.server --bind 127.0.0.1 "$port" --directory "$bucket" >/dev/null 2>&1 &
server_pid=$!
for _ in $(seq 100); do (echo > "/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
url="http://127.0.0.1:$port"
database="$work/kensa.redb"
kensa=./target/release/kensa

echo "== full update (empty database)"
start=$(date +%s.%N)
$kensa db update --osv-url "$url" --kev-url "$url/kev.json" --epss-url "$url/epss.csv.gz" --db "$database" 2> "$work/full.log"
end=$(date +%s.%N)
tail -1 "$work/full.log"
full=$(echo "$end - $start" | bc)
advisories=$($kensa db status --db "$database" | awk '/^advisories:/ {print $2}')
size=$(stat -c %s "$database")
echo "full update: ${full} s (target <= 15 s)"

echo "== incremental update (20 records changed upstream)"
python3 - "$bucket" <<'PY'
import json, os, sys, zipfile
bucket = sys.argv[1]
changed = 0
for ecosystem in ("Go", "PyPI"):
    directory = os.path.join(bucket, ecosystem)
    lines = open(os.path.join(directory, "modified_id.csv")).read().splitlines()
    entries = [line.split(",", 1) for line in lines]
    for index in range(10):
        when, identifier = entries[-1 - index]  # the oldest records
        path = os.path.join(directory, identifier + ".json")
        record = json.load(open(path))
        record["modified"] = "2030-01-01T00:00:00Z"
        record["summary"] = "changed upstream for the benchmark"
        open(path, "w").write(json.dumps(record))
        entries[-1 - index] = ["2030-01-01T00:00:00Z", identifier]
        changed += 1
    entries.sort(reverse=True)
    open(os.path.join(directory, "modified_id.csv"), "w").writelines(f"{w},{i}\n" for w, i in entries)
print(f"{changed} records changed")
PY
for run in 1 2 3; do
    start=$(date +%s.%N)
    $kensa db update --osv-url "$url" --kev-url "$url/kev.json" --epss-url "$url/epss.csv.gz" --db "$database" 2> "$work/incremental.log"
    end=$(date +%s.%N)
    echo "run $run: $(echo "$end - $start" | bc) s; $(tail -1 "$work/incremental.log")"
done
grep -c 'changed since' "$work/incremental.log" >/dev/null && grep 'changed since' "$work/incremental.log" | grep -v ' 0 records' || true

echo "== size"
echo "advisories: $advisories; database: $size bytes = $(echo "scale=1; $size * 10000 / $advisories / 1048576" | bc) MiB per 10,000 advisories"
$kensa db export "$work/bundle.tar.gz" --db "$database" 2>/dev/null
bundle=$(stat -c %s "$work/bundle.tar.gz")
echo "kensa db export bundle: $bundle bytes = $(echo "scale=1; $bundle * 10000 / $advisories / 1048576" | bc) MiB per 10,000 advisories"
echo "for context: Grype's v6 database is published as ~83 MB compressed, Trivy's as ~40 MB (each for its full data set)"
