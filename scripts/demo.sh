#!/usr/bin/env bash
# The main job end to end on a fresh machine, with no server: install, make a
# synthetic export, scan it with the embedded in-memory graph, write the ring report.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bootstrap.sh
graphfraud synth demo-data --seed 1 --scale 1
graphfraud scan demo-data --out demo-out
echo "Ring report: demo-out/report.html (also rings.json, rings.csv; bad input rows in demo-out/rejects.csv)"
