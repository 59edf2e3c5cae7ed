"""Issue 26: content/search-synonyms.yml is checked like the other content files.

Each folder tests/fixtures/content/synonym-* holds one mistake: its files
replace the real project's in a private copy, and the test asserts the exact
problem (`path:line: [code] message`).
"""
from __future__ import annotations

import subprocess
import sys

import pytest

from generator.site.check import check_project, load_project
from generator.site.search_synonyms import SYNONYMS_FILE
from tests.site.test_check import apply_fixture  # the same fixture folders (tests/fixtures/content/)

EXPECTED = {
    # fixture: (line, code, words the message must contain)
    "synonym-invalid-yaml": (2, "invalid-yaml", "not valid YAML"),
    "synonym-phrase": (3, "synonym-phrase", '"قسطرة القلب" is more than one word'),
    "synonym-duplicate": (4, "duplicate-synonym", '"جِراحة" is already listed in the group on line 2'),
    "synonym-unknown-language": (3, "unknown-key", 'Unknown language "arr". Did you mean "ar"?'),
    "synonym-group-structure": (3, "invalid-structure", "square brackets"),
    "synonym-small-group": (5, "invalid-value", "at least two words"),
}


def test_the_real_synonyms_load_each_language_apart(project_copy):
    project = load_project(project_copy)
    assert [str(p) for p in project.problems.errors] == []
    assert ["عملية", "جراحة"] in project.synonyms["ar"]
    assert ["surgery", "operation"] in project.synonyms["en"]
    assert not any(word in group for group in project.synonyms["en"] for word in ("عملية", "جراحة"))


@pytest.mark.parametrize("text", ["", "# only a comment\n", "ar: []\nen:\n"])
def test_an_empty_or_missing_file_means_no_synonyms(project_copy, text):
    (project_copy / SYNONYMS_FILE).write_text(text, encoding="utf-8")
    project = load_project(project_copy)
    assert project.synonyms == {"ar": [], "en": []} and project.problems.errors == []
    (project_copy / SYNONYMS_FILE).unlink()
    project = load_project(project_copy)
    assert project.synonyms == {"ar": [], "en": []} and project.problems.errors == []


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_mistake_is_reported_with_path_line_and_code(project_copy, name):
    apply_fixture(project_copy, name)
    line, code, words = EXPECTED[name]
    problems = check_project(project_copy).items
    matching = [p for p in problems if (p.path, p.line, p.code, p.severity) == (SYNONYMS_FILE, line, code, "error")]
    assert matching, f"expected {SYNONYMS_FILE}:{line}: [{code}], got:\n" + "\n".join(map(str, problems))
    assert words in matching[0].message


def test_a_broken_group_keeps_the_others(project_copy):
    apply_fixture(project_copy, "synonym-phrase")
    project = load_project(project_copy)
    assert project.synonyms["ar"] == [["عملية", "جراحة"]]  # the group with the phrase has one word left
    assert project.synonyms["en"] == [["surgery", "operation"]]


def test_check_prints_the_problem_and_fails(project_copy):
    apply_fixture(project_copy, "synonym-duplicate")
    run = subprocess.run([sys.executable, "-m", "generator", "--root", str(project_copy), "check"],
                         capture_output=True, text=True)
    output = run.stdout + run.stderr
    assert run.returncode != 0, output
    assert f"{SYNONYMS_FILE}:4: [duplicate-synonym]" in output
