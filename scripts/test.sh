#!/usr/bin/env bash
# Every check: lint (ruff), types (mypy), unit tests, browser tests of the HTML report and
# the case pages (Debian's chromium and chromedriver), and integration tests against a
# real Neo4j 5.26 server that this script installs (Maven Central) and starts.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"

need_apt=()
command -v java >/dev/null 2>&1 || need_apt+=(openjdk-17-jre-headless)
command -v mvn >/dev/null 2>&1 || need_apt+=(maven)
# the report's browser test: chromium and a Latin font, without the desktop packages
# chromium recommends (printer set-up, udev, notification daemon, upower)
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium fonts-liberation)
# the case pages' browser test drives chromium through Debian's matching chromedriver
command -v chromedriver >/dev/null 2>&1 || need_apt+=(chromium-driver)
# a Chinese font, so the browser test's screenshot of the Chinese page shows characters
{ command -v fc-list >/dev/null 2>&1 && fc-list :lang=zh | grep -q .; } || need_apt+=(fonts-wqy-zenhei)
command -v openssl >/dev/null 2>&1 || need_apt+=(openssl)  # a throwaway TLS certificate
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "installing with apt (no recommended packages): ${need_apt[*]}" >&2
    apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need_apt[@]}"
  else
    echo "missing: ${need_apt[*]} (install with: sudo apt-get install ${need_apt[*]})" >&2
    exit 2
  fi
fi

source scripts/bootstrap.sh dev

# A dedicated test server on its own ports and home: the tests wipe its database,
# so they never point at a server that holds anyone's data.
export GRAPHFRAUD_NEO4J_HOME="${GRAPHFRAUD_TEST_NEO4J_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/graphfraud/neo4j-test}"
export GRAPHFRAUD_NEO4J_BOLT_PORT="${GRAPHFRAUD_TEST_BOLT_PORT:-17687}"
export GRAPHFRAUD_NEO4J_HTTP_PORT="${GRAPHFRAUD_TEST_HTTP_PORT:-17474}"
unset NEO4J_URI NEO4J_USER NEO4J_PASSWORD NEO4J_DATABASE
started_here=0
if ! graphfraud neo4j status >/dev/null 2>&1; then
  graphfraud neo4j start --heap 1g --pagecache 512m
  started_here=1
fi
stop_server() { [ "$started_here" = 1 ] && graphfraud neo4j stop >/dev/null 2>&1 || true; }
trap stop_server EXIT
export GRAPHFRAUD_TEST_NEO4J_URI="bolt://127.0.0.1:${GRAPHFRAUD_NEO4J_BOLT_PORT}"
export GRAPHFRAUD_TEST_NEO4J_HOME="$GRAPHFRAUD_NEO4J_HOME"

echo "== ruff"; ruff check graphfraud tests benchmarks
echo "== mypy"; mypy
echo "== pytest"
# `pytest` (not `python -m pytest`) keeps the checkout off sys.path, so the tests
# import the installed package: what `pip install .` ships is what is tested.
pytest -p no:cacheprovider "$@"
