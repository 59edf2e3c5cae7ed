"""Checking `report: true`, the key beside a field's `ui:` that lets the staff
reports count the field's values without decrypting the answers.

Only a choice (radios, select, checkboxes) or a rating (a 1-5 range shown as
radios) may be counted: a free-text answer, or a field marked sensitive or
holding a name or contact detail, would put personal data beside the
encrypted answers in plain text, so the checker refuses it with its line.
"""
from __future__ import annotations

from typing import Any

from generator.core.problems import N_
from generator.core.yamlsource import LineDict

from .checker import Checker

CHOICE_CONTROLS = ("radios", "select", "checkboxes")
#: At most this many fields of a form may be counted: the store keeps them in the columns
#: v1..v8 of report_values (submissions/db/report_values.py reads this number).
MAX_REPORT_FIELDS = 8
#: An autocomplete token that names a person or a way to reach them.
PERSONAL_AUTOCOMPLETE = ("name", "given-name", "family-name", "additional-name", "nickname", "email", "tel",
                         "tel-national", "street-address", "bday", "username")


def check_report(c: Checker, raw: LineDict, ui: dict[str, Any]) -> bool:
    """True when the field may be counted; False (with an error) otherwise."""
    name, value = raw["name"], raw["report"]
    line = raw.line_of("report")
    if not isinstance(value, bool):
        c.error(line, "invalid-value", N_('Field "%(name)s": "report" must be true or false, not "%(value)s".'),
                name=name, value=value)
        return False
    if not value:
        return False
    token = str(ui.get("autocomplete") or "").split()[-1:]
    if ui.get("control") not in CHOICE_CONTROLS or ui.get("sensitive") or \
            (token and token[0] in PERSONAL_AUTOCOMPLETE):
        c.error(line, "report-not-countable",
                N_('Field "%(name)s" cannot be counted by reports: only a choice or a rating that is not personal '
                   '(not marked sensitive, not a name or contact detail) may have "report: true". Remove "report: '
                   'true" from this field.'), name=name)
        return False
    return True
