"""The organisation settings file (`content/settings.yml`).

Facts the policy does not state (phone, e-mail, address, hours) live here and
nowhere else. An empty value is a placeholder: pages show it visibly and
`check` warns, so nobody publishes an invented number by accident.
"""
from __future__ import annotations

import copy
import datetime as dt
import functools
import sys
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from .i18n import LANGUAGE_CODES
from .problems import N_, Problem, Problems, closest
from .yamlsource import LineDict, load_yaml_file

SETTINGS_FILE = "content/settings.yml"

# key -> True when the value is translated ({ar, en}), False for one plain value.
ORGANISATION_KEYS: dict[str, bool] = {
    "name": True, "short_name": True, "phone": False, "whatsapp": False, "email": False,
    "address": True, "opening_hours": True, "licence_number": False, "social": False,
    "what_to_prepare": True,
}
# Keys the public pages show, as a placeholder while empty or missing (generator/site/pages.py LABELS).
SHOWN = ("phone", "whatsapp", "email", "address", "opening_hours", "what_to_prepare")
# Translated keys whose value in each language is a list of lines, not one line.
LIST_KEYS = ("what_to_prepare",)
TOP_KEYS = ("site_url", "arabic_digits", "endpoint_url", "organisation", "working_days")
REQUIRED_ORGANISATION = ("name", "short_name")
DIGIT_CHOICES = ("default", "arab", "latn")
DEFAULT_TIME_ZONE = "Asia/Riyadh"  # when content/settings.yml names none (or there is no such file)


@dataclass
class Settings:
    site_url: str = "http://127.0.0.1:8000/"
    arabic_digits: str = "default"
    endpoint_url: str = "/api/forms/"
    organisation: dict[str, Any] = field(default_factory=dict)
    #: For case due dates: weekday numbers (Monday 0) that are not working days, holidays, the time zone.
    weekend: frozenset[int] = frozenset()
    holidays: frozenset[dt.date] = frozenset()
    time_zone: str = DEFAULT_TIME_ZONE

    def org(self, key: str, lang: str | None = None) -> str:
        """An organisation value ('' when unfilled), in `lang` when translated."""
        value = self.organisation.get(key, "")
        if isinstance(value, dict) and lang:
            value = value.get(lang, "")
        return value if isinstance(value, str) else ""

    def org_list(self, key: str, lang: str) -> list[str]:
        """A translated list of lines (LIST_KEYS) in `lang`; [] when unfilled."""
        value = self.organisation.get(key) or {}
        lines = value.get(lang) if isinstance(value, dict) else None
        return [str(line) for line in lines] if isinstance(lines, list) else []

    @property
    def social(self) -> dict[str, str]:
        value = self.organisation.get("social") or {}
        return {k: v for k, v in value.items() if isinstance(v, str)}


def load_settings(root: Path, problems: Problems) -> Settings:
    data = load_yaml_file(root / SETTINGS_FILE, rel=SETTINGS_FILE, problems=problems)
    settings = Settings()
    if data is None:
        return settings
    if not isinstance(data, LineDict):
        problems.error(SETTINGS_FILE, 1, "invalid-structure",
                       N_('The settings file must be lines of "key: value".'))
        return settings
    for key in data:
        if key not in TOP_KEYS:
            problems.error(SETTINGS_FILE, data.line_of(key), "unknown-key",
                           N_('Unknown setting "%(key)s".%(suggestion)s'), key=key, suggest=closest(key, TOP_KEYS))
    site_url = str(data.get("site_url") or settings.site_url)
    if not site_url.startswith(("http://", "https://")):
        problems.error(SETTINGS_FILE, data.line_of("site_url"), "invalid-value",
                       N_('site_url must be a full address starting with "https://".'))
    settings.site_url = site_url.rstrip("/") + "/"
    digits = str(data.get("arabic_digits", "default"))
    if digits not in DIGIT_CHOICES:
        problems.error(SETTINGS_FILE, data.line_of("arabic_digits"), "invalid-value",
                       N_('arabic_digits must be one of %(items)s, not "%(digits)s".'),
                       items=', '.join(DIGIT_CHOICES), digits=digits)
    else:
        settings.arabic_digits = digits
    settings.endpoint_url = str(data.get("endpoint_url") or settings.endpoint_url).rstrip("/") + "/"
    settings.organisation = _check_organisation(data.get("organisation"), data, problems)
    if "working_days" in data:
        _read_working_days(data, settings, problems)
    return settings


def load_organisation(root: Path) -> Settings:
    """content/settings.yml for the commands and the web apps: read once per process
    (again only if the file changes), its problems reported on stderr that once: each
    error, and how many warnings (placeholders; `check` lists them, and every command
    repeating them would bury what it has to say). An error leaves that value's default
    in place, so a service still starts; `check` and `build` refuse it. Each caller gets
    its own copy, so one part changing a value changes nobody else's."""
    try:
        stat = (root / SETTINGS_FILE).stat()
        version: tuple[int, int] = (stat.st_mtime_ns, stat.st_size)
    except OSError:
        version = (0, -1)
    return copy.deepcopy(_load_and_report(root.resolve(), version))


