"""Reports in the staff workspace: satisfaction by service and channel,
counted by the database from the `report: true` fields (submissions/db/report_values.py)
without decrypting a single answer; submissions per week, form, kind and channel
(report_activity.py); response times of cases (report_times.py).

    GET /staff/reports/                          the reports this account may see
    GET /staff/reports/<form>?period=2026-11     a form's report for a whole month, quarter or year
    GET /staff/reports/submissions?period=2026   submissions by week, kind and channel
    GET /staff/reports/response-times?period=2026   time to the first decision, in time or not
    GET /staff/reports/<report>/<table>.csv?period=...   one table of it as CSV

Admins and viewers see every form's reports, caseworkers those of their own
forms; any other form answers 404 (audited), as everywhere in the workspace.
A group of fewer answers than the `report_min_group` setting shows "fewer than
N" instead of figures, in the tables, the charts and the CSV alike. Periods
are whole calendar units only (periods.py), so overlapping periods cannot be
subtracted to reveal a small group. Periods and weeks start at midnight in the
organisation's time zone (content/settings.yml `working_days.time_zone`), the
zone the inbox shows dates in and the store counts report months by.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from generator.core import i18n
from generator.forms import Form, FormField
from generator.submissions.db.accounts import AccountRow

from . import charts, periods, report_activity, report_times
from .accounts import visible_forms
from .context import StaffContext
from .guards import NotFound, require
from .sessions import Current
from .tables import Table, with_digits

RATING_MAX = 5
SUBMISSIONS, RESPONSE_TIMES = "submissions", "response-times"  # the reports that are not one form's
COMMENTS_SHOWN = 100  # the newest comments of a period, listed in alphabetical order


def may_see_report(account: AccountRow, form_id: str) -> bool:
    """Reports show counts, never a submission: viewers see every form's, caseworkers their forms'."""
    return account.role in ("admin", "viewer") or form_id in account.forms


def report_fields(form: Form) -> tuple[list[FormField], list[FormField]]:
    """(ratings, groups): the counted integer ranges, and the counted choices to group by."""
    counted = [f for f in form.fields if getattr(f, "report", False)]
    ratings = [f for f in counted if f.type == "integer"]
    groups = [f for f in counted if f.type == "string" and f.options]
    return ratings, groups


def summarise(totals: list[tuple[str, str, str, str, int]],
              ratings: list[str]) -> dict[tuple[str | None, Any, str], dict[int, int]]:
    """{(grouping field or None, its value, rating field): {score: answers}} from the
    period's counts (report_counts: each rating alone, and beside each grouping value)."""
    result: dict[tuple[str | None, Any, str], dict[int, int]] = {}
    for by_field, by_value, name, score, n in totals:
        if name not in ratings or not score.isdigit() or n <= 0:
            continue
        scores = result.setdefault((by_field or None, by_value if by_field else None, name), {})
        scores[int(score)] = scores.get(int(score), 0) + n
    return result


def mean_text(scores: dict[int, int]) -> tuple[float, str]:
    n = sum(scores.values())
    mean = sum(score * count for score, count in scores.items()) / n
    return mean, f"{mean:.2f}"


