#!/usr/bin/env bash
# ListFindings p99 at 1,000,000 stored findings (issue 12), from a second
# process on 127.0.0.1 (bench/server_listing.py, signed by botocore). The
# findings are copies of the real findings of one real match.
# Usage: bench/server-listing.sh                         (SQLite)
#        DATABASE_URL=postgres://… bench/server-listing.sh  (PostgreSQL; an empty database)
#        FINDINGS=1000000 by default
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/needs/aws-clients.sh >/dev/null
python="${KENSA_FIXTURES_DIR:-/tmp/kensa-fixtures}/aws-clients/bin/python"
cargo build --release -q -p kensa-cli
kensa=./target/release/kensa
work="$(mktemp -d)"
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
store=(--data-dir "$work/data")
[ -n "${DATABASE_URL:-}" ] && store+=(--database "$DATABASE_URL")
"$kensa" server init "${store[@]}" >"$work/admin.json"
"$kensa" db build --from ../shared/data/advisories --db "$work/data/advisories.redb" 2>/dev/null
"$kensa" inventory ../shared/data/targets/lockfiles/trivy-integration-repos -o "$work/inventory.json" 2>/dev/null

start() {
    "$kensa" server run "${store[@]}" --listen 127.0.0.1:0 --no-db-update 2>"$work/server.log" &
    server=$!
    for _ in $(seq 100); do grep -q "listening on" "$work/server.log" && break; sleep 0.1; done
    url="$(sed -n 's/^kensa server listening on //p' "$work/server.log" | head -1)"
}
start
AWS_ACCESS_KEY_ID="$(sed -n 's/.*"access_key_id": *"\([^"]*\)".*/\1/p' "$work/admin.json")" \
AWS_SECRET_ACCESS_KEY="$(sed -n 's/.*"secret_access_key": *"\([^"]*\)".*/\1/p' "$work/admin.json")" \
    "$kensa" push --server "$url" --wait --resource-id seed "$work/inventory.json" >/dev/null
kill -TERM "$server"; wait "$server" || true
if [ -n "${DATABASE_URL:-}" ]; then
    "$python" bench/server_listing.py seed postgres "$DATABASE_URL" "${FINDINGS:-1000000}"
else
    "$python" bench/server_listing.py seed sqlite "$work/data/kensa.sqlite3" "${FINDINGS:-1000000}"
fi
start
backend=SQLite; [ -n "${DATABASE_URL:-}" ] && backend=PostgreSQL
echo "backend: $backend; $(nproc) cores"
"$python" bench/server_listing.py measure "$url" "$work/admin.json"
