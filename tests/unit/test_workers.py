"""Scoring in worker processes: the same rings as in-process, errors surface, bad
settings are refused."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from graphfraud import workers
from graphfraud.errors import UsageError
from graphfraud.loaders import read_dataset
from graphfraud.pipeline import ScanParams, scan

needs_fork = pytest.mark.skipif(not workers.can_fork(), reason="fork start method (Linux)")


@needs_fork
def test_workers_give_the_rings_of_one_process(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from graphfraud.synth import SynthConfig, generate

    generate(tmp_path / "world", SynthConfig(seed=7, scale=0.5))
    dataset = read_dataset(tmp_path / "world").dataset
    params = ScanParams.with_seed(7)
    alone = scan(dataset, params, build_index=False, workers=1)
    monkeypatch.setattr(workers, "MIN_ITEMS", 1)  # this world has fewer candidates
    monkeypatch.setattr(workers, "CHUNK", 3)      # and many small tasks
    forked: list[tuple[int, int]] = []
    real = workers.run_forked

    def spy(task, count, n):  # type: ignore[no-untyped-def]
        forked.append((count, n))
        return real(task, count, n)

    monkeypatch.setattr("graphfraud.pipeline.run_forked", spy)
    shared = scan(dataset, params, build_index=False, workers=2)
    assert forked and forked[0][0] >= 20 and forked[0][1] == 2
    assert len(alone.rings) >= 20
    assert shared.rings == alone.rings
    # and what equality leaves out: the sub-scores and the uses a picture draws
    assert [(r.ring_id, r.features, r.usage) for r in shared.rings] == \
        [(r.ring_id, r.features, r.usage) for r in alone.rings]


def _square(i: int) -> int:
    return i * i


@needs_fork
def test_results_come_back_in_order_and_from_other_processes(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workers, "MIN_ITEMS", 1)
    monkeypatch.setattr(workers, "CHUNK", 7)
    parent = os.getpid()
    pids = workers.run_forked(lambda i: os.getpid(), 50, 2)
    assert parent not in pids and len(set(pids)) <= 2
    assert workers.run_forked(_square, 100, 2) == [i * i for i in range(100)]


@needs_fork
def test_an_error_in_a_worker_is_raised_in_the_parent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workers, "MIN_ITEMS", 1)

    def fails(i: int) -> int:
        if i == 33:
            raise ValueError(f"item {i} is bad")
        return i

    with pytest.raises(ValueError, match="item 33 is bad"):
        workers.run_forked(fails, 80, 2)
    assert workers._task is None  # the next call starts clean
    assert workers.run_forked(_square, 5, 2) == [0, 1, 4, 9, 16]


@needs_fork
def test_a_call_inside_a_worker_runs_in_that_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workers, "MIN_ITEMS", 1)

    def inner(i: int) -> set[int]:
        return set(workers.run_forked(lambda j: os.getpid(), 20, 2))

    outer = workers.run_forked(inner, 4, 2)
    # each inner call ran whole in the worker that made it, none in this process
    assert all(len(pids) == 1 and os.getpid() not in pids for pids in outer)


@needs_fork
def test_a_worker_that_dies_is_an_error_that_names_the_way_out(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from graphfraud.errors import WorkerError

    monkeypatch.setattr(workers, "MIN_ITEMS", 1)

    def dies(i: int) -> int:
        if i == 5:
            os._exit(9)  # as the out-of-memory killer would end it
        return i

    with pytest.raises(WorkerError, match="GRAPHFRAUD_WORKERS=1 scores in one process"):
        workers.run_forked(dies, 40, 2)
    assert workers.run_forked(_square, 3, 2) == [0, 1, 4]


@needs_fork
def test_workers_exit_when_the_scan_process_is_killed(tmp_path: Path) -> None:
    script = (
        "import os, sys, time\n"
        f"sys.path[:0] = {sys.path!r}\n"
        "from graphfraud import workers\n"
        "workers.MIN_ITEMS, workers.CHUNK = 1, 1\n"
        "def task(i):\n"
        f"    open(os.path.join({str(tmp_path)!r}, str(os.getpid())), 'w').close()\n"
        "    time.sleep(300)\n"
        "workers.run_forked(task, 4, 2)\n")
    scan = subprocess.Popen([sys.executable, "-c", script])
    try:
        deadline = time.monotonic() + 60
        while len(list(tmp_path.iterdir())) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        pids = [int(p.name) for p in tmp_path.iterdir()]
        assert len(pids) == 2
    finally:
        scan.kill()  # SIGKILL: no cleanup of its own runs
        scan.wait()
    deadline = time.monotonic() + 30
    while any(_running(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [pid for pid in pids if _running(pid)]


def _running(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie is not: it has exited)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def test_few_items_or_one_worker_run_in_this_process() -> None:
    parent = os.getpid()
    assert set(workers.run_forked(lambda i: os.getpid(), workers.MIN_ITEMS - 1, 4)) == {parent}
    assert set(workers.run_forked(lambda i: os.getpid(), workers.MIN_ITEMS + 5, 1)) == {parent}
    assert workers.run_forked(_square, 0, 4) == []


def test_items_run_in_this_process_have_blas_on_one_thread() -> None:
    """As in the workers: BLAS's own threads only wait on one another for the many
    small products of scoring. The limit is lifted afterwards."""
    from threadpoolctl import threadpool_info

    def blas_threads(_: int) -> list[int]:
        return sorted({p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"})

    before = blas_threads(0)
    assert before  # numpy's BLAS is seen
    assert workers.run_forked(blas_threads, 3, 1) == [[1]] * 3
    assert blas_threads(0) == before


@pytest.mark.parametrize("text", ["0", "-1", "two", "1.5", "257", " 3x", "²", "٣"])
def test_a_bad_worker_count_is_refused(text: str) -> None:
    with pytest.raises(UsageError, match="GRAPHFRAUD_WORKERS must be a whole number"):
        workers.worker_count({workers.ENV: text})


def test_the_worker_count_comes_from_the_environment_or_the_cpus() -> None:
    assert workers.worker_count({workers.ENV: "3"}) == 3
    assert workers.worker_count({workers.ENV: " 1 "}) == 1
    assert 1 <= workers.worker_count({}) <= workers.MAX_WORKERS


@needs_fork
def test_beside_runs_in_a_child_process_and_raises_its_error_here(tmp_path: Path) -> None:
    from graphfraud.errors import InputError

    mark = tmp_path / "pid"
    with workers.beside(lambda: mark.write_text(str(os.getpid()))) as child:
        child.wait()
    assert int(mark.read_text()) != os.getpid()

    def fails() -> None:
        raise InputError("x.csv: line 3: bad cell", file="x.csv")

    with pytest.raises(InputError, match="line 3: bad cell") as raised, \
            workers.beside(fails) as child:
        child.wait()
    assert raised.value.file == "x.csv"  # the error itself, not its text


class _Unpicklable(Exception):
    def __init__(self) -> None:
        super().__init__("cannot travel")
        self.handle = lambda: None


@needs_fork
def test_a_beside_child_that_dies_or_whose_error_cannot_travel_is_a_worker_error() -> None:
    from graphfraud.errors import WorkerError

    with pytest.raises(WorkerError, match="exit code 9"), \
            workers.beside(lambda: os._exit(9)) as child:
        child.wait()

    def fails() -> None:
        raise _Unpicklable()

    with pytest.raises(WorkerError, match="_Unpicklable: cannot travel"), \
            workers.beside(fails) as child:
        child.wait()


def test_beside_not_forked_runs_the_task_here_when_waited_for() -> None:
    ran: list[int] = []
    with workers.beside(lambda: ran.append(os.getpid()), forked=False) as child:
        assert ran == []
        child.wait()
    assert ran == [os.getpid()]
    with workers.beside(lambda: ran.append(0), forked=False):
        pass  # left without waiting (an error before it): the task never runs
    assert ran == [os.getpid()]


def _half_written(folder: Path) -> tuple[Callable[[], None], Path]:
    """A task that starts report.html in ``folder`` and hangs half-way, and the mark it
    leaves once the half-written file exists, for waiting on it."""
    from graphfraud.outputs import new_file

    started = folder / "started"

    def slow() -> None:
        with new_file(folder / "report.html") as fh:
            fh.write("half")
            fh.flush()
            started.touch()
            time.sleep(120)

    return slow, started


def _wait_for(mark: Path) -> None:
    deadline = time.monotonic() + 30
    while not mark.exists() and time.monotonic() < deadline:
        time.sleep(0.02)


@needs_fork
def test_leaving_early_stops_the_child_which_leaves_no_partial_file(tmp_path: Path) -> None:
    slow, started = _half_written(tmp_path)

    before = time.monotonic()
    with pytest.raises(RuntimeError, match="the parent failed"), workers.beside(slow):
        _wait_for(started)
        assert len(list(tmp_path.iterdir())) == 2  # the partial file and the mark
        raise RuntimeError("the parent failed")
    assert time.monotonic() - before < 60  # stopped, not waited out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["started"]


@needs_fork
def test_ctrl_c_while_waiting_stops_the_child_before_it_renames_its_file(
        tmp_path: Path) -> None:
    slow, started = _half_written(tmp_path)

    class Interrupted:  # the pipe, as Ctrl-C finds the parent waiting on it
        def __init__(self, real: object) -> None:
            self.real = real

        def recv(self) -> object:
            raise KeyboardInterrupt

        def close(self) -> None:
            self.real.close()  # type: ignore[attr-defined]

    before = time.monotonic()
    with pytest.raises(KeyboardInterrupt), workers.beside(slow) as child:
        _wait_for(started)
        child._receive = Interrupted(child._receive)  # type: ignore[assignment]
        child.wait()
    assert time.monotonic() - before < 60
    assert not child._process.is_alive()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["started"]
