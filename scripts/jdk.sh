# Sourced by the peft4j scripts: sets JAVA_HOME to a JDK >= 25 and exports it for Maven.
# Order: $JAVA_HOME if it is >= 25, else Temurin 25 under /usr/lib/jvm, else a clear error.

peft4j_java_major() {
  "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p'
}

peft4j_find_jdk() {
  local candidate major
  for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-25-jdk-arm64 /usr/lib/jvm/temurin-25-jdk; do
    [ -n "$candidate" ] && [ -x "$candidate/bin/javac" ] || continue
    major=$(peft4j_java_major "$candidate")
    if [ -n "$major" ] && [ "$major" -ge 25 ]; then
      export JAVA_HOME="$candidate"
      export PATH="$JAVA_HOME/bin:$PATH"
      # Maven's own Guava touches sun.misc.Unsafe; silence the JDK 25 warning it causes.
      export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
      return 0
    fi
  done
  echo "peft4j: needs a JDK 25 or newer (javac included). JAVA_HOME='${JAVA_HOME:-}' is not one, and" \
       "/usr/lib/jvm/temurin-25-jdk-amd64 is missing. Install Temurin 25 and set JAVA_HOME to it." >&2
  return 1
}
