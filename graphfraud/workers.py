"""Work spread over this machine's cores: one function over many items, in forked
worker processes, results in the items' order.

Scoring thousands of candidate rings is Python-bound (many small array operations per
ring), so threads do not run it in parallel; processes do. The workers are forked once
the scan's inputs exist, so they share the graph and the facts with the parent
(copy-on-write pages: nothing is pickled on the way in) and send back only their
results. Each item is scored by the same function as in-process, so the output does
not depend on the number of workers.

``GRAPHFRAUD_WORKERS`` sets the number of processes (1: in-process); by default it is
the number of CPUs this process may use, at most :data:`MAX_WORKERS`. Where ``fork``
is not available (Windows, macOS' default) the work runs in-process.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

from graphfraud.errors import UsageError

T = TypeVar("T")

#: Workers used by default on a machine with many cores (each holds its own results).
MAX_WORKERS = 8
#: Fewer items than this run in-process: forking costs more than it saves.
MIN_ITEMS = 400
#: Items per task handed to a worker (small enough to balance uneven items).
CHUNK = 64
ENV = "GRAPHFRAUD_WORKERS"

# The function the forked workers run, set by the parent for the duration of one
# ``run_forked`` call (a forked child inherits it; nothing needs pickling).
_task: Callable[[int], Any] | None = None


def worker_count(environ: dict[str, str] | None = None) -> int:
    """The processes to use: ``GRAPHFRAUD_WORKERS`` if set, else the usable CPUs (at
    most :data:`MAX_WORKERS`).

    Raises
    ------
    UsageError
        If ``GRAPHFRAUD_WORKERS`` is not a whole number from 1 to 256.
    """
    env = os.environ if environ is None else environ
    text = env.get(ENV, "").strip()
    if text:
        if not text.isdigit() or not 1 <= int(text) <= 256:
            raise UsageError(f"{ENV} must be a whole number from 1 to 256, not {text[:20]!r}")
        return int(text)
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, MAX_WORKERS))


def can_fork() -> bool:
    """Whether worker processes can share the parent's memory (the ``fork`` start
    method, Linux)."""
    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()


def run_forked(task: Callable[[int], T], count: int, workers: int) -> list[T]:
    """``[task(i) for i in range(count)]``, in ``workers`` forked processes when that
    pays (enough items, more than one worker, ``fork`` available), else in-process.

    ``task`` runs in the children on the parent's data as it was at the fork; its
    results must pickle. An exception in ``task`` is raised here; a worker that dies
    (killed, out of memory) raises ``BrokenProcessPool``.
    """
    global _task
    if workers <= 1 or count < MIN_ITEMS or not can_fork() or _task is not None:
        return [task(i) for i in range(count)]
    chunks = [range(start, min(start + CHUNK, count)) for start in range(0, count, CHUNK)]
    _task = task
    try:
        pool = ProcessPoolExecutor(max_workers=min(workers, len(chunks)),
                                   mp_context=multiprocessing.get_context("fork"),
                                   initializer=_worker_setup)
        try:
            with warnings.catch_warnings():
                # Python 3.12 warns of fork() in a process with threads (BLAS and Arrow
                # keep idle pools; both reset themselves in a forked child). The workers
                # run only the task, which takes no lock another thread may hold.
                warnings.filterwarnings("ignore", message=".*use of fork\\(\\) may lead to",
                                        category=DeprecationWarning)
                results = pool.map(_run_chunk, chunks)  # forks the workers, hands out all
            parts = list(results)
        except BaseException:
            # an error or Ctrl-C: the chunks not started are dropped, not scored first
            pool.shutdown(wait=True, cancel_futures=True)
            raise
        pool.shutdown(wait=True)
    finally:
        _task = None
    return [result for part in parts for result in part]


def _run_chunk(items: Sequence[int]) -> list[Any]:
    assert _task is not None, "a worker forked outside run_forked"
    return [_task(i) for i in items]


def _worker_setup() -> None:
    """A worker leaves Ctrl-C to the parent (which stops handing out work) and runs
    BLAS on one thread: the workers already fill the cores."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - declared, and a dependency of scikit-learn
        return
    threadpool_limits(1)
