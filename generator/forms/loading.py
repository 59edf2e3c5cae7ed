"""Loading every form file of a project: each read and checked by check_form.py."""
from __future__ import annotations

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
