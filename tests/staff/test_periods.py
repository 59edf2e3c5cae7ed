"""Report periods: whole Gregorian and Umm al-Qura months, quarters and years only."""
from __future__ import annotations

import datetime as dt

import pytest

from generator.staff import periods

UTC = dt.timezone.utc


def day(y: int, m: int, d: int) -> dt.datetime:
    return dt.datetime(y, m, d, tzinfo=UTC)


def test_gregorian_periods_are_whole_units() -> None:
    assert periods.parse("2026-11").bounds() == (day(2026, 11, 1), day(2026, 12, 1))  # type: ignore[union-attr]
    assert periods.parse("2026-Q4").bounds() == (day(2026, 10, 1), day(2027, 1, 1))  # type: ignore[union-attr]
    assert periods.parse("2026").bounds() == (day(2026, 1, 1), day(2027, 1, 1))  # type: ignore[union-attr]
    assert periods.parse("٢٠٢٦-١١") == periods.parse("2026-11")  # Arabic-Indic digits


def test_hijri_periods_follow_umm_al_qura_months() -> None:
    # 1 Muharram 1447 AH was Thursday 26 June 2025 in the Umm al-Qura calendar.
    muharram = periods.parse("h1447-01")
    assert muharram is not None and muharram.bounds()[0] == day(2025, 6, 26)
    year = periods.parse("h1447")
    assert year is not None and year.bounds() == (day(2025, 6, 26), periods.parse("h1448-01").bounds()[0])  # type: ignore[union-attr]
    assert 354 <= (year.bounds()[1] - year.bounds()[0]).days <= 355
    assert muharram.label("en") == "Muharram 1447 AH"


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "2026-11-01", "2026-Q5", "26-11", "h1600-01", "", "x"])
def test_anything_but_a_whole_unit_is_refused(text: str) -> None:
    assert periods.parse(text) is None


def test_recent_periods_are_whole_months_quarters_and_years() -> None:
    keys = [p.key for p in periods.recent("gregorian", day(2026, 2, 10), count=3)]
    assert keys == ["2026-02", "2026-01", "2025-12", "2026-Q1", "2025-Q4", "2026", "2025"]
