"""`graphfraud check --json -` as a service: each line answered while the stream stays open."""

from __future__ import annotations

import io
import json
import queue
import subprocess
import sys
import threading
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from graphfraud.check.stream import LINE_LIMIT, RUNAWAY_LIMIT, serve
from graphfraud.cli import cli

ANSWER_SECONDS = 60  # the first answer waits for the process to start on a loaded machine


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from conftest import write_csv

    data = tmp_path_factory.mktemp("stream-data")
    write_csv(data, "merchants.csv", "merchant_id\nm1\nm2\nm3\n")
    write_csv(data, "merchant_devices.csv", "merchant_id,device_id\nm1,d1\nm2,d1\nm3,d2\n")
    out = tmp_path_factory.mktemp("stream-out")
    result = CliRunner().invoke(cli, ["scan", str(data), "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    return out


class Service:
    """`graphfraud check --json -` in a child process, its stdin held open."""

    def __init__(self, index: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "graphfraud", "check", "--index", str(index),
             "--json", "-"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.lines: queue.Queue[bytes] = queue.Queue()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line)

    def ask(self, line: bytes) -> tuple[bytes, dict[str, Any]]:
        """Write one line, and read its answer before anything else is written."""
        assert self.process.stdin is not None
        self.process.stdin.write(line)
        self.process.stdin.flush()
        try:
            raw = self.lines.get(timeout=ANSWER_SECONDS)
        except queue.Empty:
            pytest.fail(f"no answer to {line[:60]!r} within {ANSWER_SECONDS} s")
        return raw, json.loads(raw)

    def close(self) -> tuple[int, bytes]:
        assert self.process.stdin is not None and self.process.stderr is not None
        self.process.stdin.close()
        code = self.process.wait(timeout=ANSWER_SECONDS)
        self.reader.join(timeout=ANSWER_SECONDS)
        stderr = self.process.stderr.read()
        self.process.stderr.close()
        assert self.process.stdout is not None
        self.process.stdout.close()
        return code, stderr

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        for pipe in (self.process.stdin, self.process.stdout, self.process.stderr):
            if pipe is not None and not pipe.closed:
                pipe.close()


def test_a_stream_held_open_answers_each_line_before_the_next_one_is_written(
        index: Path) -> None:
    service = Service(index)
    try:
        _, first = service.ask(b'{"merchant_id": "new-1", "devices": ["d1"]}\n')
        assert first["merchant_id"] == "new-1" and first["touches"][0]["known"]

        _, bytes_line = service.ask(b'{"merchant_id": "\xff\xfe"}\n')
        assert bytes_line == {"error": "line 2: not UTF-8 text (byte 0xff at byte 18)"}

        _, blank = service.ask(b"  \r\n")
        assert blank == {"error": "line 3: blank line; one JSON object per line is expected"}

        _, oversized = service.ask(b'{"devices": ["' + b"d" * LINE_LIMIT + b'"]}\n')
        assert oversized == {"error": f"line 4: longer than {LINE_LIMIT} bytes; skipped"}

        raw, escaped = service.ask(b'{"\\u001b[2J\\r": 1}\n')
        assert b"\x1b" not in raw and b"\r" not in raw
        assert escaped["error"] == ("line 5: not a valid applicant: unknown field(s) "
                                    "\\x1b[2J\\r")

        _, again = service.ask(b'{"merchant_id": "new-2", "devices": ["never-seen"]}\r\n')
        assert again["merchant_id"] == "new-2" and again["recommendation"] == "allow"

        code, stderr = service.close()
        assert (code, stderr) == (0, b"")
        assert service.lines.empty()
    finally:
        service.kill()


def test_endless_input_without_an_end_of_line_stops_with_one_line_and_exit_2(
        index: Path) -> None:
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero")
    done = subprocess.run(
        [sys.executable, "-m", "graphfraud", "check", "--index", str(index),
         "--json", "/dev/zero"], capture_output=True, timeout=ANSWER_SECONDS)
    assert done.returncode == 2, done.stderr
    assert done.stdout.decode().splitlines() == [json.dumps(
        {"error": f"line 1: longer than {LINE_LIMIT} bytes; skipped"})]
    assert done.stderr.decode().splitlines() == [
        f"error: /dev/zero: line 1: no end of line after {RUNAWAY_LIMIT} bytes: the input "
        "is not one JSON object per line; stopped"]


def test_reading_holds_at_most_the_limit_of_a_line() -> None:
    good = b'{"devices": ["d1"]}'
    stream = io.BytesIO(b"\n".join([
        good, b" " * LINE_LIMIT, b" " * (LINE_LIMIT + 1), b"x" * (RUNAWAY_LIMIT - 1), good,
        b"\n"]))
    answers: list[str] = []
    serve(io.BytesIO(good), lambda a: {}, lambda line: None)  # imports first
    tracemalloc.start()
    try:
        serve(stream, lambda a: {"devices": list(a.devices)}, answers.append)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [json.loads(a) for a in answers] == [
        {"devices": ["d1"]},
        {"error": "line 2: blank line; one JSON object per line is expected"},
        {"error": f"line 3: longer than {LINE_LIMIT} bytes; skipped"},
        {"error": f"line 4: longer than {LINE_LIMIT} bytes; skipped"},
        {"devices": ["d1"]},
        {"error": "line 6: blank line; one JSON object per line is expected"}]
    # a line, a chunk and the line's text while answering, never the 1 MiB line
    assert peak < 8 * LINE_LIMIT, peak


def test_one_document_in_a_file_is_still_one_applicant_and_errors_are_escaped(
        index: Path, tmp_path: Path) -> None:
    document = tmp_path / "applicant.json"
    document.write_text('{\n  "merchant_id": "doc",\n  "devices": ["d1"]\n}\n', "utf-8")
    result = CliRunner().invoke(cli, ["check", "--index", str(index), "--json",
                                      str(document)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["merchant_id"] == "doc"

    document.write_text('{"\\u001b]0;owned\\u0007": ["d1"]}', "utf-8")
    broken = CliRunner().invoke(cli, ["check", "--index", str(index), "--json",
                                      str(document)])
    assert broken.exit_code == 2
    assert "\x1b" not in broken.stderr and "\x07" not in broken.stderr
    assert "unknown field(s) \\x1b]0;owned\\x07" in broken.stderr
