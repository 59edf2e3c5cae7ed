"""When a question is asked: a field's `relevant:` condition, and the one evaluator of it.

A condition looks at earlier answers only, by field name and option code:

    relevant: {support_kind: {equals: other}}
    relevant: {relation: {not_in: [self]}}
    relevant:
      any:
        - {reply_by: {equals: phone}}
        - {kind: {equals: complaint}}

Operators: `equals`, `in`, `not_in` (on a tick-box group: any ticked code is
among them / none is), `answered` (true or false), `gte`, `lte` (numbers and
dates); `all:` / `any:` hold a list of such tests, one level deep (check_relevance.py
checks all of it). The rules, the same here and in the browser
(templates/overrides/assets/javascripts/relevance.js; both run
tests/fixtures/relevance_cases.yaml):

* fields are judged in the form's order; a field that is not relevant counts
  as blank in the conditions after it, and so does an answer that is not valid;
* a test on a blank answer is false, except `answered: false`.

The endpoint drops the answers to questions that are not relevant before it
checks the rest (fields.py), so they are never required and never stored.
A leaf: it imports nothing of the package.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Callable, Iterable, Mapping

#: The operators, and the field types each fits (the checker refuses the others).
OPERATORS: dict[str, tuple[str, ...]] = {
    "equals": ("string", "integer", "number", "boolean", "date"),
    "in": ("string", "integer", "number", "array"),
    "not_in": ("string", "integer", "number", "array"),
    "answered": ("string", "integer", "number", "boolean", "date", "array"),
    "gte": ("integer", "number", "date"),
    "lte": ("integer", "number", "date"),
}
GROUPS = ("all", "any")


@dataclass(frozen=True)
class Test:
    """`{field: {op: value}}`: one test of one earlier answer (value typed as the field reads it)."""

    field: str
    op: str
    value: Any

    def holds(self, answer: Any) -> bool:
        """Whether `answer` (typed; None when blank) passes this test."""
        if answer is None:
            return self.op == "answered" and not self.value
        if self.op == "equals":
            return bool(answer == self.value)
        return self._holds(answer)

    def _holds(self, answer: Any) -> bool:  # an answer, to a test other than equals
        if self.op == "answered":
            return bool(self.value)
        if self.op in ("in", "not_in"):
            chosen = answer if isinstance(answer, list) else [answer]
            found = any(item in self.value for item in chosen)
            return found if self.op == "in" else not found
        if self.op == "gte":
            return bool(answer >= self.value)
        return bool(answer <= self.value)  # lte


@dataclass(frozen=True)
class Condition:
    """A field's `relevant:`: its tests joined by `all` (one test is `all` of one) or `any`."""

    mode: str  # "all" or "any"
    tests: tuple[Test, ...]
    #: `holds`, made once per condition (read_submission asks it for every post).
    check: Callable[[Mapping[str, Any]], bool] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "check", self._compiled())

    def _compiled(self) -> Callable[[Mapping[str, Any]], bool]:
        if len(self.tests) != 1:
            return self.holds
        test = self.tests[0]
        name, value = test.field, test.value
        if test.op == "equals":  # most conditions; a blank answer (None) never equals a value
            return lambda row: bool(row.get(name) == value)
        if test.op in ("in", "not_in"):
            choices, wanted = frozenset(value), test.op == "in"

            def among(row: Mapping[str, Any]) -> bool:
                answer = row.get(name)
                if answer is None:
                    return False
                found = any(item in choices for item in answer) if type(answer) is list else answer in choices
                return found is wanted
            return among
        return lambda row: test.holds(row.get(name))

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(t.field for t in self.tests))

    def holds(self, row: Mapping[str, Any]) -> bool:
        """Whether the condition holds for `row` (typed answers so far; blank: None or absent)."""
        results = (test.holds(row.get(test.field)) for test in self.tests)
        return all(results) if self.mode == "all" else any(results)

    def as_json(self) -> dict[str, Any]:
        """For the browser's script: dates as ISO text, numbers as numbers."""
        return {"mode": self.mode, "tests": [[t.field, t.op, _json_value(t.value)] for t in self.tests]}


def _json_value(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_json_value(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def script_rules(fields: Iterable[Any]) -> str:
    """The form's fields in order, for relevance.js: `[[name, type, condition or null], ...]`
    as JSON, or "" when no field has a condition (the page then loads no script)."""
    fields = list(fields)
    if all(f.relevant is None for f in fields):
        return ""
    return json.dumps([[f.name, f.type, f.relevant.as_json() if f.relevant else None] for f in fields],
                      ensure_ascii=False, separators=(",", ":"))


def not_relevant(fields: Iterable[Any], row: Mapping[str, Any]) -> set[str]:
    """The fields whose condition fails on `row` (typed answers, in order), each
    counting as blank for the conditions after it. `fields`: FormField-like
    (`.name`, `.relevant`)."""
    dropped: set[str] = set()
    seen: dict[str, Any] = {}
    for item in fields:
        if item.relevant is not None and not item.relevant.check(seen):
            dropped.add(item.name)
            seen[item.name] = None
        else:
            seen[item.name] = row.get(item.name)
    return dropped
