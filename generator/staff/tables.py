"""A report table (and the chart drawn from it), as the report pages, their CSV
downloads and the tests read it: the first cell of each row is its header."""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from . import charts


@dataclass
class Table:
    id: str
    caption: str
    head: list[str]
    rows: list[list[str]]  # the first cell of each row is its header
    chart: charts.Chart | None = None
    notes: list[str] = field(default_factory=list)  # sentences shown under the caption


def axis(top: float) -> tuple[float, float]:
    """(maximum, step) of a value axis for counts up to `top`: a whole step of 1, 2 or 5
    times a power of ten, about four steps."""
    if top <= 0:
        return 1, 1
    raw = top / 4
    power = 10 ** math.floor(math.log10(raw))
    step = max(1.0, next(m * power for m in (1, 2, 5, 10) if m * power >= raw))
    return math.ceil(top / step) * step, step
