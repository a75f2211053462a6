"""Benchmarks: ``make bench`` (``python -m bench``) runs every module of this package.

A benchmark module defines ``run()`` (plain or ``async``) returning a list of
``Measurement``. In each group one measurement is the baseline, measured in the
same run; the table shows every other one as a ratio against it, so numbers from
different machines compare as ratios, not as absolute speeds.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Measurement:
    group: str  # what is compared, e.g. "notifications: delivery to a local sink"
    case: str  # e.g. "one connection per message"
    value: float  # higher is better
    unit: str  # e.g. "messages/s"
    baseline: bool = False
