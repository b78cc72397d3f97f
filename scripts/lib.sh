# Shared by the istziio scripts: where the jars are, the JVM flags Arrow needs, building on demand.
# shellcheck shell=bash

ISTZIIO_HOME="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Arrow's memory and Dataset JNI need java.nio opened on JDK 17+.
ISTZIIO_JAVA_FLAGS=(--add-opens=java.base/java.nio=ALL-UNNAMED
  -Dorg.slf4j.simpleLogger.log.io.lettuce.core.protocol.ConnectionWatchdog=error)
if [ -n "${ISTZIIO_JAVA_OPTS:-}" ]; then
  read -r -a extra <<<"$ISTZIIO_JAVA_OPTS"
  ISTZIIO_JAVA_FLAGS+=("${extra[@]}")
fi

# Prints the classpath of a module directory (flight-server, or flight-client/cli for the CLI): its
# jar and the target/lib its build copies the runtime dependencies to; or fails saying how to build.
istziio_classpath() {
  local module="$1" jar
  jar="$(ls "$ISTZIIO_HOME/$module"/target/istziio-*.jar 2>/dev/null | grep -v -- '-tests.jar' | head -1)"
  if [ -z "$jar" ] || [ ! -d "$ISTZIIO_HOME/$module/target/lib" ]; then
    echo "istziio: $module is not built; run: mvn -q -DskipTests package  (in $ISTZIIO_HOME)" >&2
    return 1
  fi
  echo "$jar:$ISTZIIO_HOME/$module/target/lib/*"
}

# Builds the project in this checkout (package, not install: the reactor resolves its own modules,
# and ~/.m2 stays untouched) unless every module's jar is newer than every source file.
istziio_build_if_needed() {
  local stale
  stale="$(find "$ISTZIIO_HOME" -path "$ISTZIIO_HOME/.run" -prune -o \( -path '*/src/main/*' -o -name pom.xml \) \
    -newer "$ISTZIIO_HOME/flight-server/target/lib" -print -quit 2>/dev/null || true)"
  if [ ! -d "$ISTZIIO_HOME/flight-server/target/lib" ] || [ ! -d "$ISTZIIO_HOME/flight-client/cli/target/lib" ] \
    || [ ! -d "$ISTZIIO_HOME/jmh/target/lib" ] || [ -n "$stale" ]; then
    echo "istziio: building in $ISTZIIO_HOME (mvn -q -B -DskipTests package) ..." >&2
    (cd "$ISTZIIO_HOME" && mvn -q -B -DskipTests package) || return 1
    touch "$ISTZIIO_HOME/flight-server/target/lib"
  fi
}

# Prints the path of a redis-server: the one on PATH, else the Linux build shipped in the
# embedded-redis jar (the build copies it to flight-server/target/tools), unpacked into DIR ($1).
# Fails saying what to do when there is neither.
istziio_redis_binary() {
  local dir="$1" arch jar tools="$ISTZIIO_HOME/flight-server/target/tools"
  if command -v redis-server >/dev/null 2>&1; then
    command -v redis-server
    return
  fi
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) arch=linux-amd64 ;;
    Linux-aarch64) arch=linux-arm64 ;;
    *) echo "istziio: no redis-server on PATH, and the embedded-redis jar has no build for $(uname -sm); install redis-server" >&2
      return 1 ;;
  esac
  jar="$(ls "$tools"/embedded-redis-*.jar 2>/dev/null | head -1)"
  if [ -z "$jar" ]; then
    echo "istziio: no redis-server on PATH and no embedded-redis jar in $tools; run: mvn -q -DskipTests package  (in $ISTZIIO_HOME)" >&2
    return 1
  fi
  python3 - "$jar" "$arch" "$dir/redis-server" <<'EOF_PY' || { echo "istziio: could not unpack redis-server from $jar" >&2; return 1; }
import os, shutil, sys, zipfile
jar, arch, target = sys.argv[1:]
with zipfile.ZipFile(jar) as z:
    names = sorted(n for n in z.namelist() if n.startswith("redis-server-") and n.endswith("-" + arch))
    if not names:
        sys.exit("no redis-server-*-%s in %s" % (arch, jar))
    with z.open(names[-1]) as src, open(target + ".tmp", "wb") as dst:
        shutil.copyfileobj(src, dst)
os.chmod(target + ".tmp", 0o755)
os.replace(target + ".tmp", target)
EOF_PY
  echo "$dir/redis-server"
}
