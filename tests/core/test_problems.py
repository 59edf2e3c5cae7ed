"""core/problems.py: problems read `path:line: [code] message`, are collected, then sorted once."""
from __future__ import annotations

from pathlib import Path

from generator.core.problems import ContentError, Problem, Problems, did_you_mean


def test_a_problem_reads_path_line_code_message():
    assert str(Problem("content/faq.yml", 42, "missing-translation", "Add the English text.")) == (
        "content/faq.yml:42: [missing-translation] Add the English text.")
    assert str(Problem("content/settings.yml", 3, "placeholder", "Fill it in.", "warning")) == (
        "content/settings.yml:3: [placeholder] warning: Fill it in.")


def test_problems_are_collected_as_errors_and_warnings():
    problems = Problems()
    problems.error(Path("forms/a.yml"), 7, "unknown-key", "Unknown key.")
    problems.warning("content/b.yml", None, "placeholder", "Fill it in.")  # no line: line 1
    assert problems.errors == [Problem("forms/a.yml", 7, "unknown-key", "Unknown key.", "error")]
    assert problems.warnings == [Problem("content/b.yml", 1, "placeholder", "Fill it in.", "warning")]
    assert problems.items == problems.errors + problems.warnings


def test_line_zero_is_line_one():
    problems = Problems()
    problems.error("a.yml", 0, "x", "y")
    assert problems.items[0].line == 1


def test_extend_adds_problems_found_elsewhere():
    problems = Problems()
    problems.extend([Problem("a.yml", 2, "x", "y")])
    assert [str(p) for p in problems.items] == ["a.yml:2: [x] y"]


def test_sorted_orders_by_path_then_line_and_drops_repeats():
    problems = Problems()
    problems.error("b.yml", 1, "x", "later file")
    problems.error("a.yml", 10, "x", "line ten")
    problems.error("a.yml", 9, "z", "line nine")
    problems.error("a.yml", 10, "x", "line ten")  # found twice (two checks, or two language builds)
    problems.warning("a.yml", 9, "a", "a warning on line nine")
    assert [str(p) for p in problems.sorted()] == [
        "a.yml:9: [a] warning: a warning on line nine",
        "a.yml:9: [z] line nine",
        "a.yml:10: [x] line ten",
        "b.yml:1: [x] later file",
    ]
    assert len(problems.items) == 5  # sorting does not change what was collected


def test_did_you_mean_suggests_a_close_key_only():
    assert did_you_mean("titel", ["title", "summary"]) == ' Did you mean "title"?'
    assert did_you_mean("colour", ["title", "summary"]) == ""
    assert did_you_mean("title", []) == ""


def test_a_content_error_carries_every_problem_and_prints_one_a_line():
    found = [Problem("a.yml", 1, "x", "first"), Problem("b.yml", 2, "y", "second")]
    error = ContentError(found)
    assert error.problems == found
    assert str(error) == "a.yml:1: [x] first\nb.yml:2: [y] second"
