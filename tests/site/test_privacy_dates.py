"""The review of issue 35: a privacy notice that changes without a new `privacy_updated`
date is a `check` warning (generator/site/privacy_dates.py)."""
from __future__ import annotations

import re
import shutil

from generator import PROJECT_ROOT
from generator.core.problems import Problems
from generator.forms import load_forms
from generator.site.check import load_project
from generator.site.privacy_dates import LOCK_FILE, check_privacy_dates, read_dates, write_dates

OLD_TEXT = "\nretention_days: "


def _check(root):
    problems = Problems()
    forms = load_forms(root, problems)
    assert problems.errors == []
    return forms, check_privacy_dates(root, forms, problems), [
        (p.path, p.line, p.code) for p in problems.sorted() if p.code == "privacy-not-dated"]


def test_a_notice_changed_without_a_new_date_is_a_warning_until_the_date_is_set(tmp_path):
    (tmp_path / "forms").mkdir()
    (tmp_path / "content").mkdir()
    form = tmp_path / "forms" / "contact.yml"
    shutil.copy(PROJECT_ROOT / "forms" / "contact.yml", form)
    # A date in the past (the real one may be today, when every change is dated rightly).
    text = re.sub(r"(?m)^privacy_updated: .*$", "privacy_updated: 2026-01-04", form.read_text(encoding="utf-8"))
    form.write_text(text, encoding="utf-8")
    date_line = text[:text.index("\nprivacy_updated:")].count("\n") + 2
    forms, current, warned = _check(tmp_path)
    assert warned == [] and write_dates(tmp_path, current)  # a new form is recorded with its date
    assert read_dates(tmp_path) == {"contact": {"version": forms["contact"].notice_version,
                                                "updated": forms["contact"].privacy_updated.isoformat()}}
    # The retention period changes the notice (its version), the date stays.
    days = text.split(OLD_TEXT, 1)[1].split("\n", 1)[0]
    form.write_text(text.replace(OLD_TEXT + days, f"{OLD_TEXT}{int(days) + 1}", 1), encoding="utf-8")
    changed, current, warned = _check(tmp_path)
    assert changed["contact"].notice_version != forms["contact"].notice_version
    assert warned == [("forms/contact.yml", date_line, "privacy-not-dated")]
    assert not write_dates(tmp_path, current)  # a build keeps the old record: the warning stays
    assert _check(tmp_path)[2] == warned
    # A new date: no warning, and the build records the new version with it.
    old_date = f"privacy_updated: {forms['contact'].privacy_updated.isoformat()}"
    form.write_text(form.read_text(encoding="utf-8").replace(old_date, "privacy_updated: 2027-01-05"), encoding="utf-8")
    dated, current, warned = _check(tmp_path)
    assert dated["contact"].privacy_updated.isoformat() == "2027-01-05" and warned == []
    assert write_dates(tmp_path, current) and read_dates(tmp_path)["contact"] == {
        "version": changed["contact"].notice_version, "updated": "2027-01-05"}


def test_the_committed_dates_match_the_forms():
    """The real content: every notice's date was set with its current version."""
    project = load_project(PROJECT_ROOT)
    assert [p for p in project.problems.items if p.code == "privacy-not-dated"] == []
    assert read_dates(PROJECT_ROOT) == project.privacy_dates, f"build once and commit {LOCK_FILE}"


def test_a_notice_dated_today_is_dated_rightly_however_often_it_changes_that_day(tmp_path, monkeypatch):
    (tmp_path / "forms").mkdir()
    (tmp_path / "content").mkdir()
    form = tmp_path / "forms" / "contact.yml"
    text = re.sub(r"(?m)^privacy_updated: .*$", "privacy_updated: 2026-03-02",
                  (PROJECT_ROOT / "forms" / "contact.yml").read_text(encoding="utf-8"))
    form.write_text(text, encoding="utf-8")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1772409600")  # 2026-03-02 00:00 UTC: the build's day
    forms, current, warned = _check(tmp_path)
    assert warned == [] and write_dates(tmp_path, current)
    days = text.split(OLD_TEXT, 1)[1].split("\n", 1)[0]
    form.write_text(text.replace(OLD_TEXT + days, f"{OLD_TEXT}{int(days) + 1}", 1), encoding="utf-8")
    changed, current, warned = _check(tmp_path)
    assert changed["contact"].notice_version != forms["contact"].notice_version and warned == []
    assert write_dates(tmp_path, current)  # the same day's second version is recorded
    assert read_dates(tmp_path)["contact"]["version"] == changed["contact"].notice_version
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1772496000")  # the next day: the record now says which version
    assert _check(tmp_path)[2] == []
