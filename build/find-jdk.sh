# Sourced by ./mvnw and ./tessera: sets TESSERA_JAVA_HOME to a JDK >= 25, or explains and exits.
# Looks at $TESSERA_JAVA_HOME, $JAVA_HOME, `java` on PATH, then the usual install folders.
tessera_java_major() {
  "$1/bin/java" -XshowSettings:properties -version 2>&1 |
    sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n 1
}

tessera_find_jdk() {
  local candidates=() dir major
  [ -n "${TESSERA_JAVA_HOME:-}" ] && candidates+=("$TESSERA_JAVA_HOME")
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  if command -v java >/dev/null 2>&1; then
    candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")")
  fi
  for dir in /usr/lib/jvm/* /opt/java/* /opt/jdk* /usr/local/lib/jvm/* "$HOME"/.sdkman/candidates/java/* "$HOME"/.jdks/*; do
    [ -d "$dir" ] && candidates+=("$dir")
  done
  for dir in "${candidates[@]}"; do
    [ -x "$dir/bin/java" ] && [ -x "$dir/bin/javac" ] || continue
    major=$(tessera_java_major "$dir")
    if [ -n "$major" ] && [ "$major" -ge 25 ]; then
      TESSERA_JAVA_HOME="$dir"
      export TESSERA_JAVA_HOME
      return 0
    fi
  done
  echo "error: Tessera needs a JDK 25 or newer (with javac), and none was found." >&2
  echo "       Looked at \$TESSERA_JAVA_HOME, \$JAVA_HOME, java on PATH, /usr/lib/jvm, /opt/java." >&2
  echo "       Install one (e.g. Temurin 25) or set TESSERA_JAVA_HOME to its folder." >&2
  return 1
}
