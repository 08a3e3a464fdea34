#!/usr/bin/env bash
# The hostile inputs of issue 11's campaign, each run through the release
# kensa: every case must finish in <= 2 s and <= 300 MB with a diagnostic
# naming the file (targets from the issue). Prints one line per case:
# wall seconds, peak resident MB, exit status, and the diagnostic.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p kensa-cli
kensa="$PWD/target/release/kensa"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 bench/make_hostile_inputs.py "$work/in"
in="$work/in"
"$kensa" db build --from ../shared/data/advisories/rustsec --db "$work/db.redb" 2>/dev/null
mkdir -p "$work/feeds"; cp "$in/aliases/GHSA-aaaa-bbbb-cccc.json" "$in/escapes-feed/GHSA-xxxx-yyyy-zzzz.json" "$work/feeds/"
failures=0
# run NAME EXPECTED COMMAND...: EXPECTED must appear in the output (stdout + stderr).
run() {
    local name="$1" expected="$2"; shift 2
    local output="$work/out.txt" timing="$work/time.txt"
    set +e
    /usr/bin/time -f '%e %M' -o "$timing" timeout 20 "$@" > "$output" 2>&1
    local status=$?
    set -e
    read -r seconds kilobytes < <(tail -1 "$timing") || { seconds=20; kilobytes=0; }
    local megabytes=$((kilobytes / 1024))
    local message
    message="$(grep -a -m1 -F -- "$expected" "$output" | cut -c1-150 || true)"
    local verdict=ok
    if [[ -z "$message" ]] || awk "BEGIN { exit !($seconds > 2) }" || ((megabytes > 300)); then
        verdict=FAIL; failures=$((failures + 1))
    fi
    printf '%-34s %5ss %4d MB exit %-3s %-4s %s\n' "$name" "$seconds" "$megabytes" "$status" "$verdict" "${message:-(expected: $expected)}"
}
db=(--db "$work/db.redb" --offline --max-db-age 0)
run "pnpm-lock.yaml [[[[ (100 KB)"   "pnpm-lock.yaml" "$kensa" scan fs "$in/pnpm" "${db[@]}" --format json
run "pubspec.lock {a: (50k deep)"    "pubspec.lock" "$kensa" scan fs "$in/pubspec" "${db[@]}" --format json
run ".kensa-ignore [[[[ (100 KB)"    "ignore.yaml" "$kensa" scan fs "$in/pnpm" "${db[@]}" --ignore-file "$in/ignore.yaml"
run "db build: PyPA YAML [[[["       "PYSEC-2024-1.yaml" "$kensa" db build --from "$in/feeds-yaml" --db "$work/yaml.redb"
run "Cargo.lock a.a.a… (10 MB)"      "Cargo.lock" "$kensa" scan fs "$in/cargo" "${db[@]}" --format json
run "poetry.lock a.a.a… (10 MB)"     "poetry.lock" "$kensa" scan fs "$in/poetry" "${db[@]}" --format json
run "pyproject.toml a.a.a… (10 MB)"  "pyproject.toml" "$kensa" scan fs "$in/pyproject" "${db[@]}" --format json
run "db build: RustSec a.a.a… (2 MB)" "RUSTSEC-2024-0001.md" "$kensa" db build --from "$in/feeds-toml" --db "$work/toml.redb"
run "scan sbom /dev/zero"            "/dev/zero" "$kensa" scan sbom /dev/zero "${db[@]}"
run "scan inventory /dev/zero"       "/dev/zero" "$kensa" scan inventory /dev/zero "${db[@]}"
run "--vex /dev/zero"                "/dev/zero" "$kensa" scan fs "$in/pnpm" "${db[@]}" --vex /dev/zero
run "--ignore-file /dev/zero"        "/dev/zero" "$kensa" scan fs "$in/pnpm" "${db[@]}" --ignore-file /dev/zero
mkfifo "$work/bom.fifo"
run "scan sbom FIFO"                 "bom.fifo" "$kensa" scan sbom "$work/bom.fifo" "${db[@]}"
"$kensa" db build --from "$work/feeds" --db "$work/feeds.redb" 2>/dev/null
run "50,000 aliases: findings"       "49000 aliases left out" "$kensa" scan fs "$in/aliases-project" --db "$work/feeds.redb" --offline --max-db-age 0 --format json
run "table: controls in a summary"   '\u{1b}[31m' "$kensa" scan sbom "$in/escapes/bom.cdx.json" --db "$work/feeds.redb" --offline --max-db-age 0
run "CSV: formula in a summary"      "'=HYPERLINK" "$kensa" scan sbom "$in/escapes/bom.cdx.json" --db "$work/feeds.redb" --offline --max-db-age 0 --format csv
run "SARIF: javascript: helpUri"     '"version": "2.1.0"' "$kensa" scan sbom "$in/escapes/bom.cdx.json" --db "$work/feeds.redb" --offline --max-db-age 0 --format sarif
if "$kensa" scan sbom "$in/escapes/bom.cdx.json" --db "$work/feeds.redb" --offline --max-db-age 0 --format sarif | grep -q 'javascript:'; then
    echo "FAIL: SARIF carries a javascript: link"; failures=$((failures + 1))
fi
run "docker save: a layer twice"     "twice:1" "$kensa" scan image --input "$in/twice.tar" "${db[@]}"
head -c 100000 "$work/db.redb" > "$work/truncated.redb"
run "truncated database"             "truncated.redb" "$kensa" scan fs "$in/pnpm" --db "$work/truncated.redb" --offline --max-db-age 0
run "a tree deeper than PATH_MAX"    "File name too long" "$kensa" scan fs "$in/deep" "${db[@]}" --format json
echo "$failures cases out of bounds or without a diagnostic naming the file"
exit $((failures > 0))
