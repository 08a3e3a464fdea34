#!/usr/bin/env bash
# A real browser for crates/kensa-cli/tests/end_to_end/html_browser.rs: Debian's
# headless-capable Chromium, which opens the single-file HTML report offline
# (network disabled) to prove it parses, renders and fetches nothing.
# Installed only when no Chromium is on the PATH already (the test also
# accepts chromium-browser or google-chrome). Idempotent and non-interactive;
# needs Debian apt and root.
set -euo pipefail

for command in chromium chromium-browser google-chrome; do
    if command -v "$command" >/dev/null 2>&1; then
        exit 0
    fi
done

apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium
