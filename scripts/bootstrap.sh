#!/usr/bin/env bash
# Creates .venv (once) and installs graphfraud into it, as a user would: `pip install .`.
# Usage: source scripts/bootstrap.sh [dev]   (dev: also the test tools and the spark extra)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
py="${PYTHON:-python3}"
if ! "$py" -c 'import sys; sys.exit(not ((3, 11) <= sys.version_info[:2] < (3, 13)))'; then
  echo "graphfraud needs Python 3.11 or 3.12 (found: $("$py" --version 2>&1)); set PYTHON=..." >&2
  exit 2
fi
if [ ! -x "$here/.venv/bin/python" ]; then
  "$py" -m venv "$here/.venv"
  "$here/.venv/bin/pip" install -q --upgrade pip
fi
extra=""
# dev: the test tools, and the spark and graphframes extras (pyspark, ~450 MB; the
# GraphFrames package, whose missing-jar error is tested) the Spark tests run on
[ "${1:-}" = "dev" ] && extra="[dev,spark,graphframes]"
# A regular (non-editable) install: the run uses exactly what `pip install .` ships.
"$here/.venv/bin/pip" install -q --disable-pip-version-check "$here$extra"
export PATH="$here/.venv/bin:$PATH"