@functools.cache
def _load_and_report(root: Path, version: tuple[int, int]) -> Settings:
    problems = Problems()
    settings = load_settings(root, problems)
    for problem in (problem for problem in problems.sorted() if problem.severity == "error"):
        print(problem, file=sys.stderr)
    if problems.warnings:
        print(f"{SETTINGS_FILE}: {len(problems.warnings)} warning(s); `python -m generator check` lists them.",
              file=sys.stderr)
    return settings


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _read_working_days(data: LineDict, settings: Settings, problems: Problems) -> None:
    """`working_days: {weekend: [friday, saturday], holidays: [2027-03-30], time_zone: Asia/Riyadh}`."""
    block = data.get("working_days")
    if not isinstance(block, LineDict):
        problems.error(SETTINGS_FILE, data.line_of("working_days"), "invalid-value",
                       N_('"working_days" must be lines "weekend: [...]", "holidays: [...]" and "time_zone: ...".'))
        return
    for key in block:
        if key not in ("weekend", "holidays", "time_zone"):
            problems.error(SETTINGS_FILE, block.line_of(key), "unknown-key",
                           N_('Unknown working_days setting "%(key)s".%(suggestion)s'),
                           key=key, suggest=closest(key, ['weekend', 'holidays', 'time_zone']))
    weekend = block.get("weekend") or []
    if not isinstance(weekend, list) or any(str(day).lower() not in WEEKDAYS for day in weekend):
        problems.error(SETTINGS_FILE, block.line_of("weekend"), "invalid-value",
                       N_('"weekend" must be a list of day names in English, such as [friday, saturday]; the days '
                          "are: %(items)s."), items=', '.join(WEEKDAYS))
    else:
        settings.weekend = frozenset(WEEKDAYS.index(str(day).lower()) for day in weekend)
    holidays = block.get("holidays") or []
    if not isinstance(holidays, list) or not all(isinstance(day, dt.date) for day in holidays):
        problems.error(SETTINGS_FILE, block.line_of("holidays"), "invalid-value",
                       N_('"holidays" must be a list of dates written as year-month-day, such as [2027-03-30].'))
    else:
        settings.holidays = frozenset(holidays)
    zone = str(block.get("time_zone") or settings.time_zone)
    try:
        zoneinfo.ZoneInfo(zone)
        settings.time_zone = zone
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        problems.error(SETTINGS_FILE, block.line_of("time_zone"), "invalid-value",
                       N_('"time_zone" must be a time zone name such as Asia/Riyadh, not "%(zone)s".'), zone=zone)


def _check_organisation(org: Any, parent: LineDict, problems: Problems) -> dict[str, Any]:
    if not isinstance(org, LineDict):
        problems.error(SETTINGS_FILE, parent.line_of("organisation"), "missing-key",
                       N_('Add an "organisation:" section with at least name and short_name.'))
        return {}
    for key in org:
        if key not in ORGANISATION_KEYS:
            problems.error(SETTINGS_FILE, org.line_of(key), "unknown-key",
                           N_('Unknown organisation setting "%(key)s".%(suggestion)s'),
                           key=key, suggest=closest(key, ORGANISATION_KEYS))
    for key in REQUIRED_ORGANISATION:
        if key not in org:
            problems.error(SETTINGS_FILE, org.line, "missing-key", N_('Add organisation "%(key)s".'), key=key)
    for key, translated in ORGANISATION_KEYS.items():
        value = org.get(key)
        if key == "social":
            for network, handle in (value or {}).items():
                if not handle:
                    _placeholder(problems, value.line_of(network), f"social.{network}")
            continue
        if key not in org and key in SHOWN:  # the pages show a placeholder for it
            _placeholder(problems, org.line, key)
            continue
        if translated:
            if not isinstance(value, LineDict):
                if key in org:
                    problems.error(SETTINGS_FILE, org.line_of(key), "missing-translation",
                                   N_('"%(key)s" needs one line per language: "ar:" and "en:".'), key=key)
                continue
            for lang in LANGUAGE_CODES:
                if key in LIST_KEYS and value.get(lang) and not (
                        isinstance(value.get(lang), list) and all(isinstance(v, str) and v for v in value[lang])):
                    problems.error(SETTINGS_FILE, value.line_of(lang), "invalid-value",
                                   N_('"%(key)s.%(lang)s" must be a list of lines, each starting with "- ".'),
                                   key=key, lang=lang)
                elif not value.get(lang):
                    if key in REQUIRED_ORGANISATION:
                        problems.error(SETTINGS_FILE, value.line, "missing-translation",
                                       N_('Add the "%(lang)s" text of organisation "%(key)s".'), lang=lang, key=key)
                    else:
                        _placeholder(problems, value.line_of(lang), f"{key}.{lang}")
        elif key in org and not value:
            _placeholder(problems, org.line_of(key), key)
    return dict(org)


PLACEHOLDER = "placeholder"  # the problem code of an unfilled setting


def unfilled_message(problems: Iterable[Problem]) -> str:
    """What `build --strict` says when placeholders stop it: each one by name, in English and Arabic."""
    found = [p for p in problems if p.code == PLACEHOLDER]
    if not found:
        return ""
    keys = [(p.message.split('"')[1], p.line) for p in found]  # the message starts with the key: _placeholder()
    names = ", ".join(f"{key} (line {line})" for key, line in keys)
    names_ar = "، ".join(f"{key} (السطر {line})" for key, line in keys)
    return (f"Not published: {len(found)} placeholder(s) in {SETTINGS_FILE} are not filled in yet: {names}. "
            "Fill them in with the values the charity confirms, then build again; "
            "without --strict the site shows them as placeholders (for a preview).\n"
            f"لم يُنشر الموقع: في {SETTINGS_FILE} بيانات لم تُعبأ بعد ({len(found)}): {names_ar}. "
            "املأها بالقيم التي تؤكدها الجمعية ثم ابنِ الموقع من جديد؛ "
            "ومن غير ‎--strict‎ يعرضها الموقع علامات «يُضاف لاحقاً» (للمعاينة فقط).")


def _placeholder(problems: Problems, line: int, key: str) -> None:
    problems.warning(SETTINGS_FILE, line, PLACEHOLDER,
                     N_('"%(key)s" is not filled in yet: the site shows a placeholder. Fill it in when the charity '
                        "confirms the value."), key=key)