class Reports:
    def __init__(self, ctx: StaffContext) -> None:
        self.ctx = ctx

    def routes(self) -> list[Route]:
        return [
            Route("/staff/reports/", self.index, methods=["GET"]),
            Route("/staff/reports/{form_id}", self.report, methods=["GET"]),
            Route("/staff/reports/{form_id}/{table}.csv", self.csv, methods=["GET"]),
        ]

    @property
    def zone(self) -> dt.tzinfo:
        """The organisation's time zone (content/settings.yml), as the inbox shows dates: periods
        and weeks start at its midnight, as the store counts report months (its time_zone)."""
        return self.ctx.zone

    def local_now(self) -> dt.datetime:
        return self.ctx.clock().astimezone(self.zone)

    @property
    def min_group(self) -> int:
        return self.ctx.settings.report_min_group

    def forms_with_reports(self, account: AccountRow) -> list[str]:
        return [form_id for form_id in sorted(self.ctx.forms)
                if may_see_report(account, form_id) and report_fields(self.ctx.forms[form_id])[0]]

    def visible(self, account: AccountRow) -> list[Form]:
        return [self.ctx.forms[f] for f in sorted(self.ctx.forms) if may_see_report(account, f)]

    def title(self, report_id: str, lang: str) -> str:
        _ = i18n.translations(lang).gettext
        if report_id == SUBMISSIONS:
            return _("Submissions")
        if report_id == RESPONSE_TIMES:
            return _("Response times")
        form = self.ctx.forms[report_id]
        return str(form.title.get(lang, form.id))

    async def index(self, request: Request) -> Response:
        current = await require(self.ctx, request, role="counts")
        lang = current.account.language
        shown = [{"id": f, "title": self.ctx.forms[f].title.get(lang, f)}
                 for f in self.forms_with_reports(current.account)]
        timed = bool(report_times.timed_forms(self.visible(current.account)))
        return self.ctx.pages.page(request, "reports.html", lang, current=current, forms=shown, timed=timed)

    async def allowed(self, request: Request) -> tuple[Current, str]:
        """The signed-in account and the report's id (a form's, or SUBMISSIONS, RESPONSE_TIMES),
        if there is such a report and the account may see it."""
        current = await require(self.ctx, request, role="counts")
        report_id = request.path_params["form_id"]
        if report_id in (SUBMISSIONS, RESPONSE_TIMES):  # each shows the forms this account may see
            return current, report_id
        form = self.ctx.forms.get(report_id)
        if form is None or not report_fields(form)[0]:
            raise NotFound(current)
        if not may_see_report(current.account, report_id):
            raise NotFound(current, f"report of {report_id}")
        return current, report_id

    def period(self, request: Request, report_id: str) -> periods.Period:
        calendar = "hijri" if request.query_params.get("calendar") == "hijri" else "gregorian"
        unit = "month" if report_id in self.ctx.forms else "year"
        return periods.parse(request.query_params.get("period")) or periods.current(calendar, self.local_now(), unit)

    async def tables(self, account: AccountRow, report_id: str, period: periods.Period, lang: str) -> list[Table]:
        if report_id == SUBMISSIONS:
            return await self.submission_tables(account, period, lang)
        if report_id == RESPONSE_TIMES:
            return await self.time_tables(account, period, lang)
        form = self.ctx.forms[report_id]
        ratings, groups = report_fields(form)
        totals = await self.ctx.run(self.ctx.store.report_totals, form.id, period.calendar, *period.month_keys)
        summary = summarise(totals, [f.name for f in ratings])
        return build_tables(ratings, groups, summary, lang, self.min_group)

    async def comments(self, current: Current, form: Form, period: periods.Period,
                       tables: list[Table]) -> dict[str, Any] | None:
        """The period's comments (a form's free-text fields, not sensitive), for the roles that may
        read the form's answers (not viewers), as one list for the whole period in alphabetical
        order: never beside a group, never beside their ratings, and none at all when the period
        has fewer answers than the smallest group shown. Audited as a read of answers."""
        account = current.account
        fields = [f for f in form.fields if f.control == "textarea" and not f.sensitive]
        if not fields or account.role == "viewer" or form.id not in visible_forms(account, sorted(self.ctx.forms)):
            return None
        answers = int(tables[0].rows[0][1]) if tables and tables[0].rows and tables[0].rows[0][1].isdigit() else 0
        if answers < self.min_group:
            return {"texts": [], "hidden": True, "limit": COMMENTS_SHOWN}
        start, end = period.bounds(self.zone)
        texts: list[str] = []
        for field in fields:
            texts += await self.ctx.run(self.ctx.store.texts, form.id, field.name, start, end, limit=COMMENTS_SHOWN)
        texts = sorted(texts[:COMMENTS_SHOWN])
        await self.ctx.run(self.ctx.audit, account.email, "staff-report-comments", period.key, form_id=form.id,
                           rows=len(texts))
        return {"texts": texts, "hidden": False, "limit": COMMENTS_SHOWN}

    async def submission_tables(self, account: AccountRow, period: periods.Period, lang: str) -> list[Table]:
        forms = self.visible(account)
        bounds = report_activity.week_bounds(self.ctx.clock(), self.zone)
        weeks = {f.id: await self.ctx.run(self.ctx.store.arrivals, f.id, bounds) for f in forms}
        tables = [report_activity.weekly_table(forms, weeks, bounds, lang, self.ctx.digits)]
        for form in forms:
            for field in report_activity.choice_fields(form):
                counts = await self.ctx.run(self.ctx.store.report_months, form.id, period.calendar, field.name,
                                           *period.month_keys)
                tables.append(report_activity.months_table(form, field, period, counts, lang))
        handled = [f for f in forms if f.workflow is not None]
        start, end = period.bounds(self.zone)
        channels = await self.ctx.run(self.ctx.store.channel_counts, [f.id for f in handled], start, end)
        tables.append(report_activity.channel_table(handled, channels, self.ctx.channel_names, lang))
        return tables

    async def time_tables(self, account: AccountRow, period: periods.Period, lang: str) -> list[Table]:
        now, (start, end) = self.ctx.clock(), period.bounds(self.zone)
        tables = []
        for form in report_times.timed_forms(self.visible(account)):
            assert form.workflow is not None
            decisions = [s.id for s in form.workflow.states if s.decision]
            rows = await self.ctx.run(self.ctx.store.decisions, form.id, decisions, start, end)
            open_now, overdue_now = await self.ctx.run(self.ctx.store.open_and_overdue, form.id, now)
            times = report_times.summarise(rows, form, now, open_now, overdue_now)
            tables.append(report_times.table(form, times, lang))
        return tables

    async def report(self, request: Request) -> Response:
        current, report_id = await self.allowed(request)
        lang = current.account.language
        period = self.period(request, report_id)
        tables = await self.tables(current.account, report_id, period, lang)
        form = self.ctx.forms.get(report_id)
        comments = await self.comments(current, form, period, tables) if form is not None else None
        calendar = period.calendar
        choices = [{"key": p.key, "label": p.label(lang), "selected": p.key == period.key}
                   for p in periods.recent(calendar, self.local_now())]
        if not any(c["selected"] for c in choices):
            choices.insert(0, {"key": period.key, "label": period.label(lang), "selected": True})
        digits = self.ctx.digits
        for choice in choices:
            choice["label"] = i18n.localise_digits(str(choice["label"]), lang, digits)
        return self.ctx.pages.page(
            request, "reports_form.html", lang, current=current, form_id=report_id,
            form_title=self.title(report_id, lang), period=period,
            period_label=i18n.localise_digits(period.label(lang), lang, digits), choices=choices, calendar=calendar,
            tables=[with_digits(t, lang, digits) for t in tables], comments=comments,
            min_group=self.min_group if report_id in self.ctx.forms else None)

    async def csv(self, request: Request) -> Response:
        current, report_id = await self.allowed(request)
        lang = current.account.language
        period = self.period(request, report_id)
        tables = await self.tables(current.account, report_id, period, lang)
        table = next((t for t in tables if t.id == request.path_params["table"]), None)
        if table is None:
            raise NotFound(current)
        await self.ctx.run(self.ctx.audit, current.account.email, "staff-report-download",
                           f"{report_id} {table.id} {period.key}")
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(table.head)
        writer.writerows(table.rows)
        name = f"{report_id}-{table.id}-{period.key}.csv"
        return Response("\ufeff" + out.getvalue(), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})


