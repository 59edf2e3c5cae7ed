"""Checking one field of a form file: its Table Schema part (the `ui:` part: check_ui.py).

The schema part is what frictionless validates and the endpoint enforces.
Each check here exists because the mistake it catches would otherwise reach
a visitor or the endpoint: a name that breaks the HTML, a bound frictionless
cannot compare (a failure on every request), a pattern the browser reads
differently from the server, a tick box that accepts "false".
"""
from __future__ import annotations

import inspect
import re
from typing import Any, Callable, Iterable

import frictionless.fields
from frictionless import Field, Schema

from generator.core.problems import N_, Phrase, Term, closest
from generator.core.yamlsource import LineDict

from .check_files import ARRAY_ITEM
from .check_report import check_report
from .check_ui import check_ui, choices_of
from .checker import Checker, Where, empty, plain
from .model import CONSTRAINTS, CONTROLS, RESERVED_NAMES, FormField

#: Every type Table Schema defines, read from frictionless itself.
TABLE_SCHEMA_TYPES = sorted(
    {cls.type for cls in vars(frictionless.fields).values()
     if inspect.isclass(cls) and issubclass(cls, Field) and isinstance(vars(cls).get("type"), str)}
)
UNSUPPORTED_CONSTRAINTS = ("unique", "exclusiveMinimum", "exclusiveMaximum")
FIELD_KEYS = ("name", "type", "format", "title", "description", "constraints", "arrayItem", "ui", "report",
              "relevant", "identifier")
#: The values of `identifier:` (the other identifiers are known from the field itself).
IDENTIFIER_KINDS = ("name",)
NAME_RE = re.compile(r"[a-z][a-z0-9_]*\Z")
# Python regex syntax that JavaScript (the HTML pattern attribute) reads
# differently or not at all; a pattern must mean the same on both sides.
NOT_PORTABLE = re.compile(r"\(\?P[<=>]|\\[AZz]|\(\?[aiLmsux]+\)|\(\?#|\(\?>|[*+?}]\+")


def check_field(c: Checker, raw: Any, line: int, rule_codes: Iterable[str] = ()) -> tuple[FormField, dict] | None:
    """Check one item of `schema.fields`; the field and its clean descriptor, or None."""
    if not isinstance(raw, LineDict):
        c.error(line, "invalid-value", N_('Each item under "fields:" must be a field: lines such as "name: ...", '
                                          '"type: ...", "constraints: ...", "ui: ...".'))
        return None
    start = c.errors
    c.unknown_keys(raw, FIELD_KEYS, Term(N_("A field")))
    if not c.missing_keys(raw, ("name", "type"), Term(N_("A field"))):
        return None
    name, kind = raw["name"], raw["type"]
    where = Phrase(N_('Field "%(name)s"'), name=name)
    if not isinstance(name, str) or not NAME_RE.match(name):
        c.error(raw.line_of("name"), "invalid-name",
                N_('The field name "%(name)s" cannot be used: write it in lower-case Latin letters, digits and '
                   '"_", starting with a letter (such as "mobile" or "national_id").'), name=name)
        return None
    if name in RESERVED_NAMES:
        taken = ", ".join(f'"{n}"' for n in RESERVED_NAMES)
        c.error(raw.line_of("name"), "reserved-name",
                N_('The field name "%(name)s" is reserved: every form already sends or stores %(taken)s beside its '
                   'fields. Give this field another name, such as "%(name)s_answer".'), name=name, taken=taken)
        return None
    if kind not in TABLE_SCHEMA_TYPES:
        c.error(raw.line_of("type"), "unknown-type",
                N_('%(where)s has the type "%(kind)s", which Table Schema does not define.%(suggestion)s Form '
                   "fields can be: %(items)s."),
                where=where, kind=kind, items=', '.join(CONTROLS), suggest=closest(str(kind), CONTROLS))
        return None
    if kind not in CONTROLS:
        c.error(raw.line_of("type"), "unsupported-type",
                N_('%(where)s has the type "%(kind)s", which a form cannot ask for. Use one of: %(items)s.'),
                where=where, kind=kind, items=', '.join(CONTROLS))
        return None
    constraints = raw.get("constraints") if "constraints" in raw else empty(raw.line)
    what = Phrase(N_('The "constraints" of field "%(name)s"'), name=name)
    if c.mapping(constraints, raw.line_of("constraints"), what) is None:
        return None
    _check_constraint_names(c, constraints, where)
    beside = ("ui", "report", "relevant", "identifier")  # keys of ours, not Table Schema's
    descriptor = plain({key: value for key, value in raw.items() if key not in beside})
    if "relevant" in raw and isinstance(descriptor.get("constraints"), dict):
        # Required only when asked (relevance.py): the reader and a Data Package export's
        # schema leave it to fields.read_submission, which knows when the field applies.
        descriptor["constraints"].pop("required", None)
    if kind == "array" and _shows_files(raw) and "arrayItem" not in raw:
        descriptor["arrayItem"] = dict(ARRAY_ITEM)  # the stored files' numbers (check_files.py)
    if c.errors == start:  # frictionless would repeat what was just reported
        _check_with_frictionless(c, raw, constraints, descriptor)
    if c.errors == start:
        _check_values(c, raw, constraints, where)
    if kind == "string" and "maxLength" not in constraints:
        c.error(raw.line_of("constraints"), "missing-max-length",
                N_('%(where)s is text without a length limit. Add "maxLength: <number>" under its constraints (and '
                   'a "maxLength" message under ui.errors).'), where=where)
    if kind == "boolean" and constraints.get("required") and constraints.get("enum") != [True]:
        c.error(raw.line_of("constraints"), "consent-not-true",
                N_('%(where)s is a required tick box, but "required" only checks that something was sent. Add '
                   '"enum: [true]" under its constraints so that only a ticked box is accepted (and an "enum" '
                   "message under ui.errors)."), where=where)
    choices = choices_of(c, raw, constraints, where)
    ui = check_ui(c, raw, constraints, choices, tuple(rule_codes))
    if ui is not None and "report" in raw:
        ui["report"] = check_report(c, raw, ui)
    if ui is not None and "identifier" in raw:
        ui["identifier"] = _check_identifier(c, raw)
    if c.errors != start or ui is None:
        return None
    field = FormField(name=name, type=kind, format=str(raw.get("format", "default")),
                      constraints=plain(constraints), line=raw.line, **ui)
    return field, descriptor


