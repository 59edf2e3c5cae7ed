"""Report periods: whole Gregorian and Umm al-Qura months, quarters and years only."""
from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from generator.staff import periods, report_activity

UTC = dt.timezone.utc
RIYADH = zoneinfo.ZoneInfo("Asia/Riyadh")  # the organisation's time zone by default (UTC+3)


def day(y: int, m: int, d: int) -> dt.datetime:
    """Midnight in Riyadh: where report periods start."""
    return dt.datetime(y, m, d, tzinfo=RIYADH)


def test_gregorian_periods_are_whole_units() -> None:
    assert periods.parse("2026-11").bounds(RIYADH) == (day(2026, 11, 1), day(2026, 12, 1))  # type: ignore[union-attr]
    assert periods.parse("2026-Q4").bounds(RIYADH) == (day(2026, 10, 1), day(2027, 1, 1))  # type: ignore[union-attr]
    assert periods.parse("2026").bounds(RIYADH) == (day(2026, 1, 1), day(2027, 1, 1))  # type: ignore[union-attr]
    assert periods.parse("٢٠٢٦-١١") == periods.parse("2026-11")  # Arabic-Indic digits
    # Local midnight: 21:00 UTC the day before in Riyadh.
    start, _ = periods.parse("2026-03").bounds(RIYADH)  # type: ignore[union-attr]
    assert start == dt.datetime(2026, 2, 28, 21, 0, tzinfo=UTC)
    assert start <= dt.datetime(2026, 2, 28, 22, 30, tzinfo=UTC)  # 01:30 on 1 March in Riyadh: in March


def test_hijri_periods_follow_umm_al_qura_months() -> None:
    # 1 Muharram 1447 AH was Thursday 26 June 2025 in the Umm al-Qura calendar.
    muharram = periods.parse("h1447-01")
    assert muharram is not None and muharram.bounds(RIYADH)[0] == day(2025, 6, 26)
    year = periods.parse("h1447")
    assert year is not None and year.bounds(RIYADH) == (day(2025, 6, 26), periods.parse("h1448-01").bounds(RIYADH)[0])  # type: ignore[union-attr]
    assert 354 <= (year.bounds(RIYADH)[1] - year.bounds(RIYADH)[0]).days <= 355
    assert muharram.label("en") == "Muharram 1447 AH"


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "2026-11-01", "2026-Q5", "26-11", "h1600-01", "", "x"])
def test_anything_but_a_whole_unit_is_refused(text: str) -> None:
    assert periods.parse(text) is None


def test_recent_periods_are_whole_months_quarters_and_years() -> None:
    keys = [p.key for p in periods.recent("gregorian", day(2026, 2, 10), count=3)]
    assert keys == ["2026-02", "2026-01", "2025-12", "2026-Q1", "2025-Q4", "2026", "2025"]
    # The current month is that of the local date: 22:30 UTC on 28 February is 1 March in Riyadh.
    late = dt.datetime(2026, 2, 28, 22, 30, tzinfo=UTC).astimezone(RIYADH)
    assert periods.current("gregorian", late).key == "2026-03"


def test_weeks_start_on_sunday_at_local_midnight() -> None:
    # Saturday 22:30 UTC is Sunday 01:30 in Riyadh: the current week starts that Sunday, 00:00 local.
    saturday_night = dt.datetime(2026, 3, 7, 22, 30, tzinfo=UTC)
    bounds = report_activity.week_bounds(saturday_night, RIYADH)
    assert len(bounds) == report_activity.WEEKS + 1
    assert bounds[-2] == day(2026, 3, 8) == dt.datetime(2026, 3, 7, 21, 0, tzinfo=UTC)
    assert bounds[-1] == day(2026, 3, 15)
    assert all(b.astimezone(RIYADH).isoweekday() == 7 and b.astimezone(RIYADH).time() == dt.time()
               for b in bounds)
