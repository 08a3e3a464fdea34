#!/bin/bash
# Oracles for crates/kensa-version/tests/differential.rs: each ecosystem's own
# version implementation. Idempotent; CI runs it before the tests.
set -euo pipefail
ORACLES="$(cd "$(dirname "$0")/../.." && pwd)/crates/kensa-version/tests/oracles/.installed"
mkdir -p "$ORACLES"

# From Debian:
# - dpkg (dpkg --compare-versions); rpm (rpm's Lua rpm.vercmp);
# - ruby (Gem::Version, Gem::Requirement);
# - a JDK (the single-file source launcher compiles MavenOracle.java) and
#   libmaven3-core-java (maven-artifact's ComparableVersion and VersionRange,
#   with commons-lang3);
# - php-cli and php-composer-semver (composer/semver, Composer's own);
# - golang-go and golang-golang-x-mod-dev (golang.org/x/mod/semver, run in
#   GOPATH mode: no module proxy is needed);
# - python3-venv for the PyPI oracles below, nodejs/npm for node's semver.
# Debian has no apk-tools package, so Alpine keeps the osv oracle only.
# Each Debian package with the command or file that shows it is there
# (a tool found on PATH, e.g. a node from elsewhere, is good enough).
NEEDS=(
  "dpkg dpkg" "rpm rpm" "node nodejs" "npm npm" "python3 python3" "ruby ruby" "javac default-jdk-headless"
  "/usr/share/java/maven3-artifact.jar libmaven3-core-java" "/usr/share/java/commons-lang3.jar libcommons-lang3-java"
  "php php-cli" "/usr/share/php/Composer/Semver/autoload.php php-composer-semver" "go golang-go"
  "/usr/share/gocode/src/golang.org/x/mod/semver/semver.go golang-golang-x-mod-dev"
)
missing=()
for need in "${NEEDS[@]}"; do
  probe="${need%% *}"
  package="${need#* }"
  if [[ "$probe" == /* ]]; then [ -e "$probe" ] && continue; else command -v "$probe" >/dev/null && continue; fi
  missing+=("$package")
done
if ! python3 -m venv --help >/dev/null 2>&1; then missing+=(python3-venv); fi
if [ "${#missing[@]}" -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi

# PEP 440: packaging (its own venv: osv pins packaging<22).
if [ ! -x "$ORACLES/venv-packaging/bin/python" ]; then python3 -m venv "$ORACLES/venv-packaging"; fi
"$ORACLES/venv-packaging/bin/pip" install -q packaging==26.3

# osv's ecosystem sort keys (Debian, Alpine, NuGet, Pub, Hex, crates.io: where no exact oracle exists).
if [ ! -x "$ORACLES/venv-osv/bin/python" ]; then python3 -m venv "$ORACLES/venv-osv"; fi
"$ORACLES/venv-osv/bin/pip" install -q osv==0.0.22

# node's semver, for npm ordering and ranges.
npm install --silent --no-audit --no-fund --prefix "$ORACLES" semver@7.7.3
