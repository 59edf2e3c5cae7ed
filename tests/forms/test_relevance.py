"""Conditional questions (generator/forms/relevance.py): the shared cases, judged by the server.

tests/fixtures/relevance_cases.yaml is the one list of answers -> follow-ups
opened; tests/browser/test_relevance.py runs the same list in chromium against
relevance.js, so the browser and the server cannot drift apart.
"""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from generator.core.problems import Problems
from generator.forms import load_forms, read_submission
from generator.forms.relevance import not_relevant, script_rules

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CASES = yaml.safe_load((FIXTURES / "relevance_cases.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def conditions():
    problems = Problems()
    forms = load_forms(FIXTURES / "relevance", problems)
    assert problems.items == []
    return forms["conditions"]


def opened(form, answers) -> list[str]:
    """The follow-ups (fields with a condition) that apply to these posted answers."""
    row = read_submission(form, answers).row
    dropped = not_relevant(form.fields, row)
    return [f.name for f in form.fields if f.relevant is not None and f.name not in dropped]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_the_shared_cases_on_the_server(conditions, case):
    assert opened(conditions, case["answers"]) == case["open"]


def test_the_cases_cover_every_operator_and_group(conditions):
    ops = {t.op for f in conditions.fields if f.relevant for t in f.relevant.tests}
    modes = {f.relevant.mode for f in conditions.fields if f.relevant and len(f.relevant.tests) > 1}
    assert ops == {"equals", "in", "not_in", "answered", "gte", "lte"} and modes == {"all", "any"}
    every = {name for case in CASES for name in case["open"]}
    assert every == {f.name for f in conditions.fields if f.relevant}, "a follow-up no case opens"


def test_an_answer_to_a_question_that_does_not_apply_is_dropped_and_not_judged(conditions):
    result = read_submission(conditions, {"visit": "clinic", "address": "x" * 500, "urgent": "true",
                                          "urgent_why": ""})
    assert result.errors == {"urgent_why": ["required"]}  # asked: urgent, with a visit
    assert result.row["address"] is None  # not asked: dropped, its length never judged
    result = read_submission(conditions, {"visit": "none", "needs": ["food"], "urgent": "true",
                                          "urgent_why": "x" * 500})
    assert result.ok and result.row["urgent_why"] is None


def test_the_script_gets_the_form_in_order_only_when_it_has_conditions(conditions, forms):
    import json

    rules = json.loads(script_rules(conditions.fields))
    assert [r[0] for r in rules] == [f.name for f in conditions.fields]
    assert {r[0]: r[2] for r in rules}["amount_why"] == {"mode": "all", "tests": [["amount", "gte", 1000.5]]}
    assert script_rules(forms["satisfaction"].fields) == ""


def test_answers_that_end_the_form_show_its_message_alone_on_the_deciding_answer(conditions):
    """`stop_if:`: the form's own words ("this service is for ..."), instead of every other error."""
    from generator.forms import error_message

    ended = read_submission(conditions, {"visit": "none", "age": "ten"})
    assert ended.errors == {"needs": ["no-visit-no-need"]}
    assert error_message(conditions, "needs", "no-visit-no-need", "ar") == "هذه الخدمة لمن يحتاج زيارة أو دعمًا"
    assert error_message(conditions, "needs", "no-visit-no-need", "en") == (
        "This service is for people who need a visit or support")
    assert read_submission(conditions, {"visit": "none", "needs": ["food"]}).ok
