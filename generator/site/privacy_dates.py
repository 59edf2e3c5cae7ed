"""The date a privacy notice shows, kept in step with the notice (issue 35).

A form file's `privacy_updated` is the day its privacy notice last changed; the
notice's version (`Form.notice_version`) changes by itself with the text, the
period or a field's label. `content/privacy-dates.lock.yml` keeps, per form, the
version the notice had when its date was last set. `check` warns when the
version moved on but the date did not (the notice would show an old date over
new words); `build` records a form whose date is new (or which is new). A
notice dated today (the build's date) is dated rightly however often it changes
that day, so it is neither warned about nor held at its first version.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import yaml

from generator.core.config import build_date
from generator.core.problems import N_, Problems

LOCK_FILE = "content/privacy-dates.lock.yml"
_HEADER = ("# Written by `python -m generator build`: do not edit.\n"
           "# Per form, the privacy notice's version when its privacy_updated date was last set.\n")
_DATE_LINE = re.compile(r"^privacy_updated\s*:", re.M)


def _dated_today(updated: str) -> bool:
    """True when the notice's date is the build's day (or later): every change that day is dated."""
    return updated >= (build_date() or dt.date.today()).isoformat()


def read_dates(root: Path) -> dict[str, dict[str, str]]:
    path = root / LOCK_FILE
    if not path.exists():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError:
        return {}
    return {key: value for key, value in data.items() if isinstance(value, dict)} if isinstance(data, dict) else {}


def current_dates(forms: dict[str, Any]) -> dict[str, dict[str, str]]:
    """Each dated form's notice version and date, as the lock writes them."""
    return {form_id: {"version": form.notice_version, "updated": form.privacy_updated.isoformat()}
            for form_id, form in sorted(forms.items()) if isinstance(form.privacy_updated, dt.date)}


def check_privacy_dates(root: Path, forms: dict[str, Any], problems: Problems) -> dict[str, dict[str, str]]:
    """Warn about notices changed without a new date; returns `current_dates` for the build."""
    recorded = read_dates(root)
    current = current_dates(forms)
    for form_id, now in current.items():
        before = recorded.get(form_id)
        if (before is None or str(before.get("updated")) != now["updated"] or before.get("version") == now["version"]
                or _dated_today(now["updated"])):
            continue
        rel = f"forms/{form_id}.yml"
        found = _DATE_LINE.search((root / rel).read_text(encoding="utf-8"))
        line = found.string.count("\n", 0, found.start()) + 1 if found else 1
        problems.warning(rel, line, "privacy-not-dated",
                         N_("The privacy notice of this form changed (its privacy text, retention period or a "
                            "field's label), but privacy_updated still says %(date)s, the day of the "
                            "previous version: set privacy_updated to the day of this change, so the notice "
                            "does not show an old date over new words."), date=now["updated"])
    return current


def write_dates(root: Path, current: dict[str, dict[str, str]]) -> bool:
    """Record each form whose date changed (or that is new); a notice changed without a new
    date keeps its old record, so the warning stays until the date is set. True if written."""
    recorded = read_dates(root)
    new = {form_id: recorded[form_id] if form_id in recorded and str(recorded[form_id].get("updated")) == now["updated"]
           and not _dated_today(now["updated"]) else now for form_id, now in current.items()}
    if new == recorded:
        return False
    body = "".join(f"{form_id}: {json.dumps(value, sort_keys=True)}\n" for form_id, value in sorted(new.items()))
    path = root / LOCK_FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(_HEADER + body, encoding="utf-8")
    tmp.replace(path)
    return True
