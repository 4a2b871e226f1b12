"""The performance suite: one command, a table of figures, targets and baselines.

    python benchmarks/suite.py                      # scales 1, 10 and 130 (1M merchants)
    python benchmarks/suite.py --scales 1,10 --markdown /tmp/perf.md

For each scale it generates a synthetic export (cached under --work), runs
`graphfraud scan` as a user would and records wall time, stage times and the peak
memory of the whole process tree (summed PSS, see benchmarks/memory.py); beside it, in
the same run, the baseline: the same export projected with networkx (bipartite
weighted projection) and clustered with networkx's Louvain, under a time cap (a capped
baseline gives a lower bound of the ratio). It also times `graphfraud --help`.
Neo4j figures (load, read-back, queries, check latency) have their own scripts:
load_throughput.py, queries.py, check_latency.py, batch_incremental.py.
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from memory import run_measured

HERE = Path(__file__).resolve().parent
NETWORKX = r'''
import sys, time
import networkx as nx
from networkx.algorithms import bipartite
from graphfraud.loaders import read_dataset
started = time.perf_counter()
t = read_dataset(sys.argv[1]).dataset.tables
read_s = time.perf_counter() - started
started = time.perf_counter()
b = nx.Graph()
for table, actor, ident in (("merchant_devices", "merchant_id", "device_id"),
                            ("streamer_devices", "streamer_id", "device_id"),
                            ("merchant_accounts", "merchant_id", "account_id"),
                            ("streamer_accounts", "streamer_id", "account_id")):
    if table in t:
        kind = actor.split("_")[0]
        b.add_edges_from(zip((kind + ":" + t[table][actor]).tolist(),
                             (ident + ":" + t[table][ident]).tolist()))
actors = [n for n in b if n.startswith(("merchant:", "streamer:"))]
hubs = [n for n in b if not n.startswith(("merchant:", "streamer:")) and b.degree(n) > 100]
b.remove_nodes_from(hubs)
g = bipartite.weighted_projected_graph(b, actors)
project_s = time.perf_counter() - started
started = time.perf_counter()
communities = nx.community.louvain_communities(g, weight="weight", seed=42)
louvain_s = time.perf_counter() - started
print(read_s, project_s, louvain_s, len(communities))
'''


def scan_figures(data: Path, out: Path) -> dict[str, float]:
    shutil.rmtree(out, ignore_errors=True)
    wall, peak, code = run_measured([str(Path(sys.executable).with_name("graphfraud")),
                                     "scan", str(data), "--out", str(out), "-q"],
                                    stdout=subprocess.DEVNULL)
    if code:
        raise SystemExit(f"graphfraud scan failed on {data} (exit {code})")
    summary = json.loads((out / "rings.json").read_text())["summary"]
    return {"wall": wall, "peak_gib": peak, "actors": summary["merchants"] + summary["streamers"],
            "merchants": summary["merchants"], "rings": summary["rings"],
            **{f"stage_{k}": v for k, v in summary["seconds"].items()}}


def networkx_figures(data: Path, cap: float) -> dict[str, float | None]:
    started = time.perf_counter()
    try:
        done = subprocess.run([sys.executable, "-c", NETWORKX, str(data)], capture_output=True,
                              text=True, timeout=cap, check=True)
    except subprocess.TimeoutExpired:
        return {"wall": None, "capped_at": cap}
    read_s, project_s, louvain_s, _ = done.stdout.split()
    return {"wall": time.perf_counter() - started, "read": float(read_s),
            "project": float(project_s), "louvain": float(louvain_s)}


def help_time() -> float:
    command = [str(Path(sys.executable).with_name("graphfraud")), "--help"]
    times = []
    for _ in range(7):
        started = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", default="1,10,130")
    parser.add_argument("--work", default="/tmp/graphfraud-bench")
    parser.add_argument("--baseline-cap", type=float, default=900.0,
                        help="seconds the networkx baseline may take per scale")
    parser.add_argument("--markdown", help="also write the tables as markdown here")
    args = parser.parse_args()

    from graphfraud.synth import SynthConfig, generate

    work = Path(args.work)
    rows = []
    for scale in [float(s) for s in args.scales.split(",")]:
        data = work / f"synth-{scale:g}"
        if not (data / "merchants.csv").exists():
            generate(data, SynthConfig(scale=scale, seed=2026))
        ours = scan_figures(data, work / f"out-{scale:g}")
        baseline = networkx_figures(data, args.baseline_cap)
        rows.append((scale, ours, baseline))
        print(f"scale {scale:g}: scan {ours['wall']:.1f} s, networkx "
              f"{baseline['wall'] if baseline['wall'] else '>' + str(args.baseline_cap)} s",
              file=sys.stderr)
    help_s = help_time()

    lines = [f"Machine: {platform.machine()}, {platform.processor() or 'cpu'}, "
             f"{_cores()} cores, {_memory_gib():.0f} GiB, Python {platform.python_version()}",
             "",
             "| actors | merchants | rows | scan wall | read | project | communities | "
             "embeddings | scoring | index | peak memory | networkx baseline | speed-up |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for scale, ours, base in rows:
        rows_in = _rows(work / f"synth-{scale:g}")
        base_text = f"{base['wall']:.0f} s" if base["wall"] else f"> {base['capped_at']:.0f} s"
        ratio = (base["wall"] or base["capped_at"]) / ours["wall"]
        ratio_text = f"{ratio:.0f}x" if base["wall"] else f"> {ratio:.0f}x"
        lines.append(
            f"| {ours['actors']:,} | {ours['merchants']:,} | {rows_in:,} | {ours['wall']:.1f} s | "
            + " | ".join(f"{ours.get('stage_' + s, 0):.1f} s" for s in
                         ("read", "project", "communities", "embeddings", "scoring", "index"))
            + f" | {ours['peak_gib']:.2f} GiB | {base_text} | {ratio_text} |")
    big = rows[-1]
    base_big = big[2]["wall"] or big[2]["capped_at"]
    lines += ["", "| figure | measured | target | met |", "|---|---|---|---|",
              f"| scan wall time, {big[1]['merchants']:,} merchants | {big[1]['wall']:.1f} s | "
              f"<= 60 s | {'yes' if big[1]['wall'] <= 60 else 'no'} |",
              f"| scan peak memory (summed PSS) | {big[1]['peak_gib']:.2f} GiB | < 4 GiB | "
              f"{'yes' if big[1]['peak_gib'] < 4 else 'no'} |",
              f"| speed-up over networkx projection + Louvain | "
              f"{'>' if not big[2]['wall'] else ''}{base_big / big[1]['wall']:.0f}x | >= 20x | "
              f"{'yes' if base_big / big[1]['wall'] >= 20 else 'no'} |",
              f"| `graphfraud --help` | {help_s:.2f} s | < 0.3 s | "
              f"{'yes' if help_s < 0.3 else 'no'} |"]
    text = "\n".join(lines)
    print(text)
    if args.markdown:
        Path(args.markdown).write_text(text + "\n", "utf-8")


def _rows(data: Path) -> int:
    return sum(max(0, sum(1 for _ in p.open("rb")) - 1) for p in data.glob("*.csv"))


def _cores() -> int:
    import os

    return len(os.sched_getaffinity(0))


def _memory_gib() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) / (1 << 20)
    return 0.0


if __name__ == "__main__":
    main()
