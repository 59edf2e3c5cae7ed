"""`documents_to:` on a state that waits for the applicant: where a case moves when the
applicant adds documents from the status page (issue 36, item 6); checked with its line."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from generator.core.problems import Problems
from generator.forms import load_forms

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "forms"

WORKFLOW = """workflow:
  states:
    - id: received
      name: {ar: وارد, en: Received}
      public: {ar: استلمنا طلبك, en: Received}
      next: [waiting, studied, noted, closed]
    - id: waiting
      name: {ar: بانتظار المتقدم, en: Waiting}
      public: {ar: ننتظر منك مستندات, en: We wait for documents from you}
      next: [studied, noted, closed]
      %(waiting)s
    - id: studied
      name: {ar: قيد الدراسة, en: Under study}
      public: {ar: قيد الدراسة, en: Under study}
      next: [closed]
    - id: noted
      name: {ar: بملاحظة, en: With a note}
      public: {ar: قيد الدراسة, en: Under study}
      needs: note
      next: [closed]
    - id: closed
      name: {ar: مغلق, en: Closed}
      public: {ar: مغلق, en: Closed}
      closed: true
"""


def load(tmp_path: Path, waiting: str) -> tuple[dict, list]:
    project = tmp_path / "project"
    shutil.copytree(FIXTURES / "workflow-valid", project)
    path = project / "forms" / "sample.yml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text[:text.index("workflow:")] + WORKFLOW % {"waiting": waiting}, encoding="utf-8")
    problems = Problems()
    forms = load_forms(project, problems)
    return forms, [(p.line, p.code, p.message) for p in problems.sorted()]


def test_documents_to_names_where_the_case_goes(tmp_path: Path) -> None:
    forms, problems = load(tmp_path, "pauses_clock: true\n      documents_to: studied")
    assert problems == []
    workflow = forms["sample"].workflow
    assert workflow.state("waiting").documents_to == "studied"
    assert workflow.state("received").documents_to is None


@pytest.mark.parametrize("waiting,line,code,words", [
    ("pauses_clock: true\n      documents_to: nowhere", 32, "unknown-state", 'one of its "next:" states, not "nowhere"'),
    ("documents_to: studied", 31, "invalid-value", 'add "pauses_clock: true" to this state'),
    ("pauses_clock: true\n      documents_to: noted", 32, "invalid-value", '"noted" needs a reason or a note'),
])
def test_a_wrong_documents_to_is_refused_with_its_line(tmp_path: Path, waiting: str, line: int, code: str,
                                                      words: str) -> None:
    forms, problems = load(tmp_path, waiting)
    assert [(p[0], p[1]) for p in problems] == [(line, code)]
    assert words in problems[0][2]
    assert forms == {}
