"""Reading a submission: posted text -> typed row, or error codes per field.

The same frictionless cell readers that define the schema do the checking, so
the build, the endpoint and `frictionless validate` on an export agree. They
are built once per form when it is loaded (23 µs a row, against ~6 ms for a
`Resource.validate()` per request). What happens before them is ours:

* text is tidied as browsers send it: CRLF -> LF (so a textarea's length is
  the length the browser's `maxlength` counted), outer spaces stripped (a
  required answer of only spaces is no answer), and control characters other
  than tab and newline dropped (PostgreSQL refuses NUL in text; nobody types them);
* digits: in number, phone and ID fields (`FormField.digits`) Arabic-Indic
  (٠-٩) and Persian (۰-۹) digits become 0-9, bidi marks that Arabic keyboards
  slip in are dropped, and in phone/ID text the spaces and hyphens people
  group digits with are removed ("050 123 4567" -> "0501234567");
* patterns are anchored: frictionless compiles `^{pattern}$`, so `1|2` would
  match "1anything", and `$` accepts a final newline. We hand it
  `(?a:{pattern})\\Z`: grouped, truly at the end, and with ASCII `\\d`/`\\w`, as
  JavaScript reads them in the HTML `pattern` attribute.
"""
from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from frictionless import Schema

from generator.core.i18n import to_western_digits

from .model import HONEYPOT_FIELD, CellReader, Form, FormField
from .relevance import not_relevant

_CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_BIDI_MARKS = dict.fromkeys(map(ord, "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))
_DIGIT_GROUPING = re.compile(r"[\s\-\u2010-\u2015]+")
_ARABIC_DECIMAL, _ARABIC_THOUSANDS = "\u066b", "\u066c"  # ٫ and ٬
_SEVERAL = object()  # several values posted for a one-answer field, or text for a file field: "type"


@dataclass
class PostedAnswers:
    """What `read_submission` found: `.row` to store, or `.errors` to show.

    `row` maps every field to its typed value (str, int, Decimal, bool, date,
    list of str; a file field's list of the stored files' numbers), None
    where an optional field was left empty, the answer was wrong or the
    question did not apply (its `relevant:`). `errors` maps a field to its
    error codes, most important first (frictionless codes, a rule
    code such as "contact-required", or alone a `stop_if:` code); the key
    "" holds errors about the form as a whole ("unknown-field").
    """

    row: dict[str, Any]
    errors: dict[str, list[str]]
    unknown_fields: tuple[str, ...] = field(default=())  # posted names the form does not have

    @property
    def ok(self) -> bool:
        return not self.errors


def runtime_descriptor(descriptor: Mapping[str, Any]) -> dict[str, Any]:
    """The schema as the readers apply it: patterns anchored (see module docstring)."""
    result = copy.deepcopy(dict(descriptor))
    for spec in result["fields"]:
        for holder in (spec, spec.get("arrayItem") or {}):
            constraints = holder.get("constraints") or {}
            if "pattern" in constraints:
                constraints["pattern"] = f"(?a:{constraints['pattern']})\\Z"
    return result


def build_readers(descriptor: Mapping[str, Any]) -> dict[str, CellReader]:
    readers: dict[str, CellReader] = Schema.from_descriptor(runtime_descriptor(descriptor)).create_cell_readers()
    return readers


def normalise(field: FormField, text: str) -> str:
    if text.isprintable():  # most answers: no line break, control character or bidi mark to tidy
        text = text.strip()
    else:
        text = _CONTROL_CHARS.sub("", text.replace("\r\n", "\n").replace("\r", "\n")).strip()
    if field.digits:
        text = to_western_digits(text).translate(_BIDI_MARKS)
        if field.type == "number":
            text = text.replace(_ARABIC_DECIMAL, ".").replace(_ARABIC_THOUSANDS, "")
        elif field.type == "string":
            text = _DIGIT_GROUPING.sub("", text)
    return text


def _prepare(field: FormField, raw: Any) -> Any:
    """Posted value(s) -> what the cell reader expects: text, a list, or None."""
    if isinstance(raw, (list, tuple)) and field.type != "array":
        answers = [item for item in raw if not (isinstance(item, str) and not item.strip())]
        if len(answers) > 1:
            return _SEVERAL
        raw = answers[0] if answers else None
    if raw is None:
        return None
    if field.files is not None:
        return _file_numbers(raw)
    if field.type == "array":
        items: list[Any] = []
        seen: set[str] = set()
        for item in raw if isinstance(raw, (list, tuple)) else [raw]:
            if isinstance(item, str):
                item = normalise(field, item)
                if not item or item in seen:  # a choice ticked twice is one choice
                    continue
                seen.add(item)
            items.append(item)  # anything else: frictionless reports it
        return items or None  # frictionless would take [] as an answer to a required field
    # Typed values from a script client (true, 5) go to frictionless as they
    # are: its readers accept them or report "type", like any wrong answer.
    return normalise(field, raw) if isinstance(raw, str) else raw


def _file_numbers(raw: Any) -> Any:
    """A file field's answer: the numbers of the files stored with the submission ([1, 2]), each
    once; an empty text (a file input left empty, posted without multipart) is no answer. Text is
    never a file's number: a posted "1" must not claim a stored file, so it is a "type" error."""
    numbers: list[int] = []
    for item in raw if isinstance(raw, (list, tuple)) else [raw]:
        if isinstance(item, str) and not item.strip():
            continue
        if isinstance(item, bool) or not isinstance(item, int) or item < 1:
            return _SEVERAL  # read as a wrong answer: "type"
        if item not in numbers:
            numbers.append(item)
    return numbers or None


def group_posted(pairs: Iterable[tuple[str, Any]], form: Form) -> dict[str, Any]:
    """Posted (name, value) pairs, in order, as read_submission takes them: a name posted
    several times gives a list, and an array field (checkboxes) always gets one."""
    data: dict[str, Any] = {}
    for name, value in pairs:
        if name in data:
            previous = data[name]
            data[name] = (previous if isinstance(previous, list) else [previous]) + _as_list(value)
        else:
            data[name] = value
    arrays = {f.name for f in form.schema.fields if f.type == "array"}
    for name in arrays & set(data):
        # One ticked box arrives as a single value; an array field always gets a list.
        data[name] = _as_list(data[name])
    return data


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def read_answer(form: Form, name: str, posted: Any) -> tuple[Any, list[str]]:
    """One answer checked as the form checks it (a staff correction): (the stored value,
    []) or (None, the error codes). Whether the question applies is not judged here: a
    corrected answer is one that was given. An empty answer to a field the form
    requires is refused."""
    for f, reader, _condition, required_when_asked in form.reading_plan:
        if f.name != name:
            continue
        value = _prepare(f, posted)
        if value is _SEVERAL:
            return None, ["type"]
        cell, notes = reader(value)
        if cell is None and not notes and (required_when_asked or f.required):
            notes = {"required": ""}
        return (None, list(notes)) if notes else (cell, [])
    raise KeyError(name)


def read_submission(form: Form, data: Mapping[str, Any]) -> PostedAnswers:
    """Check posted data against the form. `data`: name -> text, or a list of
    texts for checkboxes, as posted. The honeypot is the caller's business and
    is skipped here; any other name the form does not have is an error."""
    row: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    names = {f.name for f in form.fields}
    unknown = tuple(sorted(str(name) for name in data if name not in names and name != HONEYPOT_FIELD))
    if unknown:
        errors[""] = ["unknown-field"]
    dropped: set[str] = set()
    for f, reader, condition, required_when_asked in form.reading_plan:
        if condition is not None and not condition.check(row):
            # A question that does not apply (relevance.py): its answer, if any, is dropped
            # unread; it counts as blank for the conditions after it and is never stored.
            row[f.name] = None
            dropped.add(f.name)
            continue
        value = _prepare(f, data.get(f.name))
        if value is _SEVERAL:
            row[f.name], errors[f.name] = None, ["type"]
            continue
        cell, notes = reader(value)
        if cell is None and required_when_asked and not notes:
            notes = {"required": ""}  # its schema leaves "required" to us: it applies only when asked
        if f.files is not None and cell and len(cell) > f.files.max_files:
            notes = {"files-too-many": ""}  # the endpoint counts them while reading; a last guard
        row[f.name] = None if notes else cell
        if notes:
            errors[f.name] = list(notes)
    for rule in form.rules:
        # A rule speaks only when its fields are empty, not when they are wrong:
        # the field's own message says more.
        if rule.reported_on in dropped:
            continue
        if rule.required:
            applies = all(row.get(name) == value for name, value in rule.when)
            empty = [rule.required] if applies else []
        else:
            empty = list(rule.one_of)
        if empty and all(row.get(name) is None and name not in errors for name in empty):
            errors.setdefault(rule.reported_on, []).append(rule.code)
    for stop in form.stops:
        if stop.condition.holds(row):
            # These answers end the form (`stop_if:`): its message alone, on the answer that decides.
            errors = {stop.reported_on: [stop.code]}
            break
    return PostedAnswers(row=row, errors=errors, unknown_fields=unknown)


def not_asked(form: Form, stored: Mapping[str, Any]) -> set[str]:
    """The questions that did not apply to a stored submission (`relevant:`), judged on its
    answers read back through the form's readers (JSON holds dates as text). A submission made
    since never holds answers to them; one made before a condition was added may."""
    typed = {}
    for f in form.fields:
        value = stored.get(f.name)
        typed[f.name] = None if value is None else form.readers[f.name](value)[0]
    return not_relevant(form.fields, typed)
