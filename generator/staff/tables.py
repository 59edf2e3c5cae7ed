"""A report table (and the chart drawn from it), as the report pages, their CSV
downloads and the tests read it: the first cell of each row is its header."""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

from generator.core import i18n

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


def with_digits(table: Table, lang: str, setting: str) -> Table:
    """The table as the page shows it: digits in the organisation's choice for Arabic pages
    (content/settings.yml `arabic_digits`, as the inbox writes dates); CSV keeps 0-9."""
    if i18n.numbering_system(lang, setting) != "arab":
        return table

    def d(text: str) -> str:
        return i18n.localise_digits(text, lang, setting)

    chart = table.chart
    if chart is not None:
        chart = dataclasses.replace(
            chart, title=d(chart.title), ticks=[dataclasses.replace(t, text=d(t.text)) for t in chart.ticks],
            bars=[dataclasses.replace(b, text=d(b.text), label=d(b.label), label_lines=tuple(map(d, b.label_lines)))
                  for b in chart.bars])
    return dataclasses.replace(table, caption=d(table.caption), head=[d(c) for c in table.head],
                               rows=[[d(c) for c in row] for row in table.rows], chart=chart,
                               notes=[d(n) for n in table.notes])
