# Sourced by ./tegami, scripts/test and .ci/run: sets JAVA_HOME to a JDK 25 or newer, or explains what is missing.
# Looks at $JAVA_HOME first, then the system JVM directory (/usr/lib/jvm).
tegami_java_version() { # prints the feature version of "$1/bin/java", or nothing
  [ -x "$1/bin/java" ] || return 0
  "$1/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1
}
tegami_find_jdk() {
  local v cand
  if [ -n "${JAVA_HOME:-}" ]; then
    v=$(tegami_java_version "$JAVA_HOME")
    if [ -n "$v" ] && [ "$v" -ge 25 ] && [ -x "$JAVA_HOME/bin/javac" ]; then return 0; fi
  fi
  for cand in /usr/lib/jvm/*25* /usr/lib/jvm/*2[6-9]* /usr/lib/jvm/*; do
    [ -d "$cand" ] || continue
    v=$(tegami_java_version "$cand")
    if [ -n "$v" ] && [ "$v" -ge 25 ] && [ -x "$cand/bin/javac" ]; then
      export JAVA_HOME="$cand"
      return 0
    fi
  done
  echo "tegami: no JDK 25 found. Tegami needs Java 25 or newer (a full JDK, with javac)." >&2
  echo "  Install one (e.g. Eclipse Temurin 25 from adoptium.net, or your distribution's openjdk-25-jdk)," >&2
  echo "  then either put it under /usr/lib/jvm or set JAVA_HOME=/path/to/jdk-25." >&2
  return 1
}
