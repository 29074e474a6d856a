#!/usr/bin/env bash
# Finds or installs Temporal's time-skipping test server (the Java one, from Maven Central) and prints the path of
# a launcher on the last line of stdout. The launcher takes the arguments @temporalio/testing passes to a test
# server executable (`<port> --enable-time-skipping`), so TestWorkflowEnvironment.createTimeSkipping() can run it
# with `server: { executable: { type: 'existing-path', path } }`. Prebuilt test-server binaries are not downloaded:
# the jars are resolved with Maven into a cache directory outside the repository, so every clone on the machine
# reuses them. Idempotent; when the jars are present nothing touches the network.
#
#   SWITCHYARD_CACHE_DIR    where to install (default: ${XDG_CACHE_HOME:-~/.cache}/switchyard)
set -euo pipefail

VERSION="1.31.0"
CACHE_DIR="${SWITCHYARD_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/switchyard}"
DIR="$CACHE_DIR/test-server"
JARS="$DIR/$VERSION"
LAUNCHER="$DIR/temporal-test-server"
POM="$(cd "$(dirname "$0")" && pwd)/test-server/pom.xml"

log() { echo "install-test-server: $*" >&2; }

installed() { [ -f "$JARS/.complete" ] && [ -x "$LAUNCHER" ] && command -v java >/dev/null 2>&1; }

write_launcher() {
  # A fresh file renamed into place: a test run starting the launcher never sees half of it.
  cat >"$LAUNCHER.tmp" <<LAUNCHER
#!/usr/bin/env sh
# Temporal's Java test server $VERSION, written by scripts/install-test-server.sh.
# Arguments: <port> [--enable-time-skipping]
exec java \${SWITCHYARD_TEST_SERVER_JAVA_OPTS:--Xss512k -XX:+UseSerialGC -XX:TieredStopAtLevel=1} -cp '$JARS/*' io.temporal.testserver.TestServer "\$@"
LAUNCHER
  chmod +x "$LAUNCHER.tmp"
  mv "$LAUNCHER.tmp" "$LAUNCHER"
}

if installed; then
  echo "$LAUNCHER"
  exit 0
fi

if ! command -v java >/dev/null 2>&1 || ! command -v mvn >/dev/null 2>&1; then
  # shellcheck source=lib/apt.sh
  source "$(dirname "$0")/lib/apt.sh"
  apt_ready "java and mvn" default-jre-headless maven || exit 1
  apt_install default-jre-headless maven
fi

mkdir -p "$DIR"
# Two processes (e.g. parallel CI steps) must not resolve into the same directory at once.
exec 9>"$DIR/.install.lock"
flock 9
if [ -f "$JARS/.complete" ]; then
  write_launcher
  echo "$LAUNCHER"
  exit 0
fi

log "resolving io.temporal:temporal-test-server:$VERSION from Maven Central (a minute on first run)..."
start=$(date +%s)
rm -rf "$JARS.partial"
mvn -q -B -f "$POM" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$JARS.partial" >&2
rm -rf "$JARS"
mv "$JARS.partial" "$JARS"
touch "$JARS/.complete"
write_launcher
log "installed $(find "$JARS" -name '*.jar' | wc -l) jars in $(($(date +%s) - start)) s"
echo "$LAUNCHER"
