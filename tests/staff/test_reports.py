"""Reports (issue 23) against the real workspace and the real public endpoint, on SQLite
and PostgreSQL: a known set of satisfaction answers is posted through the public form,
and every figure the report shows is computed again here from that set."""
from __future__ import annotations

import contextlib
import csv
import io
import json
import random
import re
import zoneinfo
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Callable, Iterator

import httpx
import pytest

from generator.endpoint.app import create_app as create_endpoint
from generator.staff.sessions import COOKIE
from tests.browser.site import axe_violations, describe_violations
from tests.staff.conftest import Staff, csrf
from tests.support.fixtures import LiveServer, make_settings

RIYADH = zoneinfo.ZoneInfo("Asia/Riyadh")  # the organisation's time zone (forms_root has no settings file)
RATINGS = ("rating_overall", "rating_courtesy", "rating_speed", "rating_clarity")
SMALL_SERVICE = "other"  # exactly 4 answers: shown as "fewer than 5"


class Tables(HTMLParser):
    """{table id: rows of cell texts} and the x of each chart category label, as the page has them."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.current: str | None = None
        self.cell: list[str] | None = None
        self.chart: str | None = None
        self.category_x: dict[str, list[float]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "table" and a.get("id", "").startswith("table-"):  # type: ignore[union-attr]
            self.current = a["id"][6:]  # type: ignore[index]
            self.tables[self.current] = []
        elif tag == "tr" and self.current:
            self.tables[self.current].append([])
        elif tag in ("td", "th") and self.current:
            self.cell = []
        elif tag == "svg" and "chart" in (a.get("class") or ""):
            self.chart = None
        elif tag == "title" and a.get("id", "").endswith("-title"):  # type: ignore[union-attr]
            self.chart = a["id"][:-6]  # type: ignore[index]
            self.category_x[self.chart] = []
        elif tag == "text" and a.get("class") == "chart__label" and self.chart:
            self.category_x[self.chart].append(float(a["x"]))  # type: ignore[arg-type]

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self.cell is not None and self.current:
            self.tables[self.current][-1].append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "table":
            self.current = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def parse(html: str) -> Tables:
    parser = Tables()
    parser.feed(html)
    return parser


def known_answers(form: Any) -> list[dict[str, Any]]:
    """A fixed set: every service but one has at least 5 answers; SMALL_SERVICE has 4."""
    rng = random.Random(23)
    services = [o.value for o in form.field("service").options if o.value != SMALL_SERVICE]
    channels = [o.value for o in form.field("channel").options]
    answers = []
    for i in range(34):
        service = SMALL_SERVICE if i < 4 else services[i % len(services)]
        answers.append({"service": service, "channel": channels[i % 3], "comments": f"note {i}",
                        **{name: rng.randint(1, 5) for name in RATINGS}})
    return answers


def local_month(at: Any) -> str:
    """'YYYY-MM' of the date `at` falls on in the organisation's time zone: the month reports count it in."""
    return str(at.astimezone(RIYADH).strftime("%Y-%m"))


def figures(values: list[int], few: str) -> list[str]:
    if len(values) < 5:
        return [few] + [""] * 6
    return [str(len(values)), f"{sum(values) / len(values):.2f}"] + [str(values.count(s)) for s in (5, 4, 3, 2, 1)]


@contextlib.contextmanager
def sign_in_as(ws: Staff, email: str, role: str, forms: tuple[str, ...] = (),
               lang: str = "ar") -> Iterator[httpx.Client]:
    with ws.client() as client:
        ws.set_up(client, ws.add(email, role, forms))
        if lang != "ar":
            home = client.get("/staff/")
            assert client.post("/staff/language", data={"csrftoken": csrf(home.text), "lang": lang,
                                                        "next": "/staff/"}).status_code == 303
        yield client


@pytest.fixture
def posted(forms: dict[str, Any], forms_root: Path, store_url: str, live: Callable[[Any], LiveServer],
           staff: Callable[..., Staff]) -> tuple[Staff, list[dict[str, Any]], str]:
    """The workspace, the answers posted through the public endpoint, and the month they arrived in."""
    endpoint = live(create_endpoint(settings=make_settings(forms_root, store_url), forms=forms))
    form = forms["satisfaction"]
    answers = known_answers(form)
    with endpoint.client() as client:
        for i, answer in enumerate(answers):
            response = client.post("/api/forms/satisfaction", data={**answer, "lang": "ar" if i % 2 else "en"})
            assert response.status_code == 303, response.text
    ws = staff()
    stored = list(ws.store.submissions("satisfaction"))
    assert len(stored) == len(answers)
    months = {local_month(sub.submitted_at) for sub in stored}
    if len(months) != 1:
        pytest.skip("the answers arrived either side of a month's end; run again")
    return ws, answers, months.pop()


