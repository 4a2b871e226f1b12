"""Peak memory of a command and all its processes (proportional set size, summed).

Resident set sizes count a page once per process that maps it; PSS splits each shared
page between those processes, so the sum is the memory the run really holds. Sampled
every 200 ms from /proc/PID/smaps_rollup (reading it costs CPU; peaks last seconds).
"""

from __future__ import annotations

import subprocess
import threading
import time
from pathlib import Path


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    kids = [int(x) for x in text.split()]
    return kids + [g for k in kids for g in _children(k)]


def _pss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def run_measured(command: list[str], **kwargs: object) -> tuple[float, float, int]:
    """Run ``command``; return (wall seconds, peak summed PSS in GiB, exit code)."""
    started = time.perf_counter()
    proc = subprocess.Popen(command, **kwargs)  # type: ignore[call-overload]
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            total = sum(_pss_kib(p) for p in [proc.pid, *_children(proc.pid)])
            peak = max(peak, total)
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    code = proc.wait()
    done.set()
    sampler.join()
    return time.perf_counter() - started, peak / (1 << 20), code
