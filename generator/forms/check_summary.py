"""Checking `summary:`, the form-level list of the answers that say who asked and
for what: the staff list shows them beside each request (decrypted for the rows
of the page only, never stored in clear).

    summary: [applicant_name, support_kind, city]

Codes: summary-unknown-field (a name the form has no field for), and the shared
invalid-value (not a list of names, more than MAX_SUMMARY_FIELDS, a field named
twice, or a field marked sensitive: an ID number or health details do not belong
on a list). A field asked only when earlier answers call for it (`relevant:`) is
fine: the list shows nothing for it when it was not asked.
"""
from __future__ import annotations

from generator.core.problems import N_, closest
from generator.core.yamlsource import LineDict

from .checker import Checker
from .model import FormField

#: The list has room for this many short answers beside each request.
MAX_SUMMARY_FIELDS = 3


def check_summary(c: Checker, data: LineDict, fields: list[FormField]) -> tuple[str, ...]:
    """The names of the summary fields, in order; () when absent or wrong (problems reported)."""
    if "summary" not in data:
        return ()
    value, line = data.get("summary"), data.line_of("summary")
    if not isinstance(value, list) or not value or not all(isinstance(name, str) for name in value) \
            or len(value) > MAX_SUMMARY_FIELDS or len(set(value)) != len(value):
        c.error(line, "invalid-value",
                N_('"summary" must be a list of one to %(most)s different field names, such as '
                   '"summary: [applicant_name, support_kind, city]".'), most=MAX_SUMMARY_FIELDS)
        return ()
    by_name = {f.name: f for f in fields}
    errors = c.errors
    for name in value:
        field = by_name.get(name)
        if field is None:
            c.error(line, "summary-unknown-field",
                    N_('"summary" names a field "%(name)s" that this form does not have.'), name=name,
                    suggest=closest(name, list(by_name)))
        elif field.sensitive:
            c.error(line, "invalid-value",
                    N_('"summary" names the field "%(name)s", which is marked sensitive: the list of requests '
                       "never shows ID numbers or health details. Name another field."), name=name)
    return tuple(value) if c.errors == errors else ()
