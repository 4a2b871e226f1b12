"""A batch hit by any transient error is sent again until the bound, then fails honestly.

The session here is a stand-in for the driver's session object only (the retry loop's
unit); the integration tests run the same path against a real server that is stopped.
"""

from __future__ import annotations

from typing import Any

import pytest
from neo4j.exceptions import IncompleteCommit, ServiceUnavailable, TransientError

from graphfraud.store.writer import _write_batch


class _Session:
    def __init__(self, failures: list[Exception]):
        self.failures = failures
        self.calls = 0

    def __enter__(self) -> _Session:
        return self

    def __exit__(self, *_: object) -> None:
        return None

    def execute_write(self, *_: Any) -> str:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return "counters"


class _Driver:
    def __init__(self, session: _Session):
        self._session = session

    def session(self, **_: Any) -> _Session:
        return self._session


def test_every_transient_class_is_retried_until_the_batch_goes_through() -> None:
    session = _Session([TransientError("DatabaseUnavailable"), ServiceUnavailable("gone"),
                        IncompleteCommit("unknown outcome")])
    assert _write_batch(_Driver(session), session, "neo4j", "q", [], 30.0) == "counters"
    assert session.calls == 4


def test_past_the_bound_the_error_says_how_long_it_retried() -> None:
    session = _Session([TransientError("DatabaseUnavailable")] * 100)
    with pytest.raises(TransientError) as info:
        _write_batch(_Driver(session), session, "neo4j", "q", [], 0.5)
    assert any(n.startswith("gave up after retrying for 0.5 s (")
               for n in info.value.__notes__)


def test_without_a_bound_nothing_is_retried_or_claimed() -> None:
    session = _Session([ServiceUnavailable("gone")])
    with pytest.raises(ServiceUnavailable) as info:
        _write_batch(_Driver(session), session, "neo4j", "q", [], 0.0)
    assert session.calls == 1 and not getattr(info.value, "__notes__", [])
