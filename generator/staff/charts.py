"""Column charts drawn on the server as plain SVG, right to left in Arabic.

Chosen over a library (see docs/reports.md): leather has no right-to-left
option, pygal embeds a remote script unless told not to and styles with
inline CSS (which the workspace's Content-Security-Policy forbids), and
matplotlib does not shape Arabic. The geometry is computed here and drawn by
the Jinja template templates/staff/chart.html with presentation attributes
and classes of staff.css only (no `style`, no script).

In Arabic the first category is drawn at the right and the value axis stands
on the right; in English the first category is at the left, the axis on the
left. Every bar carries its value as text, so colour is never the only cue;
a group too small to show carries the words for that instead of a bar.
"""
from __future__ import annotations

from dataclasses import dataclass

WIDTH, HEIGHT = 640, 300
AXIS = 44  # room for the value axis labels
TOP, BOTTOM = 24, 70  # room above the bars for values, below for category names
LINE_CHARS = 14  # category names are wrapped at about this many characters, at most 3 lines


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None  # None: too few answers to show
    text: str  # the value as written on the bar (or "fewer than 5")
    x: float = 0
    y: float = 0
    width: float = 0
    height: float = 0
    label_lines: tuple[str, ...] = ()
    center: float = 0


@dataclass(frozen=True)
class Tick:
    y: float
    text: str


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    bars: list[Bar]
    ticks: list[Tick]
    rtl: bool
    axis_x: float
    label_x: float
    baseline: float
    width: int = WIDTH
    height: int = HEIGHT
    plot_left: float = 0
    plot_right: float = 0


def wrap(text: str, width: int = LINE_CHARS, lines: int = 3) -> tuple[str, ...]:
    out: list[str] = []
    for word in text.split():
        if out and len(out[-1]) + 1 + len(word) <= width:
            out[-1] += " " + word
        else:
            out.append(word)
    if len(out) > lines:
        out = out[:lines - 1] + [" ".join(out[lines - 1:])]
    return tuple(out)


def column_chart(chart_id: str, title: str, bars: list[Bar], *, maximum: float, step: float, rtl: bool,
                 number: str = "{:g}", width: int = WIDTH) -> Chart:
    """Bars in the order given: from the right in Arabic (rtl), from the left otherwise.
    A wider `width` leaves room for many bars (the drawing is scaled to the page)."""
    plot_left = 8 if rtl else AXIS
    plot_right = width - AXIS if rtl else width - 8
    baseline = HEIGHT - BOTTOM
    scale = (baseline - TOP) / maximum if maximum else 0
    slot = (plot_right - plot_left) / max(len(bars), 1)
    drawn = []
    for i, bar in enumerate(bars):
        left = plot_right - (i + 1) * slot if rtl else plot_left + i * slot
        height = (bar.value or 0) * scale
        drawn.append(Bar(bar.label, bar.value, bar.text, x=round(left + slot * 0.2, 1),
                         y=round(baseline - height, 1), width=round(slot * 0.6, 1), height=round(height, 1),
                         label_lines=wrap(bar.label), center=round(left + slot / 2, 1)))
    ticks = []
    value = 0.0
    while value <= maximum + 1e-9:
        ticks.append(Tick(round(baseline - value * scale, 1), number.format(value)))
        value += step
    axis_x = plot_right if rtl else plot_left
    label_x = axis_x + 6 if rtl else axis_x - 6
    return Chart(chart_id, title, drawn, ticks, rtl, axis_x, label_x, baseline, width=width, plot_left=plot_left,
                 plot_right=plot_right)

