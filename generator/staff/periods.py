"""Report periods: whole calendar units only (a month, a quarter or a year), in
the Gregorian calendar or the Umm al-Qura (Hijri) calendar through hijridate.

Only whole units can be chosen, never arbitrary dates, so two overlapping
periods cannot be subtracted to reveal a small group. A period is written in
the address as `2026-11`, `2026-Q4` or `2026` (Gregorian) and `h1448-05`,
`h1448-Q2` or `h1448` (Hijri).
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from hijridate import Gregorian, Hijri

from generator.core import i18n

_PERIOD = re.compile(r"(h?)(\d{4})(?:-(?:(\d{2})|Q([1-4])))?\Z")
UTC = dt.timezone.utc


@dataclass(frozen=True)
class Period:
    calendar: str  # "gregorian" or "hijri"
    year: int
    month: int | None = None  # 1-12
    quarter: int | None = None  # 1-4

    @property
    def key(self) -> str:
        prefix = "h" if self.calendar == "hijri" else ""
        if self.month:
            return f"{prefix}{self.year:04d}-{self.month:02d}"
        if self.quarter:
            return f"{prefix}{self.year:04d}-Q{self.quarter}"
        return f"{prefix}{self.year:04d}"

    @property
    def months(self) -> tuple[int, int]:
        """First and last month of the period, in its calendar."""
        if self.month:
            return self.month, self.month
        if self.quarter:
            return 3 * self.quarter - 2, 3 * self.quarter
        return 1, 12

    @property
    def month_keys(self) -> tuple[str, str]:
        """First and last month as 'YYYY-MM' in its calendar (the months report counts are kept by)."""
        first, last = self.months
        return f"{self.year:04d}-{first:02d}", f"{self.year:04d}-{last:02d}"

    def bounds(self, zone: dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
        """[start, end): midnight in `zone` (the organisation's time zone) of the period's first
        day and of the day after its last, as report_counts counts a submission by its local date."""
        first, last = self.months
        start = _first_day(self.calendar, self.year, first)
        end = _first_day(self.calendar, self.year + (last == 12), 1 if last == 12 else last + 1)
        return (dt.datetime.combine(start, dt.time(), zone), dt.datetime.combine(end, dt.time(), zone))

    def label(self, lang: str) -> str:
        _ = i18n.translations(lang).gettext
        if self.calendar == "hijri":
            names = HIJRI_MONTHS
            suffix = " " + _("AH")
        else:
            names = GREGORIAN_MONTHS
            suffix = ""
        if self.month:
            return f"{_(names[self.month - 1])} {self.year}{suffix}"
        if self.quarter:
            return _("Quarter %(number)s, %(year)s") % {"number": self.quarter, "year": f"{self.year}{suffix}"}
        return f"{self.year}{suffix}"


# Month names, marked for the catalogs (the Arabic names are in messages.po).
def N_(text: str) -> str:
    return text


GREGORIAN_MONTHS = (N_("January"), N_("February"), N_("March"), N_("April"), N_("May"), N_("June"), N_("July"),
                    N_("August"), N_("September"), N_("October"), N_("November"), N_("December"))
HIJRI_MONTHS = (N_("Muharram"), N_("Safar"), N_("Rabi al-Awwal"), N_("Rabi al-Thani"), N_("Jumada al-Ula"),
                N_("Jumada al-Akhirah"), N_("Rajab"), N_("Shaban"), N_("Ramadan"), N_("Shawwal"),
                N_("Dhu al-Qadah"), N_("Dhu al-Hijjah"))


def _first_day(calendar: str, year: int, month: int) -> dt.date:
    if calendar == "hijri":
        return dt.date(*Hijri(year, month, 1).to_gregorian().datetuple())
    return dt.date(year, month, 1)


def parse(text: str | None) -> Period | None:
    """The period an address names, or None when it names none (or an impossible one)."""
    match = _PERIOD.match(i18n.to_western_digits(text or "").strip())
    if not match:
        return None
    hijri, year, month, quarter = match[1] == "h", int(match[2]), match[3], match[4]
    if month is not None and not 1 <= int(month) <= 12:
        return None
    period = Period("hijri" if hijri else "gregorian", year, int(month) if month else None,
                    int(quarter) if quarter else None)
    try:
        period.bounds(UTC)
    except (ValueError, OverflowError):  # outside the Umm al-Qura tables (1343-1500 AH)
        return None
    return period


def current(calendar: str, now: dt.datetime, unit: str = "month") -> Period:
    """The month (quarter, year) that holds the date of `now`, in a calendar: give `now`
    in the organisation's time zone."""
    if calendar == "hijri":
        h = Gregorian(now.year, now.month, now.day).to_hijri()
        year, month = h.year, h.month
    else:
        year, month = now.year, now.month
    if unit == "year":
        return Period(calendar, year)
    if unit == "quarter":
        return Period(calendar, year, quarter=(month - 1) // 3 + 1)
    return Period(calendar, year, month)


def recent(calendar: str, now: dt.datetime, count: int = 12) -> list[Period]:
    """The last `count` months (newest first), then the quarters and years that hold them
    (`now` in the organisation's time zone)."""
    months: list[Period] = []
    period = current(calendar, now)
    for _ in range(count):
        months.append(period)
        year, month = period.year, (period.month or 1) - 1
        if month == 0:
            year, month = year - 1, 12
        period = Period(calendar, year, month)
    quarters = list(dict.fromkeys(Period(calendar, p.year, quarter=((p.month or 1) - 1) // 3 + 1) for p in months))
    years = list(dict.fromkeys(Period(calendar, p.year) for p in months))
    return months + quarters + years
