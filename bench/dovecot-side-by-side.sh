#!/usr/bin/env bash
# Issue 14: Tegami and Dovecot side by side on this machine (see bench/README.md). Not part of .ci/run.
# Usage: bench/dovecot-side-by-side.sh [clients=20] [users=100] [seconds=20] [rounds=3]
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v dovecot >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd >/dev/null
fi
# The package's own instance is not used; the bench starts its own on a free loopback port.
. scripts/find-jdk.sh
tegami_find_jdk
export PATH="$JAVA_HOME/bin:$PATH"
JAVA=java
if [ ! -f server/target/tegami.jar ] || [ ! -f bench/target/benchmarks.jar ] || [ "${SBS_BUILD:-1}" = 1 ]; then
  mvn -B -ntp -o -q package -DskipTests -pl bench,server -am
fi
exec "$JAVA" ${SBS_OPTS:-} --enable-native-access=ALL-UNNAMED -cp bench/target/benchmarks.jar \
  org.tegami.bench.DovecotSideBySideBench "$@"
