"""``ScoreParams``: every knob of the ring score, built from the evidence units'
knobs (:data:`graphfraud.score.signals.REGISTRY`) and the few knobs of the score
itself (:data:`CORE_KNOBS`). rings.json ``params`` and docs/algorithms.md list them.

>>> p = ScoreParams()
>>> p.w_coordination, p.temperature
(6.0, 2.0)
>>> ScoreParams(temperature=0)
Traceback (most recent call last):
...
ValueError: temperature must be positive, not 0
"""

from __future__ import annotations

import dataclasses
from functools import cache
from typing import TYPE_CHECKING, Any

from graphfraud.score.signals import REGISTRY, Knob, Signal

#: The score's own knobs: bias, temperature, the risk bands, member support.
CORE_KNOBS: tuple[Knob, ...] = (
    Knob("bias", -4.6, "The logit of a group with no evidence at all."),
    Knob("temperature", 2.0, "The score is sigmoid(logit / temperature). The evidence "
         "terms overlap (a blacklisted farm shows in its labels, its walk and its "
         "embedding), so their sum is overconfident; dividing keeps the order and every "
         "risk band."),
    Knob("high", 0.5, "Score at or above which a ring is high (act)."),
    Knob("medium", 0.3956, "Score at or above which a ring is medium (review); logit "
         "-0.847 at temperature 2."),
    Knob("no_sign_cap", 0.49, "A ring that reaches high on coordination alone, with no "
         "sign of fraud from any unit, is medium, its score at most this."),
    Knob("min_member_support", 2, "A member must be linked to at least this many other "
         "members (rings of more than three)."),
)


def knobs_of(signals: tuple[Signal, ...] = REGISTRY) -> tuple[Knob, ...]:
    """Every knob: the score's own, then each unit's, in registry order.

    Raises
    ------
    ValueError
        If two knobs share a name.
    """
    knobs = [*CORE_KNOBS, *(k for s in signals for k in s.knobs)]
    names = [k.name for k in knobs]
    doubled = sorted({n for n in names if names.count(n) > 1})
    if doubled:
        raise ValueError(f"knobs declared twice: {doubled}")
    return tuple(knobs)


def _check(self: Any) -> None:
    if not self.temperature > 0:
        raise ValueError(f"temperature must be positive, not {self.temperature!r}")
    if not self.medium <= self.no_sign_cap < self.high:
        raise ValueError(f"no_sign_cap must lie in [medium, high), not {self.no_sign_cap!r}")


@cache
def params_type(signals: tuple[Signal, ...] = REGISTRY) -> type:
    """The frozen dataclass of the knobs of ``signals`` (one per registry)."""
    fields = [(k.name, type(k.default), dataclasses.field(default=k.default))
              for k in knobs_of(signals)]
    return dataclasses.make_dataclass(
        "ScoreParams", fields, frozen=True,
        namespace={"__post_init__": _check, "__module__": __name__,
                   "__doc__": "Weights and thresholds of the ring score (one field per "
                              "knob of :data:`CORE_KNOBS` and of the registry's units)."})


if TYPE_CHECKING:
    class ScoreParams:
        """Typed loosely: its fields come from the registry."""

        def __init__(self, **knobs: Any) -> None: ...

        def __getattr__(self, name: str) -> Any: ...
else:
    ScoreParams = params_type()