def test_every_figure_equals_one_computed_from_the_known_answers(
        posted: tuple[Staff, list[dict[str, Any]], str], forms: dict[str, Any]) -> None:
    ws, answers, month = posted
    form = forms["satisfaction"]
    with sign_in_as(ws, "hind@example.org", "admin", lang="en") as client:
        page = client.get(f"/staff/reports/satisfaction?period={month}")
        assert page.status_code == 200
        tables = parse(page.text).tables
        few = "fewer than 5"
        overall = [[form.field(name).label["en"]] + figures([a[name] for a in answers], few) for name in RATINGS]
        assert tables["overall"][1:] == overall
        by_service = []
        for option in form.field("service").options:
            group = [a for a in answers if a["service"] == option.value]
            for name in RATINGS:
                by_service.append([f"{option.label['en']} — {form.field(name).label['en']}"]
                                  + figures([a[name] for a in group], few))
        assert tables["by-service"][1:] == by_service
        small = [row for row in tables["by-service"] if row[0].startswith("Another service")]
        assert len(small) == 4 and all(row[1] == few for row in small)  # the group of 4
        for option in form.field("channel").options:
            group = [a for a in answers if a["channel"] == option.value]
            row = next(r for r in tables["by-channel"]
                       if r[0] == f"{option.label['en']} — {form.field('rating_overall').label['en']}")
            assert row[1:] == figures([a["rating_overall"] for a in group], few)
        # The CSV of each table is the table.
        for table_id, rows in tables.items():
            response = client.get(f"/staff/reports/satisfaction/{table_id}.csv?period={month}")
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/csv")
            assert list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")))) == rows
        # No free text reaches a table or a chart: comments are never counted.
        assert not any("note" in cell for rows in tables.values() for row in rows for cell in row)
        assert "note 1" not in page.text.split('id="comments-heading"')[0]
        # Another month holds none of them.
        empty = parse(client.get("/staff/reports/satisfaction?period=2001-01").text).tables
        assert all(row[1] == few for row in empty["overall"][1:])


def test_the_arabic_chart_draws_the_first_category_at_the_right(
        posted: tuple[Staff, list[dict[str, Any]], str]) -> None:
    ws, _, month = posted
    with sign_in_as(ws, "hind@example.org", "admin") as client:
        ar = parse(client.get(f"/staff/reports/satisfaction?period={month}").text)
        home = client.get("/staff/")
        client.post("/staff/language", data={"csrftoken": csrf(home.text), "lang": "en", "next": "/staff/"})
        en = parse(client.get(f"/staff/reports/satisfaction?period={month}").text)
    for chart in ("chart-overall", "chart-service", "chart-channel"):
        xs = ar.category_x[chart]
        assert len(xs) > 1 and xs == sorted(xs, reverse=True), chart  # first at the right
        assert en.category_x[chart] == sorted(en.category_x[chart]), chart  # first at the left
    assert "أقل من 5" in ar.tables["by-service"][-1][1]


def test_a_viewer_sees_reports_and_no_submission(posted: tuple[Staff, list[dict[str, Any]], str]) -> None:
    ws, _, month = posted
    reference = next(iter(ws.store.submissions("satisfaction"))).reference
    with sign_in_as(ws, "wafa@example.org", "viewer") as client:
        assert client.get("/staff/reports/").status_code == 200
        assert client.get(f"/staff/reports/satisfaction?period={month}").status_code == 200
        # The submission pages (the inbox, issue 18) answer 404 to a viewer.
        assert client.get(f"/staff/submissions/{reference}").status_code == 404
    with sign_in_as(ws, "kamal@example.org", "caseworker", ("help-request",)) as client:
        assert client.get("/staff/reports/satisfaction").status_code == 404
        assert client.get("/staff/reports/satisfaction/overall.csv").status_code == 404
    assert ws.audit("staff-refused")


