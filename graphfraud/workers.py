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

import gc
import multiprocessing
import multiprocessing.connection
import os
import pickle
import signal
import sys
import threading
import warnings
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager, suppress
from types import TracebackType
from typing import Any, TypeVar

from graphfraud.errors import UsageError, WorkerError

T = TypeVar("T")

#: Workers used by default on a machine with many cores (each holds its own results).
MAX_WORKERS = 8
#: Fewer items than this run in-process: forking costs more than it saves.
MIN_ITEMS = 400
#: Items per task handed to a worker (small enough to balance uneven items).
CHUNK = 64
ENV = "GRAPHFRAUD_WORKERS"

# The function the forked workers run, set by the parent for the duration of one
# ``run_forked`` call (a forked child inherits it; nothing needs pickling). One call at a
# time: another thread's call, or a call inside a worker, runs in-process.
_task: Callable[[int], Any] | None = None
_one_at_a_time = threading.Lock()


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
        if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= 256:
            raise UsageError(f"{ENV} must be a whole number from 1 to 256, not {text[:20]!r}")
        return int(text)
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, MAX_WORKERS))


def can_fork() -> bool:
    """Whether worker processes can share the parent's memory (the ``fork`` start
    method, Linux) and this process may have children (a daemonic worker of a
    ``multiprocessing`` pool may not)."""
    return (sys.platform.startswith("linux")
            and "fork" in multiprocessing.get_all_start_methods()
            and not multiprocessing.current_process().daemon)