def build_tables(ratings: list[FormField], groups: list[FormField],
                 summary: dict[tuple[str | None, Any, str], dict[int, int]], lang: str, min_group: int) -> list[Table]:
    """The report's tables (and the chart drawn from each), in the page's language."""
    _ = i18n.translations(lang).gettext
    few = _("fewer than %(number)s") % {"number": min_group}
    scores = list(range(RATING_MAX, 0, -1))
    head = [_("Rating"), _("Answers"), _("Mean (1 to 5)")] + [_("Answers of %(score)s") % {"score": s} for s in scores]
    rtl = i18n.language(lang).direction == "rtl"

    def figures(dist: dict[int, int] | None) -> list[str]:
        n = sum(dist.values()) if dist else 0
        if n < min_group:
            return [few] + [""] * (1 + len(scores))
        assert dist is not None
        return [str(n), mean_text(dist)[1]] + [str(dist.get(s, 0)) for s in scores]

    def bar(label: str, dist: dict[int, int] | None) -> charts.Bar:
        n = sum(dist.values()) if dist else 0
        if n < min_group or dist is None:
            return charts.Bar(label, None, few)
        mean, text = mean_text(dist)
        return charts.Bar(label, mean, text)

    tables = []
    rows = [[f.label[lang]] + figures(summary.get((None, None, f.name))) for f in ratings]
    chart = charts.column_chart("chart-overall", _("Mean of each rating, all answers"),
                                [bar(f.label[lang], summary.get((None, None, f.name))) for f in ratings],
                                maximum=RATING_MAX, step=1, rtl=rtl)
    tables.append(Table("overall", _("All answers"), head, rows, chart))
    first = ratings[0]
    for group in groups:
        rows, bars = [], []
        for option in group.options:
            label = option.label[lang]
            for f in ratings:
                dist = summary.get((group.name, str(option.value), f.name))
                rows.append([f"{label} — {f.label[lang]}"] + figures(dist))
            bars.append(bar(label, summary.get((group.name, str(option.value), first.name))))
        chart = charts.column_chart(f"chart-{group.name}", _("%(rating)s: mean by %(group)s") % {
            "rating": first.label[lang], "group": group.label[lang]}, bars, maximum=RATING_MAX, step=1, rtl=rtl)
        tables.append(Table(f"by-{group.name}", _("By %(group)s") % {"group": group.label[lang]},
                            [_("Group and rating")] + head[1:], rows, chart))
    return tables