def _shows_files(raw: LineDict) -> bool:
    ui = raw.get("ui")
    return isinstance(ui, LineDict) and ui.get("control") == "file"


def _check_identifier(c: Checker, raw: LineDict) -> str | None:
    """`identifier: name`: a text answer whose words staff may search by (hashed, never in clear)."""
    value = raw["identifier"]
    if value not in IDENTIFIER_KINDS or raw["type"] != "string":
        c.error(raw.line_of("identifier"), "invalid-value",
                N_('Field "%(name)s": "identifier" can only be "name", on a text field (type: string), not '
                   '"%(value)s".'), name=raw["name"], value=value)
        return None
    return str(value)


def _check_constraint_names(c: Checker, constraints: LineDict, where: Where) -> None:
    known = CONSTRAINTS + UNSUPPORTED_CONSTRAINTS
    for key in constraints:
        if key in UNSUPPORTED_CONSTRAINTS:
            c.error(constraints.line_of(key), "unsupported-constraint",
                    N_('%(where)s uses "%(key)s", which these forms do not check. Use: %(items)s.'),
                    where=where, key=key, items=', '.join(CONSTRAINTS))
        elif key not in known:
            c.error(constraints.line_of(key), "unknown-key",
                    N_('%(where)s has an unknown constraint "%(key)s".%(suggestion)s Known constraints: %(items)s.'),
                    where=where, key=key, items=', '.join(CONSTRAINTS), suggest=closest(key, known))


def _check_with_frictionless(c: Checker, raw: LineDict, constraints: LineDict, descriptor: dict) -> None:
    """frictionless is the judge of Table Schema; we only find the line it means."""
    report = Schema.validate_descriptor({"fields": [descriptor]})
    for error in report.errors:
        note = error.note
        key = next((k for k in constraints if f"constraints/{k}'" in note or f'constraint "{k}"' in note), None)
        line = constraints.line_of(key) if key else raw.line
        c.error(line, "invalid-schema", N_('frictionless says the field "%(name)s" is not valid: %(note)s.'),
                name=raw['name'], note=note)


def _reader(kind: str, fmt: str) -> Callable[[Any], Any]:
    return Field.from_descriptor({"name": "x", "type": kind, "format": fmt}).create_value_reader()


def _check_values(c: Checker, raw: LineDict, constraints: LineDict, where: Where) -> None:
    """Bounds and choices must be values of the field's own type: frictionless
    compares them with each answer, and a bound it cannot read fails per request."""
    kind, fmt = raw["type"], str(raw.get("format", "default"))
    read = _reader(kind if kind != "array" else "string", fmt)
    bounds = ("minimum", "maximum") if kind != "string" else ()
    for key in bounds:
        if key in constraints and read(plain(constraints[key])) is None:
            c.error(constraints.line_of(key), "invalid-schema",
                    N_('%(where)s: "%(key)s: %(constraints)s" is not a valid %(kind)s.'),
                    where=where, key=key, constraints=constraints[key], kind=kind)
    choices = constraints.get("enum") if kind in ("string", "integer", "number", "date") else None
    for value in choices or []:
        if read(plain(value)) is None:
            c.error(constraints.line_of("enum"), "invalid-schema",
                    N_('%(where)s: the choice "%(value)s" in "enum" is not a valid %(kind)s.'),
                    where=where, value=value, kind=kind)
    for low, high in (("minimum", "maximum"), ("minLength", "maxLength")):
        a, b = constraints.get(low), constraints.get(high)
        if a is not None and b is not None and _reversed(read, a, b, typed=low in bounds):
            c.error(constraints.line_of(low), "invalid-schema", N_('%(where)s: "%(low)s" is more than "%(high)s".'),
                    where=where, low=low, high=high)
    pattern = constraints.get("pattern")
    if isinstance(pattern, str):
        try:
            re.compile(pattern)
        except re.error as exc:
            c.error(constraints.line_of("pattern"), "invalid-pattern",
                    N_("%(where)s: the pattern cannot be read (%(exc)s). Check brackets and backslashes."),
                    where=where, exc=exc)
            return
        bad = NOT_PORTABLE.search(pattern)
        if bad:
            c.error(constraints.line_of("pattern"), "invalid-pattern",
                    N_('%(where)s: the pattern uses "%(group)s", which web browsers read differently from the '
                       'server. Use plain syntax that means the same in both, such as "[12][0-9]{9}".'),
                    where=where, group=bad.group())


def _reversed(read: Callable[[Any], Any], a: Any, b: Any, *, typed: bool) -> bool:
    """True when the lower bound is above the upper one."""
    a, b = (read(plain(a)), read(plain(b))) if typed else (a, b)
    try:
        return a is not None and b is not None and a > b
    except TypeError:
        return False