def run_forked(task: Callable[[int], T], count: int, workers: int) -> list[T]:
    """``[task(i) for i in range(count)]``, in ``workers`` forked processes when that
    pays (enough items, more than one worker, ``fork`` available), else in-process.

    ``task`` runs in the children on the parent's data as it was at the fork; its
    results must pickle. An exception in ``task`` is raised here. If the workers cannot
    be forked (no memory for the process table) the items run in-process.

    Raises
    ------
    WorkerError
        If a worker dies (killed, out of memory).
    """
    global _task
    if workers <= 1 or count < MIN_ITEMS or not can_fork() \
            or not _one_at_a_time.acquire(blocking=False):
        with one_blas_thread():
            return [task(i) for i in range(count)]
    chunks = [range(start, min(start + CHUNK, count)) for start in range(0, count, CHUNK)]
    _task = task
    # The parent's objects move to a generation the workers' collections never walk,
    # so a worker does not copy every page of them by touching their headers.
    gc.freeze()
    try:
        pool = ProcessPoolExecutor(max_workers=min(workers, len(chunks)),
                                   mp_context=multiprocessing.get_context("fork"),
                                   initializer=_worker_setup)
        try:
            try:
                with warnings.catch_warnings():
                    # Python 3.12 warns of fork() in a process with threads (BLAS and
                    # Arrow keep idle pools; both reset themselves in a forked child). The
                    # workers run only the task, which takes no lock another thread holds.
                    warnings.filterwarnings("ignore", category=DeprecationWarning,
                                            message=".*use of fork\\(\\) may lead to")
                    results = pool.map(_run_chunk, chunks)  # forks the workers, hands out all
            except OSError:  # fork() refused (memory, process limits): do it here
                pool.shutdown(wait=True, cancel_futures=True)
                with one_blas_thread():
                    return [task(i) for i in range(count)]
            parts = list(results)
        except BrokenProcessPool as e:
            pool.shutdown(wait=True, cancel_futures=True)
            raise WorkerError(f"a worker process died while scoring ({e}); it may have run "
                              f"out of memory: {ENV}=1 scores in one process") from None
        except BaseException:
            # an error or Ctrl-C: the chunks not started are dropped, not scored first
            pool.shutdown(wait=True, cancel_futures=True)
            raise
        pool.shutdown(wait=True)
    finally:
        gc.unfreeze()
        _task = None
        _one_at_a_time.release()
    return [result for part in parts for result in part]


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """BLAS on one thread while the items run in-process (a Spark task, one worker, a
    small scan), as in the workers: scoring makes thousands of small products (each
    candidate's centroid against every blacklisted actor), and BLAS's own threads wake
    and wait for each one; on a busy machine that made scoring 2.5x slower (the 1M
    export scored in one process: 56 s with two BLAS threads, 22 s with one). The
    results do not depend on it (the workers always ran on one thread)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - declared, and a dependency of scikit-learn
        yield
        return
    with threadpool_limits(1, user_api="blas"):
        yield


class Beside:
    """A task run beside the caller (:func:`beside`): in a forked child process when
    ``forked``, else in this process when :meth:`wait` is called. Used as a context
    manager: leaving the block with an error (or Ctrl-C) stops the child and waits for
    it, so no child outlives the call that started it."""

    def __init__(self, task: Callable[[], object], forked: bool):
        self._task: Callable[[], object] | None = task
        self._process: Any = None
        self._receive: multiprocessing.connection.Connection | None = None
        self._frozen = False
        if forked:
            self._start(task)

    def _start(self, task: Callable[[], object]) -> None:
        context = multiprocessing.get_context("fork")
        for stream in (sys.stdout, sys.stderr):  # nothing buffered is written twice
            with suppress(AttributeError, OSError, ValueError):
                stream.flush()
        receive, send = context.Pipe(duplex=False)
        # as in run_forked: the parent's objects out of the child's collections
        gc.freeze()
        self._frozen = True
        process = None
        try:
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", category=DeprecationWarning,
                                        message=".*use of fork\\(\\) may lead to")
                process = context.Process(target=_beside_main, args=(task, send),
                                          name="graphfraud-beside", daemon=True)
                process.start()
        except OSError:  # fork() refused (memory, process limits): wait() runs it here
            receive.close()
            self._thaw()
            return
        except BaseException:  # Ctrl-C while starting: no child left behind
            self._process, self._receive = process, receive
            self._stop()
            raise
        finally:
            send.close()
        self._process, self._receive, self._task = process, receive, None

    def wait(self) -> None:
        """Wait for the task; raise its error here.

        Raises
        ------
        WorkerError
            If the child process died (killed, out of memory) or its error cannot be
            sent back or read back.
        """
        if self._task is not None:  # in this process
            task, self._task = self._task, None
            task()
            return
        if self._receive is None:
            return
        try:
            try:
                outcome, value = self._receive.recv()
            except EOFError:
                outcome, value = "died", None
            except (pickle.UnpicklingError, TypeError, AttributeError, ValueError) as e:
                outcome, value = "error", WorkerError(
                    f"the error of the process writing beside the scan could not be read "
                    f"back ({type(e).__name__}: {e})")
            self._process.join()
        except BaseException:  # Ctrl-C while waiting: the child is stopped too
            self._stop()
            raise
        self._close()
        if outcome == "error":
            raise value
        if outcome == "died" or self._process.exitcode != 0:
            raise WorkerError(f"the process writing beside the scan died (exit code "
                              f"{self._process.exitcode}); it may have run out of memory")

    def _stop(self) -> None:
        """Stop the child (it unwinds: its half-written file is removed) and wait for
        it."""
        if self._process is not None and self._process.pid is not None:
            if self._process.exitcode is None:
                self._process.terminate()
            self._process.join()
        self._close()

    def _close(self) -> None:
        if self._receive is not None:
            self._receive.close()
            self._receive = None
        self._thaw()

    def _thaw(self) -> None:
        if self._frozen:
            gc.unfreeze()
            self._frozen = False

    def __enter__(self) -> Beside:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if self._receive is not None:  # left early (an error, Ctrl-C): stop the child
            self._stop()
        self._task = None


def beside(task: Callable[[], object], *, forked: bool = True) -> Beside:
    """Run ``task`` (its result is dropped: it writes files) beside the caller.

    In a forked child process when ``forked``, ``fork`` is available and no other call
    is forking (:func:`run_forked`): the child sees the parent's data as it was at the
    fork, and :meth:`Beside.wait` raises its error (it must pickle; else a
    :class:`~graphfraud.errors.WorkerError` names it). Otherwise the task runs in this
    process, when :meth:`Beside.wait` is called.
    """
    return Beside(task, forked and can_fork() and not _one_at_a_time.locked())


def _beside_main(task: Callable[[], object],
                 send: multiprocessing.connection.Connection) -> None:
    """The child of :func:`beside`: runs the task and sends back how it went. Stopped
    by the parent (SIGTERM), it unwinds as from an error: a file half-written is
    removed, none is renamed into place."""
    _worker_setup()
    signal.signal(signal.SIGTERM, _stopped)
    try:
        task()
        message: tuple[str, BaseException | None] = ("done", None)
    except BaseException as e:  # sent to the parent, raised there
        message = ("error", e)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # nothing left to unwind
    try:
        try:
            send.send(message)
        except (pickle.PicklingError, TypeError, AttributeError) as e:  # its text does
            error = message[1]
            send.send(("error", WorkerError(f"{type(error).__name__}: {error}")
                       if error is not None else e))
    except OSError:  # the parent stopped listening (it stopped this child)
        pass
    send.close()


class _Stop(BaseException):
    """The parent of a :func:`beside` child stopped it."""


def _stopped(signum: int, frame: object) -> None:
    raise _Stop()


def _run_chunk(items: Sequence[int]) -> list[Any]:
    assert _task is not None, "a worker forked outside run_forked"
    return [_task(i) for i in items]


def _worker_setup() -> None:
    """A worker leaves Ctrl-C to the parent (which stops handing out work), exits when
    the parent dies (killed, out of memory: nothing else would end it, and it holds the
    parent's open files, the run lock among them), and runs BLAS on one thread (the
    workers already fill the cores)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_exit_with, args=(parent.sentinel,), daemon=True,
                         name="graphfraud-parent-watch").start()
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - declared, and a dependency of scikit-learn
        return
    threadpool_limits(1)


def _exit_with(sentinel: int) -> None:
    multiprocessing.connection.wait([sentinel])
    os._exit(1)
