"""Checking the `relevant:` beside a field's `ui:` (the model: relevance.py).

Each mistake here would otherwise show or hide a question for the wrong
people, or make a form nobody can send: a condition on a field that does not
exist or comes later (the browser and the server judge in the form's order), a
choice code the field does not have (labels change, codes do not), an
operator that cannot apply to the field's type, `all`/`any` nested (one
level keeps conditions readable), and a required question no answers can open.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from decimal import Decimal, InvalidOperation
from typing import Any, Iterable

from generator.core.problems import N_, Phrase, Term, closest
from generator.core.yamlsource import LineDict, LineList

from .checker import KEBAB_RE, Checker
from .model import FormField, Stop
from .relevance import GROUPS, OPERATORS, Condition, Test

#: Most combinations of answers tried to find one that opens a required question.
MAX_TRIES = 20_000


def check_conditions(c: Checker, checked: list[tuple[LineDict, FormField]]) -> list[FormField]:
    """The fields with their `relevant:` read; a field whose condition has an error keeps none
    (the checker's error stops the form from loading anyway)."""
    result: list[FormField] = []
    earlier: dict[str, FormField] = {}
    later = {field.name for _, field in checked}
    for raw, field in checked:
        later.discard(field.name)
        if "relevant" in raw:
            condition = _condition(c, raw, "relevant", field.name, earlier, later | {field.name})
            if condition is not None:
                field = dataclasses.replace(field, relevant=condition)
                if field.required and not _can_hold(condition, earlier):
                    c.error(raw.line_of("relevant"), "condition-never-relevant", N_(
                        'Field "%(name)s" is required, but no answers meet its condition, so the form could '
                        'never be sent by anyone it applies to. Correct the condition or remove it.'), name=field.name)
        earlier[field.name] = field
        result.append(field)
    return result


def check_stops(c: Checker, data: LineDict, fields: list[FormField]) -> tuple[Stop, ...]:
    """`stop_if:`: a list of `{code, when, message}`; `when` is a condition on any field."""
    rules = data["stop_if"]
    if not isinstance(rules, LineList):
        c.error(data.line_of("stop_if"), "invalid-stop", N_(
            '"stop_if" is a list of rules, each starting with "- code: ...", with "when:" and "message:".'))
        return ()
    by_name = {f.name: f for f in fields}
    stops = []
    for index, rule in enumerate(rules):
        line = rules.line_of(index)
        if not isinstance(rule, LineDict) or set(rule) != {"code", "when", "message"}:
            c.error(line, "invalid-stop", N_(
                'A "stop_if" rule has exactly "code:", "when:" (answers, written as for "relevant") and '
                '"message:" (why the form ends, in Arabic and English).'))
            continue
        code = rule["code"]
        if not isinstance(code, str) or not KEBAB_RE.match(code):
            c.error(rule.line_of("code"), "invalid-stop", N_(
                'The stop code "%(code)s" must be lower-case words joined by hyphens, such as "not-a-heart-patient".'),
                code=code)
            continue
        message = c.text(rule, "message", Phrase(N_('The "stop_if" rule "%(code)s"'), code=code))
        condition = _condition(c, rule, "when", code, by_name, set())
        if condition is not None and message is not None:
            stops.append(Stop(code=code, condition=condition, message=message))
    return tuple(stops)


def _condition(c: Checker, raw: LineDict, key_name: str, owner: str, earlier: dict[str, FormField],
               later: set[str]) -> Condition | None:
    value, line = raw[key_name], raw.line_of(key_name)
    if not isinstance(value, LineDict) or len(value) != 1:
        c.error(line, "invalid-condition", N_(
            'Field "%(name)s": "relevant" holds one test, such as "relevant: {support_kind: {equals: other}}", '
            'or "all:" or "any:" with a list of tests.'), name=owner)
        return None
    [key] = value
    if key in GROUPS:
        items = value[key]
        if not isinstance(items, LineList) or not items:
            c.error(value.line_of(key), "invalid-condition", N_(
                'Field "%(name)s": "%(group)s" takes a list of tests, each starting with "- ".'), name=owner, group=key)
            return None
        tests = [_test(c, item, items.line_of(i), owner, earlier, later) for i, item in enumerate(items)]
        if any(t is None for t in tests):
            return None
        return Condition(mode=key, tests=tuple(t for t in tests if t is not None))
    test = _test(c, value, line, owner, earlier, later)
    return Condition(mode="all", tests=(test,)) if test is not None else None


def _test(c: Checker, item: Any, line: int, owner: str, earlier: dict[str, FormField],
          later: set[str]) -> Test | None:
    if isinstance(item, LineDict) and len(item) == 1 and next(iter(item)) in GROUPS:
        c.error(item.line_of(next(iter(item))), "condition-too-deep", N_(
            'Field "%(name)s": "all" and "any" cannot hold another "all" or "any"; one level only. '
            'Write the condition as one list of tests.'), name=owner)
        return None
    if not isinstance(item, LineDict) or len(item) != 1 or not isinstance(next(iter(item.values())), LineDict) \
            or len(next(iter(item.values()))) != 1:
        c.error(line, "invalid-condition", N_(
            'Field "%(name)s": a test names one earlier field and one operator, such as '
            '"{relation: {not_in: [self]}}".'), name=owner)
        return None
    [(target, spec)] = item.items()
    [(op, operand)] = spec.items()
    line = item.line_of(target)
    if target in later:
        c.error(line, "condition-later-field", N_(
            'Field "%(name)s" depends on "%(target)s", which is not before it in the form. A question can '
            'depend only on the answers above it: move "%(target)s" above "%(name)s".'), name=owner, target=target)
        return None
    if target not in earlier:
        c.error(line, "condition-unknown-field", N_(
            'Field "%(name)s" depends on "%(target)s", which this form does not have.%(suggestion)s'),
            name=owner, target=target, suggest=closest(str(target), earlier))
        return None
    if op not in OPERATORS:
        c.error(spec.line_of(op), "invalid-condition", N_(
            'Field "%(name)s": "%(op)s" is not an operator.%(suggestion)s Operators: %(known)s.'),
            name=owner, op=op, suggest=closest(str(op), OPERATORS), known=", ".join(OPERATORS))
        return None
    source = earlier[target]
    if source.type not in OPERATORS[op]:
        c.error(spec.line_of(op), "condition-wrong-type", N_(
            'Field "%(name)s": "%(op)s" does not apply to "%(target)s", a field of type %(type)s. '
            'On this field use: %(fits)s.'), name=owner, op=op, target=target, type=source.type,
            fits=", ".join(o for o, types in OPERATORS.items() if source.type in types))
        return None
    typed = _operand(c, spec.line_of(op), owner, source, op, operand)
    return Test(field=str(target), op=str(op), value=typed) if typed is not None else None


def _operand(c: Checker, line: int, owner: str, source: FormField, op: str, operand: Any) -> Any:
    if op == "answered":
        if isinstance(operand, bool):
            return operand
        return _bad(c, line, owner, N_('"answered" is true or false'))
    if op in ("in", "not_in"):
        if not isinstance(operand, list) or not operand:
            return _bad(c, line, owner, N_('"in" and "not_in" take a list of choices, such as [self, parent]'))
        values = [_value(c, line, owner, source, item) for item in operand]
        return None if any(v is None for v in values) else tuple(values)
    if op in ("gte", "lte") and isinstance(operand, bool):
        return _bad(c, line, owner, N_('"gte" and "lte" take a number or a date'))
    return _value(c, line, owner, source, operand)


def _value(c: Checker, line: int, owner: str, source: FormField, value: Any) -> Any:
    """One operand typed as `source` reads its answers; None (reported) when it cannot be one."""
    if source.options:
        codes = [o.value for o in source.options]
        if value in codes and isinstance(value, bool) == isinstance(codes[0], bool):
            return value
        c.error(line, "condition-unknown-option", N_(
            'Field "%(name)s": "%(target)s" has no choice "%(value)s". Its choices are: %(codes)s '
            '(the codes, not the labels).'), name=owner, target=source.name, value=value,
            codes=", ".join(map(str, codes)))
        return None
    if source.type == "boolean":
        return value if isinstance(value, bool) else _bad(c, line, owner, N_("a tick box is true or false"))
    if source.type in ("integer", "number"):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            try:
                return int(value) if source.type == "integer" and float(value).is_integer() \
                    else Decimal(str(value))
            except InvalidOperation:  # pragma: no cover - YAML numbers are finite or inf
                pass
        return _bad(c, line, owner, N_("the field holds numbers: write a number"))
    if source.type == "date":
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            return _bad(c, line, owner, N_("the field holds dates: write one as YYYY-MM-DD"))
    if isinstance(value, str):
        return value
    return _bad(c, line, owner, N_("the field holds text: put the value in quotes"))


def _bad(c: Checker, line: int, owner: str, why: str) -> None:
    c.error(line, "invalid-condition", N_('Field "%(name)s": the condition\'s value does not fit (%(why)s).'),
            name=owner, why=Term(why))
    return None


def _can_hold(condition: Condition, fields: dict[str, FormField]) -> bool:
    """Whether some answers to the fields the condition names make it true: every
    combination of candidate answers (the choices, the operands and values beside
    them, blank where the field can be left blank) is tried."""
    names = condition.fields
    pools = [_candidates(fields[name], [t.value for t in condition.tests if t.field == name]) for name in names]
    for combo in itertools.islice(itertools.product(*pools), MAX_TRIES):
        if condition.holds(dict(zip(names, combo))):
            return True
    return False


def _candidates(field: FormField, operands: Iterable[Any]) -> list[Any]:
    blank = [None] if not field.required or field.relevant is not None else []
    if field.type == "array":
        codes = [o.value for o in field.options]
        subsets = (itertools.chain.from_iterable(itertools.combinations(codes, k) for k in range(1, len(codes) + 1))
                   if len(codes) <= 6 else [(code,) for code in codes] + [tuple(codes)])
        return blank + [list(s) for s in subsets]
    if field.options:
        return blank + [o.value for o in field.options]
    if field.type == "boolean":
        return blank + [True, False]
    values: list[Any] = []
    for operand in operands:
        for value in operand if isinstance(operand, tuple) else (operand,):
            if isinstance(value, dt.date):
                values += [value - dt.timedelta(days=1), value, value + dt.timedelta(days=1)]
            elif isinstance(value, (int, Decimal)) and not isinstance(value, bool):
                values += [value - 1, value, value + 1]
            else:
                values.append(value)
    if field.type == "string":
        values.append("\0another answer")
    return blank + values
