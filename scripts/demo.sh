#!/usr/bin/env bash
# The main job end to end on a fresh machine, with no server: install, make a
# synthetic export, validate it against the data contract.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bootstrap.sh
graphfraud synth demo-data --seed 1 --scale 1
mkdir -p demo-out
graphfraud validate demo-data --rejects demo-out/rejects.csv
echo "Export in demo-data/, rejected rows (if any) in demo-out/rejects.csv"
