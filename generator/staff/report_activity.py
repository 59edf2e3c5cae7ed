"""The submissions report: how many submissions each form received in
each of the last 26 weeks; the counted choices of forms that have no ratings
(the contact form's kind: enquiry, complaint, suggestion) month by month; and
the requests of each form with a workflow by channel (the website, or the
channel a staff member recorded when entering it).

Everything is counted by the database without reading an answer: arrival times
and channels from `submissions`, counted choices from `report_counts`. These are
numbers of submissions, not answers about a person, so no group is hidden.
Weeks start on Sunday at midnight in the organisation's time zone (as report periods
start their days, and as the inbox shows dates).
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Mapping, Sequence

from babel.dates import format_skeleton

from generator.core import i18n
from generator.core.problems import Problems
from generator.core.yamlsource import load_yaml_file
from generator.forms import Form

from . import charts, periods
from .tables import Table, axis

WEEKS = 26
SUNDAY = 6  # date.weekday() of the first day of a week


def week_bounds(now: dt.datetime, zone: dt.tzinfo, weeks: int = WEEKS) -> list[dt.datetime]:
    """The starts of the last `weeks` weeks (the current one last) and the end of the current
    one: each a Sunday at midnight in `zone` (the organisation's time zone)."""
    today = now.astimezone(zone).date()
    current = today - dt.timedelta(days=(today.weekday() - SUNDAY) % 7)
    first = current - dt.timedelta(weeks=weeks - 1)
    return [dt.datetime.combine(first + dt.timedelta(weeks=i), dt.time(), zone) for i in range(weeks + 1)]


def channel_names(root: Path) -> dict[str, dict[str, str]]:
    """{channel id: {language: name}} from content/channels.yml, where the project has one."""
    path = root / "content" / "channels.yml"
    if not path.is_file():
        return {}
    items = load_yaml_file(path, rel="content/channels.yml", problems=Problems()) or []
    return {str(item["id"]): {code: str(item.get(code) or item["id"]) for code in i18n.LANGUAGE_CODES}
            for item in items if isinstance(item, dict) and "id" in item}


def service_ids(root: Path) -> frozenset[str]:
    """The entries of content/channels.yml marked `service: true`: services, not channels."""
    path = root / "content" / "channels.yml"
    if not path.is_file():
        return frozenset()
    items = load_yaml_file(path, rel="content/channels.yml", problems=Problems()) or []
    return frozenset(str(item["id"]) for item in items if isinstance(item, dict) and item.get("service") is True)


def choice_fields(form: Form) -> list[Any]:
    """The counted single choices of a form that has no counted rating (else: its satisfaction report)."""
    counted = [f for f in form.fields if f.report]
    if any(f.type == "integer" for f in counted):
        return []
    return [f for f in counted if f.type == "string" and f.options]


def weekly_table(forms: Sequence[Form], counts: dict[str, list[int]], bounds: list[dt.datetime], lang: str,
                 digits: str) -> Table:
    _ = i18n.translations(lang).gettext
    rtl = i18n.language(lang).direction == "rtl"
    head = [_("Week starting")] + [f.title.get(lang, f.id) for f in forms] + [_("All forms")]
    rows, bars = [], []
    for i, start in enumerate(bounds[:-1]):
        week = [counts[f.id][i] for f in forms]
        rows.append([i18n.format_date(start.date(), lang, digits)] + [str(n) for n in week] + [str(sum(week))])
        # Every second week named (day/month), the oldest first: 26 names side by side would overlap.
        label = format_skeleton("dM", start.date(), locale=lang) if i % 2 == 0 else ""
        bars.append(charts.Bar(i18n.localise_digits(label, lang, digits), sum(week), str(sum(week))))
    top, step = axis(max((b.value or 0 for b in bars), default=0))
    chart = charts.column_chart("chart-weeks", _("Submissions to all forms, week by week (oldest first)"), bars,
                                maximum=top, step=step, rtl=rtl, width=max(charts.WIDTH, 40 * len(bars)))
    return Table("weeks", _("Submissions per week, last %(number)s weeks") % {"number": len(rows)}, head, rows,
                 chart, notes=[_("Weeks start on Sunday. The last week is the current one, not yet over.")])


def months_table(form: Form, field: Any, period: periods.Period,
                 counts: list[tuple[str, str, int]], lang: str) -> Table:
    """One counted choice of a form month by month over the period (its kinds: enquiry, complaint...)."""
    _ = i18n.translations(lang).gettext
    by_month: dict[tuple[str, str], int] = {(month, value): n for month, value, n in counts}
    options = [(str(o.value), o.label[lang]) for o in field.options]
    head = [_("Month")] + [label for _, label in options] + [_("All")]
    first, last = period.months
    rows = []
    for month in range(first, last + 1):
        key = f"{period.year:04d}-{month:02d}"
        values = [by_month.get((key, value), 0) for value, _label in options]
        rows.append([periods.Period(period.calendar, period.year, month).label(lang)]
                    + [str(n) for n in values] + [str(sum(values))])
    title = form.title.get(lang, form.id)
    return Table(f"{form.id}-{field.name}", _("%(form)s: %(field)s, month by month") % {
        "form": title, "field": field.label[lang]}, head, rows)


def channel_table(forms: Sequence[Form], counts: list[tuple[str, str, int]], names: Mapping[str, Mapping[str, str]],
                  lang: str) -> Table:
    _ = i18n.translations(lang).gettext
    rtl = i18n.language(lang).direction == "rtl"
    found: dict[tuple[str, str], int] = {(form_id, channel): n for form_id, channel, n in counts}
    channels = ["website", *[c for c in names if c != "website"]]
    channels += sorted({c for _, c, _n in counts} - set(channels))

    def name(channel: str) -> str:
        if channel in names:
            return names[channel][lang]
        return _("The website") if channel == "website" else channel

    head = [_("Channel")] + [f.title.get(lang, f.id) for f in forms] + [_("All forms")]
    rows, bars = [], []
    for channel in channels:
        values = [found.get((f.id, channel), 0) for f in forms]
        if channel != "website" and not any(values):
            continue
        rows.append([name(channel)] + [str(n) for n in values] + [str(sum(values))])
        bars.append(charts.Bar(name(channel), sum(values), str(sum(values))))
    top, step = axis(max((b.value or 0 for b in bars), default=0))
    chart = charts.column_chart("chart-channels", _("Requests by channel, all forms with case handling"), bars,
                                maximum=top, step=step, rtl=rtl)
    return Table("channels", _("Requests by channel"), head, rows, chart,
                 notes=[_("The website, and the channels staff record when they enter a request received by "
                          "telephone, in person, by letter, through social media or a branch office.")])
