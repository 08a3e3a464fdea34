#!/usr/bin/env bash
# Real binaries for the kensa-catalog binary catalogers' tests (cargo-auditable and
# Go build info). Idempotent and non-interactive; needs crates.io and Debian apt.
#
# Produces, under ${KENSA_FIXTURES_DIR:-/tmp/kensa-fixtures}:
#   auditable/kensa-auditable-demo        Rust binary built with `cargo auditable build`
#   go/godemo-linux-amd64                 Go ELF with module build info (vendored deps)
#   go/godemo-windows-amd64.exe           the same program as a PE
#   go/godemo-darwin-amd64                the same program as a Mach-O
# and installs Debian's Go-written docker-registry and skopeo (/usr/bin) plus
# golang-go, whose `go version -m` is the tests' oracle.
set -euo pipefail

repository_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
fixtures_source="$repository_root/crates/kensa-catalog/tests/fixtures"
fixtures_dir="${KENSA_FIXTURES_DIR:-/tmp/kensa-fixtures}"
mkdir -p "$fixtures_dir/auditable" "$fixtures_dir/go"

# --- Debian packages: Go toolchain (oracle and builder), Go programs, Go sources ---
debian_packages=(golang-go docker-registry skopeo golang-golang-x-net-dev golang-github-pkg-errors-dev)
missing=()
for package in "${debian_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi

# --- cargo-auditable and the Rust demo binary ---
if ! command -v cargo-auditable >/dev/null 2>&1; then
    cargo install cargo-auditable --locked --version 0.7.7
fi
(
    cd "$fixtures_source/auditable-demo"
    CARGO_TARGET_DIR="$fixtures_dir/auditable-target" cargo auditable build --locked --quiet
)
cp -f "$fixtures_dir/auditable-target/debug/kensa-auditable-demo" "$fixtures_dir/auditable/kensa-auditable-demo"

# --- the Go demo program, for three operating systems ---
# There is no module proxy, so dependencies are vendored by hand from the Debian
# packages' sources; `go build -mod=vendor` then records them in the build info
# exactly as a module-mode build would (path, version, replacement).
go_work="$fixtures_dir/go-build"
rm -rf "$go_work"
mkdir -p "$go_work"
cp -r "$fixtures_source/go-demo/." "$go_work/"
vendor="$go_work/vendor"
mkdir -p "$vendor/golang.org/x/net" "$vendor/example.com/kensa"
cp -r /usr/share/gocode/src/golang.org/x/net/html "$vendor/golang.org/x/net/html"
cp -r /usr/share/gocode/src/github.com/pkg/errors "$vendor/example.com/kensa/errors"
cp -r "$go_work/greeting" "$vendor/example.com/kensa/greeting"
find "$vendor" -name '*_test.go' -delete
cat >"$vendor/modules.txt" <<'EOF'
# example.com/kensa/errors v1.0.0 => github.com/pkg/errors v0.9.1
## explicit
example.com/kensa/errors
# example.com/kensa/greeting v0.0.0 => ./greeting
## explicit; go 1.19
example.com/kensa/greeting
# golang.org/x/net v0.7.0
## explicit
golang.org/x/net/html
golang.org/x/net/html/atom
# example.com/kensa/errors v1.0.0 => github.com/pkg/errors v0.9.1
# example.com/kensa/greeting => ./greeting
EOF
(
    cd "$go_work"
    export GOFLAGS=-mod=vendor GOPROXY=off GOSUMDB=off CGO_ENABLED=0 GOCACHE="$fixtures_dir/go-cache"
    GOOS=linux GOARCH=amd64 go build -o "$fixtures_dir/go/godemo-linux-amd64" .
    GOOS=windows GOARCH=amd64 go build -o "$fixtures_dir/go/godemo-windows-amd64.exe" .
    GOOS=darwin GOARCH=amd64 go build -o "$fixtures_dir/go/godemo-darwin-amd64" .
)
echo "catalog-binaries: fixtures ready in $fixtures_dir"
