#!/usr/bin/env bash
# The cluster benchmark (see bench/README.md, section "Cluster"): embedded vs PostgreSQL + S3, one and two nodes.
# Usage: bench/cluster.sh [clients=20] [messages=2000] [seconds=15] [rounds=3] [idleDeliveries=200]
# Needs Debian's PostgreSQL binaries (apt-get install postgresql; TEGAMI_PG_BIN to point elsewhere) and S3Mock's jar
# in the local Maven repository (the build of testkit's tests fetches it). Options in CLUSTER_OPTS, e.g.
# CLUSTER_OPTS="-Dcluster.setups=embedded,pg1 -Dcluster.verbose=true". Not part of .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/find-jdk.sh
tegami_find_jdk
export PATH="$JAVA_HOME/bin:$PATH"
if [ ! -f bench/target/benchmarks.jar ] || [ "${CLUSTER_BUILD:-1}" = 1 ]; then
  mvn -B -ntp -o -q package -DskipTests -pl bench -am
fi
S3MOCK="${S3MOCK_JAR:-$(ls "$HOME"/.m2/repository/com/adobe/testing/s3mock/*/s3mock-*-exec.jar | sort -V | tail -n1)}"
exec java ${CLUSTER_OPTS:-} --enable-native-access=ALL-UNNAMED -Dtegami.s3mock.jar="$S3MOCK" \
  -cp bench/target/benchmarks.jar org.tegami.bench.ClusterBench "$@"
