#!/usr/bin/env bash
# Real Java archives for the kensa-catalog Java archive tests
# (crates/kensa-catalog/tests/catalog/java_archive.rs): Debian's guava and log4j2 jars
# under /usr/share/java, with their Maven POMs under /usr/share/maven-repo.
set -euo pipefail
if [ -f /usr/share/java/guava.jar ] && [ -f /usr/share/java/log4j-core.jar ] && [ -f /usr/share/java/log4j-api.jar ]; then
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y --no-install-recommends libguava-java liblog4j2-java