def test_purge_keeps_monthly_counts_and_subject_delete_removes_values(
        posted: tuple[Staff, list[dict[str, Any]], str]) -> None:
    import datetime as dt

    ws, answers, month = posted
    store = ws.store
    subs = list(store.submissions("satisfaction"))
    store.delete_references([subs[0].reference])
    end = dt.datetime(2100, 1, 1, tzinfo=dt.timezone.utc)
    start = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)
    counted = store.report_counts("satisfaction", start, end, ["service", "channel"], "rating_overall")
    assert sum(n for *_, n in counted) == len(answers) - 1
    assert store.purge("satisfaction", end) == len(answers) - 1
    assert store.report_counts("satisfaction", start, end, [], "rating_overall") == []
    kept = store.monthly_counts("satisfaction")
    assert sum(n for _, _, n in kept) == len(answers) - 1
    assert {m for m, _, _ in kept} == {month}
    # Only the counted fields, never the comments; the same combinations as before the purge.
    assert all(set(values) == {"service", "channel", *RATINGS} for _, values, _ in kept)
    expected: dict[str, int] = {}
    for sub in subs[1:]:
        key = json.dumps({name: str(sub.answers[name]) for name in ("service", "channel", *RATINGS)}, sort_keys=True)
        expected[key] = expected.get(key, 0) + 1
    assert {json.dumps(v, sort_keys=True): n for _, v, n in kept} == expected


def test_report_pages_pass_axe_in_both_languages(posted: tuple[Staff, list[dict[str, Any]], str],
                                                 tab: Any) -> None:
    ws, _, month = posted
    for lang in ("ar", "en"):
        with sign_in_as(ws, f"{lang}@example.org", "admin", lang=lang) as client:
            token = client.cookies.get(COOKIE)
        tab.context.clear_cookies()
        tab.context.add_cookies([{"name": COOKIE, "value": token, "url": ws.url}])
        for path in ("/staff/reports/", f"/staff/reports/satisfaction?period={month}",
                     f"/staff/reports/submissions?period={month[:4]}", f"/staff/reports/response-times?period={month[:4]}"):
            tab.goto(ws.url + path)
            assert tab.locator("html").get_attribute("lang") == lang
            problems = describe_violations(path, axe_violations(tab))
            width = tab.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
            assert width[0] <= width[1], f"{lang} {path} scrolls sideways"
            assert not problems, "\n".join(problems)


COMMENT = re.compile(r'<li><bdi dir="auto">([^<]*)</bdi></li>')


def test_comments_only_to_readers_of_answers_and_never_for_a_small_period(
        posted: tuple[Staff, list[dict[str, Any]], str]) -> None:
    ws, answers, month = posted
    with sign_in_as(ws, "hind@example.org", "admin", lang="en") as client:
        page = client.get(f"/staff/reports/satisfaction?period={month}").text
        # One list for the whole period, in alphabetical order, after every table (beside no group).
        assert COMMENT.findall(page) == sorted(a["comments"] for a in answers)
        assert page.index('id="comments-heading"') > page.rindex("<table")
        assert [e["detail"] for e in ws.audit("staff-report-comments")] == [month]
        empty = client.get("/staff/reports/satisfaction?period=2001-01").text
        assert COMMENT.findall(empty) == []
        assert "Comments are not listed for a period with fewer than 5 answers." in empty
    with sign_in_as(ws, "kamal@example.org", "caseworker", ("satisfaction",), lang="en") as client:
        assert COMMENT.findall(client.get(f"/staff/reports/satisfaction?period={month}").text)
    with sign_in_as(ws, "wafa@example.org", "viewer", lang="en") as client:
        page = client.get(f"/staff/reports/satisfaction?period={month}").text
        assert "note " not in page and 'id="comments-heading"' not in page
    assert len(ws.audit("staff-report-comments")) == 2  # the admin's and the caseworker's readings


def test_arabic_indic_digits_when_the_organisation_chooses_them(
        posted: tuple[Staff, list[dict[str, Any]], str]) -> None:
    ws, answers, month = posted
    with sign_in_as(ws, "hind@example.org", "admin") as client:
        western = client.get(f"/staff/reports/satisfaction?period={month}").text
        ws.workspace.organisation.arabic_digits = "arab"  # content/settings.yml: arabic_digits: arab
        arabic = client.get(f"/staff/reports/satisfaction?period={month}").text
        csv_text = client.get(f"/staff/reports/satisfaction/overall.csv?period={month}").content.decode("utf-8-sig")
    to_arabic = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
    for table_id, rows in parse(western).tables.items():
        assert parse(arabic).tables[table_id] == [[cell.translate(to_arabic) for cell in row] for row in rows]
    assert f">{len(answers)}<".translate(to_arabic) in arabic  # the answers in the table
    assert re.search(r'class="chart__value"[^>]*>[٠-٩]\.[٠-٩]{2}<', arabic)  # a mean on a bar
    assert re.search(r'class="chart__tick"[^>]*>[٠-٩]<', arabic)  # the value axis
    assert not re.search(r"[٠-٩]", csv_text) and str(len(answers)) in csv_text  # the CSV keeps 0-9
