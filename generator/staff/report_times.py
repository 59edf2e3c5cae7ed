"""The response-times report: for each form with case handling and a
`response_days` target (the help request: the research committee's decision in
about two weeks; contact: an answer in 7 days), over the cases received in a
whole period:

- the time from receipt to the *first* decision (the workflow's states marked
  `decision: true`: accepted or declined; answered), median and 90th percentile
  in days. The percentile is the nearest rank: the smallest time that at least
  90% of the decided cases took no longer than;
- the share decided within the target: decided by the case's due time, among
  the cases that are decided or already past their due time (a case still
  open and not yet due cannot be judged yet);
- how many cases were first decided as each decision (accepted, declined);
- and, whatever the period, how many cases are open now, and overdue now (open
  and past their due time, as the inbox counts them).

Read from `case_events` and the case columns of `submissions` (db/activity.py);
no answer and no note is read.
"""
from __future__ import annotations

import datetime as dt
import math
import statistics
from dataclasses import dataclass
from typing import Any

from generator.core import i18n
from generator.forms import Form

from . import charts
from .tables import Table, axis

DAY = 86400.0


def timed_forms(forms: list[Form]) -> list[Form]:
    """The forms whose cases have decisions and a response target."""
    return [f for f in forms if f.workflow is not None and f.response_days
            and any(s.decision for s in f.workflow.states)]


def nearest_rank(values: list[float], share: float) -> float:
    """The nearest-rank percentile of sorted values."""
    return values[max(1, math.ceil(share * len(values))) - 1]


@dataclass(frozen=True)
class Times:
    received: int
    days: list[float]  # receipt to first decision, sorted
    judged: int  # decided, or past due without a decision
    within: int  # decided by the due time
    by_decision: dict[str, int]
    open_now: int
    overdue_now: int


def summarise(rows: list[Any], form: Form, now: dt.datetime, open_now: int, overdue_now: int) -> Times:
    """The figures of one form from its cases received in the period (db/activity.Decided)."""
    assert form.workflow is not None and form.response_days
    decisions = [s.id for s in form.workflow.states if s.decision]
    days, judged, within = [], 0, 0
    by_decision = dict.fromkeys(decisions, 0)
    for row in rows:
        due = row.due_at or row.submitted_at + dt.timedelta(days=form.response_days)
        if row.decided_at is not None:
            days.append((row.decided_at - row.submitted_at).total_seconds() / DAY)
            by_decision[row.decision] = by_decision.get(row.decision, 0) + 1
            judged += 1
            within += row.decided_at <= due
        elif due <= now:
            judged += 1
    return Times(len(rows), sorted(days), judged, within, by_decision, open_now, overdue_now)


def days_text(value: float | int, lang: str) -> str:
    """Measured days with one decimal; a target (whole days, an int) as it is written."""
    _ = i18n.translations(lang).gettext
    return _("%(days)s days") % {"days": value if isinstance(value, int) else f"{value:.1f}"}


def table(form: Form, times: Times, lang: str) -> Table:
    _ = i18n.translations(lang).gettext
    rtl = i18n.language(lang).direction == "rtl"
    assert form.workflow is not None and form.response_days
    target = form.response_days
    rows = [[_("Received in the period"), str(times.received)],
            [_("Decided"), str(len(times.days))]]
    median = statistics.median(times.days) if times.days else None
    p90 = nearest_rank(times.days, 0.9) if times.days else None
    rows.append([_("Median time to the first decision"), days_text(median, lang) if median is not None else "–"])
    rows.append([_("90th percentile of the time to the first decision"),
                 days_text(p90, lang) if p90 is not None else "–"])
    share = (f"{100 * times.within / times.judged:.0f}% ({times.within} / {times.judged})"
             if times.judged else "–")
    rows.append([_("Decided within %(days)s days") % {"days": target}, share])
    for state in form.workflow.states:
        if state.decision:
            rows.append([_("First decision: %(state)s") % {"state": state.name[lang]},
                         str(times.by_decision.get(state.id, 0))])
    rows.append([_("Open now (any period)"), str(times.open_now)])
    rows.append([_("Overdue now (open and past the due date)"), str(times.overdue_now)])
    bars = [charts.Bar(_("Median"), median, days_text(median, lang) if median is not None else "–"),
            charts.Bar(_("90th percentile"), p90, days_text(p90, lang) if p90 is not None else "–"),
            charts.Bar(_("Target"), float(target), days_text(target, lang))]
    top, step = axis(max([target, median or 0, p90 or 0]))
    title = form.title.get(lang, form.id)
    chart = charts.column_chart(f"chart-times-{form.id}", _("%(form)s: days to the first decision and the target") % {
        "form": title}, bars, maximum=top, step=step, rtl=rtl)
    names = ", ".join(s.name[lang] for s in form.workflow.states if s.decision)
    return Table(f"times-{form.id}", title, [_("Measure"), _("Value")], rows, chart, notes=[
        _("Decisions: %(names)s. The share decided in time counts the cases decided, or already past their due "
          "date, among those received in the period.") % {"names": names}])
