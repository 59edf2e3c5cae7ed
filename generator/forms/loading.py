"""Loading every form file of a project: each read and checked by check_form.py."""
from __future__ import annotations

import sys
from pathlib import Path

from generator.core.problems import Problems

from .check_form import read_form_file
from .model import Form


def load_forms(root: Path, problems: Problems) -> dict[str, Form]:
    """Every valid form in `root/forms/*.yml`, by id; problems go to `problems`."""
    forms: dict[str, Form] = {}
    folder = Path(root) / "forms"
    if not folder.is_dir():
        return forms
    for path in sorted(folder.glob("*.yml")):
        form = read_form_file(path, rel=f"forms/{path.name}", problems=problems)
        if form is not None:
            forms[form.id] = form
    return forms


def load_forms_or_report(root: Path) -> dict[str, Form] | None:
    """The forms for a command or a web app, or None after printing their errors
    (and, either way, their warnings) to stderr in the `path:line: [code]` shape."""
    problems = Problems()
    forms = load_forms(root, problems)
    for problem in problems.sorted():
        print(problem, file=sys.stderr)
    if problems.errors:
        print("The forms have errors (above); fix them, then start again.", file=sys.stderr)
        return None
    return forms
